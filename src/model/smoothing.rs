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

/// The scales tried: penalties 1/16 to 64 times a standardized term's.
pub const SCALES: [f64; 7] = [1.0, 0.5, 0.25, 2.0, 4.0, 8.0, 0.125];

/// Whether a term is one of the 0/1 terms the scale applies to.
fn smoothed(t: &Term) -> bool {
    !t.standardized()
}

/// Rescales the 0/1 columns of `x` and `terms` from scale `from` to `to`,
/// and a fit's coefficients with them (the same model).
fn rescale(x: &mut Array2<f64>, terms: &mut [Term], coef: &mut [f64], from: f64, to: f64) {
    for (j, t) in terms.iter_mut().enumerate() {
        if smoothed(t) {
            x.column_mut(j).mapv_inplace(|v| v * from / to);
            t.std = to;
            coef[j] *= to / from;
        }
    }
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
    let mut start = fit.clone();
    for &s in &SCALES[1..] {
        let mut coef = start.coefficients.to_vec();
        rescale(x, terms, &mut coef, scale, s);
        scale = s;
        let (x_tr, x_va) = x.view().split_at(NdAxis(0), n_train);
        let p =
            params(format!("the smoothing fit at scale {s}")).warm_start(start.intercept, &coef);
        let f = logistic::fit(p, x_tr, y_tr, &names)?;
        let ll = validation_log_loss(&f, x_va, y_va);
        path.push((s, ll));
        if ll < best.1 {
            best = (s, ll, f.clone());
        }
        start = f;
    }
    let mut coef = vec![0.0; terms.len()];
    rescale(x, terms, &mut coef, scale, best.0);
    *fit = best.2;
    Ok(path)
}
