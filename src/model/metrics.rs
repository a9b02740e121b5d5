//! Held-out metrics of a probability scorer: ROC AUC, log loss, Brier score,
//! expected calibration error, KS, and lift / cumulative gains by decile.
//! Definitions follow scikit-learn (`roc_auc_score`, `log_loss`,
//! `brier_score_loss`); the tests hold scikit-learn's figures.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Metrics {
    pub rows: usize,
    pub win_rate: f64,
    pub auc: f64,
    pub log_loss: f64,
    pub brier: f64,
    pub ece: f64,
    pub ks: f64,
    /// Decile 1 = highest scores: win rate in the decile / overall win rate.
    pub lift_by_decile: Vec<f64>,
    /// Share of all wins captured by the top k deciles.
    pub cumulative_gains: Vec<f64>,
}

/// ROC AUC with ties counted one half (Mann-Whitney).
pub fn auc(p: &[f64], y: &[u8]) -> f64 {
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let (mut rank_sum, mut i) = (0.0, 0);
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && p[idx[j + 1]] == p[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            if y[k] == 1 {
                rank_sum += avg;
            }
        }
        i = j + 1;
    }
    let pos = y.iter().filter(|v| **v == 1).count() as f64;
    let neg = y.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return f64::NAN;
    }
    (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg)
}

fn row_log_loss(p: f64, y: u8) -> f64 {
    let p = p.clamp(1e-15, 1.0 - 1e-15);
    if y == 1 {
        -p.ln()
    } else {
        -(1.0 - p).ln()
    }
}

pub fn log_loss(p: &[f64], y: &[u8]) -> f64 {
    let s: f64 = p.iter().zip(y).map(|(p, y)| row_log_loss(*p, *y)).sum();
    s / p.len().max(1) as f64
}

/// Mean per-row log-loss difference `a - b` on the same rows and its
/// standard error (paired): negative means `a` is better.
pub fn paired_log_loss_difference(a: &[f64], b: &[f64], y: &[u8]) -> (f64, f64) {
    let d: Vec<f64> = (0..y.len())
        .map(|i| row_log_loss(a[i], y[i]) - row_log_loss(b[i], y[i]))
        .collect();
    let n = d.len().max(2) as f64;
    let mean = d.iter().sum::<f64>() / n;
    let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

pub fn brier(p: &[f64], y: &[u8]) -> f64 {
    p.iter()
        .zip(y)
        .map(|(p, y)| (p - f64::from(*y)).powi(2))
        .sum::<f64>()
        / p.len().max(1) as f64
}

/// Expected calibration error over 10 equal-width probability bins.
pub fn ece(p: &[f64], y: &[u8]) -> f64 {
    let mut sum = [0.0; 10];
    let mut obs = [0.0; 10];
    let mut n = [0usize; 10];
    for (p, y) in p.iter().zip(y) {
        let b = ((p * 10.0) as usize).min(9);
        sum[b] += p;
        obs[b] += f64::from(*y);
        n[b] += 1;
    }
    let total = p.len().max(1) as f64;
    (0..10)
        .filter(|&b| n[b] > 0)
        .map(|b| (sum[b] - obs[b]).abs() / total)
        .sum()
}

/// Kolmogorov-Smirnov statistic: the largest gap between the score
/// distributions of won and lost deals.
pub fn ks(p: &[f64], y: &[u8]) -> f64 {
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    let pos = y.iter().filter(|v| **v == 1).count() as f64;
    let neg = y.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return f64::NAN;
    }
    let (mut tp, mut fp, mut best) = (0.0, 0.0, 0.0f64);
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j < idx.len() && p[idx[j]] == p[idx[i]] {
            if y[idx[j]] == 1 {
                tp += 1.0
            } else {
                fp += 1.0
            }
            j += 1;
        }
        best = best.max((tp / pos - fp / neg).abs());
        i = j;
    }
    best
}

/// Rows sorted by score (highest first) split into ten near-equal deciles.
fn deciles(p: &[f64]) -> Vec<Vec<usize>> {
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[b].total_cmp(&p[a]).then(a.cmp(&b)));
    let n = idx.len();
    (0..10)
        .map(|d| idx[d * n / 10..(d + 1) * n / 10].to_vec())
        .collect()
}

pub fn evaluate(p: &[f64], y: &[u8]) -> Metrics {
    let wins = y.iter().filter(|v| **v == 1).count() as f64;
    let rate = wins / y.len().max(1) as f64;
    let mut lift = vec![];
    let mut gains = vec![];
    let mut captured = 0.0;
    for d in deciles(p) {
        let w = d.iter().filter(|&&i| y[i] == 1).count() as f64;
        lift.push(if d.is_empty() || rate == 0.0 {
            0.0
        } else {
            (w / d.len() as f64) / rate
        });
        captured += w;
        gains.push(if wins > 0.0 { captured / wins } else { 0.0 });
    }
    Metrics {
        rows: y.len(),
        win_rate: rate,
        auc: auc(p, y),
        log_loss: log_loss(p, y),
        brier: brier(p, y),
        ece: ece(p, y),
        ks: ks(p, y),
        lift_by_decile: lift,
        cumulative_gains: gains,
    }
}

/// Two scorers' AUCs on the same rows and DeLong's variance of their
/// difference (DeLong, DeLong & Clarke-Pearson 1988; the fast midrank form
/// of Sun & Xu 2014).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct DeLong {
    pub auc_a: f64,
    pub auc_b: f64,
    /// auc_b - auc_a.
    pub difference: f64,
    pub se: f64,
}

impl DeLong {
    /// The 95% interval of the difference.
    pub fn interval(&self) -> (f64, f64) {
        (
            self.difference - 1.96 * self.se,
            self.difference + 1.96 * self.se,
        )
    }
}

/// Midranks (1-based, ties averaged) of `v`.
fn midranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let mid = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = mid;
        }
        i = j + 1;
    }
    r
}

/// DeLong's test of two correlated AUCs (`a` and `b` score the same rows `y`).
pub fn delong(a: &[f64], b: &[f64], y: &[u8]) -> DeLong {
    let pos: Vec<usize> = (0..y.len()).filter(|&i| y[i] == 1).collect();
    let neg: Vec<usize> = (0..y.len()).filter(|&i| y[i] != 1).collect();
    let (m, n) = (pos.len() as f64, neg.len() as f64);
    if pos.len() < 2 || neg.len() < 2 {
        return DeLong {
            auc_a: f64::NAN,
            auc_b: f64::NAN,
            difference: f64::NAN,
            se: f64::NAN,
        };
    }
    // per scorer: structural components V10 (positives) and V01 (negatives)
    let components = |p: &[f64]| {
        let all = midranks(p);
        let xs: Vec<f64> = pos.iter().map(|&i| p[i]).collect();
        let ys: Vec<f64> = neg.iter().map(|&i| p[i]).collect();
        let (rx, ry) = (midranks(&xs), midranks(&ys));
        let v10: Vec<f64> = pos
            .iter()
            .zip(&rx)
            .map(|(&i, r)| (all[i] - r) / n)
            .collect();
        let v01: Vec<f64> = neg
            .iter()
            .zip(&ry)
            .map(|(&i, r)| 1.0 - (all[i] - r) / m)
            .collect();
        let auc = v10.iter().sum::<f64>() / m;
        (auc, v10, v01)
    };
    let (auc_a, a10, a01) = components(a);
    let (auc_b, b10, b01) = components(b);
    let cov = |u: &[f64], v: &[f64]| {
        let (mu, mv) = (
            u.iter().sum::<f64>() / u.len() as f64,
            v.iter().sum::<f64>() / v.len() as f64,
        );
        u.iter()
            .zip(v)
            .map(|(x, y)| (x - mu) * (y - mv))
            .sum::<f64>()
            / (u.len() as f64 - 1.0)
    };
    let var = (cov(&a10, &a10) + cov(&b10, &b10) - 2.0 * cov(&a10, &b10)) / m
        + (cov(&a01, &a01) + cov(&b01, &b01) - 2.0 * cov(&a01, &b01)) / n;
    DeLong {
        auc_a,
        auc_b,
        difference: auc_b - auc_a,
        se: var.max(0.0).sqrt(),
    }
}

/// Population stability index of `actual` against `expected` over the
/// same bins: sum of (a - e) ln(a / e) over the bins' shares, a share of 0
/// counted as 1e-4 (so an empty bin adds a large but finite term).
pub fn psi_of_counts(expected: &[usize], actual: &[usize]) -> f64 {
    let (te, ta) = (
        expected.iter().sum::<usize>().max(1) as f64,
        actual.iter().sum::<usize>().max(1) as f64,
    );
    expected
        .iter()
        .zip(actual)
        .map(|(e, a)| {
            let (e, a) = ((*e as f64 / te).max(1e-4), (*a as f64 / ta).max(1e-4));
            (a - e) * (a / e).ln()
        })
        .sum()
}

/// PSI of a number: ten bins at the deciles of `expected` (fewer when
/// values repeat; values above the last edge fall in the last bin).
pub fn psi(expected: &[f64], actual: &[f64]) -> f64 {
    let mut s: Vec<f64> = expected.iter().copied().filter(|v| v.is_finite()).collect();
    if s.is_empty() {
        return f64::NAN;
    }
    s.sort_by(|a, b| a.total_cmp(b));
    let mut edges: Vec<f64> = (1..10).map(|k| s[(k * (s.len() - 1)) / 10]).collect();
    edges.dedup();
    let bin = |v: f64| edges.partition_point(|e| *e < v);
    let count = |v: &[f64]| {
        let mut c = vec![0usize; edges.len() + 1];
        for x in v.iter().filter(|x| x.is_finite()) {
            c[bin(*x)] += 1;
        }
        c
    };
    psi_of_counts(&count(expected), &count(actual))
}

/// PSI of a category: one bin per level seen in either.
pub fn psi_levels(expected: &[&str], actual: &[&str]) -> f64 {
    let mut levels: Vec<&str> = expected.iter().chain(actual).copied().collect();
    levels.sort_unstable();
    levels.dedup();
    let count = |v: &[&str]| {
        let mut c = vec![0usize; levels.len()];
        for x in v {
            if let Ok(i) = levels.binary_search(x) {
                c[i] += 1;
            }
        }
        c
    };
    psi_of_counts(&count(expected), &count(actual))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference figures from scikit-learn 1.9.1:
    //   from sklearn.metrics import roc_auc_score, log_loss, brier_score_loss
    //   y = [0,0,1,1,0,1,0,1,1,0]; p = [0.1,0.4,0.35,0.8,0.2,0.7,0.5,0.5,0.9,0.3]
    //   roc_auc_score(y, p)    = 0.9
    //   log_loss(y, p)         = 0.4317300131206096
    //   brier_score_loss(y, p) = 0.13625000000000004
    const Y: [u8; 10] = [0, 0, 1, 1, 0, 1, 0, 1, 1, 0];
    const P: [f64; 10] = [0.1, 0.4, 0.35, 0.8, 0.2, 0.7, 0.5, 0.5, 0.9, 0.3];

    #[test]
    fn matches_scikit_learn() {
        assert!((auc(&P, &Y) - 0.9).abs() < 1e-12);
        assert!((log_loss(&P, &Y) - 0.4317300131206096).abs() < 1e-12);
        assert!((brier(&P, &Y) - 0.13625000000000004).abs() < 1e-12);
    }

    /// `tests/reference/delong.py` (DeLong's variance from its definition,
    /// pairwise over positives and negatives) on these rows.
    #[test]
    fn delong_matches_its_definition() {
        let b = [0.2, 0.3, 0.6, 0.7, 0.1, 0.9, 0.4, 0.35, 0.8, 0.5];
        let d = delong(&P, &b, &Y);
        assert!((d.auc_a - 0.9).abs() < 1e-12, "{d:?}");
        assert!((d.auc_b - DELONG_AUC_B).abs() < 1e-12, "{d:?}");
        assert!((d.se - DELONG_SE).abs() < 1e-12, "{d:?}");
    }
    const DELONG_AUC_B: f64 = 0.9199999999999999;
    const DELONG_SE: f64 = 0.1296148139681572;

    /// PSI by hand: expected shares (0.5, 0.5), actual (0.25, 0.75):
    /// (0.25 - 0.5) ln(0.5) + (0.75 - 0.5) ln(1.5) = 0.1732867951 + 0.1013662770.
    #[test]
    fn psi_by_hand() {
        let v = psi_of_counts(&[50, 50], &[25, 75]);
        assert!((v - 0.274653072167).abs() < 1e-9, "{v}");
        assert!((psi_levels(&["a", "a", "b", "b"], &["a", "b", "b", "b"]) - v).abs() < 1e-12);
        assert!(psi(&[1.0, 2.0, 3.0, 4.0], &[1.0, 2.0, 3.0, 4.0]).abs() < 1e-12);
    }

    #[test]
    fn ks_and_gains() {
        // by hand: sorted desc 0.9(1) 0.8(1) 0.7(1) 0.5(1,0) 0.4(0) 0.35(1) ...: max gap 0.8 - 0.2 = 0.6
        assert!((ks(&P, &Y) - 0.6).abs() < 1e-12);
        let m = evaluate(&P, &Y);
        assert!((m.cumulative_gains[9] - 1.0).abs() < 1e-12);
        assert!((m.lift_by_decile[0] - 2.0).abs() < 1e-12);
    }
}

/// One reliability bin: predicted vs observed win rate.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Bin {
    pub lower: f64,
    pub upper: f64,
    pub count: usize,
    pub mean_predicted: f64,
    pub observed: f64,
    /// Wilson 95% interval of the observed rate.
    pub observed_lower: f64,
    pub observed_upper: f64,
}

/// Wilson score interval (95%) for `wins` out of `n`.
pub fn wilson(wins: f64, n: f64) -> (f64, f64) {
    if n == 0.0 {
        return (0.0, 1.0);
    }
    let z = 1.959_963_984_540_054;
    let p = wins / n;
    let d = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / d;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / d;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Reliability table over `bins` equal-width probability bins (empty bins left out).
pub fn reliability(p: &[f64], y: &[u8], bins: usize) -> Vec<Bin> {
    let mut out = vec![];
    for b in 0..bins {
        let (lo, hi) = (b as f64 / bins as f64, (b + 1) as f64 / bins as f64);
        let rows: Vec<usize> = (0..p.len())
            .filter(|&i| ((p[i] * bins as f64) as usize).min(bins - 1) == b)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let n = rows.len() as f64;
        let wins = rows.iter().map(|&i| f64::from(y[i])).sum::<f64>();
        let (observed_lower, observed_upper) = wilson(wins, n);
        out.push(Bin {
            observed_lower,
            observed_upper,
            lower: lo,
            upper: hi,
            count: rows.len(),
            mean_predicted: rows.iter().map(|&i| p[i]).sum::<f64>() / n,
            observed: rows.iter().map(|&i| f64::from(y[i])).sum::<f64>() / n,
        });
    }
    out
}
