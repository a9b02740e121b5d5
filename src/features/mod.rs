//! Point-in-time features (PRODUCT.md §6).
//!
//! Every row has an as-of day: an opportunity's `created_date` in training,
//! the `--as-of` date when scoring. Account features are computed row-wise
//! from the typed account columns (the same function in `train` and `score`,
//! so they cannot drift apart); signal features fold each account's signals
//! recorded before the as-of day through one layout (`signals`), per deal in
//! training and streamed in scoring.

pub use crate::input::movers;
pub mod plan;
mod shape;
pub mod signals;
pub mod table;
pub mod typed;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::config::{normalize_name, Config, SignalShape};
use crate::error::Result;
use crate::input::{Accounts, Dataset, SignalTable};
pub use shape::Shape;
pub use table::{FeatureTable, Values};
pub use typed::Typed;

/// Which part of the score a feature feeds: fit (who the account is) or
/// timing (what it is doing now).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Axis {
    Fit,
    Timing,
}

/// A derived feature as a leader reads it (`FeatureSpec::natural`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Natural {
    pub name: &'static str,
    pub unit: Unit,
    pub inverse: Inverse,
}

/// The inverse of a derived feature's transform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inverse {
    /// Of ln(1 + x).
    ExpM1,
    /// Of ln(x).
    Exp,
    Identity,
}

impl Natural {
    /// The feature's value `v` as the value it is computed from.
    pub fn value(&self, v: f64) -> f64 {
        match self.inverse {
            Inverse::ExpM1 => v.exp_m1(),
            Inverse::Exp => v.exp(),
            Inverse::Identity => v,
        }
    }

    /// Whether the model reads it on a log scale.
    pub fn logged(&self) -> bool {
        self.inverse != Inverse::Identity
    }
}

/// The unit a feature's natural value reads in (`FeatureSpec::natural`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Money,
    /// A multiple of the industry's median.
    IndustryRatio,
    Plain,
}

impl Unit {
    /// What a number in this unit is of, after it (" the industry median").
    pub fn of(self) -> &'static str {
        match self {
            Unit::IndustryRatio => " the industry median",
            _ => "",
        }
    }
}

/// What the features are, learned from the training data and saved in the model.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FeatureSpec {
    pub windows: Vec<u32>,
    pub recency_cap_days: u32,
    /// Signal types counted in windows (normalized names).
    pub signal_types: Vec<String>,
    /// Signal types that are scheduled events (days-until features).
    pub scheduled_types: Vec<String>,
    /// Optional signal columns (`recorded_date`, `value`) the training
    /// signals had: the exported SQL reads only those.
    #[serde(default)]
    pub signal_columns: Vec<String>,
    /// Technology flags: (normalized name, display name).
    pub technologies: Vec<(String, String)>,
    /// Industries kept as their own level; others pool into `Other`.
    pub industries: Vec<String>,
    /// Every industry seen in training (rare ones are pooled, but not unknown).
    pub seen_industries: Vec<String>,
    /// Contract columns the training accounts had.
    pub account_columns: Vec<String>,
    pub size_bands: Vec<f64>,
    pub industry_size_bands: BTreeMap<String, Vec<f64>>,
    /// Median revenue per employee by industry (the benchmark table), and overall.
    pub rpe_median: BTreeMap<String, f64>,
    pub rpe_median_all: f64,
    /// Imputation values (medians of the training accounts).
    pub impute: BTreeMap<String, f64>,
    /// Extra account columns (`features.extra`) by type.
    pub extra: Typed,
    /// Deal columns (`features.deal`) by type.
    #[serde(default, skip_serializing_if = "Typed::is_empty")]
    pub deal: Typed,
    /// Forms of the signal-window counts in the model (models from before
    /// this setting used the linear counts).
    #[serde(default = "linear_counts")]
    pub signal_shapes: Vec<SignalShape>,
    /// Signal types beyond the `max_signal_types` most frequent, not features.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped_signal_types: Vec<String>,
}

fn linear_counts() -> Vec<SignalShape> {
    vec![SignalShape::Count]
}

pub const SIZE_BANDS: [&str; 4] = ["small", "mid", "large", "super_large"];
pub(crate) const IMPUTED: [&str; 5] = [
    "employees",
    "annual_revenue",
    "founded_year",
    "jobs_posted_30d",
    "hires_12m",
];

/// The median of the finite values of `v`; None when there are none.
pub(crate) fn median(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    })
}

/// The technologies of a `;`-separated cell, as spelled.
fn tech_spellings(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(';').map(str::trim).filter(|t| !t.is_empty())
}

/// The `top` most common items of a `;`-list column seen in at least
/// `min_rows` rows, as (normalized, display) names.
fn top_items(col: &[Option<String>], top: usize, min_rows: usize) -> Vec<(String, String)> {
    let mut tc: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for cell in col.iter().flatten() {
        let mut seen = std::collections::BTreeSet::new();
        for (norm, disp) in tech_tokens(cell) {
            if seen.insert(norm.clone()) {
                tc.entry(norm).or_insert((0, disp.to_string())).0 += 1;
            }
        }
    }
    let mut v: Vec<(String, (usize, String))> = tc
        .into_iter()
        .filter(|(_, (c, _))| *c >= min_rows)
        .collect();
    v.sort_by(|x, y| y.1 .0.cmp(&x.1 .0).then(x.0.cmp(&y.0)));
    v.into_iter().take(top).map(|(n, (_, d))| (n, d)).collect()
}

/// Splits a `;`-separated technologies cell into (normalized, display) names.
pub fn tech_tokens(cell: &str) -> impl Iterator<Item = (String, &str)> {
    tech_spellings(cell).map(|t| (normalize_name(t), t))
}

fn industry_of(raw: &Option<String>) -> String {
    raw.clone().unwrap_or_else(|| "Unknown".to_string())
}

fn optional_signal_columns(ds: &Dataset, cfg: &Config) -> Vec<String> {
    let Some(present) = ds
        .files
        .signals
        .as_ref()
        .and_then(|p| crate::input::read::expand_inputs(p).ok())
    else {
        return vec![];
    };
    // the columns any of the files has (a glob or folder of signal files)
    let present: Vec<String> = present
        .iter()
        .filter_map(|f| crate::input::read::column_names(f).ok())
        .flatten()
        .collect();
    ["recorded_date", "value"]
        .into_iter()
        .filter(|k| {
            let name = cfg.columns.signals.get(*k).map_or(*k, String::as_str);
            present.iter().any(|c| c == name)
        })
        .map(String::from)
        .collect()
}

impl FeatureSpec {
    /// Learns levels, benchmarks and imputation values from the training accounts.
    pub fn learn(ds: &Dataset, cfg: &Config) -> FeatureSpec {
        let a = &ds.accounts;
        let f = &cfg.features;
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for i in &a.industry {
            *counts.entry(industry_of(i)).or_default() += 1;
        }
        let industries: Vec<String> = counts
            .iter()
            .filter(|(_, c)| **c >= f.min_industry_accounts)
            .map(|(k, _)| k.clone())
            .collect();

        let technologies = if f.technologies.is_empty() {
            top_items(&a.technologies, f.top_technologies, 1)
        } else {
            f.technologies
                .iter()
                .map(|t| (normalize_name(t), t.clone()))
                .collect()
        };

        let mut impute = BTreeMap::new();
        let cols: [&Vec<Option<f64>>; 5] = [
            &a.employees,
            &a.annual_revenue,
            &a.founded_year,
            &a.jobs_posted_30d,
            &a.hires_12m,
        ];
        for (name, col) in IMPUTED.iter().zip(cols) {
            impute.insert(
                name.to_string(),
                median(col.iter().flatten().copied().collect()).unwrap_or(0.0),
            );
        }
        for (name, col) in &a.extra {
            impute.insert(
                name.clone(),
                median(col.iter().flatten().copied().collect()).unwrap_or(0.0),
            );
        }

        let mut by_ind: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut all = vec![];
        for i in 0..a.len() {
            if let (Some(e), Some(r)) = (a.employees[i], a.annual_revenue[i]) {
                if e > 0.0 && r > 0.0 {
                    let ind = pooled(&industry_of(&a.industry[i]), &industries);
                    by_ind.entry(ind).or_default().push(r / e);
                    all.push(r / e);
                }
            }
        }
        let rpe_median_all = median(all).unwrap_or(1.0);
        let rpe_median = by_ind
            .into_iter()
            .filter_map(|(k, v)| median(v).map(|m| (k, m)))
            .collect();

        // the most frequent signal types become features, at most
        // `max_signal_types` of them (free-text types would make thousands)
        let mut freq = vec![0usize; ds.signals.types.len()];
        for k in &ds.signals.kind {
            freq[*k as usize] += 1;
        }
        let mut by_freq: Vec<usize> = (0..freq.len()).collect();
        by_freq.sort_by(|&a, &b| {
            freq[b]
                .cmp(&freq[a])
                .then(ds.signals.types[a].cmp(&ds.signals.types[b]))
        });
        let cap = f.max_signal_types;
        let dropped_signal_types: Vec<String> = by_freq
            .iter()
            .skip(cap)
            .map(|&k| ds.signals.types[k].clone())
            .collect();
        let types: std::collections::BTreeSet<&String> = by_freq
            .iter()
            .take(cap)
            .map(|&k| &ds.signals.types[k])
            .collect();
        let scheduled: Vec<String> = f
            .scheduled_signals
            .iter()
            .map(|s| normalize_name(s))
            .collect();
        let signal_types = types
            .iter()
            .filter(|t| !scheduled.contains(t))
            .map(|t| t.to_string())
            .collect();
        let scheduled_types = types
            .iter()
            .filter(|t| scheduled.contains(t))
            .map(|t| t.to_string())
            .collect();

        let extra = Typed::learn(
            &a.extra,
            &a.extra_text,
            &f.types,
            f.min_industry_accounts,
            f.top_technologies,
        );
        let deal = Typed::learn(
            &ds.opportunities.deal,
            &ds.opportunities.deal_text,
            &f.types,
            f.min_industry_accounts,
            f.top_technologies,
        );
        for (name, col) in &ds.opportunities.deal {
            impute.insert(
                name.clone(),
                median(col.iter().flatten().copied().collect()).unwrap_or(0.0),
            );
        }

        FeatureSpec {
            windows: f.signal_windows.clone(),
            recency_cap_days: f.recency_cap_days,
            signal_types,
            scheduled_types,
            signal_columns: optional_signal_columns(ds, cfg),
            technologies,
            industries,
            seen_industries: counts.keys().cloned().collect(),
            account_columns: ds.account_columns.clone(),
            size_bands: f.size_bands.clone(),
            industry_size_bands: f.industry_size_bands.clone(),
            rpe_median,
            rpe_median_all,
            impute,
            extra,
            deal,
            signal_shapes: f.signal_shapes.clone(),
            dropped_signal_types,
        }
    }

    /// What `train` says about signal types beyond `max_signal_types`.
    pub fn dropped_signal_note(&self) -> Option<String> {
        let d = &self.dropped_signal_types;
        (!d.is_empty()).then(|| {
            let shown: Vec<&str> = d.iter().take(5).map(String::as_str).collect();
            format!(
                "{} rarer signal types beyond [features] max_signal_types are not features (e.g. {}); raise the cap or map free-text types to a few",
                d.len(),
                shown.join(", ")
            )
        })
    }

    /// The shapes in which a numeric feature enters the model: signal-window
    /// counts in the configured signal shapes, days-until a scheduled event
    /// linearly and (with `presence`) as "within each window", extra account
    /// columns linearly and as logs (dropped for columns with negative or
    /// only 0/1 values), everything else linearly.
    pub fn shapes_of(&self, name: &str) -> Vec<Shape> {
        let has = |s: SignalShape| self.signal_shapes.contains(&s);
        let signal = signals::find(self, name);
        if let Some(signals::Signal::Window { .. }) = signal {
            let mut v = vec![];
            for (s, shape) in [
                (SignalShape::Count, Shape::Linear),
                (SignalShape::Presence, Shape::Presence),
                (SignalShape::Log, Shape::Log),
            ] {
                if has(s) {
                    v.push(shape);
                }
            }
            return v;
        }
        if let Some(signals::Signal::Until { .. }) = signal {
            let mut v = vec![Shape::Linear];
            if has(SignalShape::Presence) {
                let cap = self.recency_cap_days;
                v.extend(
                    self.windows
                        .iter()
                        .filter(|w| **w < cap)
                        .map(|&days| Shape::Within { days, cap }),
                );
            }
            return v;
        }
        if self
            .extra
            .numbers
            .iter()
            .chain(&self.deal.numbers)
            .any(|e| e == name)
        {
            return vec![Shape::Linear, Shape::Log];
        }
        vec![Shape::Linear]
    }

    /// A feature's axis: the config's `features.axes` entry, else timing
    /// for the features computed from signals, fit for everything else.
    pub fn axis(&self, name: &str, axes: &BTreeMap<String, String>) -> Axis {
        match axes.get(name).map(String::as_str) {
            Some("timing") => Axis::Timing,
            Some(_) => Axis::Fit,
            None if signals::find(self, name).is_some() => Axis::Timing,
            None => Axis::Fit,
        }
    }

    /// Whether feature `name` is a flag (a boolean: a technology, an item
    /// of a list column).
    pub fn is_flag(&self, name: &str) -> bool {
        self.technology(name).is_some()
            || self.extra.is_item_flag(name)
            || self.deal.is_item_flag(name)
    }

    /// The display name of the technology whose flag is feature `name`.
    pub fn technology(&self, name: &str) -> Option<&str> {
        let tech = name.strip_prefix("tech_")?;
        self.technologies
            .iter()
            .find(|(n, _)| n == tech)
            .map(|(_, d)| d.as_str())
    }

    /// The feature-table column that marks the rows where source column
    /// `source` was missing (imputed or levelled `Missing` for the model).
    /// Hidden: `__` names are no feature, and not written by `features`.
    pub fn null_mask(source: &str) -> String {
        format!("__null_{source}")
    }

    /// The source columns with a null mask in the table: the imputed
    /// account numbers and every typed extra and deal column.
    pub fn nullable_sources(&self) -> Vec<String> {
        let mut v: Vec<String> = IMPUTED.iter().map(|s| s.to_string()).collect();
        v.extend(self.extra.numbers.iter().cloned());
        v.extend(self.extra.text.keys().cloned());
        v.extend(self.deal.numbers.iter().cloned());
        v.extend(self.deal.text.keys().cloned());
        v
    }

    /// A derived feature in the units a leader knows: its name, unit, and
    /// the inverse of its transform in the plan (`ln(1 + x)`, `ln(ratio)`).
    pub fn natural(name: &str) -> Option<Natural> {
        use Inverse::{Exp, ExpM1, Identity};
        let (name, unit, inverse) = match name {
            "log_employees" => ("Employees", Unit::Count, ExpM1),
            "log_revenue" => ("Annual revenue", Unit::Money, ExpM1),
            "log_rpe_industry_ratio" => ("Revenue per employee", Unit::IndustryRatio, Exp),
            "log_jobs_posted_30d" => ("Jobs posted in the last 30 days", Unit::Count, ExpM1),
            "hiring_intensity" => ("Hires in 12 months per employee", Unit::Plain, Identity),
            "company_age" => ("Company age in years", Unit::Count, Identity),
            _ => return None,
        };
        Some(Natural {
            name,
            unit,
            inverse,
        })
    }

    /// The sources whose missing value makes feature `name` NULL to a rule
    /// (rules see the values as exported, not as imputed).
    pub fn rule_sources(&self, name: &str) -> Vec<String> {
        let v: &[&str] = match name {
            "employees" | "log_employees" | "size_band" => &["employees"],
            "annual_revenue" | "log_revenue" => &["annual_revenue"],
            "revenue_per_employee" | "rpe_industry_ratio" | "log_rpe_industry_ratio" => {
                &["employees", "annual_revenue"]
            }
            "founded_year" | "company_age" => &["founded_year"],
            "jobs_posted_30d" | "log_jobs_posted_30d" => &["jobs_posted_30d"],
            "hires_12m" => &["hires_12m"],
            "hiring_intensity" => &["hires_12m", "employees"],
            _ => {
                let typed = self
                    .extra
                    .numbers
                    .iter()
                    .chain(self.extra.text.keys())
                    .chain(&self.deal.numbers)
                    .chain(self.deal.text.keys())
                    .any(|c| c == name);
                return if typed {
                    vec![name.to_string()]
                } else {
                    vec![]
                };
            }
        };
        v.iter().map(|s| s.to_string()).collect()
    }

    /// The account columns (contract names, or `features.extra` names)
    /// feature `name` is computed from.
    pub fn account_inputs(&self, name: &str) -> Vec<String> {
        let lists = self
            .extra
            .lists
            .keys()
            .find(|l| self.extra.item_flags(l).iter().any(|f| f == name));
        match name {
            "industry" => vec!["industry".into()],
            "segment" => vec!["industry".into(), "employees".into()],
            _ if self.technology(name).is_some() => vec!["technologies".into()],
            _ => match lists {
                Some(l) => vec![l.clone()],
                None => self.rule_sources(name),
            },
        }
    }

    /// The kept industries (and `Other`) that the size bands of `k` apply
    /// to: those equal to `k` but for ASCII case (as `size_band`), listed
    /// so the plan and the SQL compare them exactly, with no engine's
    /// case folding in between.
    pub fn band_industries(&self, k: &str) -> Vec<&str> {
        self.industries
            .iter()
            .map(String::as_str)
            .chain(["Other"])
            .filter(|i| i.eq_ignore_ascii_case(k))
            .collect()
    }

    pub fn size_band(&self, industry: &str, employees: f64) -> &'static str {
        let cuts = self
            .industry_size_bands
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(industry))
            .map(|(_, v)| v)
            .unwrap_or(&self.size_bands);
        let i = cuts.iter().take_while(|c| employees >= **c).count();
        SIZE_BANDS[i.min(3)]
    }

    /// Every feature-table column name, for `features --list`.
    pub fn list(&self) -> Vec<(String, &'static str)> {
        let mut v: Vec<(String, &'static str)> = vec![];
        for n in ["industry", "size_band", "segment"] {
            v.push((n.into(), "text"));
        }
        for n in [
            "employees",
            "annual_revenue",
            "founded_year",
            "jobs_posted_30d",
            "hires_12m",
            "log_employees",
            "log_revenue",
            "revenue_per_employee",
            "rpe_industry_ratio",
            "log_rpe_industry_ratio",
            "company_age",
            "hiring_intensity",
            "log_jobs_posted_30d",
            "prior_won_deals",
        ] {
            v.push((n.into(), "number"));
        }
        v.extend(self.extra.features());
        v.extend(self.deal.features());
        for n in [
            "employees_missing",
            "annual_revenue_missing",
            "founded_year_missing",
            "hiring_missing",
            "technologies_missing",
        ] {
            v.push((n.into(), "boolean"));
        }
        for (t, _) in &self.technologies {
            v.push((format!("tech_{t}"), "boolean"));
        }
        v.extend(signals::names(self).into_iter().map(|n| (n, "number")));
        v
    }
}

fn pooled(industry: &str, kept: &[String]) -> String {
    if kept.iter().any(|k| k == industry) {
        industry.to_string()
    } else {
        "Other".to_string()
    }
}

/// Won close dates per account, for the "earlier won deals" feature.
pub type WonHistory = BTreeMap<String, Vec<i32>>;

pub fn won_history(ds: &Dataset) -> WonHistory {
    let mut h: WonHistory = BTreeMap::new();
    let o = &ds.opportunities;
    for i in 0..o.label.len() {
        if let (Some(1), Some(acc), Some(close)) = (o.label[i], &o.account_id[i], o.close_date[i]) {
            h.entry(acc.clone()).or_default().push(close);
        }
    }
    h.values_mut().for_each(|v| v.sort_unstable());
    h
}

/// The feature table of accounts `a`, every row as of `as_of`, with each
/// row's status: the universe `train` freezes tiers on, and a batch of the
/// universe `score` scores (one plan, `plan::features`).
pub fn as_of_features(
    a: &Accounts,
    as_of: i32,
    signals: plan::Timing,
    spec: &FeatureSpec,
    won: polars::prelude::LazyFrame,
) -> Result<(FeatureTable, Vec<String>)> {
    let mut rows = plan::account_frame(a)?;
    rows.with_column(polars::prelude::Column::new(
        plan::AS_OF.into(),
        vec![as_of; a.len()],
    ))?;
    plan::features(rows, signals, won, spec, "account_id")
}

/// The feature table of accounts `a`, row i as of `as_of[i]`, with the
/// training signals (joined by account code), and each row's status.
pub fn with_signal_table(
    a: &Accounts,
    as_of: &[i32],
    deal: (&typed::NumberColumns, &typed::TextColumns),
    signals: &SignalTable,
    spec: &FeatureSpec,
    history: &WonHistory,
) -> Result<(FeatureTable, Vec<String>)> {
    let codes: Vec<Option<u32>> = a
        .account_id
        .iter()
        .map(|a| a.as_deref().and_then(|a| signals.account_code(a)))
        .collect();
    let mut frame = plan::account_frame(a)?;
    plan::add_deal_columns(&mut frame, deal.0, deal.1)?;
    frame.with_column(polars::prelude::Column::new(plan::AS_OF.into(), as_of))?;
    frame.with_column(polars::prelude::Column::new(
        "__signal_account".into(),
        codes,
    ))?;
    let (signals, types) = plan::signal_table_frames(signals, spec)?;
    plan::features(
        frame,
        plan::Timing::Signals { signals, types },
        plan::won_frame(history)?,
        spec,
        "__signal_account",
    )
}

/// The training table: one row per closed opportunity, features as of its created date.
pub struct TrainingTable {
    pub opportunity_id: Vec<String>,
    pub account_id: Vec<String>,
    pub created: Vec<i32>,
    pub label: Vec<u8>,
    pub amount: Vec<Option<f64>>,
    pub features: FeatureTable,
}

/// The point-in-time features of every closed deal: the training table.
pub fn training_table(ds: &Dataset, spec: &FeatureSpec) -> Result<TrainingTable> {
    deal_table(ds, spec, |i| ds.opportunities.label[i].is_some())
}

/// The point-in-time features of the deals `keep` selects (by row of the
/// opportunities), each as of its created date, in (created date,
/// opportunity id) order; an open deal's label is 0.
pub fn deal_table(
    ds: &Dataset,
    spec: &FeatureSpec,
    keep: impl Fn(usize) -> bool,
) -> Result<TrainingTable> {
    let o = &ds.opportunities;
    let acc_index: HashMap<&str, usize> = ds
        .accounts
        .account_id
        .iter()
        .enumerate()
        .filter_map(|(i, id)| id.as_deref().map(|id| (id, i)))
        .collect();
    // in (created_date, opportunity_id) order: time order for validation
    let dateless = ds.dateless();
    let mut rows: Vec<usize> = (0..o.label.len())
        .filter(|&i| {
            keep(i)
                && (dateless || o.created_date[i].is_some())
                && o.account_id[i]
                    .as_deref()
                    .is_some_and(|a| acc_index.contains_key(a))
        })
        .collect();
    rows.sort_by(|&x, &y| {
        o.created_date[x]
            .cmp(&o.created_date[y])
            .then(o.opportunity_id[x].cmp(&o.opportunity_id[y]))
    });
    let acc_rows: Vec<usize> = rows
        .iter()
        .map(|&i| acc_index[o.account_id[i].as_deref().unwrap_or_default()])
        .collect();
    let fallback = ds.as_of();
    let as_of: Vec<i32> = rows
        .iter()
        .map(|&i| o.created_date[i].unwrap_or(fallback))
        .collect();
    let accounts = take_accounts(&ds.accounts, &acc_rows);
    let ids: Vec<Option<String>> = rows.iter().map(|&i| o.account_id[i].clone()).collect();
    let deal = |c: &[(String, Vec<Option<f64>>)]| -> Vec<(String, Vec<Option<f64>>)> {
        c.iter()
            .map(|(n, v)| (n.clone(), rows.iter().map(|&i| v[i]).collect()))
            .collect()
    };
    let deal_text: Vec<(String, Vec<Option<String>>)> = o
        .deal_text
        .iter()
        .map(|(n, v)| (n.clone(), rows.iter().map(|&i| v[i].clone()).collect()))
        .collect();
    let (features, _) = with_signal_table(
        &accounts,
        &as_of,
        (&deal(&o.deal), &deal_text),
        &ds.signals,
        spec,
        &won_history(ds),
    )?;
    Ok(TrainingTable {
        opportunity_id: rows
            .iter()
            .map(|&i| o.opportunity_id[i].clone().unwrap_or_default())
            .collect(),
        account_id: ids.into_iter().map(Option::unwrap_or_default).collect(),
        created: as_of,
        label: rows.iter().map(|&i| o.label[i].unwrap_or(0)).collect(),
        amount: rows.iter().map(|&i| o.amount[i]).collect(),
        features,
    })
}

/// The accounts at `idx`, in that order.
pub fn take_accounts(a: &Accounts, idx: &[usize]) -> Accounts {
    fn t<T: Clone>(v: &[T], idx: &[usize]) -> Vec<T> {
        idx.iter().map(|&i| v[i].clone()).collect()
    }
    Accounts {
        account_id: t(&a.account_id, idx),
        name: t(&a.name, idx),
        industry: t(&a.industry, idx),
        technologies: t(&a.technologies, idx),
        employees: t(&a.employees, idx),
        annual_revenue: t(&a.annual_revenue, idx),
        founded_year: t(&a.founded_year, idx),
        jobs_posted_30d: t(&a.jobs_posted_30d, idx),
        hires_12m: t(&a.hires_12m, idx),
        extra: a
            .extra
            .iter()
            .map(|(n, v)| (n.clone(), t(v, idx)))
            .collect(),
        extra_text: a
            .extra_text
            .iter()
            .map(|(n, v)| (n.clone(), t(v, idx)))
            .collect(),
    }
}

impl TrainingTable {
    /// The rows at `rows`, in that order.
    pub fn take(&self, rows: &[usize]) -> TrainingTable {
        fn t<T: Clone>(v: &[T], rows: &[usize]) -> Vec<T> {
            rows.iter().map(|&r| v[r].clone()).collect()
        }
        TrainingTable {
            opportunity_id: t(&self.opportunity_id, rows),
            account_id: t(&self.account_id, rows),
            created: t(&self.created, rows),
            label: t(&self.label, rows),
            amount: t(&self.amount, rows),
            features: self.features.take(rows),
        }
    }

    /// The table as a DataFrame: keys, label, then every feature.
    pub fn to_frame(&self) -> Result<polars::prelude::DataFrame> {
        let mut t = FeatureTable::default();
        t.push("opportunity_id", Values::Text(self.opportunity_id.clone()));
        t.push("account_id", Values::Text(self.account_id.clone()));
        t.push(
            "created_date",
            Values::Text(
                self.created
                    .iter()
                    .map(|d| crate::input::read::format_days(*d))
                    .collect(),
            ),
        );
        t.push(
            "won",
            Values::Bool(self.label.iter().map(|l| *l == 1).collect()),
        );
        let mut df = t.to_frame()?;
        df.with_column(polars::prelude::Column::new("amount".into(), &self.amount))?;
        let f = self.features.to_frame()?;
        df.hstack_mut(f.columns())?;
        Ok(df)
    }
}
