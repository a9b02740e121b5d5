//! A learned step of a numeric source: 1 where the value is at least a
//! cut. A source's steps, each with its own coefficient, make its binned
//! shape (the bins between cuts); the ridge penalty on each step's jump is
//! a smoothness penalty between neighbouring bins, so a bin with little
//! support stays close to its neighbour.

use serde::{Deserialize, Serialize};

use super::{name_number, show, Inputs, Sql, TermKind};
use crate::error::Result;
use crate::model::sql::num;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Step {
    pub at: f64,
}

impl TermKind for Step {
    fn values(&self, source: &str, inputs: &mut Inputs, out: &mut Vec<f64>) -> Result<()> {
        let v = inputs.numbers(source)?;
        out.extend(v.iter().map(|x| f64::from(u8::from(*x >= self.at))));
        Ok(())
    }

    fn sql(&self, source: &str, sql: &Sql) -> String {
        Sql::indicator(&format!("{} >= {}", sql.number(source), num(self.at)))
    }

    fn at(&self, x: f64) -> Option<f64> {
        Some(f64::from(u8::from(x >= self.at)))
    }

    fn suffix(&self) -> String {
        format!("_ge_{}", name_number(self.at))
    }

    fn rising(&self) -> Option<f64> {
        Some(1.0)
    }

    fn label(&self) -> String {
        format!("at least {}", show(self.at))
    }
}

/// The cuts of a source's bins, learned from the fitted rows' values `x`
/// and outcomes `y` as a tree would (optbinning's pre-binning, CART on one
/// feature): the sorted values are grouped into at most `PRE_BINS` pre-bins
/// of equal counts (tied values never split), then the bin whose best cut
/// gains the most log-likelihood (won rate on either side against the
/// whole) is cut, while the gain beats `MIN_GAIN`, each side keeps
/// `min_rows` rows, and there are fewer than `bins` bins.
pub fn cuts(x: &[f64], y: &[u8], bins: usize, min_rows: usize) -> Vec<f64> {
    let mut v: Vec<(f64, u8)> = x
        .iter()
        .zip(y)
        .filter(|(x, _)| x.is_finite())
        .map(|(x, y)| (*x, *y))
        .collect();
    if bins < 2 || v.len() < 2 * min_rows {
        return vec![];
    }
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    // runs of equal values: (value, rows, won)
    let mut runs: Vec<(f64, usize, usize)> = vec![];
    for (x, y) in v {
        match runs.last_mut() {
            Some(r) if r.0 == x => {
                r.1 += 1;
                r.2 += usize::from(y);
            }
            _ => runs.push((x, 1, usize::from(y))),
        }
    }
    // pre-bins of about equal counts: (the cut below it, rows, won), the
    // cut midway between its first value and the last value before it
    let n: usize = runs.iter().map(|r| r.1).sum();
    let target = n.div_ceil(PRE_BINS).max(1);
    let mut pre: Vec<(f64, usize, usize)> = vec![];
    let mut last = f64::NEG_INFINITY;
    for (x, rows, won) in runs {
        match pre.last_mut() {
            Some(p) if p.1 < target => {
                p.1 += rows;
                p.2 += won;
            }
            _ => pre.push((midway(last, x), rows, won)),
        }
        last = x;
    }
    let ll = |rows: usize, won: usize| -> f64 {
        let (n, w) = (rows as f64, won as f64);
        let term = |k: f64| if k > 0.0 { k * (k / n).ln() } else { 0.0 };
        term(w) + term(n - w)
    };
    // the best cut of pre-bins a..b: (gain, cut index)
    let best = |a: usize, b: usize| -> Option<(f64, usize)> {
        let (rows, won) = pre[a..b].iter().fold((0, 0), |s, p| (s.0 + p.1, s.1 + p.2));
        let whole = ll(rows, won);
        let (mut lr, mut lw) = (0, 0);
        let mut out: Option<(f64, usize)> = None;
        for (k, p) in pre.iter().enumerate().take(b - 1).skip(a) {
            lr += p.1;
            lw += p.2;
            if lr < min_rows || rows - lr < min_rows {
                continue;
            }
            let gain = ll(lr, lw) + ll(rows - lr, won - lw) - whole;
            if out.is_none_or(|(g, _)| gain > g) {
                out = Some((gain, k + 1));
            }
        }
        out
    };
    let mut segments = vec![(0, pre.len())];
    while segments.len() < bins {
        let pick = segments
            .iter()
            .enumerate()
            .filter_map(|(i, &(a, b))| best(a, b).map(|(g, k)| (g, k, i)))
            .max_by(|x, y| x.0.total_cmp(&y.0));
        match pick {
            Some((gain, k, i)) if gain > MIN_GAIN => {
                let (a, b) = segments[i];
                segments.splice(i..=i, [(a, k), (k, b)]);
            }
            _ => break,
        }
    }
    segments.iter().skip(1).map(|&(a, _)| pre[a].0).collect()
}

/// A cut between `below` and `x`, two neighbouring values seen in
/// training: midway, as a tree places its threshold, so that no value the
/// data take sits on it and a last-bit difference in another engine's
/// `LN` or division never moves a row across (PRODUCT.md §6). `x` itself
/// only where no double lies strictly between the two.
pub fn midway(below: f64, x: f64) -> f64 {
    let m = below + (x - below) / 2.0;
    if m > below && m < x {
        m
    } else {
        x
    }
}

/// Pre-bins a source's values are grouped into before cutting.
const PRE_BINS: usize = 64;
/// Log-likelihood a cut must gain: half the 1-degree-of-freedom
/// chi-square's 95% point (3.84), the likelihood-ratio test of the cut.
const MIN_GAIN: f64 = 1.92;

#[cfg(test)]
mod tests {
    #[test]
    fn cuts_where_the_win_rate_changes() {
        // won from 64 and below 19.2 (pre-bin edges: 16 rows each): two cuts, there
        let x: Vec<f64> = (0..1000).map(|i| f64::from(i) / 10.0).collect();
        let y: Vec<u8> = x
            .iter()
            .map(|v| u8::from(*v >= 64.0 || *v < 19.2))
            .collect();
        // (cuts midway between neighbouring values: 19.15, 63.95)
        let c = super::cuts(&x, &y, 8, 30);
        assert_eq!(c.len(), 2, "{c:?}");
        assert!(
            (c[0] - 19.15).abs() < 1e-12 && (c[1] - 63.95).abs() < 1e-12,
            "{c:?}"
        );
        // no relation: no cut
        let y: Vec<u8> = (0..1000).map(|i| u8::from(i % 2 == 0)).collect();
        assert!(super::cuts(&x, &y, 8, 30).is_empty());
        // a mostly-zero count: the cut falls at the first positive value
        let mut z = vec![0.0; 900];
        z.extend((1..=100).map(f64::from));
        let y: Vec<u8> = z.iter().map(|v| u8::from(*v > 0.0)).collect();
        assert_eq!(super::cuts(&z, &y, 4, 30), vec![0.5]);
        // ln 3, a value the data take (ln(1 + 2 jobs)), is never a cut:
        // the cut lies between ln 2 and ln 3
        let l: Vec<f64> = (0..1000).map(|i| f64::from(i % 6).ln_1p()).collect();
        let y: Vec<u8> = (0..1000).map(|i| u8::from(i % 6 >= 2)).collect();
        let c = super::cuts(&l, &y, 4, 30);
        assert_eq!(c.len(), 1, "{c:?}");
        assert!(c[0] > 2f64.ln() && c[0] < 3f64.ln(), "{c:?}");
        assert_eq!(
            super::midway(1.0, f64::from_bits(1f64.to_bits() + 1)),
            f64::from_bits(1f64.to_bits() + 1)
        );
        assert!(super::cuts(&[1.0; 50], &[1; 50], 4, 5).is_empty());
    }
}
