//! Point-in-time features (PRODUCT.md §6).
//!
//! Every row has an as-of day: an opportunity's `created_date` in training,
//! the `--as-of` date when scoring. Account features are computed row-wise
//! from the typed account columns (the same function in `train` and `score`,
//! so they cannot drift apart); signal features fold each account's signals
//! recorded before the as-of day through one layout (`signals`), per deal in
//! training and streamed in scoring.

mod shape;
pub mod signals;
pub mod table;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::config::{normalize_name, Config, SignalShape};
use crate::error::Result;
use crate::input::{Accounts, Dataset};
pub use shape::Shape;
pub use table::{FeatureTable, Values};

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
    pub extra: Vec<String>,
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
const IMPUTED: [&str; 5] = [
    "employees",
    "annual_revenue",
    "founded_year",
    "jobs_posted_30d",
    "hires_12m",
];

fn median(mut v: Vec<f64>) -> Option<f64> {
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
            let mut tc: BTreeMap<String, (usize, String)> = BTreeMap::new();
            for cell in a.technologies.iter().flatten() {
                for (norm, disp) in tech_tokens(cell) {
                    let e = tc.entry(norm).or_insert((0, disp.to_string()));
                    e.0 += 1;
                }
            }
            let mut v: Vec<(String, (usize, String))> = tc.into_iter().collect();
            v.sort_by(|x, y| y.1 .0.cmp(&x.1 .0).then(x.0.cmp(&y.0)));
            v.into_iter()
                .take(f.top_technologies)
                .map(|(n, (_, d))| (n, d))
                .collect()
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
            extra: f.extra.clone(),
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
        if signals::is_window_count(self, name) {
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
        if name.starts_with("days_until_") {
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
        if self.extra.iter().any(|e| e == name) {
            return vec![Shape::Linear, Shape::Log];
        }
        vec![Shape::Linear]
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
        for n in self.extra.iter() {
            v.push((n.clone(), "number"));
        }
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

/// Firmographic features of each account row as of its day, plus a status
/// per row saying what had to be imputed or pooled ("" when nothing).
pub fn account_features(
    a: &Accounts,
    as_of: &[i32],
    spec: &FeatureSpec,
    history: &WonHistory,
) -> (FeatureTable, Vec<String>) {
    let n = a.len();
    let imp = |k: &str| spec.impute.get(k).copied().unwrap_or(0.0);
    let mut status: Vec<Vec<&'static str>> = vec![vec![]; n];
    let mut industry = Vec::with_capacity(n);
    let mut band = Vec::with_capacity(n);
    let mut segment = Vec::with_capacity(n);
    let (mut emp, mut rev, mut fy, mut jobs, mut hires) = (vec![], vec![], vec![], vec![], vec![]);
    let (mut log_emp, mut log_rev, mut rpe, mut ratio, mut log_ratio) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut age, mut intensity, mut log_jobs, mut prior) = (vec![], vec![], vec![], vec![]);
    let (mut emp_m, mut rev_m, mut fy_m, mut hire_m) = (vec![], vec![], vec![], vec![]);
    let seen: rustc_hash::FxHashSet<&str> =
        spec.seen_industries.iter().map(String::as_str).collect();
    // a column the training export did not have is not a per-row problem
    let trained_on = |c: &str| spec.account_columns.iter().any(|x| x == c);
    let (has_industry, has_employees) = (trained_on("industry"), trained_on("employees"));
    for i in 0..n {
        if a.account_id[i].is_none() {
            status[i].push("account_id missing");
        }
        let raw_ind = a.industry[i].as_deref().unwrap_or("Unknown");
        let ind = pooled(raw_ind, &spec.industries);
        if a.industry[i].is_none() {
            if has_industry {
                status[i].push("industry missing");
            }
        } else if !seen.contains(raw_ind) {
            status[i].push("industry not seen in training (pooled as Other)");
        }
        let e_raw = a.employees[i].filter(|e| *e >= 0.0);
        if e_raw.is_none() && has_employees {
            status[i].push("employees missing (imputed)");
        }
        let e = e_raw.unwrap_or_else(|| imp("employees"));
        let r = a.annual_revenue[i].filter(|r| *r >= 0.0);
        let r_val = r.unwrap_or_else(|| imp("annual_revenue"));
        let f = a.founded_year[i];
        let j = a.jobs_posted_30d[i];
        let h = a.hires_12m[i];
        let year = f64::from(chrono::Datelike::year(&crate::input::read::date_from_days(
            as_of[i],
        )));
        let bench = spec
            .rpe_median
            .get(&ind)
            .copied()
            .unwrap_or(spec.rpe_median_all)
            .max(1e-9);
        // a ratio of imputed numbers would be noise: without both, the account sits at its benchmark
        let per = match (e_raw, r) {
            (Some(e), Some(r)) if e > 0.0 => r / e,
            _ => bench,
        };
        band.push(spec.size_band(&ind, e).to_string());
        segment.push(format!("{ind} / {}", spec.size_band(&ind, e)));
        industry.push(ind);
        emp.push(e);
        rev.push(r_val);
        fy.push(f.unwrap_or_else(|| imp("founded_year")));
        jobs.push(j.unwrap_or_else(|| imp("jobs_posted_30d")));
        hires.push(h.unwrap_or_else(|| imp("hires_12m")));
        log_emp.push((1.0 + e).ln());
        log_rev.push((1.0 + r_val).ln());
        rpe.push(per);
        ratio.push(per / bench);
        log_ratio.push((per.max(1e-9) / bench).ln().clamp(-5.0, 5.0));
        age.push((year - fy[i]).max(0.0));
        intensity.push(if e > 0.0 { hires[i] / e } else { 0.0 });
        log_jobs.push((1.0 + jobs[i].max(0.0)).ln());
        let won_before = match a.account_id[i].as_ref().and_then(|id| history.get(id)) {
            Some(d) => d.partition_point(|c| *c < as_of[i]) as f64,
            None => 0.0,
        };
        prior.push(won_before);
        emp_m.push(a.employees[i].is_none());
        rev_m.push(r.is_none());
        fy_m.push(f.is_none());
        hire_m.push(j.is_none() && h.is_none());
    }
    let mut t = FeatureTable::default();
    t.push("industry", Values::Text(industry));
    t.push("size_band", Values::Text(band));
    t.push("segment", Values::Text(segment));
    for (name, v) in [
        ("employees", emp),
        ("annual_revenue", rev),
        ("founded_year", fy),
        ("jobs_posted_30d", jobs),
        ("hires_12m", hires),
        ("log_employees", log_emp),
        ("log_revenue", log_rev),
        ("revenue_per_employee", rpe),
        ("rpe_industry_ratio", ratio),
        ("log_rpe_industry_ratio", log_ratio),
        ("company_age", age),
        ("hiring_intensity", intensity),
        ("log_jobs_posted_30d", log_jobs),
        ("prior_won_deals", prior),
    ] {
        t.push(name, Values::Num(v));
    }
    for (name, col) in &a.extra {
        let m = imp(name);
        t.push(
            name.clone(),
            Values::Num(col.iter().map(|x| x.unwrap_or(m)).collect()),
        );
    }
    for (name, v) in [
        ("employees_missing", emp_m),
        ("annual_revenue_missing", rev_m),
        ("founded_year_missing", fy_m),
        ("hiring_missing", hire_m),
        (
            "technologies_missing",
            a.technologies.iter().map(Option::is_none).collect(),
        ),
    ] {
        t.push(name, Values::Bool(v));
    }
    let mut flags: Vec<Vec<bool>> = vec![vec![false; n]; spec.technologies.len()];
    let pos: HashMap<&str, usize> = spec
        .technologies
        .iter()
        .enumerate()
        .map(|(i, (t, _))| (t.as_str(), i))
        .collect();
    // a universe spells its technologies a few ways: normalize each spelling once
    let mut spelling: rustc_hash::FxHashMap<&str, Option<usize>> = Default::default();
    for (i, cell) in a.technologies.iter().enumerate() {
        for token in cell.iter().flat_map(|c| tech_spellings(c)) {
            let k = *spelling
                .entry(token)
                .or_insert_with(|| pos.get(normalize_name(token).as_str()).copied());
            if let Some(k) = k {
                flags[k][i] = true;
            }
        }
    }
    for ((tech, _), v) in spec.technologies.iter().zip(flags) {
        t.push(format!("tech_{tech}"), Values::Bool(v));
    }
    let status = status.into_iter().map(|s| s.join("; ")).collect();
    (t, status)
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

pub fn training_table(ds: &Dataset, spec: &FeatureSpec) -> Result<TrainingTable> {
    let o = &ds.opportunities;
    let acc_index: HashMap<&str, usize> = ds
        .accounts
        .account_id
        .iter()
        .enumerate()
        .filter_map(|(i, id)| id.as_deref().map(|id| (id, i)))
        .collect();
    // closed opportunities in (created_date, opportunity_id) order: time order for validation
    let mut rows: Vec<usize> = (0..o.label.len())
        .filter(|&i| {
            o.label[i].is_some()
                && o.created_date[i].is_some()
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
    let as_of: Vec<i32> = rows
        .iter()
        .map(|&i| o.created_date[i].unwrap_or_default())
        .collect();
    let accounts = take_accounts(&ds.accounts, &acc_rows);
    let history = won_history(ds);
    let (mut features, _) = account_features(&accounts, &as_of, spec, &history);
    let ids: Vec<Option<String>> = rows.iter().map(|&i| o.account_id[i].clone()).collect();
    features.extend(signals::point_in_time(&ids, &as_of, &ds.signals, spec));
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
