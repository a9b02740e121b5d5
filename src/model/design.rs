//! The design: which terms enter the model (features in their shapes,
//! one-hot levels), and the standardized matrix the estimator fits.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
pub use crate::features::Shape;
use crate::features::{FeatureTable, Values};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Axis {
    Fit,
    Timing,
}

/// One column of the design matrix: a numeric feature, or one level of a text feature.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Term {
    pub name: String,
    pub source: String,
    pub level: Option<String>,
    pub axis: Axis,
    pub mean: f64,
    pub std: f64,
    /// Coefficient on the standardized scale.
    pub coef: f64,
    /// Its standard error (Fisher information of the penalized fit); NaN
    /// (`null` in model.json) when the information was not invertible.
    #[serde(default, with = "nan_as_null")]
    pub std_error: f64,
    /// How the source column enters (models before shapes: linear).
    #[serde(default)]
    pub shape: Shape,
    /// Winsorizing bounds of the shaped value (training quantiles), so an
    /// outlier cannot move the score further than the training data did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clip: Option<[f64; 2]>,
}

impl Term {
    /// Coefficient per unit of the term's (shaped) value.
    pub fn coef_original(&self) -> f64 {
        self.coef / self.std
    }

    /// The term's raw (unstandardized) value for a source value.
    pub fn value(&self, source: f64) -> f64 {
        let v = self.shape.apply(source);
        match self.clip {
            Some([lo, hi]) => v.clamp(lo, hi),
            None => v,
        }
    }
}

/// A feature's axis: the config's `features.axes` entry, else timing for
/// signal counts, days-since / days-until and distinct signal types.
pub fn axis_of(name: &str, axes: &std::collections::BTreeMap<String, String>) -> Axis {
    match axes.get(name).map(String::as_str) {
        Some("timing") => Axis::Timing,
        Some(_) => Axis::Fit,
        None if name.starts_with("signal_")
            || name.starts_with("days_")
            || name.starts_with("distinct_signal_types") =>
        {
            Axis::Timing
        }
        None => Axis::Fit,
    }
}

/// Columns of the feature table that enter the model (others are kept for rules and reasons).
fn model_sources(table: &FeatureTable) -> Vec<String> {
    const RAW: &[&str] = &[
        "employees",
        "annual_revenue",
        "founded_year",
        "jobs_posted_30d",
        "hires_12m",
        "revenue_per_employee",
        "rpe_industry_ratio",
        // log_revenue = log_employees + log_rpe_industry_ratio + industry benchmark:
        // keeping all three would make the fit (nearly) unidentifiable
        "log_revenue",
        "segment",
    ];
    // `__` columns are hidden (the rules' null masks), never terms
    table
        .names
        .iter()
        .filter(|n| !RAW.contains(&n.as_str()) && !n.starts_with("__"))
        .cloned()
        .collect()
}

/// Fitted deals a text level needs for a coefficient of its own.
pub const MIN_LEVEL_ROWS: usize = 30;

/// The design terms for a training table: numeric and boolean features in
/// the shapes the spec gives them (`FeatureSpec::shapes_of`), and one-hot
/// levels of text features (the most common level, and levels in fewer than
/// `MIN_LEVEL_ROWS` deals, are the reference).
/// Constant columns are dropped. Account numbers (fit axis, not 0/1) are
/// winsorized (`winsor_bounds`), signal numbers held to their training
/// range. Means, standard deviations and bounds come from `rows`.
pub fn design_terms(
    table: &FeatureTable,
    rows: &[usize],
    spec: &crate::features::FeatureSpec,
    axes: &std::collections::BTreeMap<String, String>,
) -> Vec<Term> {
    let mut terms = vec![];
    for name in model_sources(table) {
        let Some(values) = table.get(&name) else {
            continue;
        };
        let axis = axis_of(&name, axes);
        match values {
            Values::Text(v) => {
                let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
                for &r in rows {
                    *counts.entry(v[r].as_str()).or_default() += 1;
                }
                let reference = counts
                    .iter()
                    .max_by_key(|(_, c)| **c)
                    .map(|(k, _)| *k)
                    .unwrap_or_default();
                // a level seen in too few deals gets no coefficient of its
                // own (it scores as the reference): its estimate would be noise
                let own = |l: &&&str| **l != reference && counts[**l] >= MIN_LEVEL_ROWS;
                for level in counts.keys().filter(own) {
                    let x: Vec<f64> = rows
                        .iter()
                        .map(|&r| if v[r] == *level { 1.0 } else { 0.0 })
                        .collect();
                    let (mean, std) = mean_std(&x);
                    if std > 1e-12 {
                        terms.push(Term {
                            name: format!("{name}_{}", crate::config::normalize_name(level)),
                            source: name.clone(),
                            level: Some(level.to_string()),
                            axis,
                            mean,
                            std,
                            coef: 0.0,
                            std_error: 0.0,
                            shape: Shape::Linear,
                            clip: None,
                        });
                    }
                }
            }
            _ => {
                let raw: Vec<f64> = rows.iter().map(|&r| values.num(r).unwrap_or(0.0)).collect();
                let binary = raw.iter().all(|v| *v == 0.0 || *v == 1.0);
                let nonnegative = raw.iter().all(|v| *v >= 0.0);
                for shape in spec.shapes_of(&name) {
                    if shape == Shape::Log && (binary || !nonnegative) {
                        continue;
                    }
                    let mut x: Vec<f64> = raw.iter().map(|v| shape.apply(*v)).collect();
                    // account numbers winsorized, signal features held to
                    // the training range (which changes no training value)
                    let clip = match (binary, shape, axis) {
                        (false, Shape::Linear | Shape::Log, Axis::Fit) => winsor_bounds(&x),
                        (false, Shape::Linear | Shape::Log, Axis::Timing) => range_bounds(&x),
                        _ => None,
                    };
                    if let Some([lo, hi]) = clip {
                        x.iter_mut().for_each(|v| *v = v.clamp(lo, hi));
                    }
                    let (mean, std) = mean_std(&x);
                    if std > 1e-12 {
                        terms.push(Term {
                            name: format!("{name}{}", shape.suffix()),
                            source: name.clone(),
                            level: None,
                            axis,
                            mean,
                            std,
                            coef: 0.0,
                            std_error: 0.0,
                            shape,
                            clip,
                        });
                    }
                }
            }
        }
    }
    terms
}

/// The range of `x`, when it is not a single value.
fn range_bounds(x: &[f64]) -> Option<[f64; 2]> {
    let (lo, hi) = x
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    (lo < hi).then_some([lo, hi])
}

/// Winsorizing bounds of `x`: Tukey's far-out fences (3 interquartile
/// ranges beyond the quartiles) within the training range, or the range
/// itself when the quartiles coincide (a sparse count), so scoring never
/// extrapolates beyond what training saw and a gross outlier cannot pull
/// the fit. None when the bounds would make the column constant.
fn winsor_bounds(x: &[f64]) -> Option<[f64; 2]> {
    let mut s: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
    if s.len() < 2 {
        return None;
    }
    s.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| s[((s.len() - 1) as f64 * q).round() as usize];
    let (min, max, q1, q3) = (s[0], s[s.len() - 1], at(0.25), at(0.75));
    let iqr = q3 - q1;
    let (lo, hi) = if iqr > 0.0 {
        ((q1 - 3.0 * iqr).max(min), (q3 + 3.0 * iqr).min(max))
    } else {
        (min, max)
    };
    (lo < hi).then_some([lo, hi])
}

fn mean_std(x: &[f64]) -> (f64, f64) {
    let n = x.len().max(1) as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// Raw (unstandardized) values of a term, one per row.
pub fn raw_values(table: &FeatureTable, t: &Term) -> Result<Vec<f64>> {
    term_values(table, t, |_| {})
}

/// `raw_values`, calling `outside(row)` for each row whose shaped value lay
/// outside the term's clip bounds (held to them): the scorer's status.
pub fn term_values(
    table: &FeatureTable,
    t: &Term,
    mut outside: impl FnMut(usize),
) -> Result<Vec<f64>> {
    let v = table
        .get(&t.source)
        .ok_or_else(|| Error::Internal(format!("feature `{}` is missing", t.source)))?;
    Ok(match (&t.level, v) {
        (Some(level), Values::Text(v)) => {
            v.iter().map(|x| f64::from(u8::from(x == level))).collect()
        }
        (None, Values::Num(v)) => match t.clip {
            Some([lo, hi]) => {
                let (lo_tol, hi_tol) = (lo - 1e-9 * lo.abs(), hi + 1e-9 * hi.abs());
                v.iter()
                    .enumerate()
                    .map(|(r, x)| {
                        let x = t.shape.apply(*x);
                        if x < lo_tol || x > hi_tol {
                            outside(r);
                        }
                        x.clamp(lo, hi)
                    })
                    .collect()
            }
            None => v.iter().map(|x| t.value(*x)).collect(),
        },
        (None, Values::Bool(v)) => v.iter().map(|b| t.value(f64::from(u8::from(*b)))).collect(),
        _ => {
            return Err(Error::Internal(format!(
                "feature `{}` has the wrong type",
                t.source
            )))
        }
    })
}

/// The standardized design matrix of `rows`.
pub fn matrix(table: &FeatureTable, terms: &[Term], rows: &[usize]) -> Result<Array2<f64>> {
    let mut x = Array2::<f64>::zeros((rows.len(), terms.len()));
    for (j, t) in terms.iter().enumerate() {
        let v = raw_values(table, t)?;
        for (i, &r) in rows.iter().enumerate() {
            x[[i, j]] = (v[r] - t.mean) / t.std;
        }
    }
    Ok(x)
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
