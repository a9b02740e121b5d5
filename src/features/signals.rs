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

/// Timing features as of one day, aggregated in Rust while signals stream
/// by: one flat row per account that has a signal able to change a feature
/// (recorded before the as-of day, and within the longest window or the
/// recency cap, or scheduled within the cap). Used for the whole signals
/// table at once, or per batch of a sorted universe (the scorer's merge
/// path), so memory holds only accounts with recent signals.
pub struct Snapshot {
    as_of: i32,
    types: HashMap<String, usize>,
    scheduled: HashMap<String, usize>,
    windows: Vec<u32>,
    max_window: i32,
    cap: i32,
    names: Vec<String>,
    defaults: Vec<f64>,
    index: HashMap<Box<str>, u32>,
    /// values[slot * width + j], in `names` order (distinct types excluded).
    values: Vec<f64>,
    /// seen[slot * types + t]: signal type t seen in the largest window.
    seen: Vec<bool>,
    width: usize,
}

impl Snapshot {
    pub fn new(as_of: i32, spec: &FeatureSpec) -> Snapshot {
        let names = names(spec);
        let width = names
            .iter()
            .filter(|n| !n.starts_with("distinct_signal_types_"))
            .count();
        let index_of = |v: &[String]| v.iter().cloned().enumerate().map(|(i, t)| (t, i)).collect();
        Snapshot {
            as_of,
            types: index_of(&spec.signal_types),
            scheduled: index_of(&spec.scheduled_types),
            windows: spec.windows.clone(),
            max_window: max_window(spec) as i32,
            cap: spec.recency_cap_days as i32,
            defaults: defaults(spec),
            names,
            index: HashMap::new(),
            values: vec![],
            seen: vec![],
            width,
        }
    }

    /// Every account's features from a whole signals table.
    pub fn build(signals: &Signals, as_of: i32, spec: &FeatureSpec) -> Snapshot {
        let mut s = Snapshot::new(as_of, spec);
        s.add(signals, 0..signals.len());
        s
    }

    pub fn accounts(&self) -> usize {
        self.index.len()
    }

    /// Forgets every account (the merge path reuses one snapshot per batch).
    pub fn clear(&mut self) {
        self.index.clear();
        self.values.clear();
        self.seen.clear();
    }

    fn slot(&mut self, id: &str) -> usize {
        if let Some(&k) = self.index.get(id) {
            return k as usize;
        }
        let k = self.index.len();
        self.index.insert(id.into(), k as u32);
        self.values.extend_from_slice(&self.defaults[..self.width]);
        self.seen.resize(self.seen.len() + self.types.len(), false);
        k
    }

    /// Adds the rows `rows` of a signals table.
    pub fn add(&mut self, s: &Signals, rows: std::ops::Range<usize>) {
        let nt = self.types.len();
        let nw = self.windows.len();
        for i in rows {
            let (Some(id), Some(date), Some(sig)) = (&s.account_id[i], s.date[i], &s.signal[i])
            else {
                continue;
            };
            if s.recorded_date[i].unwrap_or(date) >= self.as_of {
                continue;
            }
            let age = self.as_of - date;
            if age > 0 {
                let Some(&t) = self.types.get(sig.as_str()) else {
                    continue;
                };
                if age > self.max_window && age >= self.cap {
                    continue;
                }
                let value = s.value[i].unwrap_or(1.0);
                let k = self.slot(id);
                let row = &mut self.values[k * self.width..(k + 1) * self.width];
                for (w, &days) in self.windows.iter().enumerate() {
                    if age <= days as i32 {
                        row[t * nw + w] += value;
                    }
                }
                let since = &mut row[nt * nw + t];
                *since = since.min(f64::from(age.min(self.cap)));
                if age <= self.max_window {
                    self.seen[k * nt + t] = true;
                }
            } else if let Some(&t) = self.scheduled.get(sig.as_str()) {
                if -age >= self.cap {
                    continue;
                }
                let k = self.slot(id);
                let until = &mut self.values[k * self.width + nt * nw + nt + t];
                *until = until.min(f64::from(-age));
            }
        }
    }

    pub fn lookup(&self, account_ids: &[Option<String>]) -> FeatureTable {
        let rows: Vec<Option<usize>> = account_ids
            .iter()
            .map(|a| {
                a.as_deref()
                    .and_then(|a| self.index.get(a))
                    .map(|k| *k as usize)
            })
            .collect();
        let mut t = FeatureTable::default();
        for (j, name) in self.names.iter().enumerate() {
            let v = if j < self.width {
                rows.iter()
                    .map(|r| r.map_or(self.defaults[j], |k| self.values[k * self.width + j]))
                    .collect()
            } else {
                rows.iter()
                    .map(|r| {
                        r.map_or(0.0, |k| {
                            let nt = self.types.len();
                            self.seen[k * nt..(k + 1) * nt]
                                .iter()
                                .filter(|b| **b)
                                .count() as f64
                        })
                    })
                    .collect()
            };
            t.push(name.clone(), Values::Num(v));
        }
        t
    }
}
