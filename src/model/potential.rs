//! What a win is worth: the expected amount of a won deal from the
//! account's fit terms (PRODUCT.md §6, "Potential").
//!
//! A ridge regression of ln(amount) on the win model's fit-axis terms
//! (standardized as the win model's design, so shapes, levels and exact
//! values carry over), its penalty chosen on the validation period's won
//! deals like the win model's, refitted on train and validation. The log
//! model predicts a median; the mean amount is exp(prediction) times
//! Duan's smearing factor, the mean of exp(residual) over the fitted deals
//! (Duan 1983), which corrects the retransformation bias without assuming
//! normal errors.

use ndarray::{Array2, ArrayView2, Axis as NdAxis};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::features::{FeatureSpec, FeatureTable, TrainingTable, Values};
use crate::model::design::matrix;
use crate::model::logistic::cholesky_solve;
use crate::model::terms::{Axis, Term};

/// Ridge penalties tried (scikit-learn's `alpha`, on the summed squared
/// error of the standardized design).
pub const ALPHAS: [f64; 7] = [0.01, 0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0];

/// The fitted log-amount model over the design's columns named in `terms`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LogAmount {
    pub intercept: f64,
    /// One coefficient per column of the design it was fitted on.
    pub coefficients: Vec<f64>,
    /// Duan's smearing factor: mean exp(residual) on the fitted deals.
    pub smearing: f64,
    /// The penalty chosen.
    pub alpha: f64,
}

impl LogAmount {
    /// The predicted ln(amount) (a median) of each row of `x`.
    pub fn log_median(&self, x: ArrayView2<f64>) -> Vec<f64> {
        x.rows()
            .into_iter()
            .map(|r| {
                self.intercept
                    + r.iter()
                        .zip(&self.coefficients)
                        .map(|(v, b)| v * b)
                        .sum::<f64>()
            })
            .collect()
    }

    /// The expected (mean) amount of each row of `x`.
    pub fn expected(&self, x: ArrayView2<f64>) -> Vec<f64> {
        self.log_median(x)
            .into_iter()
            .map(|e| e.exp() * self.smearing)
            .collect()
    }
}

/// Ridge least squares with a free intercept: minimizes
/// |y - b0 - X b|² + alpha |b|², as scikit-learn's `Ridge(alpha)`
/// (the columns centred, the normal equations solved by Cholesky).
/// Returns (b0, b); None when the system is singular.
pub fn ridge(x: ArrayView2<f64>, y: &[f64], alpha: f64) -> Option<(f64, Vec<f64>)> {
    let n = y.len();
    if n == 0 || x.nrows() != n {
        return None;
    }
    let means = x.mean_axis(NdAxis(0))?;
    let y_mean = y.iter().sum::<f64>() / n as f64;
    let xc: Array2<f64> = &x - &means.view().insert_axis(NdAxis(0));
    let mut a = xc.t().dot(&xc);
    for j in 0..a.nrows() {
        a[[j, j]] += alpha;
    }
    let yc: ndarray::Array1<f64> = y.iter().map(|v| v - y_mean).collect();
    let rhs = xc.t().dot(&yc);
    let b = cholesky_solve(&a, rhs.as_slice()?)?;
    let b0 = y_mean - means.iter().zip(&b).map(|(m, b)| m * b).sum::<f64>();
    Some((b0, b))
}

/// Duan's smearing factor of a fit: the mean of exp(y - prediction).
pub fn smearing(y: &[f64], predicted: &[f64]) -> f64 {
    let n = y.len().max(1) as f64;
    y.iter()
        .zip(predicted)
        .map(|(y, p)| (y - p).exp())
        .sum::<f64>()
        / n
}

/// Fits the log-amount model: the penalty from `ALPHAS` with the least
/// squared error of ln(amount) on the validation rows (`x_va`, `y_va`),
/// then refitted on train and validation together. None when no penalty
/// gives a solvable system.
pub fn fit<'a>(
    (x_tr, y_tr): (ArrayView2<'a, f64>, &[f64]),
    (x_va, y_va): (ArrayView2<'a, f64>, &[f64]),
) -> Option<(LogAmount, Vec<(f64, f64)>)> {
    let mut path = vec![];
    for alpha in ALPHAS {
        let Some((b0, b)) = ridge(x_tr, y_tr, alpha) else {
            continue;
        };
        let m = LogAmount {
            intercept: b0,
            coefficients: b,
            smearing: 1.0,
            alpha,
        };
        let p = m.log_median(x_va);
        let mse = y_va
            .iter()
            .zip(&p)
            .map(|(y, p)| (y - p).powi(2))
            .sum::<f64>()
            / y_va.len().max(1) as f64;
        path.push((alpha, mse));
    }
    let alpha = path
        .iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|p| p.0)?;
    let x = ndarray::concatenate(NdAxis(0), &[x_tr, x_va]).ok()?;
    let y: Vec<f64> = y_tr.iter().chain(y_va).copied().collect();
    let (b0, b) = ridge(x.view(), &y, alpha)?;
    let mut m = LogAmount {
        intercept: b0,
        coefficients: b,
        smearing: 1.0,
        alpha,
    };
    m.smearing = smearing(&y, &m.log_median(x.view()));
    Some((m, path))
}

/// The median absolute percentage error of `predicted` amounts against
/// `actual` ones (as a share: 0.25 is 25%).
pub fn median_ape(predicted: &[f64], actual: &[f64]) -> f64 {
    let e: Vec<f64> = predicted
        .iter()
        .zip(actual)
        .map(|(p, a)| (p - a).abs() / a.abs().max(f64::MIN_POSITIVE))
        .collect();
    crate::features::median(e).unwrap_or(f64::NAN)
}

/// R² of ln(amount): 1 - (squared error of `predicted`) / (squared
/// deviation of `actual` from its mean).
pub fn r2(predicted: &[f64], actual: &[f64]) -> f64 {
    let n = actual.len().max(1) as f64;
    let mean = actual.iter().sum::<f64>() / n;
    let sse: f64 = predicted
        .iter()
        .zip(actual)
        .map(|(p, a)| (a - p).powi(2))
        .sum();
    let sst: f64 = actual.iter().map(|a| (a - mean).powi(2)).sum();
    1.0 - sse / sst.max(f64::MIN_POSITIVE)
}

/// The potential part a model ships: the log-amount model's terms (the win
/// model's fit terms, standardized as there, `coef` its ridge
/// coefficients), intercept and smearing factor.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Potential {
    pub terms: Vec<Term>,
    pub intercept: f64,
    pub smearing: f64,
    pub alpha: f64,
}

impl Potential {
    /// The expected amount of a won deal for each row of `table`:
    /// exp(intercept + the terms' sum) times the smearing factor, each
    /// term added as the win model's linear predictor adds it.
    pub fn expected_amounts(&self, table: &FeatureTable) -> Result<Vec<f64>> {
        let mut eta = vec![self.intercept; table.rows()];
        let mut inputs = crate::model::terms::Inputs::new(table);
        let mut raw = Vec::with_capacity(eta.len());
        for t in &self.terms {
            t.values_into(&mut inputs, &mut raw)?;
            let (b, offset) = t.addend();
            for (e, x) in eta.iter_mut().zip(&raw) {
                *e += b * x - offset;
            }
        }
        Ok(eta.into_iter().map(|e| e.exp() * self.smearing).collect())
    }
}

/// How well the potential part predicts the held-out won amounts, against
/// the baseline of the segment's median won amount.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PotentialReport {
    /// Won deals with an amount it was fitted on (train and validation).
    pub fitted_deals: usize,
    /// Won deals with an amount in the test period.
    pub test_deals: usize,
    /// (alpha, validation mean squared error of ln(amount)) for each tried.
    pub alpha_path: Vec<(f64, f64)>,
    /// Median absolute percentage error of the expected amount.
    pub median_ape: f64,
    /// R² of ln(amount).
    pub r2_log: f64,
    pub baseline_median_ape: f64,
    pub baseline_r2_log: f64,
    /// Each numeric source's effect on the log amount over the won deals.
    #[serde(default)]
    pub shapes: Vec<crate::model::shapes::Curve>,
}

/// Won deals with an amount the fitted periods need for a potential part.
pub const MIN_WON_AMOUNTS: usize = 30;

/// The won deals among `rows` with a positive amount.
fn won_with_amount(tt: &TrainingTable, rows: &[usize]) -> Vec<usize> {
    rows.iter()
        .copied()
        .filter(|&r| tt.label[r] == 1 && tt.amount[r].is_some_and(|a| a.is_finite() && a > 0.0))
        .collect()
}

/// The win model's terms a potential part reads: the fit axis, and no
/// deal column (a deal's own amount or stage would restate the answer).
fn account_terms(terms: &[Term], spec: &FeatureSpec) -> Vec<Term> {
    let deal: Vec<String> = spec.deal.features().into_iter().map(|(n, _)| n).collect();
    terms
        .iter()
        .filter(|t| t.axis == Axis::Fit && !t.inputs().iter().any(|s| deal.iter().any(|d| d == s)))
        .cloned()
        .collect()
}

/// Stage: fits the potential part on the won deals with an amount among
/// the train and validation rows (`periods` = train, validation, test) and
/// measures it on the test period's; None when there are too few (fewer
/// than MIN_WON_AMOUNTS fitted, or none to validate or test on) or the
/// win model has no account terms.
pub fn train(
    tt: &TrainingTable,
    terms: &[Term],
    spec: &FeatureSpec,
    (tr, va, te): (&[usize], &[usize], &[usize]),
) -> Result<Option<(Potential, PotentialReport)>> {
    let (w_tr, w_va, w_te) = (
        won_with_amount(tt, tr),
        won_with_amount(tt, va),
        won_with_amount(tt, te),
    );
    let mut terms = account_terms(terms, spec);
    if w_tr.len() + w_va.len() < MIN_WON_AMOUNTS
        || w_va.is_empty()
        || w_te.is_empty()
        || terms.is_empty()
    {
        return Ok(None);
    }
    let fitted: Vec<usize> = w_tr.iter().chain(&w_va).copied().collect();
    widen_clips(&mut terms, &tt.features, &fitted);
    let x = |rows: &[usize]| matrix::<f64>(&tt.features, &terms, rows);
    let ln = |rows: &[usize]| -> Vec<f64> {
        rows.iter()
            .map(|&r| tt.amount[r].unwrap_or(1.0).ln())
            .collect()
    };
    let (x_tr, x_va, x_te) = (x(&w_tr)?, x(&w_va)?, x(&w_te)?);
    let Some((m, alpha_path)) = fit((x_tr.view(), &ln(&w_tr)), (x_va.view(), &ln(&w_va))) else {
        return Ok(None);
    };
    let actual: Vec<f64> = w_te.iter().map(|&r| tt.amount[r].unwrap_or(1.0)).collect();
    let (log_actual, log_pred) = (ln(&w_te), m.log_median(x_te.view()));
    let baseline = segment_medians(tt, &[w_tr.as_slice(), w_va.as_slice()].concat(), &w_te);
    let log_baseline: Vec<f64> = baseline.iter().map(|b| b.ln()).collect();
    let report = PotentialReport {
        fitted_deals: w_tr.len() + w_va.len(),
        test_deals: w_te.len(),
        alpha_path,
        median_ape: median_ape(&m.expected(x_te.view()), &actual),
        r2_log: r2(&log_pred, &log_actual),
        baseline_median_ape: median_ape(&baseline, &actual),
        baseline_r2_log: r2(&log_baseline, &log_actual),
        shapes: vec![],
    };
    // (no standard errors: 0, as a term that has none)
    for (t, b) in terms.iter_mut().zip(&m.coefficients) {
        t.coef = *b;
        t.std_error = 0.0;
    }
    let fitted: Vec<usize> = w_tr.iter().chain(&w_va).copied().collect();
    let report = PotentialReport {
        shapes: crate::model::shapes::curves_of(&terms, &tt.features, &fitted),
        ..report
    };
    let potential = Potential {
        terms,
        intercept: m.intercept,
        smearing: m.smearing,
        alpha: m.alpha,
    };
    Ok(Some((potential, report)))
}

/// Holds each clipped number to the whole range of the fitted deals'
/// values instead of the win model's winsorized one: amounts keep growing
/// with company size past where win rates stop moving, and the potential
/// part should follow them as far as the won deals go (no further).
fn widen_clips(terms: &mut [Term], table: &FeatureTable, rows: &[usize]) {
    use crate::model::terms::Kind;
    for t in terms.iter_mut() {
        let Kind::Number(n) = &mut t.kind else {
            continue;
        };
        let Some(clip) = n.clip else { continue };
        let shape = n.shape;
        let values = table.get(&t.source).map(|v| {
            rows.iter()
                .filter_map(|&r| v.num(r))
                .map(|x| shape.apply(x))
                .fold((clip[0], clip[1]), |(lo, hi), x| (lo.min(x), hi.max(x)))
        });
        if let Some((lo, hi)) = values {
            n.clip = Some([lo, hi]);
        }
    }
}

/// The baseline's prediction for each of `rows`: the median won amount of
/// the `fitted` deals in its segment (the `segment` feature), else of all.
fn segment_medians(tt: &TrainingTable, fitted: &[usize], rows: &[usize]) -> Vec<f64> {
    let amount = |r: usize| tt.amount[r].unwrap_or(1.0);
    let all = crate::features::median(fitted.iter().map(|&r| amount(r)).collect()).unwrap_or(1.0);
    let Some(Values::Text(segment)) = tt.features.get("segment") else {
        return vec![all; rows.len()];
    };
    let mut by: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
    for &r in fitted {
        by.entry(segment[r].as_str()).or_default().push(amount(r));
    }
    let medians: std::collections::BTreeMap<&str, f64> = by
        .into_iter()
        .filter_map(|(k, v)| crate::features::median(v).map(|m| (k, m)))
        .collect();
    rows.iter()
        .map(|&r| medians.get(segment[r].as_str()).copied().unwrap_or(all))
        .collect()
}
