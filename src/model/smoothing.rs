//! How strongly the learned shapes are smoothed: the ridge penalty on the
//! 0/1 terms (bins, spikes, missing bins, pair cells) and the ramps
//! relative to the standardized terms, chosen over time-ordered folds.
//!
//! A 0/1 term enters the design as (value - mean) / scale. Its coefficient
//! on the design's scale is its raw jump times `scale`, so the penalty
//! 0.5 / C · coef² is 0.5 / C · scale² · jump²: a larger scale smooths the
//! shapes more (a neighbouring bin's jump costs more), and at a large
//! enough scale the shapes fall back to the fixed ones. Each scale is
//! fitted at the chosen C on each fold and scored on its validation rows;
//! the most smoothing within one standard error of the best is kept.

use ndarray::{s, Array2};

use crate::error::Result;
use crate::model::interactions::validation_probabilities;
use crate::model::logistic::{self, FittedLogistic, LogisticParams};
use crate::model::metrics;
use crate::model::terms::{Kind, Term};

/// The scales tried below 1 (less smoothing) while the validation log loss
/// improves, and above 1 (more) while it stays within one standard error
/// of the best: penalties 1/64 to 4096 times a standardized term's.
const DOWN: [f64; 3] = [0.5, 0.25, 0.125];
const UP: [f64; 6] = [2.0, 4.0, 8.0, 16.0, 32.0, 64.0];

/// The smoothing chosen, and what was tried.
pub struct Chosen {
    /// The scale of the 0/1 terms.
    pub scale: f64,
    /// The chosen fit's validation probabilities.
    pub validation: Vec<f64>,
    /// (scale, validation log loss pooled over the folds) for each scale
    /// tried, in order.
    pub path: Vec<(f64, f64)>,
}

/// Whether a term is one the scale applies to: a 0/1 term, or a ramp (a
/// bend in a number's line, on its standardized scale times the scale).
fn smoothed(t: &Term) -> bool {
    !t.standardized() || matches!(t.kind, Kind::Hinge(_))
}

/// Rescales the smoothed columns of `x` and `terms` from scale `from` to `to`.
fn rescale(x: &mut Array2<f64>, terms: &mut [Term], from: f64, to: f64) {
    for (j, t) in terms.iter_mut().enumerate() {
        if smoothed(t) {
            x.column_mut(j).mapv_inplace(|v| v * from / to);
            t.std *= to / from;
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

/// Time-ordered folds the scale is judged on: the last is the search's own
/// split (train rows, then validation rows); the earlier ones validate on
/// the train period's last blocks, each fitted on the rows before it.
const FOLDS: usize = 3;

/// A fold of the search rows: fitted on rows `..fit_end`, validated on
/// `fit_end..end`.
#[derive(Clone, Copy)]
struct Fold {
    fit_end: usize,
    end: usize,
}

/// The search's own split first, then up to FOLDS - 1 earlier folds, each
/// validating on a block of train rows as long as the validation period
/// (at most a quarter of the train rows) and fitted on at least half.
fn folds(n_train: usize, n_va: usize) -> Vec<Fold> {
    let mut out = vec![Fold {
        fit_end: n_train,
        end: n_train + n_va,
    }];
    let m = n_va.min(n_train / 4);
    for j in 1..FOLDS {
        let end = n_train - (j - 1) * m;
        if m == 0 || end - m < n_train / 2 {
            break;
        }
        out.push(Fold {
            fit_end: end - m,
            end,
        });
    }
    out
}

/// One scale tried: its fit on each fold (at that scale), and the folds'
/// validation probabilities, pooled in fold order (the search's own
/// validation rows first).
struct Tried {
    scale: f64,
    /// The pooled validation log loss over the folds.
    log_loss: f64,
    fits: Vec<FittedLogistic>,
    pooled: Vec<f64>,
}

/// Whether `t` is as good as `best` on the folds' validation rows (labels
/// `y`, pooled): its log loss at most one standard error (of the paired
/// per-deal difference) above the best's.
fn within_one_se(t: &Tried, best: &Tried, y: &[u8]) -> bool {
    let (diff, se) = metrics::paired_log_loss_difference(&t.pooled, &best.pooled, y);
    diff <= se
}

/// The design, its terms and the folds' labels as the smoothing search
/// reads them.
struct Search<'a> {
    x: &'a mut Array2<f64>,
    terms: &'a mut [Term],
    names: Vec<String>,
    /// Train then validation labels.
    y: Vec<u8>,
    folds: Vec<Fold>,
    /// The folds' validation labels, pooled in fold order.
    y_pooled: Vec<u8>,
    /// The scale `x` and `terms` are at.
    scale: f64,
}

impl Search<'_> {
    /// Fits every fold at scale `s`, each warm started from `from`'s fit
    /// on it (or from `start` where `from` has none).
    fn fit_at(
        &mut self,
        s: f64,
        from: &Tried,
        params: &dyn Fn(String) -> LogisticParams,
    ) -> Result<Tried> {
        rescale(self.x, self.terms, self.scale, s);
        self.scale = s;
        let (mut fits, mut pooled) = (vec![], vec![]);
        for (k, fold) in self.folds.iter().enumerate() {
            let start = from.fits.get(k).unwrap_or(&from.fits[0]);
            let coef = coefficients_at(start, self.terms, from.scale, s);
            let x_fit = self.x.slice(s![..fold.fit_end, ..]);
            let p = params(format!("the smoothing fit at scale {s}"))
                .warm_start(start.intercept, &coef);
            let f = logistic::fit(p, x_fit, &self.y[..fold.fit_end], &self.names)?;
            pooled.extend(validation_probabilities(
                &f,
                self.x.slice(s![fold.fit_end..fold.end, ..]),
            ));
            fits.push(f);
        }
        Ok(Tried {
            scale: s,
            log_loss: metrics::log_loss(&pooled, &self.y_pooled),
            fits,
            pooled,
        })
    }
}

/// Chooses the scale of the smoothed terms, starting from `fit` (at scale
/// 1, on the first `y_tr.len()` rows of `x`), over time-ordered folds of
/// the search rows (the validation period and the train period's last
/// blocks, pooled): less smoothing while the pooled log loss falls, then
/// the most smoothing within one standard error of the best (the one
/// standard error rule of Breiman et al. and glmnet: shapes the folds
/// cannot tell from smoother ones are not kept). Leaves `x`, `terms` and
/// `fit` at the chosen scale.
pub fn choose(
    x: &mut Array2<f64>,
    terms: &mut [Term],
    fit: &mut FittedLogistic,
    (y_tr, y_va): (&[u8], &[u8]),
    params: &dyn Fn(String) -> LogisticParams,
) -> Result<Chosen> {
    let n_train = y_tr.len();
    let at_one = validation_probabilities(fit, x.slice(s![n_train.., ..]));
    if !terms.iter().any(smoothed) {
        return Ok(Chosen {
            scale: 1.0,
            path: vec![(1.0, metrics::log_loss(&at_one, y_va))],
            validation: at_one,
        });
    }
    let folds = folds(n_train, y_va.len());
    let y: Vec<u8> = y_tr.iter().chain(y_va).copied().collect();
    let y_pooled: Vec<u8> = folds
        .iter()
        .flat_map(|f| y[f.fit_end..f.end].iter().copied())
        .collect();
    let mut search = Search {
        names: terms.iter().map(|t| t.name.clone()).collect(),
        x,
        terms,
        y,
        folds,
        y_pooled,
        scale: 1.0,
    };
    let given = Tried {
        scale: 1.0,
        log_loss: f64::NAN,
        fits: vec![fit.clone()],
        pooled: at_one,
    };
    // scale 1 on every fold (the search's own fold refits from where it is)
    let mut tried = vec![search.fit_at(1.0, &given, params)?];
    for direction in [&DOWN[..], &UP[..]] {
        // each fit starts from the last one in its direction
        let mut start = 0;
        for &s in direction {
            let t = search.fit_at(s, &tried[start], params)?;
            let best = best_of(&tried);
            let go_on = t.log_loss < best.log_loss
                || (s > 1.0 && within_one_se(&t, best, &search.y_pooled));
            tried.push(t);
            if !go_on {
                break;
            }
            start = tried.len() - 1;
        }
    }
    let best = best_of(&tried);
    let chosen = tried
        .iter()
        .enumerate()
        .filter(|(_, t)| within_one_se(t, best, &search.y_pooled))
        .max_by(|a, b| a.1.scale.total_cmp(&b.1.scale))
        .map_or(0, |(i, _)| i);
    let scale = search.scale;
    rescale(search.x, search.terms, scale, tried[chosen].scale);
    let path = tried.iter().map(|t| (t.scale, t.log_loss)).collect();
    let mut t = tried.swap_remove(chosen);
    *fit = t.fits.swap_remove(0);
    t.pooled.truncate(y_va.len());
    Ok(Chosen {
        scale: t.scale,
        validation: t.pooled,
        path,
    })
}

/// The scale tried with the lowest pooled validation log loss.
fn best_of(tried: &[Tried]) -> &Tried {
    tried
        .iter()
        .min_by(|a, b| a.log_loss.total_cmp(&b.log_loss))
        .expect("at least the scale of 1 is tried")
}
