//! A ramp of a numeric source: 0 up to a knot, then rising with the value
//! up to the end of the training range (held there). With the source's
//! linear term, its ramps make a continuous piecewise-linear shape (a
//! linear spline): a sweet spot, a saturation, which steps would only
//! approximate by stairs.

use serde::{Deserialize, Serialize};

use super::{name_number, show, Inputs, Sql, TermKind};
use crate::error::Result;
use crate::model::sql::num;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Hinge {
    pub at: f64,
    /// Where the ramp stops rising (the training range's end).
    pub to: f64,
}

impl Hinge {
    fn value(&self, x: f64) -> f64 {
        x.clamp(self.at, self.to) - self.at
    }
}

impl TermKind for Hinge {
    fn values(&self, source: &str, inputs: &mut Inputs, out: &mut Vec<f64>) -> Result<()> {
        let v = inputs.numbers(source)?;
        out.extend(v.iter().map(|x| self.value(*x)));
        Ok(())
    }

    fn sql(&self, source: &str, sql: &Sql) -> String {
        format!(
            "(GREATEST(LEAST({}, {}), {}) - {})",
            sql.number(source),
            num(self.to),
            num(self.at),
            num(self.at)
        )
    }

    fn at(&self, x: f64) -> Option<f64> {
        Some(self.value(x))
    }

    fn suffix(&self) -> String {
        format!("_from_{}", name_number(self.at))
    }

    fn label(&self) -> String {
        format!("per unit from {} to {}", show(self.at), show(self.to))
    }

    fn rising(&self) -> Option<f64> {
        Some(1.0)
    }

    fn standardized(&self) -> bool {
        true
    }
}

/// Knots at the 5%, 27.5%, 50%, 72.5% and 95% quantiles of `x` (Harrell's
/// placement for five-knot splines), distinct and below its maximum; none
/// for a source with fewer than `MIN_VALUES` distinct values.
pub fn knots(x: &[f64]) -> Vec<f64> {
    let mut s: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
    s.sort_by(|a, b| a.total_cmp(b));
    let mut distinct = s.clone();
    distinct.dedup();
    if distinct.len() < MIN_VALUES {
        return vec![];
    }
    let max = s[s.len() - 1];
    let mut out: Vec<f64> = [0.05, 0.275, 0.5, 0.725, 0.95]
        .iter()
        .map(|q| s[((s.len() - 1) as f64 * q).round() as usize])
        .filter(|k| *k < max)
        .collect();
    out.dedup();
    out
}

/// Distinct values a source needs for ramps.
const MIN_VALUES: usize = 20;
