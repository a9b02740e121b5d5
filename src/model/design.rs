//! The design: which terms enter the model (`design_terms`: each numeric
//! source in its fixed shapes and its learned bins, text levels, missing
//! values), and the matrix the estimator fits.

use ndarray::Array2;

use crate::config::ModelConfig;
use crate::error::Result;
use crate::features::{FeatureSpec, FeatureTable, Shape, Values};
use crate::model::logistic::Real;
use crate::model::terms::Axis;
use crate::model::terms::{exact, hinge, number, step, Inputs, Kind, Term};

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

/// Rows a learned bin (or a pair's cell side) needs: 30, or 1 in 50 of
/// the fitted deals when there are many.
pub fn min_bin_rows(rows: usize) -> usize {
    MIN_LEVEL_ROWS.max(rows / 50)
}

/// The deals an exact value needs to get a term of its own: max(30, 1 in
/// 200) of the fitted deals (a placeholder amount typed into 400 of 78,000
/// deals is one).
pub fn min_exact_rows(rows: usize) -> usize {
    30.max(rows / 200)
}

/// Exact values per number at most, the most frequent first.
const MAX_EXACT: usize = 32;

/// The cuts midway between `value` and the nearest values of `raw` below
/// and above it (those that exist).
fn cuts_around(raw: &[f64], value: f64) -> Vec<f64> {
    let below = raw
        .iter()
        .copied()
        .filter(|x| *x < value)
        .fold(f64::NEG_INFINITY, f64::max);
    let above = raw
        .iter()
        .copied()
        .filter(|x| *x > value)
        .fold(f64::INFINITY, f64::min);
    let mut out = vec![];
    if below.is_finite() {
        out.push(step::midway(below, value));
    }
    if above.is_finite() {
        out.push(step::midway(value, above));
    }
    out
}

/// The design terms for a training table, means and scales from `rows`:
/// - text features: a level for each value in at least `MIN_LEVEL_ROWS`
///   deals (rarer ones score as none of them; every level is shrunk
///   toward the average, not toward one reference level);
/// - numbers and flags: the fixed shapes the spec gives them
///   (`FeatureSpec::shapes_of`), account numbers winsorized, signal
///   numbers held to their training range;
/// - numbers with more than two values also a learned shape (`[model]
///   bins`): steps at cuts learned from the outcomes `labels` (the
///   fitted rows' only) and their frequent exact values;
/// - extra and deal numbers a bin for "missing" when some were.
///
/// Constant columns are dropped.
pub fn design_terms(
    table: &FeatureTable,
    rows: &[usize],
    spec: &FeatureSpec,
    axes: &std::collections::BTreeMap<String, String>,
    labels: &[u8],
    cfg: &ModelConfig,
) -> Result<Vec<Term>> {
    let y: Vec<u8> = rows.iter().map(|&r| labels[r]).collect();
    let mut terms = vec![];
    for name in model_sources(table) {
        let Some(values) = table.get(&name) else {
            continue;
        };
        let axis = spec.axis(&name, axes);
        match values {
            Values::Text(v) => terms.extend(level_terms(&name, v, rows, axis)),
            _ => {
                let raw: Vec<f64> = rows.iter().map(|&r| values.num(r).unwrap_or(0.0)).collect();
                terms.extend(number_terms(&name, &raw, spec, axis));
                if cfg.bins >= 2 && !raw.iter().all(|v| *v == 0.0 || *v == 1.0) {
                    let monotone = cfg.monotone_of(&name).is_some();
                    terms.extend(bin_terms(&name, &raw, &y, (cfg.bins, monotone), axis));
                }
                let nullable = spec.extra.numbers.iter().chain(&spec.deal.numbers);
                if nullable.into_iter().any(|c| *c == name) {
                    let kind = Kind::Missing(crate::model::terms::missing::Missing {});
                    terms.push(Term::new(&name, kind, axis));
                }
            }
        }
    }
    // scales from the fitted rows; constant terms dropped, and a term
    // whose 0/1 column repeats an earlier one (or its complement: a step
    // at 1 is a count's presence, a spike at the cap its last step)
    let mut inputs = Inputs::new(table);
    let mut kept = Vec::with_capacity(terms.len());
    let mut seen = rustc_hash::FxHashSet::default();
    for mut t in terms {
        let v = t.values(&mut inputs)?;
        let x: Vec<f64> = rows.iter().map(|&r| v[r]).collect();
        if t.scale(&x) && seen.insert(column_key(&x)) {
            // a monotone source's terms each move its effect one way only
            if let (Some(d), Some(r)) = (cfg.monotone_of(&t.source), t.rising()) {
                t.sign = (d.sign() * r) as i8;
            }
            kept.push(t);
        }
    }
    Ok(kept)
}

fn level_terms(name: &str, v: &[String], rows: &[usize], axis: Axis) -> Vec<Term> {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for &r in rows {
        *counts.entry(v[r].as_str()).or_default() += 1;
    }
    // a level seen in too few deals gets no coefficient of its own: its
    // estimate would be noise
    counts
        .iter()
        .filter(|(_, c)| **c >= MIN_LEVEL_ROWS)
        .map(|(level, _)| {
            let kind = Kind::Level(crate::model::terms::level::Level {
                level: level.to_string(),
            });
            Term::new(name, kind, axis)
        })
        .collect()
}

fn number_terms(name: &str, raw: &[f64], spec: &FeatureSpec, axis: Axis) -> Vec<Term> {
    let binary = raw.iter().all(|v| *v == 0.0 || *v == 1.0);
    let nonnegative = raw.iter().all(|v| *v >= 0.0);
    let mut out = vec![];
    for shape in spec.shapes_of(name) {
        if shape == Shape::Log && (binary || !nonnegative) {
            continue;
        }
        let x: Vec<f64> = raw.iter().map(|v| shape.apply(*v)).collect();
        // account numbers winsorized, signal features held to the
        // training range (which changes no training value)
        let clip = match (binary, shape, axis) {
            (false, Shape::Linear | Shape::Log, Axis::Fit) => winsor_bounds(&x),
            (false, Shape::Linear | Shape::Log, Axis::Timing) => range_bounds(&x),
            _ => None,
        };
        let kind = Kind::Number(number::Number { shape, clip });
        out.push(Term::new(name, kind, axis));
    }
    out
}

/// A number's learned shape: steps at up to `bins - 1` cuts learned from
/// the outcomes `y`, and its frequent exact values. A `monotone` source's
/// exact values are two steps each, midway to the values either side (so
/// its effect there may rise or fall only with its neighbours').
fn bin_terms(
    name: &str,
    raw: &[f64],
    y: &[u8],
    (bins, monotone): (usize, bool),
    axis: Axis,
) -> Vec<Term> {
    let min_rows = min_bin_rows(raw.len());
    let cuts = step::cuts(raw, y, bins, min_rows);
    let lowest = raw.iter().copied().fold(f64::INFINITY, f64::min);
    let mut out: Vec<Term> = cuts
        .iter()
        .map(|&at| Term::new(name, Kind::Step(step::Step { at }), axis))
        .collect();
    // account numbers ramp up to the end of the range their linear term is
    // held to (signal numbers have their presence, log and within shapes)
    if axis == Axis::Fit {
        let to = winsor_bounds(raw).map_or(f64::INFINITY, |b| b[1]);
        for at in hinge::knots(raw).into_iter().filter(|k| *k < to) {
            out.push(Term::new(name, Kind::Hinge(hinge::Hinge { at, to }), axis));
        }
    }
    let spikes = exact::spikes(raw, min_exact_rows(raw.len()), MAX_EXACT);
    if monotone {
        for at in spikes.iter().flat_map(|v| cuts_around(raw, *v)) {
            out.push(Term::new(name, Kind::Step(step::Step { at }), axis));
        }
        return out;
    }
    for value in spikes {
        // the lowest value below the first cut is that step's other side already
        let split = cuts
            .first()
            .is_some_and(|c| value == lowest && raw.iter().all(|x| (*x < *c) == (*x == lowest)));
        if !split {
            out.push(Term::new(name, Kind::Exact(exact::Exact { value }), axis));
        }
    }
    out
}

/// A column's identity up to complement (for 0/1 columns: 1 - x is the
/// same term to a model with an intercept).
fn column_key(x: &[f64]) -> u64 {
    use std::hash::Hasher;
    let binary = x.iter().all(|v| *v == 0.0 || *v == 1.0);
    let flip = binary && x.first() == Some(&1.0);
    let mut h = rustc_hash::FxHasher::default();
    for v in x {
        let v = if flip { 1.0 - v } else { *v };
        h.write_u64(v.to_bits());
    }
    h.finish()
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
/// the fit; a fence never holds more than 1 in 200 rows (a count whose
/// quartiles are 0 and 1 keeps its tail). None when the bounds would make
/// the column constant.
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
        (
            (q1 - 3.0 * iqr).max(min).min(at(0.005)),
            (q3 + 3.0 * iqr).min(max).max(at(0.995)),
        )
    } else {
        (min, max)
    };
    (lo < hi).then_some([lo, hi])
}

/// The standardized design matrix of `rows` (f32 for the large final
/// fit: half the memory).
pub fn matrix<A: Real + Default>(
    table: &FeatureTable,
    terms: &[Term],
    rows: &[usize],
) -> Result<Array2<A>> {
    let mut x = Array2::<A>::default((rows.len(), terms.len()));
    let mut inputs = Inputs::new(table);
    for (j, t) in terms.iter().enumerate() {
        let v = t.values(&mut inputs)?;
        for (i, &r) in rows.iter().enumerate() {
            x[[i, j]] = A::narrow((v[r] - t.mean) / t.std);
        }
    }
    Ok(x)
}
