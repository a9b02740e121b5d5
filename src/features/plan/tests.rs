//! The plan's paths checked against each other.

use super::*;
use crate::features::signals::names;
use std::sync::Arc;

fn spec() -> FeatureSpec {
    FeatureSpec {
        windows: vec![30, 90],
        recency_cap_days: 120,
        signal_types: vec!["demo".into(), "web".into()],
        scheduled_types: vec!["renewal".into()],
        ..Default::default()
    }
}

/// (account, days before the as-of day, recorded days before, type, value)
type Row<'a> = (&'a str, i32, Option<i32>, &'a str, Option<f64>);

fn signals(day: i32, rows: &[Row]) -> Signals {
    Signals::new(
        rows.iter().map(|r| Some(r.0)).collect(),
        rows.iter().map(|r| Some(day - r.1)).collect(),
        rows.iter().map(|r| r.2.map(|d| day - d)).collect(),
        rows.iter().map(|r| Some(r.3)).collect(),
        rows.iter().map(|r| r.4).collect(),
    )
}

/// The signal features of a feature table, in `names` order.
fn timing_part(all: &FeatureTable, spec: &FeatureSpec) -> FeatureTable {
    let mut out = FeatureTable::default();
    for n in names(spec) {
        out.push(n.clone(), all.get(&n).unwrap().clone());
    }
    out
}

/// Training (per-deal as-of days, signals as codes into the compact
/// table) and scoring (one as-of day, raw batches or the aggregated
/// snapshot) run the same signals into the same features.
#[test]
fn training_and_scoring_paths_agree() {
    let spec = spec();
    let day = 20_000;
    let s = signals(
        day,
        &[
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
        ],
    );
    let ids = ["a", "b", "c", "d", "e"];
    let accounts = Accounts {
        account_id: ids.map(|i| Some(i.into())).to_vec(),
        ..Accounts::with_rows(ids.len())
    };
    let history = Default::default();
    let scored = |t: Timing| -> FeatureTable {
        let won = won_frame(&history).unwrap();
        let (all, _) = crate::features::as_of_features(&accounts, day, t, &spec, won).unwrap();
        timing_part(&all, &spec)
    };
    // training: the compact table, joined by account code
    let mut table = SignalTable::default();
    table.extend(&s, |_| true);
    let (all, _) = crate::features::with_signal_table(
        &accounts,
        &[day; 5],
        (&vec![], &vec![]),
        &table,
        &spec,
        &history,
    )
    .unwrap();
    let training = timing_part(&all, &spec);
    let raw = scored(Timing::named(signal_frame(&s).unwrap(), &spec).unwrap());
    // the snapshot, built from two batches
    let batches = [0..6, 6..s.len()].map(|r| Ok(s.rows(r)));
    let snapshot = Snapshot::build(batches.into_iter(), day, &spec).unwrap();
    let aggregated = scored(Timing::Snapshot(vec![Arc::new(snapshot)]));
    // the scorer's ranges: a snapshot per range of accounts, from the
    // signals able to change a feature
    let relevant = relevant_signals(&s, day, &spec).unwrap().lazy();
    let ranges = [
        relevant.clone().filter(col("account_id").lt(lit("c"))),
        relevant.filter(col("account_id").gt_eq(lit("c"))),
    ]
    .map(|r| Arc::new(Snapshot::from_relevant(r.collect().unwrap(), &spec).unwrap()));
    let ranged = scored(Timing::Snapshot(ranges.to_vec()));
    // a snapshot in parts of two accounts each
    let all = relevant_signals(&s, day, &spec).unwrap();
    let parted = Snapshot::from_relevant_in_parts(all, &spec, 2).unwrap();
    assert_eq!(parted.parts.len(), 2); // a, c and d (none of b counts)
    let parted = scored(Timing::Snapshot(vec![Arc::new(parted)]));
    assert_eq!(training, raw);
    assert_eq!(training, aggregated);
    assert_eq!(training, ranged);
    assert_eq!(training, parted);
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

/// Joining the signals a few accounts at a time gives the features of
/// one join.
#[test]
fn chunked_joins_agree_with_one() {
    let spec = spec();
    let day = 20_000;
    let s = signals(
        day,
        &[
            ("b", 5, None, "demo", Some(1.0)),
            ("a", 45, None, "web", Some(2.0)),
            ("c", -10, None, "renewal", Some(3.0)),
            ("a", 3, None, "demo", Some(4.0)),
            ("d", 80, None, "web", Some(5.0)),
            ("b", 20, None, "web", Some(6.0)),
            ("c", 7, None, "demo", Some(7.0)),
        ],
    );
    // rows out of account order, one account twice, one without signals
    let ids = ["c", "a", "e", "b", "a", "d"];
    let keys = DataFrame::new(
        ids.len(),
        vec![
            Column::new(ROW.into(), (0..ids.len() as IdxSize).collect::<Vec<_>>()),
            Column::new("account_id".into(), ids),
            Column::new(AS_OF.into(), [day, day, day, day, day - 10, day]),
        ],
    )
    .unwrap();
    let run = |chunk| {
        let signals = (signal_frame(&s).unwrap(), named_types(&spec).unwrap());
        timing_in_chunks(&keys, signals, &spec, "account_id", chunk)
            .unwrap()
            .unwrap()
            .sort([ROW], Default::default())
            .unwrap()
    };
    let whole = run(usize::MAX);
    assert_eq!(whole.height(), 5);
    assert_eq!(run(1), whole);
    assert_eq!(run(2), whole);
}
