//! A frequent exact value of a numeric source that behaves unlike its
//! neighbours (a round deal amount, a zero count): 1 on the rows with it.
//!
//! "With it" is within a relative 1e-9 of the value, not `=`: a source can
//! be a transform (`log_employees`), and another engine's `LN` of the same
//! headcount may land an ulp away from Rust's (PRODUCT.md §6). The bounds
//! are computed once here and written into the SQL as exact literals, so
//! both sides compare a value with the same two doubles.

use serde::{Deserialize, Serialize};

use super::{name_number, show, Inputs, Sql, TermKind};
use crate::error::Result;
use crate::model::sql::num;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Exact {
    pub value: f64,
}

impl Exact {
    /// The closed interval counted as the value.
    fn bounds(&self) -> (f64, f64) {
        let tol = 1e-9 * self.value.abs().max(1.0);
        (self.value - tol, self.value + tol)
    }

    fn holds(&self, x: f64) -> bool {
        let (lo, hi) = self.bounds();
        x >= lo && x <= hi
    }
}

impl TermKind for Exact {
    fn values(&self, source: &str, inputs: &mut Inputs, out: &mut Vec<f64>) -> Result<()> {
        let v = inputs.numbers(source)?;
        out.extend(v.iter().map(|x| f64::from(u8::from(self.holds(*x)))));
        Ok(())
    }

    fn sql(&self, source: &str, sql: &Sql) -> String {
        let (lo, hi) = self.bounds();
        let x = sql.number(source);
        Sql::indicator(&format!("{x} >= {} AND {x} <= {}", num(lo), num(hi)))
    }

    fn at(&self, x: f64) -> Option<f64> {
        Some(f64::from(u8::from(self.holds(x))))
    }

    fn suffix(&self) -> String {
        format!("_eq_{}", name_number(self.value))
    }

    fn label(&self) -> String {
        format!("exactly {}", show(self.value))
    }
}

/// The spikes among the fitted rows' values `x`: values held by at least
/// `min_rows` rows and three times as many as the mean of the next
/// distinct values on either side (the smallest value against its upper
/// neighbour alone: a zero-inflated count), at most `most`, largest first.
pub fn spikes(x: &[f64], min_rows: usize, most: usize) -> Vec<f64> {
    let mut s: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
    s.sort_by(|a, b| a.total_cmp(b));
    let mut runs: Vec<(f64, usize)> = vec![];
    for v in s {
        match runs.last_mut() {
            Some((u, c)) if *u == v => *c += 1,
            _ => runs.push((v, 1)),
        }
    }
    if runs.len() < 3 {
        return vec![];
    }
    let mut out: Vec<(usize, f64)> = vec![];
    for (i, &(v, c)) in runs.iter().enumerate() {
        let near: Vec<usize> = [i.checked_sub(1), Some(i + 1)]
            .into_iter()
            .flatten()
            .filter_map(|j| runs.get(j).map(|r| r.1))
            .collect();
        let mean = near.iter().sum::<usize>() as f64 / near.len().max(1) as f64;
        if c >= min_rows && c as f64 >= 3.0 * mean {
            out.push((c, v));
        }
    }
    out.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.total_cmp(&b.1)));
    out.into_iter().take(most).map(|(_, v)| v).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_round_values_and_zero_inflation() {
        let mut x: Vec<f64> = (0..1000).map(|i| 1000.0 + f64::from(i)).collect();
        x.extend(vec![1500.0; 60]);
        assert_eq!(super::spikes(&x, 30, 5), vec![1500.0]);
        let mut z = vec![0.0; 500];
        z.extend((0..300).map(|i| f64::from(1 + i % 30)));
        assert_eq!(super::spikes(&z, 30, 5), vec![0.0]);
    }

    #[test]
    fn an_exact_value_holds_an_ulp_away() {
        use crate::model::terms::TermKind;
        let e = super::Exact { value: 3f64.ln() };
        // Spark's LN(3) is one bit below Rust's
        let spark = f64::from_bits(3f64.ln().to_bits() - 1);
        assert_eq!(e.at(spark), Some(1.0));
        assert_eq!(e.at(3f64.ln()), Some(1.0));
        assert_eq!(e.at(4f64.ln()), Some(0.0));
        let z = super::Exact { value: 0.0 };
        assert_eq!((z.at(0.0), z.at(1.0)), (Some(1.0), Some(0.0)));
    }
}
