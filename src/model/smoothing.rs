//! How strongly the learned shapes are smoothed: the ridge penalty on the
//! 0/1 terms (bins, spikes, missing bins, pair cells) relative to the
//! standardized ones, chosen on the validation period.
//!
//! A 0/1 term enters the design as (value - mean) / scale. Its coefficient
//! on the design's scale is its raw jump times `scale`, so the penalty
//! 0.5 / C · coef² is 0.5 / C · scale² · jump²: a larger scale smooths the
//! shapes more (a neighbouring bin's jump costs more), and at a large
//! enough scale the shapes fall back to the fixed ones. Each scale is
//! fitted on the train period at the chosen C and scored on validation.

use ndarray::{Array2, Axis as NdAxis};

use crate::error::Result;
use crate::model::interactions::validation_log_loss;
use crate::model::logistic::{self, FittedLogistic, LogisticParams};
use crate::model::terms::Term;

/// The scales tried, from 1 down (less smoothing) while the validation
/// log loss improves, else up (more): penalties 1/64 to 64 times a
/// standardized term's.
const DOWN: [f64; 3] = [0.5, 0.25, 0.125];
const UP: [f64; 3] = [2.0, 4.0, 8.0];

/// Whether a term is one of the 0/1 terms the scale applies to.
fn smoothed(t: &Term) -> bool {
    !t.standardized()
}

/// Rescales the 0/1 columns of `x` and `terms` from scale `from` to `to`.
fn rescale(x: &mut Array2<f64>, terms: &mut [Term], from: f64, to: f64) {
    for (j, t) in terms.iter_mut().enumerate() {
        if smoothed(t) {
            x.column_mut(j).mapv_inplace(|v| v * from / to);
            t.std = to;
        }
    }
}

/// A fit's coefficients at scale `from` as the same model at scale `to`.
fn coefficients_at(fit: &FittedLogistic, terms: &[Term], from: f64, to: f64) -> Vec<f64> {
    fit.coefficients
        .iter()
        .zip(terms)
        .map(|(c, t)| if smoothed(t) { c * to / from } else { *c })
        .collect()
}

/// Chooses the scale of the 0/1 terms by the validation log loss of a fit
/// on the first `n_train` rows of `x`, starting from `fit` (at scale 1);
/// leaves `x`, `terms` and `fit` at the chosen scale. Returns (scale,
/// validation log loss) for each scale tried.
pub fn choose(
    x: &mut Array2<f64>,
    terms: &mut [Term],
    fit: &mut FittedLogistic,
    (y_tr, y_va): (&[u8], &[u8]),
    ll_at_one: f64,
    params: &dyn Fn(String) -> LogisticParams,
) -> Result<Vec<(f64, f64)>> {
    let n_train = y_tr.len();
    let mut path = vec![(1.0, ll_at_one)];
    if !terms.iter().any(smoothed) {
        return Ok(path);
    }
    let names: Vec<String> = terms.iter().map(|t| t.name.clone()).collect();
    let mut best = (1.0, ll_at_one, fit.clone());
    let mut scale = 1.0;
    for direction in [&DOWN, &UP] {
        let mut start = fit.clone();
        let mut from = 1.0;
        for &s in direction {
            // the fit at the last scale, as a start at this one
            rescale(x, terms, scale, s);
            scale = s;
            let coef = coefficients_at(&start, terms, from, s);
            let (x_tr, x_va) = x.view().split_at(NdAxis(0), n_train);
            let p = params(format!("the smoothing fit at scale {s}"))
                .warm_start(start.intercept, &coef);
            let f = logistic::fit(p, x_tr, y_tr, &names)?;
            let ll = validation_log_loss(&f, x_va, y_va);
            path.push((s, ll));
            if ll >= best.1 {
                break;
            }
            best = (s, ll, f.clone());
            start = f;
            from = s;
        }
        if best.0 != 1.0 {
            break;
        }
    }
    rescale(x, terms, scale, best.0);
    *fit = best.2;
    Ok(path)
}
