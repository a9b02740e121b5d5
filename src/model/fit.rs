//! Fitting: the standardized design matrix, the L2-penalized logistic
//! regression (Newton's method, positive = won), and a small unpenalized
//! Newton fit for the few-parameter stacks (hybrid, rules baseline).

use ndarray::{Array1, Array2, ArrayView2};
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
    /// Its standard error (Fisher information of the penalized fit).
    #[serde(default)]
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
    table
        .names
        .iter()
        .filter(|n| !RAW.contains(&n.as_str()))
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
/// winsorized (`winsor_bounds`). Means, standard deviations and bounds
/// come from `rows`.
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
                    let clip = (axis == Axis::Fit
                        && !binary
                        && matches!(shape, Shape::Linear | Shape::Log))
                    .then(|| winsor_bounds(&x))
                    .flatten();
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
    let v = table
        .get(&t.source)
        .ok_or_else(|| Error::Internal(format!("feature `{}` is missing", t.source)))?;
    Ok(match (&t.level, v) {
        (Some(level), Values::Text(v)) => {
            v.iter().map(|x| f64::from(u8::from(x == level))).collect()
        }
        (None, Values::Num(v)) => v.iter().map(|x| t.value(*x)).collect(),
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

/// L2-penalized logistic regression: scikit-learn's `LogisticRegression(C=c)`,
/// minimizing the summed log loss plus `0.5 / C * |w|^2` (intercept not
/// penalized), by Newton's method with a backtracking line search. Returns
/// (intercept, coefficients); positive means won.
///
/// Newton converges quadratically on this smooth, strictly convex problem:
/// a handful of iterations reach the optimum to machine precision, where
/// first-order solvers (L-BFGS) crawl along the collinear signal-window
/// features. Each iteration is one pass over the rows in parallel chunks
/// (gradient and the Hessian `[1 X]' W [1 X]` as a matrix product per chunk).
pub fn fit_logistic(
    x: &Array2<f64>,
    y: &[u8],
    c: f64,
    max_iterations: u64,
) -> Result<(f64, Vec<f64>)> {
    fit_logistic_from(x.view(), y, c, max_iterations, None)
}

/// `fit_logistic` started from `start` (intercept, coefficients), e.g. the
/// fit at a neighbouring C: fewer iterations, the same optimum.
pub fn fit_logistic_from(
    x: ArrayView2<f64>,
    y: &[u8],
    c: f64,
    max_iterations: u64,
    start: Option<(f64, &[f64])>,
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
    if y.iter().all(|v| *v == 1) || y.iter().all(|v| *v != 1) {
        return Err(Error::Fit(
            "the training period has only one class (all won or all lost)".into(),
        ));
    }
    let alpha = 1.0 / c;
    let k = x.ncols() + 1;
    // beta = [intercept, w...]; start at the base rate
    let rate = y.iter().filter(|v| **v == 1).count() as f64 / y.len() as f64;
    let mut beta = vec![0.0; k];
    beta[0] = (rate / (1.0 - rate)).ln();
    if let Some((b0, b)) = start.filter(|(_, b)| b.len() == k - 1) {
        beta[0] = b0;
        beta[1..].copy_from_slice(b);
    }
    let mut pass = newton_pass(x, y, &beta, alpha, true);
    for _ in 0..max_iterations {
        let step = solve(pass.hessian.clone(), pass.gradient.clone())
            .ok_or_else(|| Error::Fit("singular Hessian in the logistic fit".into()))?;
        // the decrease Newton predicts; below rounding noise, we are at the optimum
        let decrease: f64 = step.iter().zip(&pass.gradient).map(|(s, g)| s * g).sum();
        if decrease <= 1e-13 * y.len() as f64 {
            break;
        }
        let mut t = 1.0;
        let improved = loop {
            let trial: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b - t * s).collect();
            if newton_pass(x, y, &trial, alpha, false).objective
                <= pass.objective - 1e-4 * t * decrease
            {
                beta = trial;
                break true;
            }
            t *= 0.5;
            if t < 1e-10 {
                break false; // no decrease beyond rounding: at the optimum
            }
        };
        if !improved {
            break;
        }
        pass = newton_pass(x, y, &beta, alpha, true);
    }
    if beta.iter().any(|b| !b.is_finite()) {
        return Err(Error::Fit("the logistic fit diverged".into()));
    }
    Ok((beta[0], beta[1..].to_vec()))
}

/// The penalized objective at `beta` and, when asked, its gradient and Hessian.
struct Pass {
    objective: f64,
    gradient: Vec<f64>,
    hessian: Vec<Vec<f64>>,
}

/// One pass over the rows in parallel chunks. The Hessian's data part is
/// `[1 X]' W [1 X]`, W = diag(p(1-p)); the penalty adds alpha to the
/// diagonal except the intercept's.
fn newton_pass(x: ArrayView2<f64>, y: &[u8], beta: &[f64], alpha: f64, derivatives: bool) -> Pass {
    use rayon::prelude::*;
    // small enough that a chunk's scaled copy is reused from the allocator,
    // not mapped (and zeroed by the kernel) afresh on every pass
    const CHUNK: usize = 2_048;
    let k = beta.len();
    let w = ndarray::ArrayView1::from(&beta[1..]);
    let starts: Vec<usize> = (0..y.len()).step_by(CHUNK).collect();
    let parts: Vec<(f64, Array1<f64>, Array2<f64>)> = starts
        .par_iter()
        .map(|&a| {
            let b = (a + CHUNK).min(y.len());
            let xc = x.slice(ndarray::s![a..b, ..]);
            let eta = xc.dot(&w) + beta[0];
            let mut loss = 0.0;
            let mut resid = Array1::<f64>::zeros(b - a);
            let mut z = Array2::<f64>::zeros(if derivatives { (b - a, k) } else { (0, k) });
            for (i, e) in eta.iter().enumerate() {
                let yi = f64::from(y[a + i]);
                // log(1 + exp(e)) - y e, without overflow
                loss += e.max(0.0) + (-e.abs()).exp().ln_1p() - yi * e;
                if derivatives {
                    let p = sigmoid(*e);
                    resid[i] = p - yi;
                    let s = (p * (1.0 - p)).sqrt();
                    z[[i, 0]] = s;
                    for j in 1..k {
                        z[[i, j]] = s * xc[[i, j - 1]];
                    }
                }
            }
            if !derivatives {
                return (loss, Array1::zeros(0), Array2::zeros((0, 0)));
            }
            let mut g = Array1::<f64>::zeros(k);
            g[0] = resid.sum();
            g.slice_mut(ndarray::s![1..]).assign(&xc.t().dot(&resid));
            (loss, g, z.t().dot(&z))
        })
        .collect();
    let penalty: f64 = 0.5 * alpha * beta[1..].iter().map(|b| b * b).sum::<f64>();
    let objective = parts.iter().map(|p| p.0).sum::<f64>() + penalty;
    if !derivatives {
        return Pass {
            objective,
            gradient: vec![],
            hessian: vec![],
        };
    }
    let mut g = Array1::<f64>::zeros(k);
    let mut h = Array2::<f64>::zeros((k, k));
    for (_, pg, ph) in &parts {
        g += pg;
        h += ph;
    }
    for j in 1..k {
        g[j] += alpha * beta[j];
        h[[j, j]] += alpha;
    }
    Pass {
        objective,
        gradient: g.to_vec(),
        hessian: h.outer_iter().map(|r| r.to_vec()).collect(),
    }
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
pub fn standard_errors(x: ArrayView2<f64>, b0: f64, b: &[f64], alpha: f64) -> Option<Vec<f64>> {
    let y = vec![0; x.nrows()]; // the Hessian does not depend on the labels
    let beta: Vec<f64> = std::iter::once(b0).chain(b.iter().copied()).collect();
    let h = newton_pass(x, &y, &beta, alpha, true).hessian;
    (0..beta.len())
        .map(|j| {
            let mut e = vec![0.0; beta.len()];
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
        let (pivot, below) = a.split_at_mut(c + 1);
        let pivot = &pivot[c];
        for (r, row) in below.iter_mut().enumerate() {
            let f = row[c] / pivot[c];
            for (x, p) in row[c..].iter_mut().zip(&pivot[c..]) {
                *x -= f * p;
            }
            b[c + 1 + r] -= f * b[c];
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
