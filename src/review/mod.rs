//! The quarterly review (PRODUCT.md §7a): should the challenger replace
//! the champion, and what changed since last quarter?
//!
//! - **comparison**: both models score the same closed deals, those created
//!   after both models' fitting windows (so neither trained on them), each
//!   deal as of its created date through the one scoring function; AUC with
//!   DeLong's interval of the paired difference, log loss with the paired
//!   standard error, Brier, ECE, lift.
//! - **drift**: population stability index of every feature of the
//!   champion and of its score, between the champion's fitted deals and
//!   those newest deals; coefficients side by side.
//! - **migration**: between two scored files, tier × tier and quadrant ×
//!   quadrant counts, and the accounts entering or leaving Tier 1.
//! - **backtest**: a scored file from the start of a period against the
//!   opportunities created since its as-of date, per tier and quadrant.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::expected::{self, Expected};
use crate::features::{self, Values};
use crate::input::{read, Dataset};
use crate::model::metrics::{self, Metrics};
use crate::model::Model;

mod html;
pub use html::html;

pub use crate::contract::{QUADRANTS, TIERS};

#[derive(Debug, Clone, Serialize)]
pub struct Review {
    pub champion: ModelRef,
    pub challenger: ModelRef,
    pub comparison: Comparison,
    pub recommendation: Recommendation,
    pub drift: Drift,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migration: Option<Migration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backtest: Option<Backtest>,
    /// With `--before`: the wins its open pipeline should have brought, and
    /// those it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<Expected>,
    /// What the scored files say against the models and the deals (another
    /// universe, another model), in plain sentences.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModelRef {
    pub path: String,
    pub version: String,
    pub trained_at: String,
    /// The last created date of the deals it was fitted on.
    pub fitted_until: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// Closed deals created after this day: after both fitting windows.
    pub after: String,
    pub deals: usize,
    pub won: usize,
    pub deal_ids: Vec<String>,
    pub champion: Metrics,
    pub challenger: Metrics,
    /// Challenger minus champion, with DeLong's 95% interval.
    pub auc_difference: Difference,
    /// Challenger minus champion (negative: the challenger is better), paired SE.
    pub log_loss_difference: Difference,
}

#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    pub estimate: f64,
    pub se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

impl Difference {
    fn of(estimate: f64, se: f64) -> Difference {
        Difference {
            estimate,
            se,
            ci_low: estimate - 1.96 * se,
            ci_high: estimate + 1.96 * se,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    /// `promote`, `keep` or `no difference`.
    pub decision: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Drift {
    pub reference_rows: usize,
    pub current_rows: usize,
    pub score: Psi,
    pub features: Vec<Psi>,
    pub coefficients: Vec<CoefficientChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Psi {
    pub feature: String,
    pub psi: f64,
    /// `stable` (< 0.1), `moderate` (0.1 to 0.25) or `significant` (>= 0.25).
    pub flag: String,
}

impl Psi {
    fn of(feature: &str, psi: f64) -> Psi {
        let flag = if psi >= 0.25 {
            "significant"
        } else if psi >= 0.1 {
            "moderate"
        } else {
            "stable"
        };
        Psi {
            feature: feature.into(),
            psi,
            flag: flag.into(),
        }
    }
}

/// A term's coefficient per original unit in both models, with 95% intervals.
#[derive(Debug, Clone, Serialize)]
pub struct CoefficientChange {
    pub term: String,
    pub champion: Option<[f64; 3]>,
    pub challenger: Option<[f64; 3]>,
    /// Both intervals exclude zero, on opposite sides.
    pub sign_flip: bool,
    /// The difference is beyond 1.96 of its standard error.
    pub significant_change: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Migration {
    pub accounts: usize,
    pub only_before: usize,
    pub only_after: usize,
    /// tiers[i][j]: accounts in tier i before and tier j after (`TIERS` order).
    pub tiers: Vec<Vec<usize>>,
    /// The same for quadrants (`QUADRANTS` order).
    pub quadrants: Vec<Vec<usize>>,
    pub entered_tier_1: Vec<Mover>,
    pub left_tier_1: Vec<Mover>,
    pub entered_tier_1_count: usize,
    pub left_tier_1_count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Mover {
    pub account_id: String,
    pub tier_before: String,
    pub tier_after: String,
    pub score_before: f64,
    pub score_after: f64,
    /// The reasons of the newer score.
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Backtest {
    /// The scored file's as-of date: opportunities created on or after it count.
    pub as_of: String,
    pub accounts: usize,
    pub opportunities: usize,
    pub won: usize,
    pub tiers: Vec<Group>,
    pub quadrants: Vec<Group>,
}

/// One tier or quadrant of a backtest.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub name: String,
    pub accounts: usize,
    /// Opportunities created since the as-of date.
    pub opportunities: usize,
    /// Those of them won.
    pub won: usize,
    /// Share of the group's accounts with at least one new opportunity.
    pub conversion_rate: f64,
    /// Won / closed (won + lost) of the new opportunities.
    pub win_rate: f64,
    /// The group's share of all new opportunities and of all wins.
    pub opportunity_share: f64,
    pub won_share: f64,
    /// The group's conversion rate over all scored accounts' (1 = random).
    pub lift: f64,
}

/// A scored parquet file (PRODUCT.md §8), the columns the review reads.
pub struct Scores {
    pub path: String,
    pub as_of: Option<String>,
    /// The model that scored it (its metadata).
    pub model_version: Option<String>,
    pub account_id: Vec<String>,
    /// A scored file of open deals (`score --opportunities`): their ids.
    pub opportunity_id: Option<Vec<String>>,
    pub score: Vec<f64>,
    pub probability: Vec<f64>,
    pub tier: Vec<String>,
    pub quadrant: Vec<String>,
    pub reasons: Vec<[String; 3]>,
}

impl Scores {
    pub fn read(path: &Path) -> Result<Scores> {
        use arrow::array::{Array, AsArray};
        let as_of = read::parquet_meta(path, crate::contract::AS_OF_KEY)?;
        let model_version = read::parquet_meta(path, crate::contract::MODEL_VERSION_KEY)?;
        let builder = read::parquet_builder(path)?;
        let reader = builder
            .build()
            .map_err(|e| Error::data(path.display(), format!("cannot read: {e}")))?;
        let mut s = Scores {
            path: path.display().to_string(),
            as_of,
            model_version,
            account_id: vec![],
            opportunity_id: None,
            score: vec![],
            probability: vec![],
            tier: vec![],
            quadrant: vec![],
            reasons: vec![],
        };
        for b in reader {
            let b = b.map_err(|e| Error::data(path.display(), format!("cannot read: {e}")))?;
            let col = |name: &str| {
                b.column_by_name(name).ok_or_else(|| {
                    Error::data(
                        path.display(),
                        format!("missing column `{name}`: not a file written by `scorebook score`"),
                    )
                })
            };
            let text = |name: &str| -> Result<Vec<String>> {
                let a = arrow::compute::cast(col(name)?, &arrow::datatypes::DataType::Utf8)
                    .map_err(|e| Error::data(path.display(), format!("column `{name}`: {e}")))?;
                Ok(a.as_string::<i32>()
                    .iter()
                    .map(|v| v.unwrap_or_default().to_string())
                    .collect())
            };
            s.account_id.extend(text("account_id")?);
            s.tier.extend(text("tier")?);
            s.quadrant.extend(text("quadrant")?);
            let (r1, r2, r3) = (text("reason_1")?, text("reason_2")?, text("reason_3")?);
            s.reasons
                .extend(r1.into_iter().zip(r2).zip(r3).map(|((a, b), c)| [a, b, c]));
            if b.column_by_name("opportunity_id").is_some() {
                let ids = text("opportunity_id")?;
                s.opportunity_id.get_or_insert_with(Vec::new).extend(ids);
            }
            let number = |name: &str| -> Result<Vec<f64>> {
                let a = arrow::compute::cast(col(name)?, &arrow::datatypes::DataType::Float64)
                    .map_err(|e| Error::data(path.display(), format!("column `{name}`: {e}")))?;
                let a = a.as_primitive::<arrow::datatypes::Float64Type>();
                Ok((0..a.len())
                    .map(|i| if a.is_null(i) { f64::NAN } else { a.value(i) })
                    .collect())
            };
            s.score.extend(number("score")?);
            s.probability.extend(number("probability")?);
        }
        Ok(s)
    }
}

/// The last created date of a model's fitted deals (end of its validation period).
fn fitted_until(m: &Model) -> Result<i32> {
    let to = m
        .training
        .periods
        .iter()
        .find(|p| p.name == "validation")
        .map(|p| p.to.as_str())
        .unwrap_or_default();
    read::parse_date(to).ok_or_else(|| {
        Error::data(
            &m.model_version,
            format!("model.json has no validation period end ({to:?}); retrain the model"),
        )
    })
}

fn model_ref(m: &Model, path: &Path) -> Result<ModelRef> {
    Ok(ModelRef {
        path: path.display().to_string(),
        version: m.model_version.clone(),
        trained_at: m.training.created_at.clone(),
        fitted_until: read::format_days(fitted_until(m)?),
    })
}

/// Each closed deal's hybrid probability under a model, by opportunity id,
/// features as of each deal's created date; and the training table.
fn score_deals(m: &Model, ds: &Dataset) -> Result<(features::TrainingTable, Vec<f64>)> {
    let tt = features::training_table(ds, &m.spec)?;
    let p = m.predict(&tt.features)?.probability;
    Ok((tt, p))
}

pub struct ReviewInput<'a> {
    pub champion: (&'a Model, &'a Path),
    pub challenger: (&'a Model, &'a Path),
    pub data: &'a Dataset,
    pub before: Option<&'a Scores>,
    pub after: Option<&'a Scores>,
}

pub fn review(i: &ReviewInput) -> Result<Review> {
    let (champ, chall) = (i.champion.0, i.challenger.0);
    let cut = fitted_until(champ)?.max(fitted_until(chall)?);
    let (tt_a, p_a) = score_deals(champ, i.data)?;
    let (tt_b, p_b) = score_deals(chall, i.data)?;
    let by_id_b: HashMap<&str, usize> = tt_b
        .opportunity_id
        .iter()
        .enumerate()
        .map(|(k, id)| (id.as_str(), k))
        .collect();
    // the same deals for both: created after both fitting windows
    let rows: Vec<(usize, usize)> = (0..tt_a.created.len())
        .filter(|&r| tt_a.created[r] > cut)
        .filter_map(|r| {
            by_id_b
                .get(tt_a.opportunity_id[r].as_str())
                .map(|&k| (r, k))
        })
        .collect();
    let y: Vec<u8> = rows.iter().map(|&(r, _)| tt_a.label[r]).collect();
    let won = y.iter().filter(|v| **v == 1).count();
    if rows.len() < 20 || won == 0 || won == rows.len() {
        return Err(Error::data(
            "opportunities",
            format!(
                "{} closed deals ({won} won) were created after both models' fitting windows (after {}): too few to compare; review when more deals created since have closed",
                rows.len(),
                read::format_days(cut)
            ),
        ));
    }
    let pa: Vec<f64> = rows.iter().map(|&(r, _)| p_a[r]).collect();
    let pb: Vec<f64> = rows.iter().map(|&(_, k)| p_b[k]).collect();
    let d = metrics::delong(&pa, &pb, &y);
    let (ll, ll_se) = metrics::paired_log_loss_difference(&pb, &pa, &y);
    let comparison = Comparison {
        after: read::format_days(cut),
        deals: rows.len(),
        won,
        deal_ids: rows
            .iter()
            .map(|&(r, _)| tt_a.opportunity_id[r].clone())
            .collect(),
        champion: metrics::evaluate(&pa, &y),
        challenger: metrics::evaluate(&pb, &y),
        auc_difference: Difference::of(d.difference, d.se),
        log_loss_difference: Difference::of(ll, ll_se),
    };
    let recommendation = recommend(&comparison);

    // drift: the champion's fitted deals against the newest ones
    let champ_cut = fitted_until(champ)?;
    let reference: Vec<usize> = (0..tt_a.created.len())
        .filter(|&r| tt_a.created[r] <= champ_cut)
        .collect();
    let current: Vec<usize> = rows.iter().map(|&(r, _)| r).collect();
    let mut sources: Vec<&str> = vec![];
    for t in &champ.terms {
        if !sources.contains(&t.source.as_str()) {
            sources.push(&t.source);
        }
    }
    let mut feature_psi = vec![];
    for src in sources {
        let Some(v) = tt_a.features.get(src) else {
            continue;
        };
        let psi = match v {
            Values::Text(v) => metrics::psi_levels(
                &reference.iter().map(|&r| v[r].as_str()).collect::<Vec<_>>(),
                &current.iter().map(|&r| v[r].as_str()).collect::<Vec<_>>(),
            ),
            _ => {
                let num = |rows: &[usize]| -> Vec<f64> {
                    rows.iter().map(|&r| v.num(r).unwrap_or(f64::NAN)).collect()
                };
                metrics::psi(&num(&reference), &num(&current))
            }
        };
        feature_psi.push(Psi::of(src, psi));
    }
    feature_psi.sort_by(|a, b| b.psi.total_cmp(&a.psi));
    let score_psi = metrics::psi(&reference.iter().map(|&r| p_a[r]).collect::<Vec<_>>(), &pa);
    let drift = Drift {
        reference_rows: reference.len(),
        current_rows: current.len(),
        score: Psi::of("score", score_psi),
        features: feature_psi,
        coefficients: coefficients(champ, chall),
    };

    let migration = match (i.before, i.after) {
        (Some(b), Some(a)) => Some(migration(b, a)),
        _ => None,
    };
    let backtest = i.before.map(|b| backtest(b, i.data)).transpose()?;
    Ok(Review {
        champion: model_ref(champ, i.champion.1)?,
        challenger: model_ref(chall, i.challenger.1)?,
        comparison,
        recommendation,
        drift,
        warnings: file_warnings(i, migration.as_ref(), backtest.as_ref())?,
        migration,
        backtest,
        expected: i
            .before
            .map(|b| expected_of(champ, b, i.data))
            .transpose()?,
    })
}

/// Warnings on the scored files, from the backtest and the migration
/// already counted: a `--before` on whose accounts hardly any of the deals
/// created since are (another universe), an `--after` scored by neither
/// model, two files sharing few accounts.
fn file_warnings(
    i: &ReviewInput,
    migration: Option<&Migration>,
    backtest: Option<&Backtest>,
) -> Result<Vec<String>> {
    let mut out = vec![];
    if let (Some(b), Some(t)) = (i.before, backtest) {
        let (_, as_of) = as_of_of(b)?;
        let o = &i.data.opportunities;
        let since = (0..o.label.len())
            .filter(|&k| o.account_id[k].is_some() && o.created_date[k].is_some_and(|c| c >= as_of))
            .count();
        if since >= 20 && (t.opportunities as f64) < 0.1 * since as f64 {
            out.push(format!(
                "only {} of the {since} deals created since {} are on an account of --before ({}): it looks like the scores of another universe (its account ids do not match the deals'), so the backtest's rates mean nothing; pass the file scored from this CRM's accounts",
                t.opportunities, t.as_of, b.path
            ));
        }
    }
    if let Some(a) = i.after {
        let versions = [&i.champion.0.model_version, &i.challenger.0.model_version];
        if let Some(v) = a.model_version.as_ref().filter(|v| !versions.contains(v)) {
            out.push(format!(
                "--after ({}) was scored by model {v}, neither the champion ({}) nor the challenger ({}): score the universe with one of them for the migration",
                a.path, versions[0], versions[1]
            ));
        }
    }
    if let Some(m) = migration {
        let smaller = (m.accounts + m.only_before).min(m.accounts + m.only_after);
        if smaller > 0 && (m.accounts as f64) < 0.5 * smaller as f64 {
            out.push(format!(
                "--before and --after share {} accounts of {smaller}: the migration covers only those; were they scored from the same universe?",
                m.accounts
            ));
        }
    }
    Ok(out)
}

fn recommend(c: &Comparison) -> Recommendation {
    let (a, l) = (&c.auc_difference, &c.log_loss_difference);
    let better = l.ci_high < 0.0 || a.ci_low > 0.0;
    let worse = l.ci_low > 0.0 || a.ci_high < 0.0;
    let figures = format!(
        "on {} deals neither model trained on, the challenger's AUC is {:+.3} (95% interval {:+.3} to {:+.3}) and its log loss {:+.4} (95% interval {:+.4} to {:+.4}) against the champion's",
        c.deals, a.estimate, a.ci_low, a.ci_high, l.estimate, l.ci_low, l.ci_high
    );
    let (decision, reason) = match (better, worse) {
        (true, false) => ("promote", format!("Promote the challenger: {figures}.")),
        (false, true) => ("keep", format!("Keep the champion: {figures}.")),
        (true, true) => (
            "no difference",
            format!("The measures disagree ({figures}): keep the champion until more deals have closed."),
        ),
        (false, false) => (
            "no difference",
            format!("No difference beyond noise: {figures}; keep the champion unless the challenger's newer training data matters more."),
        ),
    };
    Recommendation {
        decision: decision.into(),
        reason,
    }
}

fn coefficients(a: &Model, b: &Model) -> Vec<CoefficientChange> {
    let ci = |t: &crate::model::Term| {
        let (c, se) = (t.coef_original(), t.std_error / t.std);
        ([c - 1.96 * se, c, c + 1.96 * se], se)
    };
    let mut names: Vec<&str> = a.terms.iter().map(|t| t.name.as_str()).collect();
    for t in &b.terms {
        if !names.contains(&t.name.as_str()) {
            names.push(&t.name);
        }
    }
    names
        .into_iter()
        .map(|name| {
            let x = a.terms.iter().find(|t| t.name == name).map(ci);
            let y = b.terms.iter().find(|t| t.name == name).map(ci);
            let (sign_flip, significant_change) = match (x, y) {
                (Some((x, sx)), Some((y, sy))) => {
                    let flip = (x[0] > 0.0 && y[2] < 0.0) || (x[2] < 0.0 && y[0] > 0.0);
                    let z = (x[1] - y[1]).abs() / (sx * sx + sy * sy).sqrt();
                    (flip, z > 1.96)
                }
                _ => (false, false),
            };
            CoefficientChange {
                term: name.to_string(),
                champion: x.map(|v| v.0),
                challenger: y.map(|v| v.0),
                sign_flip,
                significant_change,
            }
        })
        .collect()
}

fn position(names: &[&str], v: &str) -> usize {
    names
        .iter()
        .position(|n| *n == v)
        .unwrap_or(names.len() - 1)
}

pub fn migration(before: &Scores, after: &Scores) -> Migration {
    let index: HashMap<&str, usize> = before
        .account_id
        .iter()
        .enumerate()
        .map(|(i, a)| (a.as_str(), i))
        .collect();
    let mut tiers = vec![vec![0; 4]; 4];
    let mut quadrants = vec![vec![0; 4]; 4];
    let (mut entered, mut left) = (vec![], vec![]);
    let mut matched = 0;
    for (j, id) in after.account_id.iter().enumerate() {
        let Some(&i) = index.get(id.as_str()) else {
            continue;
        };
        matched += 1;
        let (tb, ta) = (before.tier[i].as_str(), after.tier[j].as_str());
        tiers[position(&TIERS, tb)][position(&TIERS, ta)] += 1;
        quadrants[position(&QUADRANTS, &before.quadrant[i])]
            [position(&QUADRANTS, &after.quadrant[j])] += 1;
        let mover = || Mover {
            account_id: id.clone(),
            tier_before: tb.into(),
            tier_after: ta.into(),
            score_before: before.score[i],
            score_after: after.score[j],
            reasons: after.reasons[j]
                .iter()
                .filter(|r| !r.is_empty())
                .cloned()
                .collect(),
        };
        if ta == "Tier 1" && tb != "Tier 1" {
            entered.push(mover());
        } else if tb == "Tier 1" && ta != "Tier 1" {
            left.push(mover());
        }
    }
    entered.sort_by(|a, b| b.score_after.total_cmp(&a.score_after));
    left.sort_by(|a, b| a.score_after.total_cmp(&b.score_after));
    let (ne, nl) = (entered.len(), left.len());
    entered.truncate(100);
    left.truncate(100);
    Migration {
        accounts: matched,
        only_before: before.account_id.len() - matched,
        only_after: after.account_id.len() - matched,
        tiers,
        quadrants,
        entered_tier_1: entered,
        left_tier_1: left,
        entered_tier_1_count: ne,
        left_tier_1_count: nl,
    }
}

/// A scored file's as-of day, as written and as a day number.
fn as_of_of(before: &Scores) -> Result<(String, i32)> {
    let text = before.as_of.clone().ok_or_else(|| {
        Error::data("--before", "the scored file has no scorebook.as_of metadata: pass a file written by `scorebook score`")
    })?;
    let day = read::parse_date(&text)
        .ok_or_else(|| Error::data("--before", format!("bad scorebook.as_of {text:?}")))?;
    Ok((text, day))
}

/// The open pipeline on a scored file's as-of day and how it has ended in
/// the export `ds`: the deals of the file when it holds scored deals
/// (`score --opportunities`), else every deal of the export open that day
/// (created before it, closed on it or later, or still open). Each deal's
/// probability, tier and quadrant are the champion's, as of its created
/// date (the point in time the probabilities are calibrated for). Deals
/// closed before the day, missing from the export, or closed without a
/// close date are left out.
pub fn expected_of(champion: &Model, before: &Scores, ds: &Dataset) -> Result<Expected> {
    let (as_of_text, as_of) = as_of_of(before)?;
    let o = &ds.opportunities;
    let wanted: Option<std::collections::HashSet<&str>> = before
        .opportunity_id
        .as_ref()
        .map(|ids| ids.iter().map(String::as_str).collect());
    // open on the day: created before it, and not closed before it
    let open: Vec<bool> = (0..o.label.len())
        .map(|k| {
            o.created_date[k].is_some_and(|c| c < as_of)
                && match (o.label[k], o.close_date[k]) {
                    (None, _) => true,
                    (Some(_), Some(c)) => c >= as_of,
                    (Some(_), None) => false,
                }
                && wanted.as_ref().is_none_or(|w| {
                    o.opportunity_id[k]
                        .as_deref()
                        .is_some_and(|id| w.contains(id))
                })
        })
        .collect();
    let still_open = (0..o.label.len())
        .filter(|&k| open[k] && o.label[k].is_none())
        .count();
    let outcome_of: HashMap<&str, Option<bool>> = (0..o.label.len())
        .filter(|&k| open[k])
        .filter_map(|k| {
            let id = o.opportunity_id[k].as_deref()?;
            Some((id, o.label[k].map(|l| l == 1)))
        })
        .collect();
    let tt = features::deal_table(ds, &champion.spec, |k| open[k])?;
    let prediction = champion.predict(&tt.features)?;
    let deals = expected::deals(champion, &prediction, true, |r| {
        outcome_of.get(tt.opportunity_id[r].as_str()).copied()
    });
    let source = match &wanted {
        Some(w) => format!(
            "the scored file's {} deals, {} of them open on the day in the export ({} still open now)",
            w.len(),
            deals.len(),
            still_open
        ),
        None => format!("the export's deals open on the day ({still_open} still open now)"),
    };
    Ok(expected::expected(
        &deals,
        &as_of_text,
        format!("{source}; each deal's probability is the champion's, as of its created date"),
    ))
}

pub fn backtest(before: &Scores, ds: &Dataset) -> Result<Backtest> {
    let (as_of_text, as_of) = as_of_of(before)?;
    // new opportunities per scored account: (count, won, lost)
    let index: HashMap<&str, usize> = before
        .account_id
        .iter()
        .enumerate()
        .map(|(i, a)| (a.as_str(), i))
        .collect();
    let o = &ds.opportunities;
    let mut per = vec![(0usize, 0usize, 0usize); before.account_id.len()];
    for k in 0..o.label.len() {
        let (Some(acc), Some(created)) = (&o.account_id[k], o.created_date[k]) else {
            continue;
        };
        if created < as_of {
            continue;
        }
        if let Some(&i) = index.get(acc.as_str()) {
            per[i].0 += 1;
            match o.label[k] {
                Some(1) => per[i].1 += 1,
                Some(_) => per[i].2 += 1,
                None => {}
            }
        }
    }
    let n = before.account_id.len();
    let total_opps: usize = per.iter().map(|p| p.0).sum();
    let total_won: usize = per.iter().map(|p| p.1).sum();
    let converted_all = per.iter().filter(|p| p.0 > 0).count() as f64 / n.max(1) as f64;
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
    let groups = |names: &[&str], of: &[String]| -> Vec<Group> {
        names
            .iter()
            .map(|name| {
                let rows: Vec<usize> = (0..n).filter(|&i| of[i] == *name).collect();
                let opps: usize = rows.iter().map(|&i| per[i].0).sum();
                let won: usize = rows.iter().map(|&i| per[i].1).sum();
                let lost: usize = rows.iter().map(|&i| per[i].2).sum();
                let converted = rows.iter().filter(|&&i| per[i].0 > 0).count() as f64;
                let conversion = ratio(converted, rows.len() as f64);
                Group {
                    name: name.to_string(),
                    accounts: rows.len(),
                    opportunities: opps,
                    won,
                    conversion_rate: conversion,
                    win_rate: ratio(won as f64, (won + lost) as f64),
                    opportunity_share: ratio(opps as f64, total_opps as f64),
                    won_share: ratio(won as f64, total_won as f64),
                    lift: ratio(conversion, converted_all),
                }
            })
            .collect()
    };
    Ok(Backtest {
        as_of: as_of_text,
        accounts: n,
        opportunities: total_opps,
        won: total_won,
        tiers: groups(&TIERS, &before.tier),
        quadrants: groups(&QUADRANTS, &before.quadrant),
    })
}

/// Writes `DIR/review.json` and `DIR/review.html`, atomically (the folder
/// appears whole or not at all; an existing one is replaced only with `force`).
pub fn write(r: &Review, out: &Path, force: bool) -> Result<()> {
    let json = serde_json::to_vec_pretty(r).map_err(|e| Error::Internal(e.to_string()))?;
    crate::model_dir::write_dir(
        out,
        force,
        "review",
        &[
            ("review.json", json),
            ("review.html", html(r)?.into_bytes()),
        ],
    )
}
