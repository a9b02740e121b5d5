//! Timing features from the signals table, point in time: per signal type,
//! counts in windows before the as-of day, days since the last event, days
//! until the next scheduled one, and the number of distinct types seen.
//! Only signals recorded strictly before the as-of day count. Their names
//! and what each one is live here (`features`, `find`: read from the
//! spec, never parsed back from a name); the plan (`plan`) computes them.

use crate::features::FeatureSpec;

/// What a timing feature is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal<'a> {
    /// Events of a type in the last `days` days.
    Window { kind: &'a str, days: u32 },
    /// Days since the last event of a type (capped).
    Since { kind: &'a str },
    /// Days until the next scheduled event of a type (capped).
    Until { kind: &'a str },
    /// Distinct signal types in the last `days` days.
    Distinct { days: u32 },
}

impl Signal<'_> {
    /// Its value for a row without signals: the recency cap for days since
    /// and until, else 0.
    pub fn default_value(&self, spec: &FeatureSpec) -> f64 {
        match self {
            Signal::Since { .. } | Signal::Until { .. } => f64::from(spec.recency_cap_days),
            _ => 0.0,
        }
    }
}

/// Every timing feature with its name, in table order.
pub fn features(spec: &FeatureSpec) -> Vec<(String, Signal<'_>)> {
    let mut v = vec![];
    for t in &spec.signal_types {
        for &w in &spec.windows {
            v.push((
                format!("signal_{t}_{w}d"),
                Signal::Window { kind: t, days: w },
            ));
        }
    }
    for t in &spec.signal_types {
        v.push((format!("days_since_{t}"), Signal::Since { kind: t }));
    }
    for t in &spec.scheduled_types {
        v.push((format!("days_until_{t}"), Signal::Until { kind: t }));
    }
    if !spec.signal_types.is_empty() {
        let days = max_window(spec);
        v.push((
            format!("distinct_signal_types_{days}d"),
            Signal::Distinct { days },
        ));
    }
    v
}

/// Timing feature names, in table order.
pub fn names(spec: &FeatureSpec) -> Vec<String> {
    features(spec).into_iter().map(|(n, _)| n).collect()
}

/// What timing feature `name` is; None for every other feature.
pub fn find<'a>(spec: &'a FeatureSpec, name: &str) -> Option<Signal<'a>> {
    features(spec)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, s)| s)
}

pub(crate) fn max_window(spec: &FeatureSpec) -> u32 {
    spec.windows.iter().copied().max().unwrap_or(90)
}
