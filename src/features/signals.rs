//! Timing features from the signals table, point in time: per signal type,
//! counts in windows before the as-of day, days since the last event, days
//! until the next scheduled one, and the number of distinct types seen.
//! Only signals recorded strictly before the as-of day count. Their names
//! live here; the plan (`plan`) computes them.

use crate::features::FeatureSpec;

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

/// Whether `name` is a signal-window count (`signal_<type>_<N>d`).
pub fn is_window_count(spec: &FeatureSpec, name: &str) -> bool {
    name.strip_prefix("signal_").is_some_and(|rest| {
        spec.signal_types.iter().any(|t| {
            rest.strip_prefix(t.as_str())
                .and_then(|r| r.strip_prefix('_'))
                .and_then(|r| r.strip_suffix('d'))
                .and_then(|w| w.parse::<u32>().ok())
                .is_some_and(|w| spec.windows.contains(&w))
        })
    })
}

pub(crate) fn max_window(spec: &FeatureSpec) -> u32 {
    spec.windows.iter().copied().max().unwrap_or(90)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::plan::{self, Timing};
    use crate::features::{FeatureTable, Values};
    use crate::input::{Accounts, SignalTable, Signals};

    /// Training (per-deal as-of days, signals as codes into the compact
    /// table) and scoring (one as-of day, raw batches or the aggregated
    /// snapshot) run the same signals into the same features.
    #[test]
    fn training_and_scoring_paths_agree() {
        let spec = FeatureSpec {
            windows: vec![30, 90],
            recency_cap_days: 120,
            signal_types: vec!["demo".into(), "web".into()],
            scheduled_types: vec!["renewal".into()],
            ..Default::default()
        };
        let day = 20_000;
        let mut s = Signals::default();
        // (account, days before the as-of day, recorded days before, type, value)
        type Row<'a> = (&'a str, i32, Option<i32>, &'a str, Option<f64>);
        let rows: [Row; 12] = [
            ("a", 5, Some(5), "demo", None),
            ("a", 45, Some(45), "demo", Some(2.0)),
            ("a", 100, Some(100), "web", None),
            ("a", -10, Some(3), "renewal", None),
            ("b", 0, Some(0), "demo", None), // on the as-of day: not before it
            ("b", 10, Some(-1), "web", None), // recorded after the as-of day
            ("b", -200, Some(1), "renewal", None), // beyond the cap
            ("b", 500, Some(500), "web", None), // older than every window and the cap
            ("c", 20, Some(20), "unknown", None),
            ("c", 89, Some(89), "web", Some(0.5)),
            // no recorded date: a scheduled event is known in advance, a past one once it happened
            ("d", -30, None, "renewal", None),
            ("d", 3, None, "demo", None),
        ];
        for (id, ago, rec, t, v) in rows {
            s.account_id.push(Some(id.into()));
            s.date.push(Some(day - ago));
            s.recorded_date.push(rec.map(|r| day - r));
            s.signal.push(Some(t.into()));
            s.value.push(v);
        }
        let ids = ["a", "b", "c", "d", "e"];
        let accounts = Accounts {
            account_id: ids.map(|i| Some(i.into())).to_vec(),
            ..Accounts::with_rows(ids.len())
        };
        let history = Default::default();
        let timing = |t: Timing| -> FeatureTable {
            let (all, _) = crate::features::as_of_features(
                &accounts,
                day,
                t,
                &spec,
                plan::won_frame(&history).unwrap(),
            )
            .unwrap();
            let names = names(&spec);
            let mut out = FeatureTable::default();
            for n in &names {
                out.push(n.clone(), all.get(n).unwrap().clone());
            }
            out
        };
        // training: the compact table, joined by account code
        let mut table = SignalTable::default();
        table.extend(&s, |_| true);
        let (training, _) = crate::features::with_signal_table(
            &accounts,
            &[day; 5],
            (&vec![], &vec![]),
            &table,
            &spec,
            &history,
        )
        .unwrap();
        let training = {
            let mut out = FeatureTable::default();
            for n in names(&spec) {
                out.push(n.clone(), training.get(&n).unwrap().clone());
            }
            out
        };
        let raw = timing(Timing::Signals {
            signals: plan::signal_frame(&s).unwrap(),
            types: plan::named_types(&spec).unwrap(),
        });
        // the snapshot, built from two batches
        let (first, second) = (0..6, 6..s.len());
        let batches = [first, second].map(|r| Ok(s.rows(r)));
        let aggregated = timing(Timing::Snapshot(std::sync::Arc::new(
            plan::Snapshot::build(batches.into_iter(), day, &spec).unwrap(),
        )));
        assert_eq!(training, raw);
        assert_eq!(training, aggregated);
        let col = |n: &str| match training.get(n) {
            Some(Values::Num(v)) => v.clone(),
            _ => panic!("{n} missing"),
        };
        assert_eq!(col("signal_demo_30d"), [1.0, 0.0, 0.0, 1.0, 0.0]);
        assert_eq!(col("signal_demo_90d"), [3.0, 0.0, 0.0, 1.0, 0.0]);
        assert_eq!(col("signal_web_90d"), [0.0, 0.0, 0.5, 0.0, 0.0]);
        assert_eq!(col("days_since_web"), [100.0, 120.0, 89.0, 120.0, 120.0]);
        assert_eq!(col("days_until_renewal"), [10.0, 120.0, 120.0, 30.0, 120.0]);
        assert_eq!(col("distinct_signal_types_90d"), [1.0, 0.0, 1.0, 1.0, 0.0]);
    }
}
