//! Training: time-ordered split, penalty choice, hybrid stack, held-out
//! evaluation, tier cut-offs frozen on the training universe.
//!
//! Closed deals are ordered by `created_date`. The newest `test_share` is the
//! held-out test period (never fitted on, never used to choose anything); the
//! `validation_share` before it chooses the penalty C (by log loss of a model
//! fitted on the older deals) and fits the hybrid stack and the rules
//! baseline. The shipped model is refitted on train + validation with the
//! chosen C, and is exactly what the test metrics describe.

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::features::{self, FeatureSpec, FeatureTable, TrainingTable};
use crate::input::{read::format_days, Dataset};
use crate::model::calibrate::{isotonic, Calibration, MIN_ISOTONIC_ROWS};
use crate::model::design::{design_terms, matrix};
use crate::model::logistic::{self, sigmoid, FittedLogistic, LogisticParams};
use crate::model::metrics::{self, Metrics};
use crate::model::planning::{self, Planning};
use crate::model::Term;
use crate::model::{
    fnv64, quantiles, rules, FileInfo, Hybrid, Model, Period, Prediction, TrainingInfo,
    FORMAT_VERSION,
};
use crate::model::{interactions, segments, shapes, smoothing};

mod stages;

/// Each row's segment for the report: industry / size band, then the
/// level of each `[features] segment_axes` column.
fn segment_keys(t: &FeatureTable, axes: &[String]) -> Result<Vec<String>> {
    let mut keys = t.text("segment")?.to_vec();
    for a in axes {
        let v = t.text(a).map_err(|_| {
            Error::config(
                "features.segment_axes",
                format!("{a:?} is not a categorical column of [features] extra: a segment axis must be a text extra (set [features.types] {a} = \"text\" if it looks numeric)"),
            )
        })?;
        for (k, l) in keys.iter_mut().zip(v) {
            k.push_str(" / ");
            k.push_str(l);
        }
    }
    Ok(keys)
}

/// What training measured, for `metrics.json` and the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Evaluation {
    pub rules: Metrics,
    pub model: Metrics,
    pub hybrid: Metrics,
    /// Validation log loss of Platt and isotonic calibration (second half of
    /// the validation period, maps fitted on the first), and the choice.
    pub calibration_choice: CalibrationChoice,
    /// (C, validation log loss) for each C tried.
    pub penalty_path: Vec<(f64, f64)>,
    /// The hybrid against each scorer alone on the held-out period.
    pub comparisons: Vec<Comparison>,
    /// Tiers, quadrants and segments of the training universe, held-out win
    /// rates per tier and quadrant, capacity.
    pub planning: Planning,
    /// Whether the segments' win rates differ on the closed deals, their
    /// shrunk rates and a merge suggestion.
    #[serde(default)]
    pub segment_tests: crate::model::segments::SegmentTests,
    /// Reliability of the hybrid on the held-out period.
    pub calibration: Vec<metrics::Bin>,
    /// Per feature: how much the model's held-out AUC drops and log loss
    /// rises when the feature's values are shuffled across deals.
    pub permutation_importance: Vec<Permutation>,
    /// What training noticed about the data, each in a sentence: signal
    /// types that gave no usable feature (and why), types beyond the cap,
    /// rules that match every deal or none.
    #[serde(default)]
    pub notes: Vec<String>,
    /// Fits that ran out of iterations but are usable, each with by how much.
    #[serde(default)]
    pub fit_warnings: Vec<String>,
    /// Each scorer against chance (the fitted deals' win rate for everyone).
    #[serde(default)]
    pub against_chance: Vec<Comparison>,
    /// Features that may leak the outcome.
    #[serde(default)]
    pub leakage_warnings: Vec<String>,
    /// Whether any rule or disqualifier is configured.
    #[serde(default)]
    pub rules_configured: bool,
    /// How well the potential part predicts held-out won amounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub potential: Option<crate::model::potential::PotentialReport>,
    /// (scale of the 0/1 terms and ramps, validation log loss pooled over
    /// the time-ordered folds) for each smoothing tried (`smoothing`).
    #[serde(default)]
    pub smoothing: Vec<(f64, f64)>,
    /// Each pair candidate tried, and whether it was kept.
    #[serde(default)]
    pub pairs_tried: Vec<String>,
    /// Each numeric source's fitted shape over the fitted deals, and each
    /// pair's table, for the report.
    #[serde(default)]
    pub shapes: Vec<shapes::Curve>,
    #[serde(default)]
    pub pair_tables: Vec<shapes::PairTable>,
}

/// The signal types none of whose features entered the model (each is
/// constant over the fitted deals), with the reason in words.
fn unused_signal_types(spec: &FeatureSpec, terms: &[Term]) -> Vec<String> {
    let cap = spec.recency_cap_days;
    let used = |sources: &[String]| terms.iter().any(|t| sources.contains(&t.source));
    let mut out = vec![];
    for t in &spec.signal_types {
        let mut sources: Vec<String> = spec
            .windows
            .iter()
            .map(|w| format!("signal_{t}_{w}d"))
            .collect();
        sources.push(format!("days_since_{t}"));
        if !used(&sources) {
            out.push(format!("signal type `{t}` gave no usable feature: no training deal had one in the {cap} days before its created date"));
        }
    }
    for t in &spec.scheduled_types {
        if !used(&[format!("days_until_{t}")]) {
            out.push(format!("scheduled signal type `{t}` gave no usable feature: no training deal had one due within {cap} days and known before its created date (a `recorded_date` on or after the event's own date means it was never known in advance; leave it empty for events known ahead)"));
        }
    }
    out
}

/// `scorer` against `baseline` on the held-out deals: log-loss difference
/// (negative: the scorer is better) with its paired standard error, and the
/// AUC difference with DeLong's standard error.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Comparison {
    pub scorer: String,
    pub baseline: String,
    pub log_loss_difference: f64,
    pub log_loss_difference_se: f64,
    pub auc_difference: f64,
    #[serde(default)]
    pub auc_difference_se: f64,
}

impl Comparison {
    fn of(scorer: &str, baseline: &str, a: &[f64], b: &[f64], y: &[u8]) -> Comparison {
        let (d, se) = metrics::paired_log_loss_difference(a, b, y);
        let auc = metrics::delong(b, a, y);
        Comparison {
            scorer: scorer.into(),
            baseline: baseline.into(),
            log_loss_difference: d,
            log_loss_difference_se: se,
            auc_difference: auc.difference,
            auc_difference_se: auc.se,
        }
    }

    /// `better` or `worse` when the log loss (beyond two standard errors) or
    /// the AUC (its 95% interval) says so and the other does not disagree;
    /// `mixed` when they disagree; `within noise` otherwise.
    pub fn verdict(&self) -> &'static str {
        let (d, se) = (self.log_loss_difference, self.log_loss_difference_se);
        let (a, ase) = (self.auc_difference, self.auc_difference_se);
        let better = d < -2.0 * se || a - 1.96 * ase > 0.0;
        let worse = d > 2.0 * se || a + 1.96 * ase < 0.0;
        match (better, worse) {
            (true, false) => "better",
            (false, true) => "worse",
            (true, true) => "mixed",
            (false, false) => "within noise",
        }
    }

    /// The AUC difference's 95% interval.
    pub fn auc_interval(&self) -> (f64, f64) {
        (
            self.auc_difference - 1.96 * self.auc_difference_se,
            self.auc_difference + 1.96 * self.auc_difference_se,
        )
    }
}

/// Features that may leak the outcome: a source whose fitted effect (all
/// its terms together: levels, steps, exact values) alone separates won
/// from lost almost perfectly on the fitted deals, or an extra or deal
/// column whose name says it is measured at or after the close.
fn leakage_warnings(
    tt: &TrainingTable,
    rows: &[usize],
    terms: &[Term],
    extra: &[String],
) -> Result<Vec<String>> {
    let y: Vec<u8> = rows.iter().map(|&r| tt.label[r]).collect();
    let mut out = vec![];
    let mut effect: Vec<(&str, Vec<f64>)> = vec![];
    let mut inputs = crate::model::terms::Inputs::new(&tt.features);
    for t in terms.iter().filter(|t| t.inputs().len() == 1) {
        let v = t.values(&mut inputs)?;
        let i = match effect.iter().position(|(s, _)| *s == t.source) {
            Some(i) => i,
            None => {
                effect.push((&t.source, vec![0.0; rows.len()]));
                effect.len() - 1
            }
        };
        for (e, &r) in effect[i].1.iter_mut().zip(rows) {
            *e += t.coef * (v[r] - t.mean) / t.std;
        }
    }
    for (source, x) in effect {
        let auc = metrics::auc(&x, &y);
        if auc.max(1.0 - auc) >= 0.95 {
            out.push(format!("`{source}` alone separates won from lost deals almost perfectly (AUC {:.3} on the fitted deals): it is probably recorded at or after the close (leakage); drop it unless it is truly known when a deal is created", auc.max(1.0 - auc)));
        }
    }
    const AFTER: &[&str] = &[
        "close", "closed", "won", "lost", "outcome", "result", "stage", "duration", "cycle",
        "days_to", "signed", "churn",
    ];
    for e in extra {
        let lower = e.to_lowercase();
        if let Some(w) = AFTER.iter().find(|w| lower.contains(*w)) {
            out.push(format!("the extra feature `{e}` is named like something measured at or after the close (\u{201c}{w}\u{201d}): make sure it is known when a deal is created, or it leaks the outcome"));
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CalibrationChoice {
    pub platt_log_loss: Option<f64>,
    pub isotonic_log_loss: Option<f64>,
    pub chosen: String,
}

/// Fits the hybrid stack `a + b * eta + c * points` on (eta, points, y).
///
/// An unpinned stack is kept only when it beats the model alone
/// (a = 0, b = 1, c = 0) on these rows by a likelihood-ratio test at the 5%
/// level; otherwise the hybrid is the model alone. Extra parameters the data
/// do not support only add noise to the newest deals.
fn fit_hybrid(eta: &[f64], pts: &[f64], y: &[u8], pinned: Option<f64>) -> Result<Hybrid> {
    let rules_vary = pts.iter().any(|p| *p != pts[0]);
    let stack = |b: &[f64], rule_weight: f64, pinned: bool| Hybrid {
        intercept: b[0],
        model_weight: b[1],
        rule_weight,
        rule_weight_pinned: pinned,
        likelihood_ratio: None,
    };
    let mut h = match (pinned, rules_vary) {
        (Some(w), _) => {
            let off: Vec<f64> = pts.iter().map(|p| w * p).collect();
            return Ok(stack(
                &small_fit("hybrid stack", &[eta], Some(off), y)?,
                w,
                true,
            ));
        }
        (None, true) => {
            let b = small_fit("hybrid stack", &[eta, pts], None, y)?;
            stack(&b, b[2], false)
        }
        (None, false) => stack(&small_fit("hybrid stack", &[eta], None, y)?, 0.0, false),
    };
    let n = y.len() as f64;
    let ll = |h: &Hybrid| {
        let p: Vec<f64> = linear_score(h, eta, pts).into_iter().map(sigmoid).collect();
        metrics::log_loss(&p, y) * n
    };
    let alone = Hybrid::model_alone();
    let lr = 2.0 * (ll(&alone) - ll(&h));
    // chi-square 95% points for 3 and 2 degrees of freedom
    let critical = if rules_vary { 7.815 } else { 5.991 };
    if lr < critical {
        h = alone;
    }
    h.likelihood_ratio = Some(lr);
    Ok(h)
}

/// An unpenalized fit on a few columns (the stacks), through the estimator:
/// [intercept, coefficients...].
fn small_fit(name: &str, cols: &[&[f64]], offset: Option<Vec<f64>>, y: &[u8]) -> Result<Vec<f64>> {
    let mut x = ndarray::Array2::<f64>::zeros((y.len(), cols.len()));
    for (j, c) in cols.iter().enumerate() {
        x.column_mut(j).assign(&ndarray::ArrayView1::from(*c));
    }
    let mut params = LogisticParams::unpenalized().name(name);
    if let Some(o) = offset {
        params = params.offset(o);
    }
    let names: Vec<String> = (0..cols.len()).map(|j| format!("x{j}")).collect();
    let f = logistic::fit(params, x.view(), y, &names)?;
    Ok(std::iter::once(f.intercept)
        .chain(f.coefficients.iter().copied())
        .collect())
}

fn linear_score(h: &Hybrid, eta: &[f64], pts: &[f64]) -> Vec<f64> {
    eta.iter()
        .zip(pts)
        .map(|(e, p)| h.intercept + h.model_weight * e + h.rule_weight * p)
        .collect()
}

/// Platt or isotonic: each map is fitted on the older half of the validation
/// period and scored on the newer half; isotonic only with enough rows.
fn choose_calibration(
    eta: &[f64],
    pts: &[f64],
    y: &[u8],
    full: &Hybrid,
    pinned: Option<f64>,
) -> Result<(Calibration, CalibrationChoice)> {
    if y.len() < MIN_ISOTONIC_ROWS {
        return Ok((
            Calibration::Platt,
            CalibrationChoice {
                platt_log_loss: None,
                isotonic_log_loss: None,
                chosen: "platt".into(),
            },
        ));
    }
    let half = y.len() / 2;
    let h1 = fit_hybrid(&eta[..half], &pts[..half], &y[..half], pinned)?;
    let (z1, z2) = (
        linear_score(&h1, &eta[..half], &pts[..half]),
        linear_score(&h1, &eta[half..], &pts[half..]),
    );
    let iso = isotonic(&z1, &y[..half]);
    let ll = |c: &Calibration| {
        metrics::log_loss(
            &z2.iter().map(|z| c.apply(*z)).collect::<Vec<_>>(),
            &y[half..],
        )
    };
    let (lp, li) = (ll(&Calibration::Platt), ll(&iso));
    let cal = if li < lp {
        isotonic(&linear_score(full, eta, pts), y)
    } else {
        Calibration::Platt
    };
    Ok((
        cal.clone(),
        CalibrationChoice {
            platt_log_loss: Some(lp),
            isotonic_log_loss: Some(li),
            chosen: cal.name().into(),
        },
    ))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Permutation {
    pub feature: String,
    pub auc_drop: f64,
    pub log_loss_increase: f64,
}

/// The rows of the held-out table in the order of permutation importance:
/// shuffled with a fixed seed.
fn shuffled_rows(n: usize) -> Vec<usize> {
    use rand::seq::SliceRandom;
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rng);
    order
}

/// Permutation importance of each source feature (its terms, bins
/// included, shuffled together) on the held-out rows: the model's own
/// linear predictor (`Model::linear`, as `score` computes it) on the table
/// with that one column (and its null mask) taken from row `order[r]`. A
/// pair's importance is its two features'.
pub fn permutation_importance(
    model: &Model,
    table: &FeatureTable,
    y: &[u8],
    order: &[usize],
) -> Result<Vec<Permutation>> {
    // a term depends on its source column only (a pair on two): with that
    // column shuffled, a row's linear predictor trades the source's
    // contribution for the one of the row its value came from (one pass of
    // the model, not one per source); a source in a pair is scored again
    let lin = model.linear(table)?;
    let p0: Vec<f64> = lin.eta.iter().copied().map(sigmoid).collect();
    let (auc0, ll0) = (metrics::auc(&p0, y), metrics::log_loss(&p0, y));
    let ns = lin.sources.len();
    let mut sources: Vec<(&str, Vec<usize>)> = vec![];
    for (k, terms) in lin.sources.iter().enumerate() {
        let t = &model.terms[terms.start];
        if matches!(t.kind, crate::model::terms::Kind::Pair(_)) {
            continue;
        }
        match sources.iter_mut().find(|(s, _)| *s == t.source) {
            Some((_, ks)) => ks.push(k),
            None => sources.push((&t.source, vec![k])),
        }
    }
    let in_pair = |src: &str| {
        model.terms.iter().any(|t| {
            matches!(t.kind, crate::model::terms::Kind::Pair(_)) && t.inputs().contains(&src)
        })
    };
    // the sources in parallel, each an AUC (a sort) of the held-out rows
    use rayon::prelude::*;
    sources
        .into_par_iter()
        .map(|(src, ks)| {
            let eta: Vec<f64> = if in_pair(src) {
                let mut shuffled = table.clone();
                for name in [src.to_string(), FeatureSpec::null_mask(src)] {
                    if let Some(i) = shuffled.names.iter().position(|n| *n == name) {
                        shuffled.columns[i] = table.columns[i].take(order);
                    }
                }
                model.linear(&shuffled)?.eta
            } else {
                let c = |r: usize| -> f64 { ks.iter().map(|&k| lin.by_source[r * ns + k]).sum() };
                (0..lin.eta.len())
                    .map(|r| lin.eta[r] - c(r) + c(order[r]))
                    .collect()
            };
            let p: Vec<f64> = eta.into_iter().map(sigmoid).collect();
            Ok(Permutation {
                feature: src.to_string(),
                auc_drop: auc0 - metrics::auc(&p, y),
                log_loss_increase: metrics::log_loss(&p, y) - ll0,
            })
        })
        .collect()
}

/// The probability above which the top `share` of `probs` lie: midway
/// between the last account in and the first one out with a lower
/// probability (accounts tied with the last one in stay in), so no account
/// sits on the boundary and another engine's last-bit difference cannot
/// move one across it.
fn tier_cutoff(probs: &[f64], share: f64) -> f64 {
    let mut v: Vec<f64> = probs.iter().copied().filter(|p| p.is_finite()).collect();
    if v.is_empty() {
        return 1.0;
    }
    v.sort_by(|a, b| b.total_cmp(a));
    let k = ((share * v.len() as f64).round() as usize).clamp(1, v.len());
    let last_in = v[k - 1];
    match v[k..].iter().find(|p| **p < last_in) {
        Some(out) => crate::model::terms::step::midway(*out, last_in),
        None => last_in,
    }
}

/// Train deals the penalty, smoothing and pair searches fit on at most.
const SEARCH_ROWS: usize = 100_000;

/// At most `most` of `rows`, every k-th.
fn thin(rows: &[usize], most: usize) -> Vec<usize> {
    let step = rows.len().div_ceil(most).max(1);
    rows.iter().step_by(step).copied().collect()
}

/// Distinct created days a time split needs.
const MIN_SPLIT_DAYS: usize = 10;

fn split_rows(n: usize, cfg: &Config) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
    let n_test = ((n as f64) * cfg.model.test_share).round() as usize;
    let n_val = ((n as f64) * cfg.model.validation_share).round() as usize;
    let n_train = n - n_test - n_val;
    (
        (0..n_train).collect(),
        (n_train..n_train + n_val).collect(),
        (n_train + n_val..n).collect(),
    )
}

fn period(name: &str, rows: &[usize], tt: &TrainingTable) -> Period {
    // first and last created day (a random split's periods interleave)
    let days = || rows.iter().map(|&r| tt.created[r]);
    Period {
        name: name.to_string(),
        from: days().min().map(format_days).unwrap_or_default(),
        to: days().max().map(format_days).unwrap_or_default(),
        rows: rows.len(),
        won: rows.iter().filter(|&&r| tt.label[r] == 1).count(),
    }
}

/// The fewest won (and lost) deals the test period may hold: with fewer,
/// its AUC has no interval and its figures mean nothing.
const MIN_HELD_OUT_CLASS: usize = 5;
/// Under this many won (or lost) held-out deals the report says its
/// figures are rough.
const FEW_HELD_OUT_CLASS: usize = 30;

fn check_classes(p: &Period) -> Result<()> {
    let minority = p.won.min(p.rows - p.won.min(p.rows));
    if p.name == "test" && p.rows > 0 && minority < MIN_HELD_OUT_CLASS {
        return Err(Error::data(
            "opportunities",
            format!(
                "the test period ({} to {}) holds {} deals, {} won and {} lost: at least {MIN_HELD_OUT_CLASS} of each are needed to measure the model on deals it did not see; add closed history, or raise model.test_share",
                p.from, p.to, p.rows, p.won, p.rows - p.won
            ),
        ));
    }
    if p.rows == 0 || p.won == 0 || p.won == p.rows {
        return Err(Error::data(
            "opportunities",
            format!(
                "the {} period ({} to {}, {} deals, {} won) needs both won and lost deals; add history or change model.test_share / model.validation_share",
                p.name, p.from, p.to, p.rows, p.won
            ),
        ));
    }
    Ok(())
}

/// The config the model keeps: the training's, with the industry aliases
/// training added (spellings that differ only in case, read as one).
fn kept_config(cfg: &Config, ds: &Dataset) -> Config {
    let mut c = cfg.clone();
    c.input.industry_aliases.extend(ds.industry_aliases.clone());
    c
}

/// The domains of the accounts with deals, kept with the deal history when
/// there are contacts (`score --contacts` places earlier jobs by them).
fn history_domains(ds: &Dataset) -> std::collections::BTreeMap<String, String> {
    if ds.files.contacts.is_none() {
        return Default::default();
    }
    let with_deals: std::collections::HashSet<&str> = ds
        .opportunities
        .account_id
        .iter()
        .flatten()
        .map(String::as_str)
        .collect();
    ds.domains.of_accounts(|id| with_deals.contains(id))
}

/// A note when the test period holds few won (or lost) deals.
fn few_held_out(periods: &[Period]) -> Option<String> {
    let p = periods.iter().find(|p| p.name == "test")?;
    let (won, lost) = (p.won, p.rows - p.won.min(p.rows));
    (won.min(lost) < FEW_HELD_OUT_CLASS).then(|| {
        format!(
            "the held-out figures rest on {} deals of which {won} won and {lost} lost: with under {FEW_HELD_OUT_CLASS} of either, the AUC, lift and calibration are rough (see their intervals)",
            p.rows
        )
    })
}

fn pick<T: Copy>(v: &[T], rows: &[usize]) -> Vec<T> {
    rows.iter().map(|&r| v[r]).collect()
}

/// The universe that will be scored, as `train --universe` reads it to set
/// the tier cut-offs and the fit / timing percentiles: each account's fit
/// and timing parts of the linear predictor, and the probabilities of the
/// accounts not disqualified.
#[derive(Debug, Clone, Default)]
pub struct UniverseScores {
    pub fit: Vec<f64>,
    pub timing: Vec<f64>,
    pub eligible: Vec<f64>,
    /// What it is, for the report ("universe/ as of 2026-12-01").
    pub source: String,
    /// What the universe lacks of what the model reads (`train` says so).
    pub warnings: Vec<String>,
}

impl UniverseScores {
    /// Adds the accounts of one prediction.
    pub fn add(&mut self, p: &Prediction) {
        self.fit.extend_from_slice(&p.linear.fit);
        self.timing.extend_from_slice(&p.linear.timing);
        self.eligible.extend(
            p.tier_value
                .iter()
                .zip(&p.rules.disqualified)
                .filter(|(_, d)| d.is_none())
                .map(|(p, _)| *p),
        );
    }
}

/// Scores a universe with a fitted model (the scorer, given by the caller:
/// it sits above this module).
pub type UniverseScorer<'a> = &'a dyn Fn(&Model) -> Result<UniverseScores>;

/// Trains a model on checked data. `name` becomes part of the model version.
pub fn train(ds: &Dataset, cfg: &Config, name: &str) -> Result<(Model, Evaluation)> {
    train_on(ds, cfg, name, None)
}

/// `train`, with the tier cut-offs and fit / timing percentiles set on
/// the universe `universe` scores (else on the training accounts).
pub use stages::train_on;

/// The time-ordered (or seeded random) split of the training table into
/// train, validation and test rows, each period checked to hold both
/// classes: (how it was split, the three row sets, their periods).
#[allow(clippy::type_complexity)]
fn split_deals(
    tt: &mut TrainingTable,
    cfg: &Config,
) -> Result<(String, [Vec<usize>; 3], Vec<Period>)> {
    let n = tt.label.len();
    let split = match cfg.split.method {
        crate::config::SplitMethod::Time => {
            let mut days = tt.created.clone();
            days.dedup();
            if days.len() < MIN_SPLIT_DAYS {
                return Err(Error::data(
                    "opportunities",
                    format!(
                        "the {n} closed deals were created on only {} distinct day(s): they cannot be split in time (oldest to train, newest to test); add `[split]` with `method = \"random\"` (and a `seed`) to the config for a seeded random split, which the report will state",
                        days.len()
                    ),
                ));
            }
            "time".to_string()
        }
        crate::config::SplitMethod::Random => {
            use rand::seq::SliceRandom;
            use rand::SeedableRng;
            let mut order: Vec<usize> = (0..n).collect();
            order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(cfg.split.seed));
            *tt = tt.take(&order);
            format!("random (seed {})", cfg.split.seed)
        }
    };
    let (tr, va, te) = split_rows(n, cfg);
    let periods = vec![
        period("train", &tr, tt),
        period("validation", &va, tt),
        period("test", &te, tt),
    ];
    for p in &periods {
        check_classes(p)?;
    }
    Ok((split, [tr, va, te], periods))
}

/// The rules and disqualifiers on the training deals, parsed and checked
/// once (they read the same in Polars and in the exported SQL): their
/// result, and notes on rules that cannot tell deals apart. Disqualifiers
/// that match every deal are an error.
fn training_rules(
    cfg: &Config,
    spec: &FeatureSpec,
    tt: &TrainingTable,
) -> Result<(rules::RuleResult, Vec<String>)> {
    // every predicate is parsed and checked once, and reads the same in
    // Polars and in the exported SQL
    let rule_set = rules::RuleSet::of(&cfg.rules, &cfg.disqualifiers, spec)?;
    let frame = rule_set.frame(&tt.features, spec)?;
    let rr = rule_set.evaluate(&frame)?;
    drop(frame);
    let n_deals = rr.points.len();
    if !cfg.disqualifiers.is_empty() && rr.disqualified.iter().all(Option::is_some) {
        let list: Vec<String> = cfg
            .disqualifiers
            .iter()
            .map(|d| format!("{:?} (`{}`)", d.name, d.when))
            .collect();
        return Err(Error::config(
            "disqualifiers",
            format!("the disqualifiers {} match every one of the {n_deals} closed deals: every account would be Disqualified; fix the predicates", list.join(", ")),
        ));
    }
    let mut rule_notes = vec![];
    for r in &cfg.rules {
        let hit = rr
            .matched
            .iter()
            .filter(|m| m.iter().any(|(n, _)| n == &r.name))
            .count();
        if hit == 0 || hit == n_deals {
            rule_notes.push(format!(
                "rule {:?} (`{}`) matches {} of the {n_deals} closed deals, so it cannot tell them apart",
                r.name,
                r.when,
                if hit == 0 { "none" } else { "every one" }
            ));
        }
    }
    Ok((rr, rule_notes))
}

/// The penalty search: a fit on the train rows per C of the grid (each
/// warm-started from the last), scored by validation log loss. Returns
/// the best (C, validation log loss, fit) and the path; warnings of usable
/// fits go to `fit_warnings`.
#[allow(clippy::type_complexity)]
/// Fits past the top of the C grid at most, when the best C is its top.
const EXTEND_GRID: usize = 3;

fn choose_penalty(
    (x_tr, x_va): (ndarray::ArrayView2<f64>, ndarray::ArrayView2<f64>),
    (y_tr, y_va): (&[u8], &[u8]),
    names: &[String],
    grid: &[f64],
    params: &dyn Fn(f64, String) -> LogisticParams,
    fit_warnings: &mut Vec<String>,
) -> Result<((f64, f64, FittedLogistic), Vec<(f64, f64)>)> {
    let clock = std::time::Instant::now();
    let mut path = vec![];
    // (C, validation log loss, validation linear predictor), and that fit
    let mut best: Option<(f64, f64, Vec<f64>, FittedLogistic)> = None;
    let mut previous: Option<FittedLogistic> = None;
    let top = grid.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut cs: std::collections::VecDeque<f64> = grid.iter().copied().collect();
    // a search that ends on the grid's top edge goes on, by tens, while
    // the validation log loss still falls (at most EXTEND_GRID more fits)
    let mut extended = 0;
    while let Some(c) = cs.pop_front() {
        let mut p = params(c, format!("the penalty search fit at C = {c}"));
        if let Some(f) = &previous {
            p = p.warm_start(f.intercept, f.coefficients.as_slice().unwrap_or_default());
        }
        let f = logistic::fit(p, x_tr, y_tr, names)?;
        fit_warnings.extend(f.warning.clone());
        let eta = f.linear_predictor(&x_va).to_vec();
        let p: Vec<f64> = eta.iter().map(|e| sigmoid(*e)).collect();
        let ll = metrics::log_loss(&p, y_va);
        tracing::info!(
            c,
            validation_log_loss = ll,
            iterations = f.iterations,
            "penalty"
        );
        path.push((c, ll));
        let improved = best.as_ref().is_none_or(|(_, l, _, _)| ll < *l);
        if improved {
            best = Some((c, ll, eta, f.clone()));
        }
        previous = Some(f);
        let at_edge = c >= top && best.as_ref().is_some_and(|b| b.0 == c);
        if cs.is_empty() && at_edge && improved && extended < EXTEND_GRID {
            extended += 1;
            cs.push_back(c * 10.0);
        }
    }
    let (c, best_ll, _, best_fit) = best.ok_or_else(|| Error::Fit("empty C grid".into()))?;
    let best = (c, best_ll, best_fit);
    tracing::info!(
        seconds = clock.elapsed().as_secs_f64(),
        rows = y_tr.len(),
        fits = path.len(),
        "penalty search"
    );

    Ok((best, path))
}

fn file_infos(ds: &Dataset) -> Result<Vec<FileInfo>> {
    let mut v = vec![];
    let f = &ds.files;
    let list = [
        (Some(&f.accounts), ds.accounts.len()),
        (Some(&f.opportunities), ds.opportunities.label.len()),
        (f.signals.as_ref(), ds.signal_rows),
    ];
    for (p, rows) in list {
        if let Some(p) = p {
            // a glob or folder of signal files: one hash over them, in order
            let mut h = 0u64;
            for f in crate::input::read::expand_inputs(p)? {
                h = h.rotate_left(5) ^ fnv64_file(&f)?;
            }
            v.push(FileInfo {
                path: p.display().to_string(),
                rows,
                fnv64: format!("{h:016x}"),
            });
        }
    }
    Ok(v)
}

/// FNV-1a of a file's bytes, read in blocks (`fnv64` of the whole file).
fn fnv64_file(p: &std::path::Path) -> Result<u64> {
    use std::io::Read;
    let mut f = std::fs::File::open(p).map_err(|e| Error::io(p, e))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut h = fnv64(&[]);
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(p, e))?;
        if n == 0 {
            return Ok(h);
        }
        h = crate::model::fnv64_extend(h, &buf[..n]);
    }
}

/// A fingerprint of the data and the fitted numbers: same inputs, same
/// fingerprint, wherever the files lie (their contents count, not their
/// paths).
fn fingerprint(m: &Model) -> String {
    let mut s = String::new();
    for f in &m.training.files {
        s += &f.fnv64;
    }
    let mut settings = m.config.clone();
    let i = &mut settings.input;
    (i.dir, i.accounts, i.opportunities, i.signals, i.contacts) = (None, None, None, None, None);
    s += &serde_json::to_string(&settings).unwrap_or_default();
    s += &serde_json::to_string(&m.terms).unwrap_or_default();
    format!("{:016x}", fnv64(s.as_bytes()))
}
