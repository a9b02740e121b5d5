//! A few pairs on top of the main effects: candidates ranked on the
//! main-effect model's residuals (`terms::pair::detect`), each added as its
//! grid's interaction cells and kept only when the fit on the train period
//! lowers the validation log loss by more than one standard error.

use ndarray::{concatenate, Array2, ArrayView2, Axis as NdAxis};

use crate::error::Result;
use crate::features::FeatureTable;
use crate::model::design::min_bin_rows;
use crate::model::logistic::{self, sigmoid, FittedLogistic, LogisticParams};
use crate::model::metrics;
use crate::model::terms::pair::{self, Sides};
use crate::model::terms::{Axis, Kind, Term};

/// Rows pair detection reads at most (every k-th fitted deal beyond).
const DETECTION_ROWS: usize = 200_000;

/// The least drop in validation log loss that keeps a pair.
const MIN_GAIN: f64 = 1e-5;

/// The state of the fit the pairs are tried on.
pub struct Fitted {
    pub terms: Vec<Term>,
    /// The standardized design of the train and validation rows, in that order.
    pub x: Array2<f64>,
    pub fit: FittedLogistic,
    /// The fit's probabilities of the validation rows.
    pub validation: Vec<f64>,
    /// The scale of the 0/1 terms (`smoothing`): the pairs' cells get it too.
    pub scale: f64,
}

/// Adds up to `most` pairs to `f` (fitted on the first `n_train` rows of
/// `f.x`, labels `y_tr` and `y_va`), trying `most + 2` candidates, each
/// the best untried one on the residuals of the fit so far; `params`
/// makes the penalized fit. The rows of `f.x` are
/// `rows` of `table`. Returns what was tried, for the report.
pub fn add_pairs(
    f: &mut Fitted,
    table: &FeatureTable,
    rows: &[usize],
    (y_tr, y_va): (&[u8], &[u8]),
    most: usize,
    params: &dyn Fn(String) -> LogisticParams,
) -> Result<Vec<String>> {
    let n_train = y_tr.len();
    let mut notes = vec![];
    if most == 0 {
        return Ok(notes);
    }
    let train_rows = &rows[..n_train];
    let step = train_rows.len().div_ceil(DETECTION_ROWS).max(1);
    let picked: Vec<usize> = (0..n_train).step_by(step).collect();
    let detect_rows: Vec<usize> = picked.iter().map(|&i| train_rows[i]).collect();
    // the current fit's probabilities of the detection rows
    let probabilities = |f: &Fitted| -> Vec<f64> {
        let x = f.x.select(ndarray::Axis(0), &picked);
        f.fit
            .linear_predictor(&x)
            .iter()
            .map(|e| sigmoid(*e))
            .collect()
    };
    let y_detect: Vec<u8> = picked.iter().map(|&i| y_tr[i]).collect();
    let mut sources: Vec<(String, Axis)> = vec![];
    for t in &f.terms {
        if !matches!(t.kind, Kind::Pair(_)) && !sources.iter().any(|(s, _)| *s == t.source) {
            sources.push((t.source.clone(), t.axis));
        }
    }
    let min_rows = min_bin_rows(detect_rows.len());
    // a monotone source pairs with nothing: a pair would bend its effect
    // one way for some accounts and the other way for others
    let monotone = |s: &str| f.terms.iter().any(|t| t.source == s && t.sign != 0);
    let sides: Vec<Sides> = sources
        .iter()
        .filter(|(s, _)| !monotone(s))
        .filter_map(|(s, _)| pair::sides(table, s, &detect_rows, &y_detect, min_rows))
        .collect();
    let axis_of = |s: &str| {
        sources
            .iter()
            .find(|(n, _)| *n == s)
            .map_or(Axis::Fit, |x| x.1)
    };
    let mut kept = 0;
    let mut tried: Vec<(usize, usize)> = vec![];
    // the best untried candidate on the current fit's residuals: after a
    // pair is kept the others are ranked again, so one that restates it
    // (the same interaction in another window) falls back
    let mut candidates = pair::detect(&sides, &detect_rows, &probabilities(f), &y_detect);
    while tried.len() < most + 2 {
        let Some(c) = candidates
            .iter()
            .find(|c| !tried.contains(&(c.first, c.second)))
            .cloned()
        else {
            break;
        };
        tried.push((c.first, c.second));
        let (a, b) = (&sides[c.first], &sides[c.second]);
        let key = format!("{} \u{d7} {}", a.source, b.source);
        // a fit × timing pair is timing: the timing that matters more for fit accounts
        let axis = if axis_of(&a.source) == Axis::Timing || axis_of(&b.source) == Axis::Timing {
            Axis::Timing
        } else {
            Axis::Fit
        };
        let (cells, extra) = pair_cells(table, rows, (a, b), axis, f.scale)?;
        if cells.is_empty() {
            continue;
        }
        let x = concatenate(NdAxis(1), &[f.x.view(), extra.view()])
            .map_err(|e| crate::error::Error::Internal(e.to_string()))?;
        let (x_tr, x_va) = x.view().split_at(NdAxis(0), n_train);
        let start: Vec<f64> = f
            .fit
            .coefficients
            .iter()
            .copied()
            .chain(std::iter::repeat_n(0.0, cells.len()))
            .collect();
        let p = params(format!("the fit with the pair {key}")).warm_start(f.fit.intercept, &start);
        let names: Vec<String> = f
            .terms
            .iter()
            .chain(&cells)
            .map(|t| t.name.clone())
            .collect();
        let fit = logistic::fit(p, x_tr, y_tr, &names)?;
        let validation = validation_probabilities(&fit, x_va);
        // kept when it lowers the validation log loss by more than one
        // standard error of the paired difference (and by more than the
        // report's last digit): a pair validation cannot tell from none is
        // left out
        let (diff, se) = metrics::paired_log_loss_difference(&validation, &f.validation, y_va);
        let better = -diff > se.max(MIN_GAIN);
        notes.push(format!(
            "pair {key} (residual score {:.1}): validation log loss {:.5} against {:.5} (standard error of the difference {:.5}), {}",
            c.gain,
            metrics::log_loss(&validation, y_va),
            metrics::log_loss(&f.validation, y_va),
            se,
            if better { "kept" } else { "not kept" }
        ));
        if better {
            f.terms.extend(cells);
            f.x = x;
            f.fit = fit;
            f.validation = validation;
            kept += 1;
            if kept == most {
                break;
            }
            candidates = pair::detect(&sides, &detect_rows, &probabilities(f), &y_detect);
        }
    }
    Ok(notes)
}

/// The cells of the pair `a` × `b` as terms (named, on `axis`, at the
/// smoothing `scale`), and their columns on `rows`, standardized as the
/// design's; constant cells left out.
fn pair_cells(
    table: &FeatureTable,
    rows: &[usize],
    (a, b): (&Sides, &Sides),
    axis: Axis,
    scale: f64,
) -> Result<(Vec<Term>, Array2<f64>)> {
    let key = format!("{} \u{d7} {}", a.source, b.source);
    let mut cells: Vec<Term> = vec![];
    let mut columns: Vec<Vec<f64>> = vec![];
    let mut inputs = crate::model::terms::Inputs::new(table);
    for (i, j, kind) in pair::cells(a, b) {
        let mut t = Term::new(&key, Kind::Pair(kind), axis);
        t.name = format!("{}_x_{}_{i}{j}", a.source, b.source);
        let v = t.values(&mut inputs)?;
        let x: Vec<f64> = rows.iter().map(|&r| v[r]).collect();
        if t.scale(&x) {
            t.std = scale;
            columns.push(x.iter().map(|v| (v - t.mean) / t.std).collect());
            cells.push(t);
        }
    }
    let extra = Array2::from_shape_fn((rows.len(), cells.len()), |(r, j)| columns[j][r]);
    Ok((cells, extra))
}

/// A fit's probabilities of the rows of `x_va`.
pub fn validation_probabilities(fit: &FittedLogistic, x_va: ArrayView2<f64>) -> Vec<f64> {
    fit.linear_predictor(&x_va)
        .iter()
        .map(|e| sigmoid(*e))
        .collect()
}
