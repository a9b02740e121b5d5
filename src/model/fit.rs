//! Fitting: the standardized design matrix, the L2-penalized logistic
//! regression (linfa-logistic, oriented so that positive = won), and a small
//! Newton solver for the few-parameter fits (hybrid stack, rules baseline).

use linfa::prelude::*;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
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
    /// Its standard error (Fisher information of the penalized fit).
    #[serde(default)]
    pub std_error: f64,
}

impl Term {
    /// Coefficient per unit of the original feature.
    pub fn coef_original(&self) -> f64 {
        self.coef / self.std
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
    table
        .names
        .iter()
        .filter(|n| !RAW.contains(&n.as_str()))
        .cloned()
        .collect()
}

/// The design terms for a training table: numeric and boolean features, and
/// one-hot levels of text features (the most common level is the reference).
/// Constant columns are dropped. Means and standard deviations come from `rows`.
pub fn design_terms(
    table: &FeatureTable,
    rows: &[usize],
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
                for level in counts.keys().filter(|l| **l != reference) {
                    let x: Vec<f64> = rows
                        .iter()
                        .map(|&r| if v[r] == *level { 1.0 } else { 0.0 })
                        .collect();
                    let (mean, std) = mean_std(&x);
                    if std > 1e-12 {
                        let tn = format!("{name}_{}", crate::config::normalize_name(level));
                        terms.push(Term {
                            name: tn,
                            source: name.clone(),
                            level: Some(level.to_string()),
                            axis,
                            mean,
                            std,
                            coef: 0.0,
                            std_error: 0.0,
                        });
                    }
                }
            }
            _ => {
                let x: Vec<f64> = rows.iter().map(|&r| values.num(r).unwrap_or(0.0)).collect();
                let (mean, std) = mean_std(&x);
                if std > 1e-12 {
                    terms.push(Term {
                        name: name.clone(),
                        source: name.clone(),
                        level: None,
                        axis,
                        mean,
                        std,
                        coef: 0.0,
                        std_error: 0.0,
                    });
                }
            }
        }
    }
    terms
}

fn mean_std(x: &[f64]) -> (f64, f64) {
    let n = x.len().max(1) as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// Raw (unstandardized) values of a term, one per row.
pub fn raw_values(table: &FeatureTable, t: &Term) -> Result<Vec<f64>> {
    let v = table
        .get(&t.source)
        .ok_or_else(|| Error::Internal(format!("feature `{}` is missing", t.source)))?;
    Ok(match (&t.level, v) {
        (Some(level), Values::Text(v)) => {
            v.iter().map(|x| f64::from(u8::from(x == level))).collect()
        }
        (None, Values::Num(v)) => v.clone(),
        (None, Values::Bool(v)) => v.iter().map(|b| f64::from(u8::from(*b))).collect(),
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

/// L2-penalized logistic regression: scikit-learn's `LogisticRegression(C=c)`
/// (linfa alpha = 1/C, intercept not penalized). Returns (intercept, coefficients)
/// oriented so that positive means won.
pub fn fit_logistic(
    x: &Array2<f64>,
    y: &[u8],
    c: f64,
    max_iterations: u64,
) -> Result<(f64, Vec<f64>)> {
    if x.nrows() != y.len() || y.is_empty() {
        return Err(Error::Fit(format!(
            "{} rows of features for {} labels",
            x.nrows(),
            y.len()
        )));
    }
    if !(c.is_finite() && c > 0.0) {
        return Err(Error::Fit(format!("C must be finite and > 0, got {c}")));
    }
    let targets: Array1<bool> = y.iter().map(|v| *v == 1).collect();
    if targets.iter().all(|t| *t) || targets.iter().all(|t| !*t) {
        return Err(Error::Fit(
            "the training period has only one class (all won or all lost)".into(),
        ));
    }
    let ds = Dataset::new(x.clone(), targets);
    let m = LogisticRegression::default()
        .alpha(1.0 / c)
        .max_iterations(max_iterations)
        // linfa's loss is summed over rows: a gradient norm of 1e-8 per row
        // puts the coefficients within ~1e-7 of the optimum
        .gradient_tolerance(1e-8 * y.len() as f64)
        .fit(&ds)
        .map_err(|e| Error::Fit(e.to_string()))?;
    let sign = if m.labels().pos.class { 1.0 } else { -1.0 };
    Ok((
        sign * m.intercept(),
        m.params().iter().map(|p| sign * p).collect(),
    ))
}

pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Unpenalized logistic regression on a few columns by Newton's method, with
/// an optional fixed offset (for a pinned weight). Returns [intercept, coefs...].
pub fn fit_small(cols: &[&[f64]], offset: Option<&[f64]>, y: &[u8]) -> Result<Vec<f64>> {
    let n = y.len();
    let k = cols.len() + 1;
    let mut beta = vec![0.0; k];
    let row = |i: usize| -> Vec<f64> {
        let mut r = Vec::with_capacity(k);
        r.push(1.0);
        r.extend(cols.iter().map(|c| c[i]));
        r
    };
    for _ in 0..100 {
        let mut grad = vec![0.0; k];
        let mut hess = vec![vec![0.0; k]; k];
        for i in 0..n {
            let xi = row(i);
            let z: f64 = xi.iter().zip(&beta).map(|(a, b)| a * b).sum::<f64>()
                + offset.map_or(0.0, |o| o[i]);
            let p = sigmoid(z);
            let w = (p * (1.0 - p)).max(1e-12);
            for a in 0..k {
                grad[a] += (f64::from(y[i]) - p) * xi[a];
                for b in 0..k {
                    hess[a][b] += w * xi[a] * xi[b];
                }
            }
        }
        for (a, row) in hess.iter_mut().enumerate() {
            row[a] += 1e-9 * n as f64; // keeps the solve defined under separation
        }
        let step = solve(hess, grad)
            .ok_or_else(|| Error::Fit("singular system in a small logistic fit".into()))?;
        let size: f64 = step.iter().map(|s| s.abs()).fold(0.0, f64::max);
        for (b, s) in beta.iter_mut().zip(&step) {
            *b += s;
        }
        if size < 1e-10 {
            break;
        }
    }
    if beta.iter().any(|b| !b.is_finite()) {
        return Err(Error::Fit("a small logistic fit diverged".into()));
    }
    Ok(beta)
}

/// Standard errors of (intercept, coefficients) from the Fisher information
/// of the L2-penalized log likelihood at the fit: the square roots of the
/// diagonal of (X'WX + alpha·D)^-1, W = diag(p(1-p)), D = I without the
/// intercept. With alpha = 0 these are statsmodels' `Logit(...).fit().bse`.
pub fn standard_errors(x: &Array2<f64>, b0: f64, b: &[f64], alpha: f64) -> Option<Vec<f64>> {
    let k = b.len() + 1;
    let mut h = vec![vec![0.0; k]; k];
    let mut xi = vec![0.0; k];
    for row in x.rows() {
        xi[0] = 1.0;
        for (j, v) in row.iter().enumerate() {
            xi[j + 1] = *v;
        }
        let p = sigmoid(b0 + row.iter().zip(b).map(|(a, c)| a * c).sum::<f64>());
        let w = p * (1.0 - p);
        for a in 0..k {
            let wa = w * xi[a];
            for c in a..k {
                h[a][c] += wa * xi[c];
            }
        }
    }
    for a in 0..k {
        for c in 0..a {
            h[a][c] = h[c][a];
        }
        if a > 0 {
            h[a][a] += alpha;
        }
    }
    (0..k)
        .map(|j| {
            let mut e = vec![0.0; k];
            e[j] = 1.0;
            solve(h.clone(), e)
                .map(|col| col[j])
                .filter(|v| *v > 0.0)
                .map(f64::sqrt)
        })
        .collect()
}

/// Solves A x = b by Gaussian elimination with partial pivoting.
pub fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for c in 0..n {
        let p = (c..n).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[p][c].abs() < 1e-300 {
            return None;
        }
        a.swap(c, p);
        b.swap(c, p);
        for r in c + 1..n {
            let f = a[r][c] / a[c][c];
            for k in c..n {
                a[r][k] -= f * a[c][k];
            }
            b[r] -= f * b[c];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|k| a[r][k] * x[k]).sum();
        x[r] = (b[r] - s) / a[r][r];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_linear_system() {
        let x = solve(vec![vec![2.0, 1.0], vec![1.0, 3.0]], vec![3.0, 5.0]).unwrap();
        assert!((x[0] - 0.8).abs() < 1e-12 && (x[1] - 1.4).abs() < 1e-12);
    }

    #[test]
    fn rejects_bad_penalty() {
        let x = Array2::zeros((2, 1));
        let err = fit_logistic(&x, &[0, 1], -1.0, 10).unwrap_err();
        assert_eq!(
            err.to_string(),
            "model fit failed: C must be finite and > 0, got -1"
        );
    }
}
