//! Timing features from the signals table, point in time: per signal type,
//! counts in windows before the as-of day, days since the last event, days
//! until the next scheduled one, and the number of distinct types seen.
//! Only signals recorded strictly before the as-of day count.
//!
//! One `Layout` says how a signal changes an account's features; training
//! (`point_in_time`, one as-of day per deal) and scoring (`Snapshot`, one
//! as-of day, streamed) both fold signals through it.

use rustc_hash::FxHashMap;

use crate::features::{FeatureSpec, FeatureTable, Values};
use crate::input::{SignalTable, Signals};

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

/// The timing features of one account: where each lives in a row of
/// `width` values (in `names` order, the distinct-types count excluded, as
/// it is derived from the `seen` flags), and how one signal changes them.
struct Layout {
    types: FxHashMap<String, usize>,
    scheduled: FxHashMap<String, usize>,
    windows: Vec<u32>,
    max_window: i32,
    cap: i32,
    names: Vec<String>,
    defaults: Vec<f64>,
    width: usize,
}

/// A signal type's role: counted past events, or scheduled ones.
#[derive(Clone, Copy)]
enum Kind {
    Past(usize),
    Scheduled(usize),
}

/// What one signal does to an account's features.
enum Effect {
    /// A past event of type `t`, `age` days before the as-of day.
    Past { t: usize, age: i32 },
    /// A scheduled event of type `t`, `days` after the as-of day.
    Scheduled { t: usize, days: i32 },
}

impl Layout {
    fn new(spec: &FeatureSpec) -> Layout {
        let names = names(spec);
        let width = names
            .iter()
            .filter(|n| !n.starts_with("distinct_signal_types_"))
            .count();
        let index_of = |v: &[String]| v.iter().cloned().enumerate().map(|(i, t)| (t, i)).collect();
        Layout {
            types: index_of(&spec.signal_types),
            scheduled: index_of(&spec.scheduled_types),
            windows: spec.windows.clone(),
            max_window: max_window(spec) as i32,
            cap: spec.recency_cap_days as i32,
            defaults: defaults(spec),
            names,
            width,
        }
    }

    /// The role of a (normalized) signal type; None for types the model
    /// does not know.
    fn kind(&self, sig: &str) -> Option<Kind> {
        match (self.types.get(sig), self.scheduled.get(sig)) {
            (Some(&t), _) => Some(Kind::Past(t)),
            (None, Some(&t)) => Some(Kind::Scheduled(t)),
            (None, None) => None,
        }
    }

    /// The effect of a signal as of `as_of`; None when it cannot change any
    /// feature (recorded on or after the as-of day, past events on or after
    /// it, scheduled ones before it, or beyond every window and the cap).
    fn effect(&self, as_of: i32, date: i32, recorded: i32, kind: Kind) -> Option<Effect> {
        if recorded >= as_of {
            return None;
        }
        let age = as_of - date;
        match kind {
            Kind::Past(t) if age > 0 => {
                (age <= self.max_window || age < self.cap).then_some(Effect::Past { t, age })
            }
            Kind::Scheduled(t) if age <= 0 => {
                (-age < self.cap).then_some(Effect::Scheduled { t, days: -age })
            }
            _ => None,
        }
    }

    /// Folds an effect into an account's row and seen-type flags.
    fn apply(&self, e: Effect, value: f64, row: &mut [f64], seen: &mut [bool]) {
        let nt = self.types.len();
        let nw = self.windows.len();
        match e {
            Effect::Past { t, age } => {
                for (w, &days) in self.windows.iter().enumerate() {
                    if age <= days as i32 {
                        row[t * nw + w] += value;
                    }
                }
                let since = &mut row[nt * nw + t];
                *since = since.min(f64::from(age.min(self.cap)));
                if age <= self.max_window {
                    seen[t] = true;
                }
            }
            Effect::Scheduled { t, days } => {
                let until = &mut row[nt * nw + nt + t];
                *until = until.min(f64::from(days));
            }
        }
    }

    /// The feature table of `n` rows; `fill(r, row, seen)` folds row r's
    /// signals into its values (which start at the defaults).
    fn table(
        &self,
        n: usize,
        mut fill: impl FnMut(usize, &mut [f64], &mut [bool]),
    ) -> FeatureTable {
        let mut cols: Vec<Vec<f64>> = (0..self.names.len())
            .map(|_| Vec::with_capacity(n))
            .collect();
        let mut row = vec![0.0; self.width];
        let mut seen = vec![false; self.types.len()];
        for r in 0..n {
            row.copy_from_slice(&self.defaults[..self.width]);
            seen.fill(false);
            fill(r, &mut row, &mut seen);
            for (c, v) in cols.iter_mut().zip(&row) {
                c.push(*v);
            }
            if let Some(distinct) = cols.get_mut(self.width) {
                distinct.push(seen.iter().filter(|b| **b).count() as f64);
            }
        }
        let mut t = FeatureTable::default();
        for (name, v) in self.names.iter().zip(cols) {
            t.push(name.clone(), Values::Num(v));
        }
        t
    }
}

/// Timing features for each (account, as-of day) row: the training deals,
/// each as of its created date. Rows without signals get the defaults.
pub fn point_in_time(
    account_ids: &[Option<String>],
    as_of: &[i32],
    signals: &SignalTable,
    spec: &FeatureSpec,
) -> FeatureTable {
    let layout = Layout::new(spec);
    let kinds: Vec<Option<Kind>> = signals.types.iter().map(|t| layout.kind(t)).collect();
    // the signal rows of each account code, contiguous (counting sort)
    let mut start = vec![0usize; signals.accounts.len() + 1];
    for &a in &signals.account {
        start[a as usize + 1] += 1;
    }
    for k in 1..start.len() {
        start[k] += start[k - 1];
    }
    let mut rows = vec![0u32; signals.len()];
    let mut next = start.clone();
    for (i, &a) in signals.account.iter().enumerate() {
        rows[next[a as usize]] = i as u32;
        next[a as usize] += 1;
    }
    layout.table(account_ids.len(), |r, row, seen| {
        let Some(a) = account_ids[r]
            .as_deref()
            .and_then(|a| signals.account_code(a))
        else {
            return;
        };
        for &i in &rows[start[a as usize]..start[a as usize + 1]] {
            let i = i as usize;
            let Some(kind) = kinds[signals.kind[i] as usize] else {
                continue;
            };
            if let Some(e) = layout.effect(as_of[r], signals.date[i], signals.recorded[i], kind) {
                layout.apply(e, signals.value[i], row, seen);
            }
        }
    })
}

/// Timing features as of one day, aggregated while signals stream by: one
/// flat row per account that has a signal able to change a feature. Used
/// for the whole signals table at once, or per batch of a sorted universe
/// (the scorer's merge path), so memory holds only accounts with recent
/// signals.
pub struct Snapshot {
    as_of: i32,
    layout: Layout,
    /// Slot of each account (FxHash: ids are not attacker-chosen, and
    /// SipHash was a visible share of the scorer's profile).
    index: FxHashMap<Box<str>, u32>,
    /// values[slot * width + j], in the layout's order.
    values: Vec<f64>,
    /// seen[slot * types + t]: signal type t seen in the largest window.
    seen: Vec<bool>,
}

impl Snapshot {
    pub fn new(as_of: i32, spec: &FeatureSpec) -> Snapshot {
        Snapshot {
            as_of,
            layout: Layout::new(spec),
            index: Default::default(),
            values: vec![],
            seen: vec![],
        }
    }

    /// Every account's features from the training signals.
    pub fn build(signals: &SignalTable, as_of: i32, spec: &FeatureSpec) -> Snapshot {
        let mut s = Snapshot::new(as_of, spec);
        let kinds: Vec<Option<Kind>> = signals.types.iter().map(|t| s.layout.kind(t)).collect();
        for i in 0..signals.len() {
            if let Some(kind) = kinds[signals.kind[i] as usize] {
                let id = &signals.accounts[signals.account[i] as usize];
                s.fold(
                    id,
                    signals.date[i],
                    signals.recorded[i],
                    kind,
                    signals.value[i],
                );
            }
        }
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

    /// Adds the rows `rows` of a batch of signals (incomplete rows are skipped).
    pub fn add(&mut self, s: &Signals, rows: std::ops::Range<usize>) {
        for i in rows {
            let (Some(id), Some(date), Some(sig)) = (&s.account_id[i], s.date[i], &s.signal[i])
            else {
                continue;
            };
            if let Some(kind) = self.layout.kind(sig) {
                let recorded = s.recorded_date[i].unwrap_or(crate::input::tables::KNOWN_ALWAYS);
                self.fold(id, date, recorded, kind, s.value[i].unwrap_or(1.0));
            }
        }
    }

    /// Folds one signal into its account's row, made when the signal is
    /// the account's first that can change a feature.
    fn fold(&mut self, id: &str, date: i32, recorded: i32, kind: Kind, value: f64) {
        let (w, nt) = (self.layout.width, self.layout.types.len());
        let Some(e) = self.layout.effect(self.as_of, date, recorded, kind) else {
            return;
        };
        let k = match self.index.get(id) {
            Some(&k) => k as usize,
            None => {
                let k = self.index.len();
                self.index.insert(id.into(), k as u32);
                self.values.extend_from_slice(&self.layout.defaults[..w]);
                self.seen.resize(self.seen.len() + nt, false);
                k
            }
        };
        self.layout.apply(
            e,
            value,
            &mut self.values[k * w..(k + 1) * w],
            &mut self.seen[k * nt..(k + 1) * nt],
        );
    }

    pub fn lookup(&self, account_ids: &[Option<String>]) -> FeatureTable {
        let (w, nt) = (self.layout.width, self.layout.types.len());
        self.layout.table(account_ids.len(), |r, row, seen| {
            if let Some(&k) = account_ids[r].as_deref().and_then(|a| self.index.get(a)) {
                let k = k as usize;
                row.copy_from_slice(&self.values[k * w..(k + 1) * w]);
                seen.copy_from_slice(&self.seen[k * nt..(k + 1) * nt]);
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Training (per-deal as-of days, compact table) and scoring (one as-of
    /// day, streamed snapshot) fold the same signals into the same features.
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
        // (account, days before, recorded days before, type, value)
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
        let ids: Vec<Option<String>> = ["a", "b", "c", "d"].map(|i| Some(i.into())).to_vec();
        let mut table = SignalTable::default();
        table.extend(&s, |_| true);
        let training = point_in_time(&ids, &[day; 4], &table, &spec);
        let mut streamed = Snapshot::new(day, &spec);
        streamed.add(&s, 0..s.len());
        assert_eq!(training, Snapshot::build(&table, day, &spec).lookup(&ids));
        assert_eq!(training, streamed.lookup(&ids));
        let col = |n: &str| match training.get(n) {
            Some(Values::Num(v)) => v.clone(),
            _ => panic!("{n} missing"),
        };
        assert_eq!(col("signal_demo_30d"), [1.0, 0.0, 0.0, 1.0]);
        assert_eq!(col("signal_demo_90d"), [3.0, 0.0, 0.0, 1.0]);
        assert_eq!(col("signal_web_90d"), [0.0, 0.0, 0.5, 0.0]);
        assert_eq!(col("days_since_web"), [100.0, 120.0, 89.0, 120.0]);
        assert_eq!(col("days_until_renewal"), [10.0, 120.0, 120.0, 30.0]);
        assert_eq!(col("distinct_signal_types_90d"), [1.0, 0.0, 1.0, 1.0]);
    }
}
