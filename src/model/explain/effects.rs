//! The model's effects in words a leader reads, each feature's terms
//! together and in the units of the feature it is computed from: what the
//! report states and charts.

use super::{capitalize, count, pretty, thousands};
use crate::features::signals::{self, Signal};
use crate::features::{FeatureSpec, Shape, Unit};
use crate::model::terms::number::Number;
use crate::model::terms::{Kind, Term};
use crate::model::Model;

/// One source feature's effect on the odds, in words a RevOps analyst reads
/// ("A demo request in the last 30 days: ×2.10 odds"), with the log-odds
/// change it stands for (for ordering).
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    /// The feature it is the effect of, as a leader reads it.
    pub feature: String,
    pub sentence: String,
    pub log_odds: f64,
}

/// The effect of each feature of the model, largest first. Each compares
/// two situations through every term involved, shapes and clipping
/// included: for a signal type, one event some days ago (in every window
/// that holds it, and as the days since the last one) against none, and
/// five against one; for a scheduled event, one due soon against none; for
/// a flag, on against off; for a number with a learned shape, its best
/// bin against its worst, else one standard deviation up from its
/// training mean; for a category, each level against the average deal;
/// for a pair, its largest cell.
pub fn effects(model: &Model) -> Vec<Effect> {
    let (mut out, done) = signal_effects(model);
    let mut sources: Vec<&str> = vec![];
    for t in &model.terms {
        if !sources.contains(&t.source.as_str()) && !done.contains(&t.source) {
            sources.push(&t.source);
        }
    }
    for src in sources {
        let terms: Vec<&Term> = model.terms.iter().filter(|t| t.source == src).collect();
        out.extend(
            source_effects(model, src, &terms)
                .into_iter()
                .map(|(sentence, log_odds)| Effect {
                    feature: feature_name(src),
                    sentence,
                    log_odds,
                }),
        );
    }
    out.sort_by(|a, b| b.log_odds.abs().total_cmp(&a.log_odds.abs()));
    out
}

/// The sum of source `src`'s terms at value `v` (log-odds).
fn part(model: &Model, src: &str, v: f64) -> f64 {
    model
        .terms
        .iter()
        .filter(|t| t.source == src)
        .map(|t| t.effect_at(v))
        .sum()
}

fn odds(d: f64) -> String {
    format!("\u{d7}{:.2} odds", d.exp())
}

/// Each signal type's effect (all its windows and its days since
/// together), and the sources they cover.
fn signal_effects(model: &Model) -> (Vec<Effect>, Vec<String>) {
    let spec = &model.spec;
    let cap = f64::from(spec.recency_cap_days);
    let part = |src: &str, v: f64| part(model, src, v);
    let in_model = |src: &str| model.terms.iter().any(|t| t.source == src);
    let mut out = vec![];
    let mut done: Vec<String> = vec![];
    for ty in &spec.signal_types {
        let windows: Vec<(u32, String)> = spec
            .windows
            .iter()
            .map(|w| (*w, format!("signal_{ty}_{w}d")))
            .filter(|(_, src)| in_model(src))
            .collect();
        let since = format!("days_since_{ty}");
        if windows.is_empty() && !in_model(&since) {
            continue;
        }
        // n events `age` days ago against none
        let event = |age: u32, n: f64| -> f64 {
            let counts: f64 = windows
                .iter()
                .map(|(w, src)| {
                    let c = if age <= *w { n } else { 0.0 };
                    part(src, c) - part(src, 0.0)
                })
                .sum();
            counts + part(&since, f64::from(age).min(cap)) - part(&since, cap)
        };
        let mut ages: Vec<u32> = spec.windows.clone();
        ages.sort_unstable();
        let Some(&first) = ages.first() else { continue };
        let older: Vec<String> = ages[1..]
            .iter()
            .map(|a| format!("{a} days ago: {}", odds(event(*a, 1.0))))
            .collect();
        let older = if older.is_empty() {
            String::new()
        } else {
            format!(" ({})", older.join(", "))
        };
        let (one, five) = (event(first, 1.0), event(first, 5.0) - event(first, 1.0));
        // a move reads as the person who moved
        let noun = crate::features::movers::phrase(ty)
            .map_or_else(|| pretty(ty), |(person, _)| format!("{person} joined"));
        out.push(Effect {
            feature: capitalize(&noun),
            sentence: format!(
                "{} {noun} in the last {first} days: {} against none in {} days{older}; five rather than one: {}",
                article(&noun),
                odds(one),
                count(cap),
                odds(five)
            ),
            log_odds: one,
        });
        done.extend(windows.iter().map(|(_, s)| s.clone()));
        done.push(since.clone());
    }
    (out, done)
}

/// The effects of one source that is not a signal type's: (sentence,
/// log-odds) for a pair, each text level, a scheduled event, a flag, the
/// strongest exact values, a learned shape or one standard deviation.
fn source_effects(model: &Model, src: &str, terms: &[&Term]) -> Vec<(String, f64)> {
    let spec = &model.spec;
    let cap = f64::from(spec.recency_cap_days);
    let part = |src: &str, v: f64| part(model, src, v);
    let mut out = vec![];
    let mut push = |sentence: String, d: f64| out.push((sentence, d));
    if let Some(first) = terms.first().filter(|t| matches!(t.kind, Kind::Pair(_))) {
        let (lo, hi) = terms.iter().fold((0.0_f64, 0.0_f64), |(lo, hi), t| {
            (lo.min(t.coef_original()), hi.max(t.coef_original()))
        });
        let best = terms
            .iter()
            .max_by(|a, b| a.coef_original().abs().total_cmp(&b.coef_original().abs()))
            .unwrap_or(first);
        let d = best.coef_original();
        push(
            format!(
                "{} together: {} {} than their effects alone say (the pair's cells range from {} to {})",
                src.split(" \u{d7} ").map(feature_name).collect::<Vec<_>>().join(" \u{d7} "),
                best.label(),
                if d > 0.0 { "wins more" } else { "wins less" },
                odds(lo),
                odds(hi)
            ),
            d,
        );
        return out;
    }
    if terms.iter().any(|t| t.level().is_some()) {
        // against the average deal: the levels' effects weighed by their shares
        let average: f64 = terms.iter().map(|t| t.mean * t.coef_original()).sum();
        for t in terms {
            let level = t.level().unwrap_or_default();
            let d = t.coef_original() - average;
            push(
                format!(
                    "{}: {level} (against the average deal): {}",
                    capitalize(&pretty(src)),
                    odds(d)
                ),
                d,
            );
        }
        return out;
    }
    if let Some(Signal::Until { kind: ty }) = signals::find(spec, src) {
        let soon = terms
            .iter()
            .filter_map(|t| match t.kind {
                Kind::Number(Number {
                    shape: Shape::Within { days, .. },
                    ..
                }) => Some(f64::from(days)),
                _ => None,
            })
            .fold(30.0_f64.min(cap - 1.0), f64::min);
        let d = part(src, soon) - part(src, cap);
        push(
            format!(
                "{} {} due in {} days (against none scheduled): {}",
                article(&pretty(ty)),
                pretty(ty),
                count(soon),
                odds(d)
            ),
            d,
        );
        return out;
    }
    let flag = spec.is_flag(src) || src.ends_with("_missing");
    if flag {
        let d = part(src, 1.0) - part(src, 0.0);
        let sentence = match spec.technology(src) {
            Some(disp) => format!("Uses {disp}: {}", odds(d)),
            None => format!(
                "{} unknown: {}",
                capitalize(&pretty(src.trim_end_matches("_missing"))),
                odds(d)
            ),
        };
        push(sentence, d);
        return out;
    }
    // frequent exact values (typed-in round amounts, zeros), the
    // strongest few, against the values around them
    let mut exact: Vec<(f64, f64)> = terms
        .iter()
        .filter_map(|t| match &t.kind {
            Kind::Exact(e) => Some((e.value, t.coef_original())),
            _ => None,
        })
        .collect();
    exact.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    for &(value, d) in exact.iter().take(EXACT_SENTENCES) {
        push(
            format!(
                "{} exactly {} (against the values around it): {}",
                feature_name(src),
                natural_value(src, value),
                odds(d)
            ),
            d,
        );
    }
    // a learned shape: its best bin against its worst
    if let Some(sentence) = shape_sentence(src, terms) {
        push(sentence.0, sentence.1);
        return out;
    }
    // a number: one standard deviation up from its training mean
    let Some(lin) = terms.iter().find(|t| {
        matches!(
            t.kind,
            Kind::Number(Number {
                shape: Shape::Linear,
                ..
            })
        )
    }) else {
        return out;
    };
    let (m, sd) = (lin.mean, lin.std);
    let d = part(src, m + sd) - part(src, m);
    push(
        format!(
            "{} {} rather than {} (one standard deviation up): {}",
            capitalize(&pretty(src)),
            short(m + sd),
            short(m),
            odds(d)
        ),
        d,
    );
    out
}

/// The exact values of a source the effects name, the strongest first.
const EXACT_SENTENCES: usize = 5;

/// "A" or "An" before a word.
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "An"
    } else {
        "A"
    }
}

fn short(x: f64) -> String {
    if x.abs() >= 100.0 {
        thousands(x)
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// The bins of a source's learned shape (between its step cuts, from the
/// lowest to the highest value its terms know), each with the shape's
/// effect at its middle: (from, to, log-odds). None without steps.
pub fn shape_bins(terms: &[&Term]) -> Option<Vec<(f64, f64, f64)>> {
    let mut cuts: Vec<f64> = terms
        .iter()
        .filter_map(|t| match &t.kind {
            Kind::Step(s) => Some(s.at),
            _ => None,
        })
        .collect();
    if cuts.is_empty() {
        return None;
    }
    cuts.sort_by(|a, b| a.total_cmp(b));
    let bounds = terms.iter().find_map(|t| match t.kind {
        Kind::Number(Number {
            shape: Shape::Linear,
            clip: Some(c),
        }) => Some(c),
        _ => None,
    });
    let first = cuts[0];
    let last = cuts[cuts.len() - 1];
    let (lo, hi) = bounds.map_or((first - 1.0, last + 1.0), |[lo, hi]| {
        (lo.min(first), hi.max(last))
    });
    let effect = |x: f64| terms.iter().map(|t| t.effect_at(x)).sum::<f64>();
    let mut edges = vec![lo];
    edges.extend(&cuts);
    edges.push(hi);
    Some(
        edges
            .windows(2)
            .filter(|w| w[1] > w[0] || w[0] == hi)
            .map(|w| (w[0], w[1], effect(0.5 * (w[0] + w[1]))))
            .collect(),
    )
}

/// A value of feature `src` in the units a leader knows: the feature it
/// is computed from where the plan transforms one (2,200 employees, 2.3×
/// the industry median), else the value itself.
pub fn natural_value(src: &str, v: f64) -> String {
    let of = FeatureSpec::natural(src).map_or("", |n| n.unit.of());
    format!("{}{of}", natural_number(src, v))
}

/// `natural_value` without what the number is of ("1.6\u{d7}", not "1.6\u{d7}
/// the industry median"): a chart's tick, its axis title saying the rest.
pub fn natural_number(src: &str, v: f64) -> String {
    let Some(n) = FeatureSpec::natural(src) else {
        return crate::model::terms::show(v);
    };
    let x = n.value(v);
    match n.unit {
        Unit::Count => thousands(x.round()),
        Unit::Money => format!("${}", amount(x)),
        Unit::IndustryRatio => format!("{x:.1}\u{d7}"),
        Unit::Plain => short(x),
    }
}

/// An amount in short: "1.2M", "250k", "900".
pub fn amount(x: f64) -> String {
    if x.abs() >= 1e6 {
        format!("{:.1}M", x / 1e6)
    } else if x.abs() >= 1e3 {
        format!("{:.0}k", x / 1e3)
    } else {
        format!("{x:.0}")
    }
}

/// A feature's name as a leader reads it ("Employees", not "Log employees").
pub fn feature_name(src: &str) -> String {
    FeatureSpec::natural(src).map_or_else(|| capitalize(&pretty(src)), |n| n.name.to_string())
}

/// The direction a monotone source's terms hold its effect to, in words.
fn held(terms: &[&Term]) -> Option<&'static str> {
    let t = terms.iter().find(|t| t.sign != 0)?;
    let d = f64::from(t.sign) * t.rising()?;
    Some(if d > 0.0 { "increasing" } else { "decreasing" })
}

/// "Employees: best from 2,200 (×1.80 odds against below 40, the worst)",
/// in the units of the feature the source is computed from; a monotone
/// source adds "held increasing, as configured".
fn shape_sentence(src: &str, terms: &[&Term]) -> Option<(String, f64)> {
    let bins = shape_bins(terms)?;
    let best = bins.iter().max_by(|a, b| a.2.total_cmp(&b.2))?;
    let worst = bins.iter().min_by(|a, b| a.2.total_cmp(&b.2))?;
    let span = |b: &(f64, f64, f64)| {
        if b.0 == bins[0].0 {
            format!("below {}", natural_value(src, b.1))
        } else if b.1 == bins[bins.len() - 1].1 {
            format!("from {}", natural_value(src, b.0))
        } else {
            format!(
                "from {} to {}",
                natural_value(src, b.0),
                natural_value(src, b.1)
            )
        }
    };
    let d = best.2 - worst.2;
    let held = held(terms).map_or(String::new(), |h| format!("; held {h}, as configured"));
    Some((
        format!(
            "{}: best {} ({} against {}, the worst){held}",
            feature_name(src),
            span(best),
            format_args!("\u{d7}{:.2} odds", d.exp()),
            span(worst)
        ),
        d,
    ))
}
