//! The feature plan, in Polars: rows that carry an account and an as-of
//! day, plus the account columns, the signals and the won history, become
//! the feature table. `train` runs it with a row per closed deal (as of its
//! created date), `score` with a row per universe account (as of `--as-of`),
//! through the same functions, so the two cannot drift apart.
//!
//! Signals go in three steps: `events` joins each row to its account's
//! signals and keeps those able to change a feature, with their per-window
//! contributions; `combine` sums them per (row, signal type); `wide` turns
//! those into a column per type and window. `combine` is associative, so
//! scoring can aggregate a whole signals file batch by batch, keyed by
//! account, and look each universe batch up in the result (`Snapshot`).

use polars::prelude::*;

use crate::error::Result;
use crate::features::{signals, FeatureSpec, FeatureTable, Values, IMPUTED};
use crate::input::tables::KNOWN_ALWAYS;
use crate::input::{Accounts, SignalTable, Signals};

mod snapshot;
use snapshot::{default_of, snapshot_columns};
pub use snapshot::{youngest, Snapshot, Timing};

/// The row index column every plan frame carries.
pub const ROW: &str = "__row";
/// The as-of day (days since 1970-01-01) of each row.
pub const AS_OF: &str = "__as_of";
/// Why a row's features are imputed or pooled ("" when nothing).
pub const STATUS: &str = "__status";
const TYPE: &str = "__type";

fn window_col(w: u32) -> String {
    format!("__c{w}")
}

/// The account columns of `a` in the contract's names (extras by their own).
pub fn account_frame(a: &Accounts) -> Result<DataFrame> {
    let n = a.len();
    let mut cols = vec![
        Column::new("account_id".into(), &a.account_id),
        Column::new("industry".into(), &a.industry),
        Column::new("technologies".into(), &a.technologies),
    ];
    for (name, v) in IMPUTED.iter().zip([
        &a.employees,
        &a.annual_revenue,
        &a.founded_year,
        &a.jobs_posted_30d,
        &a.hires_12m,
    ]) {
        cols.push(Column::new((*name).into(), v));
    }
    for (name, v) in &a.extra {
        cols.push(Column::new(name.as_str().into(), v));
    }
    for (name, v) in &a.extra_text {
        cols.push(Column::new(name.as_str().into(), v));
    }
    Ok(DataFrame::new(n, cols)?)
}

/// Adds deal columns (`features.deal`) to a frame of rows.
pub fn add_deal_columns(
    frame: &mut DataFrame,
    numbers: &crate::features::typed::NumberColumns,
    text: &crate::features::typed::TextColumns,
) -> Result<()> {
    for (name, v) in numbers {
        frame.with_column(Column::new(name.as_str().into(), v))?;
    }
    for (name, v) in text {
        frame.with_column(Column::new(name.as_str().into(), v))?;
    }
    Ok(())
}

/// One batch of signals as a plan input: complete rows only, types
/// normalized (by `Signals::from_batch`), a missing `recorded_date` known
/// always and a missing `value` 1.
pub fn signal_frame(s: &Signals) -> Result<LazyFrame> {
    let df = DataFrame::new(
        s.len(),
        vec![
            Column::from(s.account_id.clone().into_series()).with_name("account_id".into()),
            Column::from(s.signal.clone().into_series()).with_name("signal".into()),
            Column::new("date".into(), &s.date),
            Column::new("recorded".into(), &s.recorded_date),
            Column::new("value".into(), &s.value),
        ],
    )?;
    Ok(df
        .lazy()
        .filter(
            col("account_id")
                .is_not_null()
                .and(col("signal").is_not_null())
                .and(col("date").is_not_null()),
        )
        .with_columns([
            col("recorded").fill_null(lit(KNOWN_ALWAYS)),
            col("value").fill_null(lit(1.0)),
        ]))
}

/// The training signals (account ids and types as codes into the table's
/// dictionaries), with the frame that gives each type code its role.
pub fn signal_table_frames(t: &SignalTable, spec: &FeatureSpec) -> Result<(LazyFrame, LazyFrame)> {
    let df = DataFrame::new(
        t.len(),
        vec![
            Column::new("account_id".into(), &t.account),
            Column::new("signal".into(), &t.kind),
            Column::new("date".into(), &t.date),
            Column::new("recorded".into(), &t.recorded),
            Column::new("value".into(), &t.value),
        ],
    )?;
    let codes: Vec<u32> = (0..t.types.len() as u32).collect();
    let types = types_frame(spec, Column::new("signal".into(), codes), &t.types)?;
    Ok((df.lazy(), types))
}

/// Each known signal type's index and role: `__type` counts past events
/// (0..), scheduled types follow them.
fn types_frame(spec: &FeatureSpec, keys: Column, names: &[String]) -> Result<LazyFrame> {
    let index: Vec<Option<u32>> = names
        .iter()
        .map(|n| {
            let past = spec.signal_types.iter().position(|t| t == n);
            let sched = spec.scheduled_types.iter().position(|t| t == n);
            past.or(sched.map(|s| spec.signal_types.len() + s))
                .map(|i| i as u32)
        })
        .collect();
    let df = DataFrame::new(keys.len(), vec![keys, Column::new(TYPE.into(), index)])?;
    Ok(df.lazy().filter(col(TYPE).is_not_null()))
}

/// The role frame for signals whose types are (normalized) names.
pub fn named_types(spec: &FeatureSpec) -> Result<LazyFrame> {
    let names: Vec<String> = spec
        .signal_types
        .iter()
        .chain(&spec.scheduled_types)
        .cloned()
        .collect();
    types_frame(spec, Column::new("signal".into(), &names), &names)
}

fn max_window(spec: &FeatureSpec) -> i32 {
    signals::max_window(spec) as i32
}

/// The signals able to change a feature of their row (`key`, `__type`,
/// `__age`, `value`): `rows` carries `key`, `__as_of` and the signal
/// columns. Only signals recorded strictly before the as-of day count; a
/// past event counts in the windows its age (≥ 1 day) falls in, a scheduled
/// one as days until it (≥ 0), within the recency cap.
fn relevant(rows: LazyFrame, types: LazyFrame, spec: &FeatureSpec, key: &str) -> LazyFrame {
    let n_past = spec.signal_types.len() as u32;
    let cap = spec.recency_cap_days as i32;
    let past = col(TYPE).lt(lit(n_past));
    // what no type can use goes before the join: unknown at the as-of
    // day, or beyond every window and the cap either side of it
    let reach = (max_window(spec)).max(cap - 1);
    rows.with_column((col(AS_OF) - col("date")).alias("__age"))
        .filter(
            col("recorded")
                .lt(col(AS_OF))
                .and(col("__age").gt(lit(-cap)))
                .and(col("__age").lt_eq(lit(reach))),
        )
        .join(
            types,
            [col("signal")],
            [col("signal")],
            JoinArgs::new(JoinType::Inner),
        )
        .filter(
            past.clone()
                .and(col("__age").gt(lit(0)))
                .and(
                    col("__age")
                        .lt_eq(lit(max_window(spec)))
                        .or(col("__age").lt(lit(cap))),
                )
                .or(past
                    .not()
                    .and(col("__age").lt_eq(lit(0)))
                    .and((-col("__age")).lt(lit(cap)))),
        )
        .select([col(key), col(TYPE), col("__age"), col("value")])
}

/// What each relevant signal contributes to its row's features: a column
/// per window, days since (past events), days until (scheduled ones).
fn contributions(relevant: LazyFrame, spec: &FeatureSpec, key: &str) -> LazyFrame {
    let n_past = spec.signal_types.len() as u32;
    let cap = spec.recency_cap_days as i32;
    let past = col(TYPE).lt(lit(n_past));
    let mut out = vec![col(key), col(TYPE)];
    for &w in &spec.windows {
        out.push(
            when(past.clone().and(col("__age").lt_eq(lit(w as i32))))
                .then(col("value"))
                .otherwise(lit(0.0))
                .alias(window_col(w)),
        );
    }
    out.extend([
        when(past.clone())
            .then(col("__age").clip_max(lit(cap)).cast(DataType::Float64))
            .otherwise(lit(NULL).cast(DataType::Float64))
            .alias("__since"),
        when(past.clone().and(col("__age").lt_eq(lit(max_window(spec)))))
            .then(lit(1.0))
            .otherwise(lit(0.0))
            .alias("__seen"),
        when(past.not())
            .then((-col("__age")).cast(DataType::Float64))
            .otherwise(lit(NULL).cast(DataType::Float64))
            .alias("__until"),
    ]);
    relevant.select(out)
}

fn events(rows: LazyFrame, types: LazyFrame, spec: &FeatureSpec, key: &str) -> LazyFrame {
    contributions(relevant(rows, types, spec, key), spec, key)
}

/// The signals of a batch able to change a feature as of `as_of`
/// (`account_id`, `__type`, `__age`, `value`): what the scorer keeps of
/// each signal (`Snapshot::from_relevant`).
pub fn relevant_signals(s: &Signals, as_of: i32, spec: &FeatureSpec) -> Result<DataFrame> {
    let rows = signal_frame(s)?.with_column(lit(as_of).alias(AS_OF));
    Ok(relevant(rows, named_types(spec)?, spec, "account_id").collect()?)
}

/// Sums signal contributions (or partial sums of them) per (`ROW`, type),
/// grouped on one number packing the two (the fast path of a group-by).
fn combine(events: LazyFrame, spec: &FeatureSpec) -> LazyFrame {
    let types = lit((spec.signal_types.len() + spec.scheduled_types.len()).max(1) as u64);
    let mut aggs: Vec<Expr> = spec
        .windows
        .iter()
        .map(|w| col(window_col(*w)).sum())
        .collect();
    aggs.extend([
        col("__since").min(),
        col("__seen").max(),
        col("__until").min(),
    ]);
    events
        .with_column(
            (col(ROW).cast(DataType::UInt64) * types.clone() + col(TYPE).cast(DataType::UInt64))
                .alias("__key"),
        )
        .group_by([col("__key")])
        .agg(aggs)
        .select(
            [
                (col("__key") / types.clone()).cast(IDX_DTYPE).alias(ROW),
                (col("__key") % types).cast(DataType::UInt32).alias(TYPE),
            ]
            .into_iter()
            .chain(sums_of(spec).into_iter().map(col))
            .collect::<Vec<_>>(),
        )
}

/// The columns a signal contributes to, in order.
fn sums_of(spec: &FeatureSpec) -> Vec<String> {
    let mut out: Vec<String> = spec.windows.iter().map(|w| window_col(*w)).collect();
    out.extend(["__since", "__seen", "__until"].map(String::from));
    out
}

/// A column per signal type and window (`signals::names` order), per `ROW`
/// (ascending). After `combine` a row has at most one entry per type, so
/// the wide table is a scatter of each entry into its type's columns at
/// its row's place; a type without an entry is null. (Polars' `pivot` is a
/// group-by with a filtered aggregation per output column, and a join per
/// type took 0.5 s per million accounts, most of a snapshot's time.)
fn wide(combined: DataFrame, spec: &FeatureSpec) -> Result<DataFrame> {
    let rows = combined.column(ROW)?.idx()?.rechunk();
    let types = combined.column(TYPE)?.u32()?.rechunk();
    let rows = rows.cont_slice()?;
    let types = types.cont_slice()?;
    // each row's place among the rows present, in ascending order (0
    // first marks the rows present, u32::MAX the others)
    let lo = rows.iter().copied().min().unwrap_or(0);
    let hi = rows.iter().copied().max().unwrap_or(0);
    let mut place = vec![u32::MAX; (hi - lo) as usize + usize::from(!rows.is_empty())];
    for &r in rows {
        place[(r - lo) as usize] = 0;
    }
    let mut present: Vec<IdxSize> = vec![];
    for (i, p) in place.iter_mut().enumerate() {
        if *p == 0 {
            *p = present.len() as u32;
            present.push(lo + i as IdxSize);
        }
    }
    let n = present.len();
    let n_past = spec.signal_types.len();
    let sums = sums_of(spec);
    let fields: Vec<Float64Chunked> = sums
        .iter()
        .map(|c| Ok(combined.column(c)?.f64()?.rechunk().into_owned()))
        .collect::<Result<_>>()?;
    let fields: Vec<_> = fields.iter().map(|f| f.downcast_as_array()).collect();
    let get = |f: usize, i: usize| fields[f].get(i);
    let at = |f: &str| sums.iter().position(|c| c == f).unwrap_or(0);
    let (since, seen, until) = (at("__since"), at("__seen"), at("__until"));
    let n_windows = spec.windows.len();
    // per type: the fields it keeps (windows and days since, or days until)
    let kept: Vec<Vec<usize>> = (0..n_past + spec.scheduled_types.len())
        .map(|t| match t < n_past {
            true => (0..n_windows).chain([since]).collect(),
            false => vec![until],
        })
        .collect();
    // per type and kept field: values and validity
    let mut out: Vec<Vec<(Vec<f64>, Vec<bool>)>> = kept
        .iter()
        .map(|k| k.iter().map(|_| (vec![0.0; n], vec![false; n])).collect())
        .collect();
    let mut distinct = vec![0.0; n];
    for (i, (&r, &t)) in rows.iter().zip(types).enumerate() {
        let (p, t) = (place[(r - lo) as usize] as usize, t as usize);
        let Some(columns) = out.get_mut(t) else {
            continue;
        };
        for ((values, valid), &f) in columns.iter_mut().zip(&kept[t]) {
            if let Some(v) = get(f, i) {
                values[p] = v;
                valid[p] = true;
            }
        }
        distinct[p] += get(seen, i).unwrap_or(0.0);
    }
    let mut columns = vec![Column::new(ROW.into(), present)];
    if n_past > 0 {
        columns.push(Column::new(
            format!("distinct_signal_types_{}d", max_window(spec)).into(),
            distinct,
        ));
    }
    for (t, type_columns) in out.into_iter().enumerate() {
        let names: Vec<String> = if t < n_past {
            let name = &spec.signal_types[t];
            spec.windows
                .iter()
                .map(|w| format!("signal_{name}_{w}d"))
                .chain([format!("days_since_{name}")])
                .collect()
        } else {
            vec![format!("days_until_{}", spec.scheduled_types[t - n_past])]
        };
        for (name, (values, valid)) in names.into_iter().zip(type_columns) {
            let values = values.into_iter().zip(valid).map(|(v, ok)| ok.then_some(v));
            columns.push(Float64Chunked::from_iter_options(name.into(), values).into_column());
        }
    }
    Ok(DataFrame::new(n, columns)?)
}

/// Joined signal rows per chunk of keys: a million deals of accounts
/// with a hundred signals each would otherwise join to 100M rows at once.
const JOINED_ROWS: usize = 8_000_000;

/// The signal features of each row of `keys` (`ROW`, `account_id`,
/// `AS_OF`, and `key`, the column that matches the signals' `account_id`)
/// that has a signal able to change one, from raw `signals` with the role
/// of each type (`types`): joining at most about `chunk_rows` signal rows at
/// a time, the keys in order of their account, each chunk joined to the
/// signals of its range of accounts only.
fn timing_in_chunks(
    keys: &DataFrame,
    (signals, types): (LazyFrame, LazyFrame),
    spec: &FeatureSpec,
    key: &str,
    chunk_rows: usize,
) -> Result<Option<DataFrame>> {
    let by_key = |signals: LazyFrame| {
        move |keys: LazyFrame, how: JoinType| {
            keys.join(
                signals.clone(),
                [col(key)],
                [col("account_id")],
                JoinArgs {
                    maintain_order: MaintainOrderJoin::Left,
                    ..JoinArgs::new(how)
                },
            )
        }
    };
    let keys = &keys.sort([key], SortMultipleOptions::default().with_nulls_last(true))?;
    // the signals each key joins to, to chunk the keys
    let counts = signals
        .clone()
        .group_by([col("account_id")])
        .agg([len().alias("__n")]);
    let n = by_key(counts)(keys.clone().lazy().select([col(key)]), JoinType::Left)
        .select([col("__n").fill_null(lit(0)).cast(DataType::UInt64)])
        .collect()?;
    let mut parts = vec![];
    let (mut start, mut joined) = (0usize, 0u64);
    let per_key: Vec<u64> = n.column("__n")?.u64()?.into_no_null_iter().collect();
    for (i, k) in per_key.iter().enumerate() {
        joined += k;
        if joined as usize >= chunk_rows || i + 1 == per_key.len() {
            let chunk = keys.slice(start as i64, i + 1 - start);
            let ids = chunk.column(key)?;
            let (lo, hi) = (ids.min_reduce()?, ids.max_reduce()?);
            let in_range = signals.clone().filter(
                col("account_id")
                    .gt_eq(lit(lo))
                    .and(col("account_id").lt_eq(lit(hi))),
            );
            let rows = by_key(in_range)(chunk.lazy(), JoinType::Inner);
            let combined = combine(events(rows, types.clone(), spec, ROW), spec);
            parts.push(wide(combined.collect()?, spec)?.lazy());
            (start, joined) = (i + 1, 0);
        }
    }
    if parts.is_empty() {
        return Ok(None);
    }
    Ok(Some(concat(parts, UnionArgs::default())?.collect()?))
}

/// Earlier won deals of each row of `keys`: won deals of its account closed
/// before its as-of day.
fn prior_won(keys: LazyFrame, won: LazyFrame) -> LazyFrame {
    keys.join(
        won,
        [col("account_id")],
        [col("account_id")],
        JoinArgs::new(JoinType::Inner),
    )
    .filter(col("close").lt(col(AS_OF)))
    .group_by([col(ROW)])
    .agg([len().cast(DataType::Float64).alias("prior_won_deals")])
}

/// The won deals' close days per account, as a plan input.
pub fn won_frame(history: &crate::features::WonHistory) -> Result<LazyFrame> {
    let (mut ids, mut close) = (vec![], vec![]);
    for (id, days) in history {
        for d in days {
            ids.push(id.as_str());
            close.push(*d);
        }
    }
    let df = DataFrame::new(
        ids.len(),
        vec![
            Column::new("account_id".into(), ids),
            Column::new("close".into(), close),
        ],
    )?;
    Ok(df.lazy())
}

fn no_text() -> Expr {
    lit(NULL).cast(DataType::String)
}

/// The normalized items of a `;`-list column: the whole cell normalized
/// at once, `;` kept (as the exported SQL does), then split. Anything but
/// ASCII letters and digits is a separator before case is folded, so only
/// ASCII letters are folded (`config::normalize_name`): every engine
/// lower-cases those alike.
pub(crate) fn items(e: Expr) -> Expr {
    e.str()
        .replace_all(lit("[^A-Za-z0-9;]+"), lit("_"), false)
        .str()
        .to_lowercase()
        .str()
        .replace_all(lit("_*;_*"), lit(";"), false)
        .str()
        .replace_all(lit("^_+|_+$"), lit(""), false)
        .str()
        .split(lit(";"))
}

/// The size band of `employees` for the cut-offs (ascending).
fn band(employees: Expr, cuts: &[f64]) -> Expr {
    let mut e: Expr = lit(crate::features::SIZE_BANDS[0]);
    for (i, c) in cuts.iter().enumerate().take(3) {
        e = when(employees.clone().gt_eq(lit(*c)))
            .then(lit(crate::features::SIZE_BANDS[i + 1]))
            .otherwise(e);
    }
    e
}

/// The technology flags (`tech_<name>`) of each distinct `technologies`
/// cell of `rows`: a universe repeats its technology lists, and the
/// normalization takes three regex passes per cell.
fn technology_flags(rows: LazyFrame, spec: &FeatureSpec) -> LazyFrame {
    let tokens = items(col("technologies"));
    let flags: Vec<Expr> = spec
        .technologies
        .iter()
        .map(|(t, _)| {
            col("__tokens")
                .list()
                .contains(lit(t.as_str()), false)
                .alias(format!("tech_{t}"))
        })
        .collect();
    rows.select([col("technologies")])
        .filter(col("technologies").is_not_null())
        .unique(None, UniqueKeepStrategy::Any)
        .with_column(tokens.alias("__tokens"))
        .select(
            [col("technologies")]
                .into_iter()
                .chain(flags)
                .collect::<Vec<_>>(),
        )
}

/// The firmographic features of `rows` (account columns, `ROW`, `AS_OF`,
/// `prior_won_deals` and the technology flags), and `STATUS`.
fn account_features(rows: LazyFrame, spec: &FeatureSpec, names: &[String]) -> LazyFrame {
    let imp = |k: &str| lit(spec.impute.get(k).copied().unwrap_or(0.0));
    let trained_on = |c: &str| spec.account_columns.iter().any(|x| x == c);
    let kept: Series = Series::new("kept".into(), &spec.industries);
    let seen: Series = Series::new("seen".into(), &spec.seen_industries);
    let raw_ind = col("industry").fill_null(lit("Unknown"));
    let ind = when(raw_ind.clone().is_in(lit(kept).implode(true), false))
        .then(raw_ind.clone())
        .otherwise(lit("Other"));
    let e_raw = when(col("employees").gt_eq(lit(0.0)))
        .then(col("employees"))
        .otherwise(lit(NULL).cast(DataType::Float64));
    let r = when(col("annual_revenue").gt_eq(lit(0.0)))
        .then(col("annual_revenue"))
        .otherwise(lit(NULL).cast(DataType::Float64));
    let (old, new): (Vec<&str>, Vec<f64>) = spec
        .rpe_median
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .unzip();
    let bench = col("__industry")
        .replace_strict(
            lit(Series::new("old".into(), old)).implode(true),
            lit(Series::new("new".into(), new)).implode(true),
            Some(lit(spec.rpe_median_all)),
            Some(DataType::Float64),
        )
        .clip_min(lit(1e-9));
    let emp = col("__employees").fill_null(imp("employees"));
    let mut size = band(emp.clone(), &spec.size_bands);
    for (k, cuts) in spec.industry_size_bands.iter().rev() {
        // `__industry` is a kept industry or "Other": the ones that are
        // `k` but for case, compared exactly (no lowercasing per row)
        let same = Series::new("same".into(), spec.band_industries(k));
        size = when(col("__industry").is_in(lit(same).implode(true), false))
            .then(band(emp.clone(), cuts))
            .otherwise(size);
    }
    let ln1 = |e: Expr| (lit(1.0) + e).log(lit(std::f64::consts::E));
    let year = col(AS_OF)
        .cast(DataType::Date)
        .dt()
        .year()
        .cast(DataType::Float64);
    let status = concat_str(
        [
            when(col("account_id").is_null())
                .then(lit("account_id missing"))
                .otherwise(no_text()),
            when(col("industry").is_null())
                .then(if trained_on("industry") {
                    lit("industry missing")
                } else {
                    no_text()
                })
                .when(raw_ind.clone().is_in(lit(seen).implode(true), false).not())
                .then(lit("industry not seen in training (pooled as Other)"))
                .otherwise(no_text()),
            when(e_raw.clone().is_null().and(lit(trained_on("employees"))))
                .then(lit("employees missing (imputed)"))
                .otherwise(no_text()),
        ],
        "; ",
        true,
    )
    .fill_null(lit(""));
    let mut first = vec![
        ind.alias("__industry"),
        e_raw.alias("__employees"),
        r.alias("__revenue"),
        status.alias(STATUS),
    ];
    let (extra_first, extra_second) = spec.extra.exprs(&spec.impute);
    let (deal_first, deal_second) = spec.deal.exprs(&spec.impute);
    first.extend(extra_first);
    first.extend(deal_first);
    let mut second = vec![
        col("__industry").alias("industry"),
        size.clone().alias("size_band"),
        concat_str([col("__industry"), lit(" / "), size], "", false).alias("segment"),
    ];
    let per = when(
        col("__employees")
            .is_not_null()
            .and(col("__revenue").is_not_null())
            .and(col("__employees").gt(lit(0.0))),
    )
    .then(col("__revenue") / col("__employees"))
    .otherwise(bench.clone());
    let rev = col("__revenue").fill_null(imp("annual_revenue"));
    let fy = col("founded_year").fill_null(imp("founded_year"));
    let jobs = col("jobs_posted_30d").fill_null(imp("jobs_posted_30d"));
    let hires = col("hires_12m").fill_null(imp("hires_12m"));
    second.extend([
        emp.clone().alias("employees"),
        rev.clone().alias("annual_revenue"),
        fy.clone().alias("founded_year"),
        jobs.clone().alias("jobs_posted_30d"),
        hires.clone().alias("hires_12m"),
        ln1(emp.clone()).alias("log_employees"),
        ln1(rev).alias("log_revenue"),
        per.clone().alias("revenue_per_employee"),
        (per.clone() / bench.clone()).alias("rpe_industry_ratio"),
        (per.clip_min(lit(1e-9)) / bench)
            .log(lit(std::f64::consts::E))
            .clip(lit(-5.0), lit(5.0))
            .alias("log_rpe_industry_ratio"),
        // without founding years it would only count calendar years
        if trained_on("founded_year") {
            (year - fy).clip_min(lit(0.0))
        } else {
            lit(0.0)
        }
        .alias("company_age"),
        when(emp.clone().gt(lit(0.0)))
            .then(hires / emp)
            .otherwise(lit(0.0))
            .alias("hiring_intensity"),
        ln1(jobs.clip_min(lit(0.0))).alias("log_jobs_posted_30d"),
        col("prior_won_deals").fill_null(lit(0.0)),
    ]);
    second.extend(extra_second);
    second.extend(deal_second);
    second.extend([
        col("employees").is_null().alias("employees_missing"),
        col("__revenue").is_null().alias("annual_revenue_missing"),
        col("founded_year").is_null().alias("founded_year_missing"),
        col("jobs_posted_30d")
            .is_null()
            .and(col("hires_12m").is_null())
            .alias("hiring_missing"),
        col("technologies").is_null().alias("technologies_missing"),
    ]);
    // what was missing before imputation, for the rules (`rule_sources`)
    let masks = spec.nullable_sources();
    for s in &masks {
        let raw = match s.as_str() {
            "employees" => col("__employees"),
            "annual_revenue" => col("__revenue"),
            _ => col(s.as_str()),
        };
        second.push(raw.is_null().alias(FeatureSpec::null_mask(s)));
    }
    for (t, _) in &spec.technologies {
        let flag = format!("tech_{t}");
        second.push(col(flag.as_str()).fill_null(lit(false)));
    }
    let mut out: Vec<Expr> = vec![col(ROW), col(STATUS)];
    out.extend(names.iter().map(|n| col(n.as_str())));
    out.extend(
        masks
            .iter()
            .map(|s| col(FeatureSpec::null_mask(s).as_str())),
    );
    rows.with_columns(first).with_columns(second).select(out)
}

/// The feature table of `rows` (the account columns, `account_id`, and
/// `AS_OF`), in `spec.list()` order, with each row's status. `signal_key`
/// is the column of `rows` that matches the signals' `account_id`.
pub fn features(
    rows: DataFrame,
    signals: Timing,
    won: LazyFrame,
    spec: &FeatureSpec,
    signal_key: &str,
) -> Result<(FeatureTable, Vec<String>)> {
    // deal columns are unknown for a universe account: missing
    let mut rows = rows;
    let absent: Vec<(String, DataType)> = spec
        .deal
        .numbers
        .iter()
        .map(|n| (n.clone(), DataType::Float64))
        .chain(
            spec.deal
                .text_columns()
                .into_iter()
                .map(|n| (n, DataType::String)),
        )
        .filter(|(n, _)| rows.column(n).is_err())
        .collect();
    for (name, dtype) in absent {
        let n = rows.height();
        rows.with_column(Column::full_null(name.into(), n, &dtype))?;
    }
    let rows = rows.lazy().with_row_index(ROW, None);
    let mut key_cols = vec![col(ROW), col("account_id"), col(AS_OF)];
    if signal_key != "account_id" {
        key_cols.push(col(signal_key));
    }
    let keys = rows.clone().select(key_cols).collect()?;
    let timing_names = signals::names(spec);
    let account_names: Vec<String> = spec
        .list()
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| !timing_names.contains(n))
        .collect();
    // the joins keep the rows' order: the table is aligned to `rows`
    let in_order = || JoinArgs {
        maintain_order: MaintainOrderJoin::Left,
        ..JoinArgs::new(JoinType::Left)
    };
    let plan = rows
        .clone()
        .join(
            prior_won(keys.clone().lazy(), won),
            [col(ROW)],
            [col(ROW)],
            in_order(),
        )
        .join(
            technology_flags(rows, spec),
            [col("technologies")],
            [col("technologies")],
            in_order(),
        );
    let plan = account_features(plan, spec, &account_names);
    // a snapshot's columns are gathered aligned to the rows; raw signals
    // (or none) join to the plan, with the defaults where a row has none
    let joined = |t: Option<DataFrame>| {
        let plan = match t {
            Some(t) => plan
                .clone()
                .join(t.lazy(), [col(ROW)], [col(ROW)], in_order()),
            None => plan.clone().with_columns(
                timing_names
                    .iter()
                    .map(|n| lit(NULL).cast(DataType::Float64).alias(n.as_str()))
                    .collect::<Vec<_>>(),
            ),
        };
        plan.with_columns(
            timing_names
                .iter()
                .map(|n| col(n.as_str()).fill_null(lit(default_of(n, spec))))
                .collect::<Vec<_>>(),
        )
    };
    let (plan, looked_up) = match signals {
        Timing::None => (joined(None), None),
        Timing::Signals { signals, types } => {
            let t = timing_in_chunks(&keys, (signals, types), spec, signal_key, JOINED_ROWS)?;
            (joined(t), None)
        }
        Timing::Snapshot(list) => {
            let ids = keys.column("account_id")?.str()?;
            let columns = snapshot_columns(&list, ids, &timing_names, spec)?;
            (plan, Some(columns))
        }
    };
    let df = plan.collect()?;
    let status = df
        .column(STATUS)?
        .str()?
        .iter()
        .map(|s| s.unwrap_or("").to_string())
        .collect();
    let mut t = FeatureTable::default();
    for name in &account_names {
        t.push(name.clone(), values(df.column(name)?)?);
    }
    match looked_up {
        Some(columns) => {
            for (name, v) in timing_names.iter().zip(columns) {
                t.push(name.clone(), Values::Num(v));
            }
        }
        None => {
            for name in &timing_names {
                t.push(name.clone(), values(df.column(name)?)?);
            }
        }
    }
    for s in spec.nullable_sources() {
        let mask = FeatureSpec::null_mask(&s);
        t.push(mask.clone(), values(df.column(&mask)?)?);
    }
    Ok((t, status))
}

/// A plan column as feature values (no nulls are left after the plan).
fn values(c: &Column) -> Result<Values> {
    Ok(match c.dtype() {
        DataType::Boolean => Values::Bool(c.bool()?.iter().map(|v| v.unwrap_or(false)).collect()),
        DataType::String => Values::Text(
            c.str()?
                .iter()
                .map(|v| v.unwrap_or("").to_string())
                .collect(),
        ),
        _ => {
            let c = c.cast(&DataType::Float64)?;
            let v = c.f64()?;
            match v.cont_slice() {
                Ok(values) => Values::Num(values.to_vec()),
                Err(_) => Values::Num(v.iter().map(|v| v.unwrap_or(f64::NAN)).collect()),
            }
        }
    })
}

#[cfg(test)]
mod tests;
