//! Segments that matter (PRODUCT.md §11): do the industry × size-band
//! segments of the closed deals differ in win rate, by how much once the
//! noise of small segments is shrunk away, and which would a sales team
//! keep apart?
//!
//! - a G-test of independence of segment and outcome (k × 2 table), and
//!   each segment against the rest (2 × 2), Holm-adjusted across segments:
//!   a segment whose adjusted p-value is above 5% is "not useful";
//! - win rates shrunk toward the overall rate by empirical Bayes: a beta
//!   prior fitted to the segments by maximum marginal (beta-binomial)
//!   likelihood, each segment's posterior mean and 95% interval;
//! - a CHAID-style merge: the pair of groups least different (largest
//!   2 × 2 G-test p-value) is merged while that p-value is above 5% or
//!   more than five groups remain; the groups left differ pairwise.

use serde::{Deserialize, Serialize};

/// The level below which a difference is taken as real.
pub const ALPHA: f64 = 0.05;
/// The most groups a merge suggestion keeps.
pub const MAX_GROUPS: usize = 5;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SegmentTest {
    pub segment: String,
    pub deals: usize,
    pub won: usize,
    pub win_rate: f64,
    /// Empirical-Bayes win rate and its 95% interval.
    pub shrunk_win_rate: f64,
    pub shrunk_low: f64,
    pub shrunk_high: f64,
    /// G-test of the segment against all the others, Holm-adjusted.
    pub p_vs_rest: f64,
    /// Whether the segment's win rate differs from the rest's (adjusted p <= 5%).
    pub useful: bool,
    /// The suggested group it merges into (`G1`, `G2`, ... by win rate).
    pub group: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct MergedGroup {
    pub name: String,
    pub segments: Vec<String>,
    pub deals: usize,
    pub won: usize,
    pub win_rate: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SegmentTests {
    /// What a segment is: industry / size band, then these axes' levels.
    #[serde(default)]
    pub axes: Vec<String>,
    pub deals: usize,
    pub won: usize,
    /// The k × 2 G-test of independence.
    pub g: f64,
    pub df: usize,
    pub p_value: f64,
    /// The beta prior's concentration (a + b): how many deals' worth of
    /// weight the overall rate has against a segment's own.
    pub prior_strength: f64,
    pub segments: Vec<SegmentTest>,
    pub groups: Vec<MergedGroup>,
    /// Holm-adjusted p-values between the suggested groups, pairwise:
    /// (group, group, p).
    pub group_pairs: Vec<(String, String, f64)>,
}

/// G-test of independence of a table of (won, lost) rows: (G, df, p).
/// Rows without deals are ignored; scipy's `chi2_contingency(...,
/// lambda_="log-likelihood", correction=False)`.
pub fn g_test(rows: &[(usize, usize)]) -> (f64, usize, f64) {
    let rows: Vec<(f64, f64)> = rows
        .iter()
        .filter(|(w, l)| w + l > 0)
        .map(|&(w, l)| (w as f64, l as f64))
        .collect();
    let total: f64 = rows.iter().map(|(w, l)| w + l).sum();
    let (won, lost): (f64, f64) = (
        rows.iter().map(|r| r.0).sum(),
        rows.iter().map(|r| r.1).sum(),
    );
    let df = rows.len().saturating_sub(1) * usize::from(won > 0.0 && lost > 0.0);
    if df == 0 {
        return (0.0, 0, 1.0);
    }
    let term = |o: f64, e: f64| if o > 0.0 { o * (o / e).ln() } else { 0.0 };
    let g = 2.0
        * rows
            .iter()
            .map(|(w, l)| {
                let n = w + l;
                term(*w, n * won / total) + term(*l, n * lost / total)
            })
            .sum::<f64>();
    let g = g.max(0.0);
    (g, df, chi2_sf(g, df as f64))
}

/// P(X > x) for X chi-square with `df` degrees of freedom: the regularized
/// upper incomplete gamma Q(df/2, x/2), by its series below a + 1 and its
/// continued fraction (modified Lentz) above, so that tiny p-values keep
/// their digits (Numerical Recipes' gser / gcf).
pub fn chi2_sf(x: f64, df: f64) -> f64 {
    let (a, x) = (df / 2.0, x / 2.0);
    if x <= 0.0 {
        return 1.0;
    }
    let ln_front = a * x.ln() - x - puruspe::ln_gamma(a);
    if x < a + 1.0 {
        let (mut term, mut sum, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..10_000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        return (1.0 - sum * ln_front.exp()).clamp(0.0, 1.0);
    }
    const TINY: f64 = 1e-300;
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..10_000 {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < TINY {
            d = TINY;
        }
        c = b + an / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-16 {
            break;
        }
    }
    (ln_front.exp() * h).clamp(0.0, 1.0)
}

/// The regularized incomplete beta I_x(a, b), by its continued fraction
/// (modified Lentz, Numerical Recipes' betacf) on the side where it
/// converges fast.
fn beta_cdf(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = (puruspe::ln_gamma(a + b) - puruspe::ln_gamma(a) - puruspe::ln_gamma(b)
        + a * x.ln()
        + b * (1.0 - x).ln())
    .exp();
    let fraction = |a: f64, b: f64, x: f64| -> f64 {
        const TINY: f64 = 1e-300;
        let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
        let mut c = 1.0;
        let mut d = 1.0 - qab * x / qap;
        if d.abs() < TINY {
            d = TINY;
        }
        d = 1.0 / d;
        let mut h = d;
        for m in 1..100_000 {
            let (m, m2) = (m as f64, 2.0 * m as f64);
            for aa in [
                m * (b - m) * x / ((qam + m2) * (a + m2)),
                -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
            ] {
                d = 1.0 + aa * d;
                if d.abs() < TINY {
                    d = TINY;
                }
                c = 1.0 + aa / c;
                if c.abs() < TINY {
                    c = TINY;
                }
                d = 1.0 / d;
                h *= d * c;
            }
            if (d * c - 1.0).abs() < 1e-15 {
                break;
            }
        }
        h
    };
    if x < (a + 1.0) / (a + b + 2.0) {
        front * fraction(a, b, x) / a
    } else {
        1.0 - front * fraction(b, a, 1.0 - x) / b
    }
}

/// The `q` quantile of Beta(a, b): bisection on `beta_cdf`, or the normal
/// approximation once a + b is so large that the distribution is normal
/// to many digits (and the continued fraction slow).
pub fn beta_quantile(q: f64, a: f64, b: f64) -> f64 {
    let mean = a / (a + b);
    if a + b > 1e6 {
        let sd = (a * b / ((a + b).powi(2) * (a + b + 1.0))).sqrt();
        let z = -std::f64::consts::SQRT_2 * puruspe::inverfc(2.0 * q);
        return (mean + z * sd).clamp(0.0, 1.0);
    }
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..80 {
        let mid = 0.5 * (lo + hi);
        if beta_cdf(mid, a, b) < q {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Holm's step-down adjustment (statsmodels `multipletests(method="holm")`).
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut out = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p[i]).min(1.0));
        out[i] = running;
    }
    out
}

fn ln_beta(a: f64, b: f64) -> f64 {
    puruspe::ln_gamma(a) + puruspe::ln_gamma(b) - puruspe::ln_gamma(a + b)
}

/// The beta prior (a, b) of the segments' win rates: its mean the overall
/// rate, its concentration a + b maximizing the beta-binomial likelihood
/// of the segments' wins (a search over log concentration).
pub fn beta_prior(rows: &[(usize, usize)]) -> (f64, f64) {
    let (won, n): (usize, usize) = rows
        .iter()
        .fold((0, 0), |(w, n), r| (w + r.0, n + r.0 + r.1));
    let m = (won as f64 / n.max(1) as f64).clamp(1e-6, 1.0 - 1e-6);
    let loglik = |kappa: f64| -> f64 {
        let (a, b) = (m * kappa, (1.0 - m) * kappa);
        rows.iter()
            .map(|&(w, l)| ln_beta(a + w as f64, b + l as f64) - ln_beta(a, b))
            .sum()
    };
    // golden-section on ln(kappa) over [ln 0.1, ln 1e7]: the likelihood is
    // unimodal in it (flat toward infinity when segments do not differ)
    let (mut lo, mut hi) = (0.1f64.ln(), 1e7f64.ln());
    let phi = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..100 {
        let (x1, x2) = (hi - phi * (hi - lo), lo + phi * (hi - lo));
        if loglik(x1.exp()) < loglik(x2.exp()) {
            lo = x1;
        } else {
            hi = x2;
        }
    }
    let kappa = (0.5 * (lo + hi)).exp();
    (m * kappa, (1.0 - m) * kappa)
}

/// Merges groups of (won, lost) CHAID-style: the least different pair
/// while its p-value is above `ALPHA` or more than `MAX_GROUPS` remain.
/// Each group is the indices of the rows it holds.
pub fn merge(rows: &[(usize, usize)]) -> Vec<Vec<usize>> {
    // groups keep the index of their first segment; a merged one is dead
    let n = rows.len();
    let mut alive: Vec<bool> = rows.iter().map(|r| r.0 + r.1 > 0).collect();
    let mut members: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    let mut totals: Vec<(usize, usize)> = rows.to_vec();
    // each pair's p-value once, then only the merged group's again: pv[a][b], a < b
    let test = |x: (usize, usize), y: (usize, usize)| g_test(&[x, y]).2;
    let mut pv: Vec<Vec<f64>> = (0..n)
        .map(|a| {
            (0..n)
                .map(|b| {
                    if b > a && alive[a] && alive[b] {
                        test(totals[a], totals[b])
                    } else {
                        f64::NAN
                    }
                })
                .collect()
        })
        .collect();
    // each row's least different later group: the first of the largest p
    let row_best = |pv: &[Vec<f64>], alive: &[bool], a: usize| -> Option<(f64, usize)> {
        let mut best: Option<(f64, usize)> = None;
        for b in a + 1..n {
            if alive[b] && best.is_none_or(|(p, _)| pv[a][b] > p) {
                best = Some((pv[a][b], b));
            }
        }
        best
    };
    let mut best: Vec<Option<(f64, usize)>> = (0..n)
        .map(|a| {
            if alive[a] {
                row_best(&pv, &alive, a)
            } else {
                None
            }
        })
        .collect();
    let mut count = alive.iter().filter(|x| **x).count();
    while count > 1 {
        // the first largest p in row order, as a scan of every pair finds it
        let mut pick: Option<(f64, usize, usize)> = None;
        for a in (0..n).filter(|&a| alive[a]) {
            if let Some((p, b)) = best[a] {
                if pick.is_none_or(|(q, _, _)| p > q) {
                    pick = Some((p, a, b));
                }
            }
        }
        let Some((p, a, b)) = pick else { break };
        if p <= ALPHA && count <= MAX_GROUPS {
            break;
        }
        // b into a
        alive[b] = false;
        best[b] = None;
        count -= 1;
        let moved = std::mem::take(&mut members[b]);
        members[a].extend(moved);
        members[a].sort_unstable();
        totals[a] = (totals[a].0 + totals[b].0, totals[a].1 + totals[b].1);
        for c in (0..n).filter(|&c| alive[c] && c != a) {
            let (x, y) = (c.min(a), c.max(a));
            pv[x][y] = test(totals[x], totals[y]);
        }
        best[a] = row_best(&pv, &alive, a);
        for c in (0..a).filter(|&c| alive[c]) {
            best[c] = match best[c] {
                // pointed at a changed or a dead group: look again
                Some((_, t)) if t == a || t == b => row_best(&pv, &alive, c),
                Some((q, t)) if pv[c][a] > q || (pv[c][a] == q && a < t) => Some((pv[c][a], a)),
                other => other,
            };
        }
        for c in a + 1..b {
            if alive[c] && best[c].is_some_and(|(_, t)| t == b) {
                best[c] = row_best(&pv, &alive, c);
            }
        }
    }
    (0..n)
        .filter(|&i| alive[i])
        .map(|i| std::mem::take(&mut members[i]))
        .collect()
}

/// The tests of segments `names` with their (won, lost) deals `rows`.
pub fn analyze(names: &[String], rows: &[(usize, usize)]) -> SegmentTests {
    let (g, df, p_value) = g_test(rows);
    let (won, deals) = rows
        .iter()
        .fold((0, 0), |(w, n), r| (w + r.0, n + r.0 + r.1));
    let (a, b) = beta_prior(rows);
    let rest = |i: usize| (won - rows[i].0, deals - won - rows[i].1);
    let raw: Vec<f64> = (0..rows.len())
        .map(|i| g_test(&[rows[i], rest(i)]).2)
        .collect();
    let adjusted = holm(&raw);
    // groups named by win rate, highest first
    let rate = |w: usize, l: usize| {
        if w + l > 0 {
            w as f64 / (w + l) as f64
        } else {
            f64::NAN
        }
    };
    let mut groups = merge(rows);
    let sums = |g: &[usize]| {
        g.iter()
            .fold((0, 0), |(w, l), &i| (w + rows[i].0, l + rows[i].1))
    };
    groups.sort_by(|x, y| {
        let (a, b) = (sums(x), sums(y));
        rate(b.0, b.1).total_cmp(&rate(a.0, a.1))
    });
    let mut group_of = vec![String::new(); rows.len()];
    let merged: Vec<MergedGroup> = groups
        .iter()
        .enumerate()
        .map(|(k, g)| {
            let name = format!("G{}", k + 1);
            for &i in g {
                group_of[i] = name.clone();
            }
            let (w, l) = sums(g);
            MergedGroup {
                name,
                segments: g.iter().map(|&i| names[i].clone()).collect(),
                deals: w + l,
                won: w,
                win_rate: rate(w, l),
            }
        })
        .collect();
    let mut pairs = vec![];
    for x in 0..groups.len() {
        for y in x + 1..groups.len() {
            pairs.push((x, y, g_test(&[sums(&groups[x]), sums(&groups[y])]).2));
        }
    }
    let adj = holm(&pairs.iter().map(|p| p.2).collect::<Vec<_>>());
    let segments = (0..rows.len())
        .map(|i| {
            let (w, l) = rows[i];
            let (pa, pb) = (a + w as f64, b + l as f64);
            SegmentTest {
                segment: names[i].clone(),
                deals: w + l,
                won: w,
                win_rate: rate(w, l),
                shrunk_win_rate: pa / (pa + pb),
                shrunk_low: beta_quantile(0.025, pa, pb),
                shrunk_high: beta_quantile(0.975, pa, pb),
                p_vs_rest: adjusted[i],
                useful: p_value <= ALPHA && adjusted[i] <= ALPHA,
                group: group_of[i].clone(),
            }
        })
        .collect();
    SegmentTests {
        axes: vec![],
        deals,
        won,
        g,
        df,
        p_value,
        prior_strength: a + b,
        segments,
        group_pairs: pairs
            .iter()
            .zip(adj)
            .map(|(&(x, y, _), p)| (merged[x].name.clone(), merged[y].name.clone(), p))
            .collect(),
        groups: merged,
    }
}

/// The segments of closed deals: each label's (won, lost), labels sorted.
pub fn tally<'a>(
    deals: impl Iterator<Item = (&'a str, bool)>,
) -> (Vec<String>, Vec<(usize, usize)>) {
    let mut by: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for (s, won) in deals {
        let e = by.entry(s).or_default();
        if won {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    }
    (
        by.keys().map(|k| k.to_string()).collect(),
        by.into_values().collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The merge as first written: every pair tested at every step.
    fn merge_by_scan(rows: &[(usize, usize)]) -> Vec<Vec<usize>> {
        let mut groups: Vec<Vec<usize>> = (0..rows.len())
            .filter(|&i| rows[i].0 + rows[i].1 > 0)
            .map(|i| vec![i])
            .collect();
        let total = |g: &[usize]| {
            g.iter()
                .fold((0, 0), |(w, l), &i| (w + rows[i].0, l + rows[i].1))
        };
        while groups.len() > 1 {
            let mut best: Option<(f64, usize, usize)> = None;
            for a in 0..groups.len() {
                for b in a + 1..groups.len() {
                    let p = g_test(&[total(&groups[a]), total(&groups[b])]).2;
                    if best.is_none_or(|(bp, _, _)| p > bp) {
                        best = Some((p, a, b));
                    }
                }
            }
            let Some((p, a, b)) = best else { break };
            if p <= ALPHA && groups.len() <= MAX_GROUPS {
                break;
            }
            let moved = groups.remove(b);
            groups[a].extend(moved);
            groups[a].sort_unstable();
        }
        groups
    }

    /// The incremental merge finds the same groups as testing every pair
    /// at every step, on tables with ties, empty segments and real gaps.
    #[test]
    fn incremental_merge_matches_the_full_scan() {
        let mut seed = 7u64;
        let mut next = |m: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as usize) % m
        };
        for case in 0..60 {
            let k = 2 + next(30);
            let rows: Vec<(usize, usize)> = (0..k)
                .map(|_| {
                    let n = if next(10) == 0 { 0 } else { 1 + next(300) };
                    let rate = [0.1, 0.3, 0.3, 0.5][next(4)];
                    let w = ((n as f64) * rate) as usize + next(3).min(n);
                    (w.min(n), n - w.min(n))
                })
                .collect();
            assert_eq!(merge(&rows), merge_by_scan(&rows), "case {case}: {rows:?}");
        }
    }
}
