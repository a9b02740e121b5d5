//! Timing features from the signals table, point in time: a Polars lazy
//! pipeline joins each (key, account, as-of day) to the account's signals,
//! keeps only those recorded strictly before the as-of day, and aggregates
//! counts per signal type in windows, days since the last event and days
//! until the next scheduled one.

use std::collections::HashMap;

use polars::prelude::*;

use crate::error::Result;
use crate::features::{FeatureSpec, FeatureTable, Values};
use crate::input::Signals;

/// Timing feature names, in table order.
pub fn names(spec: &FeatureSpec) -> Vec<String> {
    let mut v = vec![];
    for t in &spec.signal_types {
        for w in &spec.windows {
            v.push(format!("signal_{t}_{w}d"));
        }
    }
    for t in &spec.signal_types {
        v.push(format!("days_since_{t}"));
    }
    for t in &spec.scheduled_types {
        v.push(format!("days_until_{t}"));
    }
    if !spec.signal_types.is_empty() {
        v.push(format!("distinct_signal_types_{}d", max_window(spec)));
    }
    v
}

fn max_window(spec: &FeatureSpec) -> u32 {
    spec.windows.iter().copied().max().unwrap_or(90)
}

/// The value of each timing feature for an account without any signal.
fn defaults(spec: &FeatureSpec) -> Vec<f64> {
    names(spec)
        .iter()
        .map(|n| {
            if n.starts_with("days_") {
                spec.recency_cap_days as f64
            } else {
                0.0
            }
        })
        .collect()
}

/// Per-row feature values as columns (vectorized), then plain sums / minima
/// per key: conditional expressions inside `agg` would run per group.
fn row_columns(spec: &FeatureSpec) -> (Vec<Expr>, Vec<Expr>) {
    let past = col("age").gt(lit(0));
    let maxw = max_window(spec) as i32;
    let (mut cols, mut aggs) = (vec![], vec![]);
    for t in &spec.signal_types {
        let is_t = col("signal").eq(lit(t.as_str()));
        for w in &spec.windows {
            let name = format!("signal_{t}_{w}d");
            let cond = is_t
                .clone()
                .and(past.clone())
                .and(col("age").lt_eq(lit(*w as i32)));
            cols.push(
                when(cond)
                    .then(col("value"))
                    .otherwise(lit(0.0))
                    .alias(name.as_str()),
            );
            aggs.push(col(name.as_str()).sum());
        }
        let seen = format!("__seen_{t}");
        let cond = is_t
            .clone()
            .and(past.clone())
            .and(col("age").lt_eq(lit(maxw)));
        cols.push(
            when(cond)
                .then(lit(1.0))
                .otherwise(lit(0.0))
                .alias(seen.as_str()),
        );
        aggs.push(col(seen.as_str()).max());
    }
    let cap = spec.recency_cap_days as i32;
    for t in &spec.signal_types {
        let name = format!("days_since_{t}");
        let cond = col("signal").eq(lit(t.as_str())).and(past.clone());
        cols.push(
            when(cond)
                .then(col("age"))
                .otherwise(lit(cap))
                .clip_max(lit(cap))
                .cast(DataType::Float64)
                .alias(name.as_str()),
        );
        aggs.push(col(name.as_str()).min());
    }
    for t in &spec.scheduled_types {
        let name = format!("days_until_{t}");
        let cond = col("signal")
            .eq(lit(t.as_str()))
            .and(col("age").lt_eq(lit(0)));
        cols.push(
            when(cond)
                .then(lit(0) - col("age"))
                .otherwise(lit(cap))
                .clip_max(lit(cap))
                .cast(DataType::Float64)
                .alias(name.as_str()),
        );
        aggs.push(col(name.as_str()).min());
    }
    (cols, aggs)
}

fn signals_frame(s: &Signals) -> Result<DataFrame> {
    let keep: Vec<usize> = (0..s.len())
        .filter(|&i| s.account_id[i].is_some() && s.date[i].is_some() && s.signal[i].is_some())
        .collect();
    let df = DataFrame::new(
        keep.len(),
        vec![
            Column::new(
                "account_id".into(),
                keep.iter()
                    .map(|&i| s.account_id[i].as_deref())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "date".into(),
                keep.iter()
                    .map(|&i| s.date[i].unwrap_or_default())
                    .collect::<Vec<i32>>(),
            ),
            Column::new(
                "recorded".into(),
                keep.iter()
                    .map(|&i| s.recorded_date[i].or(s.date[i]).unwrap_or_default())
                    .collect::<Vec<i32>>(),
            ),
            Column::new(
                "signal".into(),
                keep.iter()
                    .map(|&i| s.signal[i].as_deref())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "value".into(),
                keep.iter()
                    .map(|&i| s.value[i].unwrap_or(1.0))
                    .collect::<Vec<f64>>(),
            ),
        ],
    )?;
    Ok(df)
}

/// Timing features for each (account, as-of day) row; rows without signals get defaults.
pub fn point_in_time(
    account_ids: &[Option<String>],
    as_of: &[i32],
    signals: &Signals,
    spec: &FeatureSpec,
) -> Result<FeatureTable> {
    let names = names(spec);
    let defaults = defaults(spec);
    let n = account_ids.len();
    let mut cols: Vec<Vec<f64>> = defaults.iter().map(|d| vec![*d; n]).collect();
    if !names.is_empty() && !signals.is_empty() && n > 0 {
        let (row_cols, aggs) = row_columns(spec);
        let keys = DataFrame::new(
            n,
            vec![
                Column::new("key".into(), (0..n as u32).collect::<Vec<u32>>()),
                Column::new(
                    "account_id".into(),
                    account_ids.iter().map(|a| a.as_deref()).collect::<Vec<_>>(),
                ),
                Column::new("as_of".into(), as_of.to_vec()),
            ],
        )?;
        let out = keys
            .lazy()
            .join(
                signals_frame(signals)?.lazy(),
                [col("account_id")],
                [col("account_id")],
                JoinArgs::new(JoinType::Inner),
            )
            .filter(col("recorded").lt(col("as_of")))
            .with_column((col("as_of") - col("date")).alias("age"))
            // older signals cannot change any window count or capped recency
            .filter(col("age").lt_eq(lit(spec.recency_cap_days.max(max_window(spec)) as i32)))
            .with_columns(row_cols)
            .group_by([col("key")])
            .agg(aggs)
            .collect()?;
        let key: Vec<u32> = out.column("key")?.u32()?.into_no_null_iter().collect();
        for (j, name) in names.iter().enumerate() {
            if name.starts_with("distinct_signal_types_") {
                // how many signal types were seen in the largest window
                for t in &spec.signal_types {
                    let c = out.column(&format!("__seen_{t}"))?.f64()?;
                    for (k, v) in key.iter().zip(c.iter()) {
                        cols[j][*k as usize] += v.unwrap_or(0.0);
                    }
                }
                continue;
            }
            let c = out.column(name)?.f64()?;
            for (k, v) in key.iter().zip(c.iter()) {
                cols[j][*k as usize] = v.unwrap_or(defaults[j]);
            }
        }
    }
    let mut t = FeatureTable::default();
    for (name, v) in names.into_iter().zip(cols) {
        t.push(name, Values::Num(v));
    }
    Ok(t)
}

/// Timing features of every account with signals, as of one day: built once
/// per scoring run, then looked up per batch (no universe-sized join).
pub struct Snapshot {
    index: HashMap<String, usize>,
    names: Vec<String>,
    defaults: Vec<f64>,
    columns: Vec<Vec<f64>>,
}

impl Snapshot {
    pub fn build(signals: &Signals, as_of: i32, spec: &FeatureSpec) -> Result<Snapshot> {
        let mut index = HashMap::new();
        let mut ids = vec![];
        for id in signals.account_id.iter().flatten() {
            if !index.contains_key(id) {
                index.insert(id.clone(), ids.len());
                ids.push(Some(id.clone()));
            }
        }
        let t = point_in_time(&ids, &vec![as_of; ids.len()], signals, spec)?;
        let columns = t
            .columns
            .into_iter()
            .map(|c| match c {
                Values::Num(v) => v,
                _ => vec![],
            })
            .collect();
        Ok(Snapshot {
            index,
            names: t.names,
            defaults: defaults(spec),
            columns,
        })
    }

    pub fn lookup(&self, account_ids: &[Option<String>]) -> FeatureTable {
        let rows: Vec<Option<usize>> = account_ids
            .iter()
            .map(|a| a.as_ref().and_then(|a| self.index.get(a).copied()))
            .collect();
        let mut t = FeatureTable::default();
        for (j, name) in self.names.iter().enumerate() {
            let v = rows
                .iter()
                .map(|r| r.map_or(self.defaults[j], |r| self.columns[j][r]))
                .collect();
            t.push(name.clone(), Values::Num(v));
        }
        t
    }
}
