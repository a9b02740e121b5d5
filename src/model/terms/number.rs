//! A numeric (or boolean) source in a fixed transform: the value itself,
//! its log, its presence, or "within N days", held to the training range.

use serde::{Deserialize, Serialize};

use super::{Inputs, Sql, TermKind};
use crate::error::Result;
use crate::features::Shape;
use crate::model::sql::num;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Number {
    pub shape: Shape,
    /// Winsorizing bounds of the shaped value (training quantiles), so an
    /// outlier cannot move the score further than the training data did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clip: Option<[f64; 2]>,
}

impl Number {
    /// Values beyond the clip by more than this are held to it (a
    /// relative 1e-9, so a bound's own value is not).
    fn tolerance(lo: f64, hi: f64) -> (f64, f64) {
        (lo - 1e-9 * lo.abs(), hi + 1e-9 * hi.abs())
    }

    /// The shaped value in SQL, before the clip.
    fn shaped_sql(&self, source: &str, sql: &Sql) -> String {
        let v = sql.number(source);
        match self.shape {
            Shape::Linear => v,
            Shape::Presence => Sql::indicator(&format!("{v} > 0")),
            Shape::Log => format!("LN(1 + GREATEST({v}, 0))"),
            Shape::Within { days, cap } => {
                Sql::indicator(&format!("{v} <= {days} AND {v} < {cap}"))
            }
        }
    }
}

impl TermKind for Number {
    fn values(&self, source: &str, inputs: &mut Inputs, out: &mut Vec<f64>) -> Result<()> {
        let v = inputs.numbers(source)?;
        match self.clip {
            Some([lo, hi]) => {
                let (lo_tol, hi_tol) = Self::tolerance(lo, hi);
                for (r, x) in v.iter().enumerate() {
                    let x = self.shape.apply(*x);
                    if x < lo_tol || x > hi_tol {
                        inputs.held(r);
                    }
                    out.push(x.clamp(lo, hi));
                }
            }
            None => out.extend(v.iter().map(|x| self.shape.apply(*x))),
        }
        Ok(())
    }

    fn sql(&self, source: &str, sql: &Sql) -> String {
        let v = self.shaped_sql(source, sql);
        match self.clip {
            Some([lo, hi]) => format!("GREATEST(LEAST({v}, {}), {})", num(hi), num(lo)),
            None => v,
        }
    }

    fn held_sql(&self, source: &str, sql: &Sql) -> Option<String> {
        let [lo, hi] = self.clip?;
        let v = self.shaped_sql(source, sql);
        let (lo_tol, hi_tol) = Self::tolerance(lo, hi);
        Some(format!("({v} < {} OR {v} > {})", num(lo_tol), num(hi_tol)))
    }

    fn at(&self, x: f64) -> Option<f64> {
        let v = self.shape.apply(x);
        Some(match self.clip {
            Some([lo, hi]) => v.clamp(lo, hi),
            None => v,
        })
    }

    fn suffix(&self) -> String {
        self.shape.suffix()
    }

    fn label(&self) -> String {
        match self.shape {
            Shape::Linear => "per unit".into(),
            Shape::Presence => "any".into(),
            Shape::Log => "per unit of ln(1 + value)".into(),
            Shape::Within { days, .. } => format!("within {days} days"),
        }
    }

    fn rising(&self) -> Option<f64> {
        Some(match self.shape {
            Shape::Within { .. } => -1.0,
            Shape::Linear | Shape::Presence | Shape::Log => 1.0,
        })
    }

    fn standardized(&self) -> bool {
        true
    }
}
