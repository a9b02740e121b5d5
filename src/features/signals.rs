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
