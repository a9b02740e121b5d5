//! The kinds of model term, each defined once: how its design column is
//! computed from the feature table (`values`), the same in SQL (`sql`), its
//! value at a number of its source (`at`, for the report's shapes), its
//! name and label, and whether it is standardized before the fit.
//!
//! A term kind is one file of this module plus its variant in [`Kind`]:
//! - [`number`]: a numeric source in a fixed transform (linear, log,
//!   presence, within N days), winsorized to the training range;
//! - [`level`]: one level of a text source;
//! - [`step`]: a learned step of a numeric source (the value is at least a
//!   cut): a source's steps together are its binned shape;
//! - [`exact`]: a frequent exact value of a numeric source (a round deal
//!   amount, a zero count) that behaves unlike its neighbours;
//! - [`hinge`]: a ramp of a numeric source from a knot (its ramps and
//!   linear term make a linear spline);
//! - [`missing`]: an extra or deal number that was missing (imputed);
//! - [`pair`]: one cell of a small 2-D table over two sources (an interaction).
//!
//! A term's axis (fit or timing) comes from its source's kind in the
//! feature spec (`FeatureSpec::axis`), never from its name.

pub mod exact;
pub mod hinge;
pub mod level;
pub mod missing;
pub mod number;
pub mod pair;
pub mod step;

use std::borrow::Cow;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
pub use crate::features::Axis;
use crate::features::{FeatureTable, Values};
use crate::model::sql::Dialect;

/// One column of the design matrix.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Term {
    pub name: String,
    /// The feature the term belongs to (a pair: `a × b`): importance,
    /// reasons and the report treat a source's terms as one feature.
    pub source: String,
    pub kind: Kind,
    pub axis: Axis,
    pub mean: f64,
    pub std: f64,
    /// Coefficient on the standardized scale.
    pub coef: f64,
    /// Its standard error (Fisher information of the penalized fit); NaN
    /// (`null` in model.json) when the information was not invertible.
    #[serde(default, with = "nan_as_null")]
    pub std_error: f64,
    /// The sign its coefficient is held to (a monotone source's term): 1
    /// at or above 0, -1 at or below, 0 free.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub sign: i8,
}

fn is_zero(v: &i8) -> bool {
    *v == 0
}

/// What a term is, and everything that depends on it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Number(number::Number),
    Level(level::Level),
    Step(step::Step),
    Exact(exact::Exact),
    Hinge(hinge::Hinge),
    Missing(missing::Missing),
    Pair(pair::Pair),
}

/// What each term kind defines.
pub trait TermKind {
    /// The term's raw value on every row of the table, appended to `out`.
    fn values(&self, source: &str, inputs: &mut Inputs, out: &mut Vec<f64>) -> Result<()>;
    /// The raw value in SQL over the feature CTE's columns.
    fn sql(&self, source: &str, sql: &Sql) -> String;
    /// The raw value at value `x` of a numeric source (None: not a
    /// function of one number, as a level or a pair cell).
    fn at(&self, x: f64) -> Option<f64>;
    /// The term's name after its source's (`_log`, `_ge_5`).
    fn suffix(&self) -> String;
    /// What the term stands for, in words ("at least 5").
    fn label(&self) -> String;
    /// Standardized before the fit (ridge on a standard deviation's
    /// effect); false for 0/1 bins, penalized on their own jump so a bin
    /// few deals fall in is shrunk most.
    /// Where the value is held to the training range (`Inputs::held`), in
    /// SQL; None for kinds that never hold.
    fn held_sql(&self, _source: &str, _sql: &Sql) -> Option<String> {
        None
    }
    /// Whether the value never falls (1) or never rises (-1) as its
    /// source's number grows; None when neither, or not a function of it.
    fn rising(&self) -> Option<f64> {
        None
    }
    fn standardized(&self) -> bool {
        false
    }
}

impl Kind {
    fn get(&self) -> &dyn TermKind {
        match self {
            Kind::Number(k) => k,
            Kind::Level(k) => k,
            Kind::Step(k) => k,
            Kind::Exact(k) => k,
            Kind::Hinge(k) => k,
            Kind::Missing(k) => k,
            Kind::Pair(k) => k,
        }
    }
}

impl Term {
    /// A term of `kind` on `source`, named after both, unfitted.
    pub fn new(source: &str, kind: Kind, axis: Axis) -> Term {
        Term {
            name: format!("{source}{}", kind.get().suffix()),
            source: source.to_string(),
            kind,
            axis,
            mean: 0.0,
            std: 1.0,
            coef: 0.0,
            std_error: 0.0,
            sign: 0,
        }
    }

    /// See [`TermKind::rising`].
    pub fn rising(&self) -> Option<f64> {
        self.kind.get().rising()
    }

    /// Coefficient per unit of the term's raw value.
    pub fn coef_original(&self) -> f64 {
        self.coef / self.std
    }

    /// The term's raw value on every row.
    pub fn values(&self, inputs: &mut Inputs) -> Result<Vec<f64>> {
        let mut out = Vec::with_capacity(inputs.table.rows());
        self.values_into(inputs, &mut out)?;
        Ok(out)
    }

    /// `values` into a buffer (cleared first): the scorer reuses one.
    pub fn values_into(&self, inputs: &mut Inputs, out: &mut Vec<f64>) -> Result<()> {
        out.clear();
        self.kind.get().values(&self.source, inputs, out)
    }

    pub fn sql(&self, sql: &Sql) -> String {
        self.kind.get().sql(&self.source, sql)
    }

    pub fn at(&self, x: f64) -> Option<f64> {
        self.kind.get().at(x)
    }

    pub fn held_sql(&self, sql: &Sql) -> Option<String> {
        self.kind.get().held_sql(&self.source, sql)
    }

    /// The term's addend to the linear predictor in SQL, as `Model::linear`
    /// computes it: `coef / std * x - coef * mean / std`.
    pub fn addend_sql(&self, sql: &Sql) -> String {
        let (b, offset) = self.addend();
        format!(
            "{} * {} - {}",
            crate::model::sql::num(b),
            self.sql(sql),
            crate::model::sql::num(offset)
        )
    }

    /// (slope, offset) of the term's addend `slope * x - offset`.
    pub fn addend(&self) -> (f64, f64) {
        (self.coef / self.std, self.coef * self.mean / self.std)
    }

    /// The term's contribution to the linear predictor at value `x` of its
    /// numeric source (0 for terms that are no function of one number).
    pub fn effect_at(&self, x: f64) -> f64 {
        self.at(x)
            .map_or(0.0, |v| self.coef * (v - self.mean) / self.std)
    }

    pub fn label(&self) -> String {
        self.kind.get().label()
    }

    /// Standardized before the fit (else a 0/1 term at a chosen scale).
    pub fn standardized(&self) -> bool {
        self.kind.get().standardized()
    }

    /// The text level of a level term.
    pub fn level(&self) -> Option<&str> {
        match &self.kind {
            Kind::Level(l) => Some(&l.level),
            _ => None,
        }
    }

    /// The feature-table columns the term reads.
    pub fn inputs(&self) -> Vec<&str> {
        match &self.kind {
            Kind::Pair(p) => vec![p.first.as_str(), p.second.as_str()],
            Kind::Missing(_) => vec![],
            _ => vec![self.source.as_str()],
        }
    }

    /// Sets mean and standard deviation from the term's raw values on the
    /// fitted rows; false when the term is constant there (no term).
    pub fn scale(&mut self, x: &[f64]) -> bool {
        let n = x.len().max(1) as f64;
        let mean = x.iter().sum::<f64>() / n;
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        self.mean = mean;
        self.std = if self.kind.get().standardized() {
            var.sqrt()
        } else {
            1.0
        };
        var.sqrt() > 1e-12
    }
}

/// The feature table as terms read it: numbers (booleans as 0/1) and text
/// coded once per column, so a text source's levels compare codes.
pub struct Inputs<'a> {
    pub table: &'a FeatureTable,
    codes: FxHashMap<&'a str, (FxHashMap<&'a str, u32>, Vec<u32>)>,
    /// The rows whose value the last term read was held to the training range.
    pub held: Vec<usize>,
}

impl<'a> Inputs<'a> {
    pub fn new(table: &'a FeatureTable) -> Inputs<'a> {
        Inputs {
            table,
            codes: Default::default(),
            held: vec![],
        }
    }

    fn column(&self, name: &str) -> Result<&'a Values> {
        self.table
            .get(name)
            .ok_or_else(|| Error::Internal(format!("feature `{name}` is missing")))
    }

    /// A numeric or boolean feature as numbers.
    pub fn numbers(&self, name: &str) -> Result<Cow<'a, [f64]>> {
        match self.column(name)? {
            Values::Num(v) => Ok(Cow::Borrowed(v)),
            Values::Bool(v) => Ok(Cow::Owned(
                v.iter().map(|b| f64::from(u8::from(*b))).collect(),
            )),
            Values::Text(_) => Err(Error::Internal(format!(
                "feature `{name}` is text, not a number"
            ))),
        }
    }

    /// A text feature's rows as codes, and the code of each value.
    pub fn codes(&mut self, name: &str) -> Result<(&FxHashMap<&'a str, u32>, &[u32])> {
        let Values::Text(v) = self.column(name)? else {
            return Err(Error::Internal(format!("feature `{name}` is not text")));
        };
        let key: &'a str = self
            .table
            .names
            .iter()
            .find(|n| *n == name)
            .map(String::as_str)
            .unwrap_or_default();
        let (ids, code) = self.codes.entry(key).or_insert_with(|| {
            let mut ids = FxHashMap::default();
            let code = v
                .iter()
                .map(|x| {
                    let k = ids.len() as u32;
                    *ids.entry(x.as_str()).or_insert(k)
                })
                .collect();
            (ids, code)
        });
        Ok((ids, code))
    }

    /// 1 where row `r`'s text code is one of `levels`' codes.
    pub fn in_levels(&mut self, name: &str, levels: &[String]) -> Result<Vec<bool>> {
        let (ids, code) = self.codes(name)?;
        let want: Vec<u32> = levels
            .iter()
            .filter_map(|l| ids.get(l.as_str()).copied())
            .collect();
        Ok(code.iter().map(|c| want.contains(c)).collect())
    }

    /// Marks row `r` as held to the training range.
    pub fn held(&mut self, r: usize) {
        self.held.push(r);
    }
}

/// What a term's SQL reads: the dialect and which features are flags
/// (booleans in SQL, 0/1 numbers to a term).
pub struct Sql<'a> {
    pub dialect: Dialect,
    pub is_flag: &'a dyn Fn(&str) -> bool,
}

impl Sql<'_> {
    pub fn ident(&self, name: &str) -> String {
        crate::model::sql::ident(self.dialect, name)
    }

    /// A text literal in the dialect (`sql::q`).
    pub fn text(&self, s: &str) -> String {
        crate::model::sql::q(self.dialect, s)
    }

    /// A feature's value as a number.
    pub fn number(&self, name: &str) -> String {
        let c = self.ident(name);
        if (self.is_flag)(name) {
            format!("(CASE WHEN {c} THEN 1.0 ELSE 0.0 END)")
        } else {
            format!("CAST({c} AS DOUBLE)")
        }
    }

    /// 1.0 where a condition holds, else 0.0.
    pub fn indicator(cond: &str) -> String {
        format!("(CASE WHEN {cond} THEN 1.0 ELSE 0.0 END)")
    }
}

/// A number in a term's name: short, with `m` for a minus sign and `p`
/// for the decimal point (`_ge_2p5`).
pub fn name_number(x: f64) -> String {
    let s = if (x - x.round()).abs() < 1e-9 && x.abs() < 1e15 {
        format!("{}", x.round() as i64)
    } else {
        format!("{:.4}", x)
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    };
    s.replace('-', "m").replace('.', "p")
}

/// A number for people: thousands grouped, at most 3 significant decimals.
pub fn show(x: f64) -> String {
    if x.abs() >= 1000.0 {
        let s = format!("{}", x.round() as i64);
        let mut out = String::new();
        let digits = s.trim_start_matches('-');
        if s.starts_with('-') {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else if (x - x.round()).abs() < 1e-9 {
        format!("{}", x.round() as i64)
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

/// An f64 that may be NaN, as JSON: NaN is `null` (JSON has no NaN).
mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else {
            s.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_and_shows_numbers() {
        assert_eq!(super::name_number(2.5), "2p5");
        assert_eq!(super::name_number(-3.0), "m3");
        assert_eq!(super::show(1234567.0), "1,234,567");
        assert_eq!(super::show(0.25), "0.25");
    }
}
