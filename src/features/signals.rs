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

/// How a signal type reads in a reason (`explain` and the exported SQL
/// word it alike): "Last {since}12 days ago", "3{counted} in the last 30
/// days", "{none} in the last 30 days".
pub struct Wording {
    pub since: String,
    pub counted: String,
    pub none: String,
}

pub fn wording(kind: &str) -> Wording {
    let pretty = kind.replace('_', " ");
    match crate::features::movers::phrase(kind) {
        Some((one, many)) => Wording {
            since: format!("{} joined ", crate::config::capitalize(one)),
            counted: format!(" {many} joined"),
            none: format!("No {one} joined"),
        },
        None => Wording {
            since: format!("Last {pretty} "),
            counted: format!(" {pretty} signal(s)"),
            none: format!("No {pretty}"),
        },
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

/// What timing feature `name` is; None for every other feature. Matched
/// against the spec's types and windows in the forms `features` writes,
/// without building the names (the reasons ask for every row).
pub fn find<'a>(spec: &'a FeatureSpec, name: &str) -> Option<Signal<'a>> {
    let days = |r: &str| r.strip_suffix('d').and_then(|w| w.parse::<u32>().ok());
    let kind_of = |types: &'a [String], prefix: &str| {
        let rest = name.strip_prefix(prefix)?;
        types.iter().find(|t| *t == rest).map(String::as_str)
    };
    if let Some(rest) = name.strip_prefix("signal_") {
        return spec.signal_types.iter().find_map(|t| {
            let w = days(rest.strip_prefix(t.as_str())?.strip_prefix('_')?)?;
            spec.windows
                .contains(&w)
                .then_some(Signal::Window { kind: t, days: w })
        });
    }
    if let Some(kind) = kind_of(&spec.signal_types, "days_since_") {
        return Some(Signal::Since { kind });
    }
    if let Some(kind) = kind_of(&spec.scheduled_types, "days_until_") {
        return Some(Signal::Until { kind });
    }
    let distinct = name
        .strip_prefix("distinct_signal_types_")
        .and_then(days)
        .filter(|d| !spec.signal_types.is_empty() && *d == max_window(spec));
    distinct.map(|days| Signal::Distinct { days })
}

pub(crate) fn max_window(spec: &FeatureSpec) -> u32 {
    spec.windows.iter().copied().max().unwrap_or(90)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `find` knows every name `features` writes, as what it wrote, and
    /// nothing else.
    #[test]
    fn find_reads_back_every_timing_name() {
        let spec = FeatureSpec {
            windows: vec![30, 90],
            signal_types: vec!["web_visit".into(), "web".into()],
            scheduled_types: vec!["renewal".into()],
            ..Default::default()
        };
        for (name, signal) in features(&spec) {
            assert_eq!(find(&spec, &name), Some(signal), "{name}");
        }
        for name in [
            "signal_web_visit_60d",
            "days_since_renewal",
            "days_until_web",
            "distinct_signal_types_30d",
            "employees",
        ] {
            assert_eq!(find(&spec, name), None, "{name}");
        }
    }
}
