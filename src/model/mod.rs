//! The model: fitted terms, hybrid, rules, tiers and quadrant thresholds,
//! and everything else `score` needs, in one versioned artifact
//! (`model.json`, PRODUCT.md §7). `Model::score_table` is the one scoring
//! function, used by `train` (held-out evaluation, tier cut-offs) and by
//! `score`, so the two cannot disagree.

pub mod calibrate;
pub mod design;
pub mod explain;
pub mod interactions;
pub mod logistic;
pub mod metrics;
pub mod planning;
pub mod potential;
pub mod rules;
pub mod segments;
pub mod shapes;
pub mod smoothing;
pub mod sql;
pub mod terms;
pub mod train;

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::features::{FeatureSpec, FeatureTable, WonHistory};
pub use logistic::sigmoid;
pub use terms::{Axis, Term};

/// 2: terms of several kinds (learned bins, pairs).
pub const FORMAT_VERSION: u32 = 2;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Model {
    pub format_version: u32,
    pub model_version: String,
    pub crate_version: String,
    pub config: Config,
    pub spec: FeatureSpec,
    pub terms: Vec<Term>,
    pub intercept: f64,
    /// The chosen inverse penalty (scikit-learn's C).
    pub penalty_c: f64,
    pub hybrid: Hybrid,
    /// Maps the hybrid's linear score to a probability.
    pub calibration: calibrate::Calibration,
    /// Rules alone as a probability: sigmoid(a + b * points), fitted on the validation period.
    pub rules_baseline: [f64; 2],
    /// Hybrid-probability cut-offs of Tier 1 and Tier 2.
    pub tier_cutoffs: [f64; 2],
    /// Percentiles 0..=100 of the fit and timing linear parts over the training universe.
    pub fit_quantiles: Vec<f64>,
    pub timing_quantiles: Vec<f64>,
    pub won_history: WonHistory,
    /// Every account's deals (created, closed, outcome), kept when the
    /// model was trained with contacts: `score --contacts` judges the
    /// strength of a mover's past relationship by them.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub deal_history: crate::features::movers::DealHistory,
    /// The domains of the accounts with deals (domain -> account id), kept
    /// with the deal history: `score --contacts` places an earlier job
    /// known only by an email as `train` did.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub history_domains: std::collections::BTreeMap<String, String>,
    /// What a win is worth (the expected amount of a won deal), when the
    /// won deals carry amounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub potential: Option<potential::Potential>,
    pub training: TrainingInfo,
}

/// logit(probability) = intercept + model_weight * model_logit + rule_weight * rule_points.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Hybrid {
    pub intercept: f64,
    pub model_weight: f64,
    pub rule_weight: f64,
    pub rule_weight_pinned: bool,
    /// Likelihood-ratio statistic of the fitted stack against the model
    /// alone on the validation period (None when the rule weight is pinned).
    #[serde(default)]
    pub likelihood_ratio: Option<f64>,
}

impl Hybrid {
    /// The identity stack: the hybrid is the model alone.
    pub fn model_alone() -> Hybrid {
        Hybrid {
            intercept: 0.0,
            model_weight: 1.0,
            rule_weight: 0.0,
            rule_weight_pinned: false,
            likelihood_ratio: None,
        }
    }

    pub fn is_model_alone(&self) -> bool {
        *self
            == Hybrid {
                likelihood_ratio: self.likelihood_ratio,
                ..Hybrid::model_alone()
            }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrainingInfo {
    pub created_at: String,
    pub fingerprint: String,
    pub files: Vec<FileInfo>,
    pub closed_deals: usize,
    pub won: usize,
    pub lost: usize,
    pub periods: Vec<Period>,
    /// The as-of day of the training universe (tier cut-offs, quantiles).
    pub universe_as_of: String,
    pub universe_accounts: usize,
    /// `train --until`: the day the data was seen as of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// How the deals were split: `time`, or `random (seed S)`.
    #[serde(default = "time_split")]
    pub split: String,
    /// The accounts the tier cut-offs and fit / timing percentiles were
    /// set on (`train --universe`, else the training export's), and how many.
    #[serde(default)]
    pub cutoffs_set_on: String,
    #[serde(default)]
    pub cutoff_accounts: usize,
    /// The shares of those accounts (not disqualified) the cut-offs put in
    /// Tier 1 and Tier 2 (ties stay in, so they can pass the configured ones).
    #[serde(default)]
    pub cutoff_shares: [f64; 2],
}

fn time_split() -> String {
    "time".into()
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FileInfo {
    pub path: String,
    pub rows: usize,
    pub fnv64: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Period {
    pub name: String,
    pub from: String,
    pub to: String,
    pub rows: usize,
    pub won: usize,
}

/// Per-row scores of a batch, in input order.
#[derive(Debug, Clone, Default)]
pub struct Scored {
    pub model_probability: Vec<f64>,
    pub probability: Vec<f64>,
    pub score: Vec<f64>,
    pub rule_points: Vec<f64>,
    pub fit_score: Vec<f64>,
    pub timing_score: Vec<f64>,
    pub tier: Vec<&'static str>,
    pub quadrant: Vec<&'static str>,
    pub reasons: Vec<[String; 3]>,
    pub disqualified: Vec<bool>,
    /// What the status column should add for the row ("" when nothing):
    /// values held to the training range, a value that is not finite.
    pub notes: Vec<String>,
    /// A won deal's expected amount (a model with a potential part).
    pub expected_amount: Option<Vec<f64>>,
}

/// What `Model::predict` gives for each feature row.
pub struct Prediction {
    pub linear: Linear,
    pub rules: rules::RuleResult,
    pub model_probability: Vec<f64>,
    pub probability: Vec<f64>,
    /// A won deal's expected amount, where the tiers rank by expected value.
    pub expected_amount: Option<Vec<f64>>,
    /// What the tiers rank by (`[tiers] by`): the probability, or the
    /// probability times the expected amount.
    pub tier_value: Vec<f64>,
}

/// The linear predictor and its fit / timing parts.
pub struct Linear {
    pub eta: Vec<f64>,
    pub fit: Vec<f64>,
    pub timing: Vec<f64>,
    /// The terms of each source feature (a text feature's levels are adjacent).
    pub sources: Vec<std::ops::Range<usize>>,
    /// Row-major: by_source[row * sources.len() + s] = the sum over source
    /// s's terms of coef * standardized value.
    pub by_source: Vec<f64>,
    /// Per row, the sources whose value lay outside the training range and
    /// was held to it (the model does not extrapolate).
    pub outside: Vec<Vec<usize>>,
}

/// One reason candidate: a signal type's sources together, or one source.
#[derive(Debug, Clone, PartialEq)]
pub struct ReasonGroup {
    /// The signal type, when the group is one.
    pub signal: Option<String>,
    /// Indices into `Model::sources()`.
    pub sources: Vec<usize>,
}

impl Linear {
    /// Each source feature's contribution to one row's linear predictor.
    pub fn row(&self, r: usize) -> &[f64] {
        let ns = self.sources.len();
        &self.by_source[r * ns..(r + 1) * ns]
    }
}

pub fn fnv64(bytes: &[u8]) -> u64 {
    fnv64_extend(0xcbf29ce484222325, bytes)
}

/// Continues an FNV-1a hash `h` over more bytes (for data read in blocks).
pub fn fnv64_extend(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// Percentile (0-100) of `x` among sorted percentile points `q[0..=100]`.
pub fn percentile(q: &[f64], x: f64) -> f64 {
    if q.len() < 2 {
        return 50.0;
    }
    let last = q.len() - 1;
    if x <= q[0] {
        return 0.0;
    }
    if x >= q[last] {
        return 100.0;
    }
    let k = q
        .partition_point(|v| *v <= x)
        .saturating_sub(1)
        .min(last - 1);
    let span = q[k + 1] - q[k];
    let frac = if span > 0.0 { (x - q[k]) / span } else { 0.0 };
    (k as f64 + frac) * 100.0 / last as f64
}

/// Percentile points 0..=100 of the values.
pub fn quantiles(v: &[f64]) -> Vec<f64> {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if s.is_empty() {
        return vec![0.0; 101];
    }
    s.sort_by(|a, b| a.total_cmp(b));
    (0..=100)
        .map(|k| s[((k as f64 / 100.0) * (s.len() - 1) as f64).round() as usize])
        .collect()
}

impl Model {
    pub fn load(dir: &Path) -> Result<Model> {
        if dir.is_file() {
            let hint = match dir.file_name() {
                Some(n) if n == "model.json" => format!(
                    "pass the folder that holds it ({})",
                    crate::output::parent_of(dir).display()
                ),
                _ => "pass a model directory (the folder `scorebook train --out` wrote)".into(),
            };
            return Err(Error::data(
                dir.display(),
                format!("is a file, not a model directory: {hint}"),
            ));
        }
        let path = dir.join("model.json");
        if !path.is_file() {
            return Err(Error::data(
                dir.display(),
                "is not a model directory (it has no model.json): pass the folder `scorebook train --out` wrote, or `models/champion`",
            ));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let probe: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Error::data(path.display(), format!("not a model file: {e}")))?;
        match probe.get("format_version").and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(FORMAT_VERSION) => {}
            Some(v) => {
                return Err(Error::data(
                    path.display(),
                    format!("the model's format version is {v}, and this scorebook reads version {FORMAT_VERSION}: retrain the model with this scorebook"),
                ))
            }
            None => {
                return Err(Error::data(
                    path.display(),
                    "not a scorebook model file (it has no format_version): pass the model.json `scorebook train` wrote, or retrain",
                ))
            }
        }
        let m: Model = serde_json::from_value(probe)
            .map_err(|e| Error::data(path.display(), format!("corrupt model file: {e}")))?;
        m.check().map_err(|e| {
            Error::data(
                path.display(),
                format!("{e}: the file was edited or damaged; retrain the model"),
            )
        })?;
        Ok(m)
    }

    /// Every number `score` relies on is usable: finite parameters, positive
    /// scales, ordered cut-offs and percentiles, matching lengths. `train`
    /// checks before writing, `load` after reading.
    pub fn check(&self) -> std::result::Result<(), String> {
        let finite = |what: &str, v: f64| {
            if v.is_finite() {
                Ok(())
            } else {
                Err(format!("{what} is {v}, not a finite number"))
            }
        };
        // the feature-table columns a term may read
        let features: std::collections::BTreeSet<String> = self
            .spec
            .list()
            .into_iter()
            .map(|(n, _)| n)
            .chain(self.spec.nullable_sources())
            .collect();
        for t in &self.terms {
            finite(&format!("term `{}` coefficient", t.name), t.coef)?;
            finite(&format!("term `{}` mean", t.name), t.mean)?;
            if !(t.std.is_finite() && t.std > 0.0) {
                return Err(format!("term `{}` has std {}, not > 0", t.name, t.std));
            }
            if t.coef.abs() > 1e6 {
                return Err(format!(
                    "term `{}` has an absurd coefficient {:e}",
                    t.name, t.coef
                ));
            }
            if let terms::Kind::Number(terms::number::Number {
                clip: Some([lo, hi]),
                ..
            }) = t.kind
            {
                if !(lo.is_finite() && hi.is_finite() && lo < hi) {
                    return Err(format!("term `{}` has clip bounds [{lo}, {hi}]", t.name));
                }
            }
            if let Some(f) = t.inputs().into_iter().find(|f| !features.contains(*f)) {
                return Err(format!(
                    "term `{}` reads `{f}`, which is no feature",
                    t.name
                ));
            }
        }
        finite("the intercept", self.intercept)?;
        let h = &self.hybrid;
        for (what, v) in [
            ("the hybrid intercept", h.intercept),
            ("the hybrid model weight", h.model_weight),
            ("the hybrid rule weight", h.rule_weight),
            ("the rules baseline intercept", self.rules_baseline[0]),
            ("the rules baseline slope", self.rules_baseline[1]),
            ("penalty_c", self.penalty_c),
        ] {
            finite(what, v)?;
        }
        if let calibrate::Calibration::Isotonic { x, y } = &self.calibration {
            let sorted = x.windows(2).all(|w| w[0] <= w[1]);
            let probabilities = y.iter().all(|p| (0.0..=1.0).contains(p));
            if x.is_empty()
                || x.len() != y.len()
                || !sorted
                || !probabilities
                || x.iter().any(|v| !v.is_finite())
            {
                return Err(
                    "the isotonic calibration map is not an increasing map to probabilities".into(),
                );
            }
        }
        let [t1, t2] = self.tier_cutoffs;
        let by_value = self.config.tiers.by == crate::config::TierBy::ExpectedValue;
        if by_value && self.potential.is_none() {
            return Err("tiers rank by expected value, and the model has no potential part".into());
        }
        let top = if by_value { f64::INFINITY } else { 1.0 };
        if !((0.0..=top).contains(&t1) && (0.0..=top).contains(&t2) && t1 >= t2) {
            return Err(format!("tier cut-offs {t1} (Tier 1) and {t2} (Tier 2) are not probabilities with Tier 1's above Tier 2's"));
        }
        for (what, q) in [
            ("fit_quantiles", &self.fit_quantiles),
            ("timing_quantiles", &self.timing_quantiles),
        ] {
            if q.len() != 101
                || q.iter().any(|v| !v.is_finite())
                || q.windows(2).any(|w| w[0] > w[1])
            {
                return Err(format!(
                    "{what} must be 101 finite, non-decreasing percentiles"
                ));
            }
        }
        // the rules `score` evaluates and `export-sql` writes pass the checks `train` applies
        rules::RuleSet::of(&self.config.rules, &self.config.disqualifiers, &self.spec)
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    /// Whether moves of former deal contacts became features (a model
    /// trained with contacts that had any).
    /// The account columns the model reads (contract and `features.extra`
    /// names) that the training accounts had: those its terms are
    /// computed from.
    pub fn account_inputs(&self) -> Vec<String> {
        let mut out: Vec<String> = vec![];
        let extras = self.spec.extra.columns();
        for t in &self.terms {
            for f in t.inputs() {
                for c in self.spec.account_inputs(f) {
                    let had = self.spec.account_columns.contains(&c) || extras.contains(&c);
                    if had && !out.contains(&c) {
                        out.push(c);
                    }
                }
            }
        }
        out
    }

    pub fn has_moves(&self) -> bool {
        self.spec
            .signal_types
            .iter()
            .any(|t| crate::features::movers::KINDS.contains(&t.as_str()))
    }

    pub fn has_timing(&self) -> bool {
        self.terms.iter().any(|t| t.axis == Axis::Timing)
    }

    /// The terms of each source feature, in order (a text feature's
    /// levels, a number's bins and ramps are adjacent).
    pub fn sources(&self) -> Vec<std::ops::Range<usize>> {
        let mut sources: Vec<std::ops::Range<usize>> = vec![];
        for (j, t) in self.terms.iter().enumerate() {
            match sources.last_mut() {
                Some(r) if self.terms[r.start].source == t.source => r.end = j + 1,
                _ => sources.push(j..j + 1),
            }
        }
        sources
    }

    /// The reasons' candidates: groups of `sources()` (by index), in order
    /// of first appearance. A signal type's windows and its days since the
    /// last event are one group (one reason with their net effect, in its
    /// true direction); every other source is a group of its own.
    pub fn reason_groups(&self) -> Vec<ReasonGroup> {
        use crate::features::signals::{self, Signal};
        let mut groups: Vec<ReasonGroup> = vec![];
        for (k, r) in self.sources().iter().enumerate() {
            let src = &self.terms[r.start].source;
            let kind = match signals::find(&self.spec, src) {
                Some(Signal::Window { kind, .. } | Signal::Since { kind }) => {
                    Some(kind.to_string())
                }
                _ => None,
            };
            match groups
                .iter_mut()
                .find(|g| kind.is_some() && g.signal == kind)
            {
                Some(g) => g.sources.push(k),
                None => groups.push(ReasonGroup {
                    signal: kind,
                    sources: vec![k],
                }),
            }
        }
        groups
    }

    pub fn linear(&self, table: &FeatureTable) -> Result<Linear> {
        let n = table.rows();
        let mut eta = vec![self.intercept; n];
        let mut fit = vec![0.0; n];
        let mut timing = vec![0.0; n];
        let sources = self.sources();
        let mut source_of = Vec::with_capacity(self.terms.len());
        for (k, r) in sources.iter().enumerate() {
            source_of.extend(r.clone().map(|_| k));
        }
        let mut outside: Vec<Vec<usize>> = vec![vec![]; n];
        // each text feature's rows coded once: its levels' terms compare
        // codes, not strings; each term's values added as soon as computed
        // (in term order, as the sums were always taken)
        let mut inputs = terms::Inputs::new(table);
        let ns = sources.len();
        let mut columns = vec![vec![0.0; n]; ns];
        let mut raw = Vec::with_capacity(n);
        for (j, t) in self.terms.iter().enumerate() {
            t.values_into(&mut inputs, &mut raw)?;
            let s = source_of[j];
            for r in inputs.held.drain(..) {
                if !outside[r].contains(&s) {
                    outside[r].push(s);
                }
            }
            let (b, offset) = t.addend();
            for (c, x) in columns[s].iter_mut().zip(&raw) {
                *c += b * x - offset;
            }
        }
        // a source's terms share its axis: the parts and the whole from the
        // sources' columns
        for (k, c) in columns.iter().enumerate() {
            let part = match self.terms[sources[k].start].axis {
                Axis::Fit => &mut fit,
                Axis::Timing => &mut timing,
            };
            for ((e, p), v) in eta.iter_mut().zip(part.iter_mut()).zip(c) {
                *e += v;
                *p += v;
            }
        }
        // row-major for the reasons, which read a row at a time: transposed
        // in blocks of rows that stay in cache
        let mut by_source = vec![0.0; n * ns];
        const BLOCK: usize = 256;
        for start in (0..n).step_by(BLOCK) {
            let end = (start + BLOCK).min(n);
            for (k, c) in columns.iter().enumerate() {
                for r in start..end {
                    by_source[r * ns + k] = c[r];
                }
            }
        }
        Ok(Linear {
            eta,
            fit,
            timing,
            sources,
            by_source,
            outside,
        })
    }

    pub fn hybrid_probability(&self, eta: f64, points: f64) -> f64 {
        let h = &self.hybrid;
        self.calibration
            .apply(h.intercept + h.model_weight * eta + h.rule_weight * points)
    }

    /// The tier of a row whose tier value (`Prediction::tier_value`) is `p`.
    pub fn tier(&self, p: f64, disqualified: bool) -> &'static str {
        if disqualified {
            "Disqualified"
        } else if p >= self.tier_cutoffs[0] {
            "Tier 1"
        } else if p >= self.tier_cutoffs[1] {
            "Tier 2"
        } else {
            "Tier 3"
        }
    }

    /// `fit_score` and `timing_score` (percentiles of the training universe)
    /// of a row's fit and timing linear parts, and its quadrant.
    pub fn quadrant(&self, fit: f64, timing: f64) -> (f64, f64, &'static str) {
        let q = &self.config.quadrant;
        let fs = percentile(&self.fit_quantiles, fit);
        let ts = if self.has_timing() {
            percentile(&self.timing_quantiles, timing)
        } else {
            0.0
        };
        let quadrant = match (fs >= q.fit_threshold, ts >= q.timing_threshold) {
            (true, true) => "Good Place",
            (true, false) => "Get Back To Me",
            (false, true) => "False Hope",
            (false, false) => "Bad Place",
        };
        (fs, ts, quadrant)
    }

    /// Rules alone as a probability (the baseline fitted on the validation period).
    pub fn rules_probability(&self, points: f64) -> f64 {
        sigmoid(self.rules_baseline[0] + self.rules_baseline[1] * points)
    }

    /// The one predict path: the linear predictor and its parts, the rules,
    /// and the model's and the hybrid's probabilities of each feature row.
    /// `score`, the held-out metrics and the tier cut-offs of `train` all
    /// come from here (permutation importance from `linear`, its first step).
    pub fn predict(&self, table: &FeatureTable) -> Result<Prediction> {
        let linear = self.linear(table)?;
        let (rules, disq) = (&self.config.rules, &self.config.disqualifiers);
        let rules = rules::evaluate(rules, disq, table, &self.spec)?;
        let model_probability = linear.eta.iter().map(|e| sigmoid(*e)).collect();
        let probability = linear
            .eta
            .iter()
            .zip(&rules.points)
            .map(|(e, p)| self.hybrid_probability(*e, *p))
            .collect::<Vec<f64>>();
        // only where the tiers rank by it (`score_table` adds it for the output)
        let expected_amount = match (&self.potential, self.config.tiers.by) {
            (Some(p), crate::config::TierBy::ExpectedValue) => Some(p.expected_amounts(table)?),
            _ => None,
        };
        let tier_value = match (&expected_amount, self.config.tiers.by) {
            (Some(a), crate::config::TierBy::ExpectedValue) => {
                probability.iter().zip(a).map(|(p, a)| p * a).collect()
            }
            _ => probability.clone(),
        };
        Ok(Prediction {
            linear,
            rules,
            model_probability,
            probability,
            expected_amount,
            tier_value,
        })
    }

    /// Scores feature rows: probabilities, tiers, quadrant and reasons.
    pub fn score_table(&self, table: &FeatureTable) -> Result<Scored> {
        let Prediction {
            linear: lin,
            rules: rr,
            model_probability,
            probability,
            expected_amount,
            tier_value,
        } = self.predict(table)?;
        let n = table.rows();
        let expected_amount = match (expected_amount, &self.potential) {
            (Some(a), _) => Some(a),
            (None, Some(p)) => Some(p.expected_amounts(table)?),
            (None, None) => None,
        };
        let mut s = Scored {
            expected_amount,
            ..Default::default()
        };
        let mut scratch = explain::Scratch::default();
        for r in 0..n {
            let (mp, p) = (model_probability[r], probability[r]);
            let (fs, ts, quadrant) = self.quadrant(lin.fit[r], lin.timing[r]);
            s.model_probability.push(mp);
            s.probability.push(p);
            s.score.push((p * 10000.0).round() / 100.0);
            s.rule_points.push(rr.points[r]);
            s.fit_score.push(fs);
            s.timing_score.push(ts);
            s.tier
                .push(self.tier(tier_value[r], rr.disqualified[r].is_some()));
            s.quadrant.push(quadrant);
            s.disqualified.push(rr.disqualified[r].is_some());
            let mut note = String::new();
            if !lin.outside[r].is_empty() {
                let names: Vec<&str> = lin.outside[r]
                    .iter()
                    .map(|&k| self.terms[lin.sources[k].start].source.as_str())
                    .collect();
                note = format!(
                    "outside the training range, held to it: {}",
                    names.join(", ")
                );
            }
            if !p.is_finite() || !mp.is_finite() {
                note = "not scored: a feature value is not finite".into();
            }
            s.notes.push(note);
            s.reasons.push(explain::reasons(
                self,
                table,
                &lin,
                r,
                &rr.matched[r],
                rr.disqualified[r].as_deref(),
                &mut scratch,
            ));
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate() {
        let q: Vec<f64> = (0..=100).map(f64::from).collect();
        assert_eq!(percentile(&q, 42.5), 42.5);
        assert_eq!(percentile(&q, -1.0), 0.0);
        assert_eq!(percentile(&q, 1000.0), 100.0);
        let q = quantiles(&(0..1001).map(f64::from).collect::<Vec<_>>());
        assert_eq!(q[50], 500.0);
    }
}
