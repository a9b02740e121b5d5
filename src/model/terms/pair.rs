//! One cell of a small 2-D table over two sources: an interaction ("a
//! trial means more for an account that runs Salesforce"). A pair's cells
//! beyond its first row and column are its terms (the main effects carry
//! the margins); each side is a few bins of a number or levels of a text.
//!
//! Pairs are found on the main-effect model (`detect`): for every two
//! sources, the residuals of the fitted deals are summed in a coarse grid
//! of both, and the score statistic of the grid's interaction cells (each
//! cell's squared residual sum over its binomial variance, less the
//! margins', less its degrees of freedom) ranks the pair, as FAST
//! (Lou et al., 2013) ranks pairs for a GA²M. Training then keeps a
//! candidate only if it lowers the validation log loss.

use serde::{Deserialize, Serialize};

use super::{show, Inputs, Sql, TermKind};
use crate::error::Result;
use crate::features::{FeatureTable, Values};
use crate::model::sql::num;

/// One side of a cell.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// `from <= x < to` (None: unbounded).
    Range { from: Option<f64>, to: Option<f64> },
    /// One of these text values.
    Levels(Vec<String>),
    /// None of these text values (the other levels, unseen ones too).
    OtherLevels(Vec<String>),
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Pair {
    pub first: String,
    pub second: String,
    pub a: Side,
    pub b: Side,
}

impl Side {
    fn rows(&self, name: &str, inputs: &mut Inputs) -> Result<Vec<bool>> {
        Ok(match self {
            Side::Range { from, to } => {
                let v = inputs.numbers(name)?;
                let (lo, hi) = (
                    from.unwrap_or(f64::NEG_INFINITY),
                    to.unwrap_or(f64::INFINITY),
                );
                v.iter().map(|x| *x >= lo && *x < hi).collect()
            }
            Side::Levels(l) => inputs.in_levels(name, l)?,
            Side::OtherLevels(l) => inputs.in_levels(name, l)?.into_iter().map(|b| !b).collect(),
        })
    }

    fn sql(&self, name: &str, sql: &Sql) -> String {
        let list = |l: &[String]| l.iter().map(|s| sql.text(s)).collect::<Vec<_>>().join(", ");
        match self {
            Side::Range { from, to } => {
                let v = sql.number(name);
                let mut c = vec![];
                if let Some(f) = from {
                    c.push(format!("{v} >= {}", num(*f)));
                }
                if let Some(t) = to {
                    c.push(format!("{v} < {}", num(*t)));
                }
                if c.is_empty() {
                    "TRUE".into()
                } else {
                    c.join(" AND ")
                }
            }
            Side::Levels(l) => format!("{} IN ({})", sql.ident(name), list(l)),
            Side::OtherLevels(l) => format!("{} NOT IN ({})", sql.ident(name), list(l)),
        }
    }

    /// In words: "at least 5", "2 to 5", "Reseller", "other".
    pub fn label(&self) -> String {
        match self {
            Side::Range {
                from: Some(f),
                to: Some(t),
            } => format!("{} to {}", show(*f), show(*t)),
            Side::Range {
                from: Some(f),
                to: None,
            } => format!("at least {}", show(*f)),
            Side::Range {
                from: None,
                to: Some(t),
            } => format!("below {}", show(*t)),
            Side::Range { .. } => "any".into(),
            Side::Levels(l) => l.join(" or "),
            Side::OtherLevels(_) => "other".into(),
        }
    }
}

impl TermKind for Pair {
    fn values(&self, _: &str, inputs: &mut Inputs, out: &mut Vec<f64>) -> Result<()> {
        let a = self.a.rows(&self.first, inputs)?;
        let b = self.b.rows(&self.second, inputs)?;
        out.extend(a.iter().zip(&b).map(|(x, y)| f64::from(u8::from(*x && *y))));
        Ok(())
    }

    fn sql(&self, _: &str, sql: &Sql) -> String {
        Sql::indicator(&format!(
            "({}) AND ({})",
            self.a.sql(&self.first, sql),
            self.b.sql(&self.second, sql)
        ))
    }

    fn at(&self, _: f64) -> Option<f64> {
        None
    }

    fn suffix(&self) -> String {
        String::new()
    }

    fn label(&self) -> String {
        format!(
            "{} {} and {} {}",
            self.first,
            self.a.label(),
            self.second,
            self.b.label()
        )
    }
}

/// Bins a side has at most.
pub const SIDE_BINS: usize = 4;

/// A source's coarse bins for pair detection: each row's bin, and the bins.
pub struct Sides {
    pub source: String,
    pub bin: Vec<u8>,
    pub sides: Vec<Side>,
}

/// The coarse bins of `source` on `rows` (outcomes `y`): a number's (or
/// boolean's) bins cut where its win rate changes (`step::cuts`), the most
/// common text levels and the rest. None with fewer than two bins.
pub fn sides(
    table: &FeatureTable,
    source: &str,
    rows: &[usize],
    y: &[u8],
    min_rows: usize,
) -> Option<Sides> {
    let v = table.get(source)?;
    let (sides, bin): (Vec<Side>, Vec<u8>) = match v {
        Values::Text(t) => {
            let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
            for &r in rows {
                *counts.entry(t[r].as_str()).or_default() += 1;
            }
            let mut by: Vec<(&str, usize)> = counts.into_iter().collect();
            by.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            let top: Vec<String> = by
                .iter()
                .filter(|(_, c)| *c >= min_rows)
                .take(SIDE_BINS - 1)
                .map(|(l, _)| l.to_string())
                .collect();
            // the other levels are a bin of their own, however few (a
            // cell too few deals fall in is shrunk to nothing by the fit)
            let mut sides: Vec<Side> = top.iter().map(|l| Side::Levels(vec![l.clone()])).collect();
            sides.push(Side::OtherLevels(top.clone()));
            let bin = (0..t.len())
                .map(|r| {
                    top.iter()
                        .position(|l| *l == t[r])
                        .map_or(top.len() as u8, |k| k as u8)
                })
                .collect();
            (sides, bin)
        }
        _ => {
            let x: Vec<f64> = rows.iter().map(|&r| v.num(r).unwrap_or(0.0)).collect();
            let cuts = super::step::cuts(&x, y, SIDE_BINS, min_rows);
            let mut sides = vec![];
            for k in 0..=cuts.len() {
                sides.push(Side::Range {
                    from: k.checked_sub(1).map(|j| cuts[j]),
                    to: cuts.get(k).copied(),
                });
            }
            let bin = (0..v.len())
                .map(|r| {
                    let x = v.num(r).unwrap_or(0.0);
                    cuts.partition_point(|c| *c <= x) as u8
                })
                .collect();
            (sides, bin)
        }
    };
    (sides.len() >= 2).then(|| Sides {
        source: source.to_string(),
        bin,
        sides,
    })
}

/// A candidate pair: its two sources' bins (indexes into the `Sides`
/// given to `detect`) and its score.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub first: usize,
    pub second: usize,
    pub gain: f64,
}

/// Every pair of `sides` ranked by the interaction score statistic of the
/// main-effect model's residuals on `rows` (`p`: its probability per row
/// of `rows`, `y` the labels), best first; only pairs with a positive gain
/// beyond their degrees of freedom.
pub fn detect(sides: &[Sides], rows: &[usize], p: &[f64], y: &[u8]) -> Vec<Candidate> {
    use rayon::prelude::*;
    let resid: Vec<(f64, f64)> = p
        .iter()
        .zip(y)
        .map(|(p, y)| (f64::from(*y) - p, p * (1.0 - p)))
        .collect();
    let pairs: Vec<(usize, usize)> = (0..sides.len())
        .flat_map(|i| (i + 1..sides.len()).map(move |j| (i, j)))
        .filter(|(i, j)| sides[*i].source != sides[*j].source)
        .collect();
    let mut out: Vec<Candidate> = pairs
        .into_par_iter()
        .filter_map(|(i, j)| {
            let (a, b) = (&sides[i], &sides[j]);
            let (na, nb) = (a.sides.len(), b.sides.len());
            let mut r = vec![0.0; na * nb];
            let mut w = vec![0.0; na * nb];
            for (k, &row) in rows.iter().enumerate() {
                let c = a.bin[row] as usize * nb + b.bin[row] as usize;
                r[c] += resid[k].0;
                w[c] += resid[k].1;
            }
            let stat = |r: &[f64], w: &[f64]| -> f64 {
                r.iter()
                    .zip(w)
                    .filter(|(_, w)| **w > 1e-9)
                    .map(|(r, w)| r * r / w)
                    .sum()
            };
            let rows_of = |k: usize| -> (f64, f64) {
                (0..nb).fold((0.0, 0.0), |s, m| {
                    (s.0 + r[k * nb + m], s.1 + w[k * nb + m])
                })
            };
            let cols_of = |m: usize| -> (f64, f64) {
                (0..na).fold((0.0, 0.0), |s, k| {
                    (s.0 + r[k * nb + m], s.1 + w[k * nb + m])
                })
            };
            let (ra, wa): (Vec<f64>, Vec<f64>) = (0..na).map(rows_of).unzip();
            let (rb, wb): (Vec<f64>, Vec<f64>) = (0..nb).map(cols_of).unzip();
            let dof = ((na - 1) * (nb - 1)) as f64;
            let gain = stat(&r, &w) - stat(&ra, &wa) - stat(&rb, &wb) - dof;
            (gain > 0.0).then_some(Candidate {
                first: i,
                second: j,
                gain,
            })
        })
        .collect();
    out.sort_by(|x, y| y.gain.total_cmp(&x.gain));
    out
}

/// The interaction cells of a candidate, as pair kinds (all but the first
/// row and column of its grid).
pub fn cells(a: &Sides, b: &Sides) -> Vec<(usize, usize, Pair)> {
    let mut out = vec![];
    for (i, sa) in a.sides.iter().enumerate().skip(1) {
        for (j, sb) in b.sides.iter().enumerate().skip(1) {
            out.push((
                i,
                j,
                Pair {
                    first: a.source.clone(),
                    second: b.source.clone(),
                    a: sa.clone(),
                    b: sb.clone(),
                },
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_planted_interaction() {
        // x and z each 0/1; won mostly when both are 1
        let n = 4000;
        let x: Vec<f64> = (0..n).map(|i| f64::from((i % 2) as u8)).collect();
        let z: Vec<f64> = (0..n).map(|i| f64::from(((i / 2) % 2) as u8)).collect();
        let u: Vec<f64> = (0..n).map(|i| f64::from(((i / 4) % 2) as u8)).collect();
        let y: Vec<u8> = (0..n)
            .map(|i| u8::from(x[i] * z[i] > 0.5 && (i / 8) % 4 != 0 || (i / 8) % 8 == 1))
            .collect();
        let mut t = FeatureTable::default();
        t.push("x", Values::Num(x));
        t.push("z", Values::Num(z));
        t.push("u", Values::Num(u));
        let rows: Vec<usize> = (0..n).collect();
        let s: Vec<Sides> = ["x", "z", "u"]
            .iter()
            .filter_map(|c| sides(&t, c, &rows, &y, 30))
            .collect();
        // the main-effect model: each row's win rate by x and z alone
        let rate = y.iter().map(|v| f64::from(*v)).sum::<f64>() / n as f64;
        let p = vec![rate; n];
        let c = detect(&s, &rows, &p, &y);
        assert_eq!((c[0].first, c[0].second), (0, 1), "{c:?}");
    }
}
