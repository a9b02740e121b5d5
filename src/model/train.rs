//! Training: time-ordered split, penalty choice, hybrid stack, held-out
//! evaluation, tier cut-offs frozen on the training universe.
//!
//! Closed deals are ordered by `created_date`. The newest `test_share` is the
//! held-out test period (never fitted on, never used to choose anything); the
//! `validation_share` before it chooses the penalty C (by log loss of a model
//! fitted on the older deals) and fits the hybrid stack and the rules
//! baseline. The shipped model is refitted on train + validation with the
//! chosen C, and is exactly what the test metrics describe.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::features::{self, signals::Snapshot, FeatureSpec, TrainingTable};
use crate::input::{read::format_days, Dataset};
use crate::model::fit::{self, design_terms, fit_logistic, fit_small, matrix, sigmoid};
use crate::model::{fnv64, quantiles, rules, FileInfo, Hybrid, Model, Period, TrainingInfo, FORMAT_VERSION};
use crate::report::metrics::{self, Metrics};

/// What training measured, for `metrics.json` and the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Evaluation {
    pub rules: Metrics,
    pub model: Metrics,
    pub hybrid: Metrics,
    /// (C, validation log loss) for each C tried.
    pub penalty_path: Vec<(f64, f64)>,
    /// Held-out rows per tier: (tier, rows, wins).
    pub test_tiers: Vec<(String, usize, usize)>,
    /// Training-universe accounts per tier.
    pub universe_tiers: Vec<(String, usize)>,
    /// Reliability of the hybrid on the held-out period.
    pub calibration: Vec<metrics::Bin>,
}

fn split_rows(n: usize, cfg: &Config) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
    let n_test = ((n as f64) * cfg.model.test_share).round() as usize;
    let n_val = ((n as f64) * cfg.model.validation_share).round() as usize;
    let n_train = n - n_test - n_val;
    ((0..n_train).collect(), (n_train..n_train + n_val).collect(), (n_train + n_val..n).collect())
}

fn period(name: &str, rows: &[usize], tt: &TrainingTable) -> Period {
    Period {
        name: name.to_string(),
        from: rows.first().map(|&r| format_days(tt.created[r])).unwrap_or_default(),
        to: rows.last().map(|&r| format_days(tt.created[r])).unwrap_or_default(),
        rows: rows.len(),
        won: rows.iter().filter(|&&r| tt.label[r] == 1).count(),
    }
}

fn check_classes(p: &Period) -> Result<()> {
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

fn pick<T: Copy>(v: &[T], rows: &[usize]) -> Vec<T> {
    rows.iter().map(|&r| v[r]).collect()
}

/// Trains a model on checked data. `name` becomes part of the model version.
pub fn train(ds: &Dataset, cfg: &Config, name: &str) -> Result<(Model, Evaluation)> {
    let spec = FeatureSpec::learn(ds, cfg);
    let tt = features::training_table(ds, &spec)?;
    let n = tt.label.len();
    let (tr, va, te) = split_rows(n, cfg);
    let periods = vec![period("train", &tr, &tt), period("validation", &va, &tt), period("test", &te, &tt)];
    for p in &periods {
        check_classes(p)?;
    }
    let fit_rows: Vec<usize> = tr.iter().chain(&va).copied().collect();
    let mut terms = design_terms(&tt.features, &fit_rows);
    if terms.is_empty() {
        return Err(Error::data("accounts", "no feature varies across the training deals; nothing to learn from"));
    }
    let frame = tt.features.to_frame()?;
    let rr = rules::evaluate(&cfg.rules, &cfg.disqualifiers, &frame)?;
    let y = &tt.label;
    let (x_tr, x_va, x_te) = (matrix(&tt.features, &terms, &tr)?, matrix(&tt.features, &terms, &va)?, matrix(&tt.features, &terms, &te)?);
    let (y_tr, y_va, y_te) = (pick(y, &tr), pick(y, &va), pick(y, &te));
    let predict = |b0: f64, b: &[f64], x: &ndarray::Array2<f64>| -> Vec<f64> {
        x.rows().into_iter().map(|r| b0 + r.iter().zip(b).map(|(a, c)| a * c).sum::<f64>()).collect()
    };

    // choose C on the validation period
    let mut path = vec![];
    let mut best: Option<(f64, f64, Vec<f64>)> = None;
    for &c in &cfg.model.c_grid {
        let (b0, b) = fit_logistic(&x_tr, &y_tr, c, cfg.model.max_iterations)?;
        let eta = predict(b0, &b, &x_va);
        let p: Vec<f64> = eta.iter().map(|e| sigmoid(*e)).collect();
        let ll = metrics::log_loss(&p, &y_va);
        tracing::info!(c, validation_log_loss = ll, "penalty");
        path.push((c, ll));
        if best.as_ref().is_none_or(|(_, l, _)| ll < *l) {
            best = Some((c, ll, eta));
        }
    }
    let (c, _, eta_va) = best.ok_or_else(|| Error::Fit("empty C grid".into()))?;

    // hybrid stack and rules baseline on the validation period
    let pts_va = pick(&rr.points, &va);
    let rules_vary = pts_va.iter().any(|p| *p != pts_va[0]);
    let hybrid = match (cfg.model.rule_weight, rules_vary) {
        (Some(w), _) => {
            let off: Vec<f64> = pts_va.iter().map(|p| w * p).collect();
            let b = fit_small(&[&eta_va], Some(&off), &y_va)?;
            Hybrid { intercept: b[0], model_weight: b[1], rule_weight: w, rule_weight_pinned: true }
        }
        (None, true) => {
            let b = fit_small(&[&eta_va, &pts_va], None, &y_va)?;
            Hybrid { intercept: b[0], model_weight: b[1], rule_weight: b[2], rule_weight_pinned: false }
        }
        (None, false) => {
            let b = fit_small(&[&eta_va], None, &y_va)?;
            Hybrid { intercept: b[0], model_weight: b[1], rule_weight: 0.0, rule_weight_pinned: false }
        }
    };
    let rules_baseline = if rules_vary {
        let b = fit_small(&[&pts_va], None, &y_va)?;
        [b[0], b[1]]
    } else {
        let rate = y_va.iter().filter(|v| **v == 1).count() as f64 / y_va.len() as f64;
        [(rate / (1.0 - rate)).ln(), 0.0]
    };

    // the shipped model: refit on train + validation with the chosen C
    let x_fit = matrix(&tt.features, &terms, &fit_rows)?;
    let (b0, b) = fit_logistic(&x_fit, &pick(y, &fit_rows), c, cfg.model.max_iterations)?;
    for (t, coef) in terms.iter_mut().zip(&b) {
        t.coef = *coef;
    }

    // held-out evaluation
    let eta_te = predict(b0, &b, &x_te);
    let pts_te = pick(&rr.points, &te);
    let p_model: Vec<f64> = eta_te.iter().map(|e| sigmoid(*e)).collect();
    let p_rules: Vec<f64> = pts_te.iter().map(|p| sigmoid(rules_baseline[0] + rules_baseline[1] * p)).collect();
    let p_hybrid: Vec<f64> = eta_te
        .iter()
        .zip(&pts_te)
        .map(|(e, p)| sigmoid(hybrid.intercept + hybrid.model_weight * e + hybrid.rule_weight * p))
        .collect();

    let won = y.iter().filter(|v| **v == 1).count();
    let mut model = Model {
        format_version: FORMAT_VERSION,
        model_version: String::new(),
        crate_version: env!("CARGO_PKG_VERSION").to_string(),
        config: cfg.clone(),
        spec,
        terms,
        intercept: b0,
        penalty_c: c,
        hybrid,
        rules_baseline,
        tier_cutoffs: [1.0, 1.0],
        fit_quantiles: vec![],
        timing_quantiles: vec![],
        won_history: features::won_history(ds),
        training: TrainingInfo {
            created_at: chrono::Utc::now().to_rfc3339(),
            fingerprint: String::new(),
            files: file_infos(ds)?,
            closed_deals: n,
            won,
            lost: n - won,
            periods,
            universe_as_of: String::new(),
            universe_accounts: ds.accounts.len(),
        },
    };
    model.training.fingerprint = fingerprint(&model);
    model.model_version = format!("{name}@{}", &model.training.fingerprint[..8]);

    // freeze tiers and quadrant percentiles on the training universe
    let as_of = ds
        .opportunities
        .created_date
        .iter()
        .chain(&ds.opportunities.close_date)
        .flatten()
        .max()
        .copied()
        .unwrap_or_default()
        + 1;
    model.training.universe_as_of = format_days(as_of);
    let snapshot = Snapshot::build(&ds.signals, as_of, &model.spec)?;
    let (mut table, _) = features::account_features(&ds.accounts, &vec![as_of; ds.accounts.len()], &model.spec, &model.won_history);
    table.extend(snapshot.lookup(&ds.accounts.account_id));
    let lin = model.linear(&table)?;
    let urr = rules::evaluate(&cfg.rules, &cfg.disqualifiers, &table.to_frame()?)?;
    let probs: Vec<f64> = (0..table.rows()).map(|r| model.hybrid_probability(lin.eta[r], urr.points[r])).collect();
    model.fit_quantiles = quantiles(&lin.fit);
    model.timing_quantiles = quantiles(&lin.timing);
    model.tier_cutoffs = match &cfg.tiers.cutoffs {
        Some(c) => [c[0], c[1]],
        None => {
            let eligible: Vec<f64> =
                probs.iter().zip(&urr.disqualified).filter(|(_, d)| d.is_none()).map(|(p, _)| *p).collect();
            let q = quantiles(&eligible);
            let s = &cfg.tiers.shares;
            let at = |share: f64| q[((1.0 - share) * 100.0).round().clamp(0.0, 100.0) as usize];
            [at(s[0]), at(s[0] + s[1])]
        }
    };

    let mut test_tiers: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (i, &r) in te.iter().enumerate() {
        let e = test_tiers.entry(model.tier(p_hybrid[i], rr.disqualified[r].is_some())).or_default();
        e.0 += 1;
        e.1 += usize::from(y[r] == 1);
    }
    let mut universe_tiers: BTreeMap<&str, usize> = BTreeMap::new();
    for (p, d) in probs.iter().zip(&urr.disqualified) {
        *universe_tiers.entry(model.tier(*p, d.is_some())).or_default() += 1;
    }
    let eval = Evaluation {
        rules: metrics::evaluate(&p_rules, &y_te),
        model: metrics::evaluate(&p_model, &y_te),
        hybrid: metrics::evaluate(&p_hybrid, &y_te),
        penalty_path: path,
        test_tiers: test_tiers.into_iter().map(|(k, (a, b))| (k.to_string(), a, b)).collect(),
        universe_tiers: universe_tiers.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        calibration: metrics::reliability(&p_hybrid, &y_te, 10),
    };
    Ok((model, eval))
}

fn file_infos(ds: &Dataset) -> Result<Vec<FileInfo>> {
    let mut v = vec![];
    let f = &ds.files;
    let list = [(Some(&f.accounts), ds.accounts.len()), (Some(&f.opportunities), ds.opportunities.label.len()), (f.signals.as_ref(), ds.signals.len())];
    for (p, rows) in list {
        if let Some(p) = p {
            let bytes = std::fs::read(p).map_err(|e| Error::io(p, e))?;
            v.push(FileInfo { path: p.display().to_string(), rows, fnv64: format!("{:016x}", fnv64(&bytes)) });
        }
    }
    Ok(v)
}

/// A fingerprint of the data and the fitted numbers: same inputs, same fingerprint.
fn fingerprint(m: &Model) -> String {
    let mut s = String::new();
    for f in &m.training.files {
        s += &f.fnv64;
    }
    s += &serde_json::to_string(&m.config).unwrap_or_default();
    s += &serde_json::to_string(&m.terms).unwrap_or_default();
    format!("{:016x}", fnv64(s.as_bytes()))
}

/// The coefficient table rows for `importance.csv` and the report.
pub fn coefficient_rows(m: &Model) -> Vec<(String, String, f64, f64, f64)> {
    m.terms
        .iter()
        .map(|t| (t.name.clone(), format!("{:?}", t.axis).to_lowercase(), t.coef_original(), t.coef, t.coef_original().exp()))
        .collect()
}

pub use fit::Term;
