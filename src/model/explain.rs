//! Plain-language reasons: the largest contributions to an account's score,
//! positive first unless the negatives dominate, worded for a sales rep.

use crate::features::signals::{self, Signal};
use crate::features::FeatureTable;
use crate::features::Shape;
use crate::model::terms::number::Number;
use crate::model::terms::{Kind, Term};
use crate::model::{Linear, Model};

pub(crate) fn pretty(t: &str) -> String {
    t.replace('_', " ")
}

pub(crate) fn count(x: f64) -> String {
    let mut out = String::new();
    write_count(&mut out, x);
    out
}

/// `x` to one decimal, rounded half up as `floor(x * 10 + 0.5)` in
/// floating point, appended to `out`. Every SQL engine computes those two
/// operations to the same bits (`sql::columns::Words::one_decimal`), where
/// formatting functions differ: `printf('%.1f')` rounds the exact binary
/// value, Java's formatter (Spark) its shortest decimal, so 12.35 (a
/// little below in binary) reads 12.3 in one and 12.4 in the other.
pub(crate) fn write_one_decimal(out: &mut String, x: f64) {
    use std::fmt::Write;
    let n = (x * 10.0 + 0.5).floor();
    if !n.is_finite() {
        write!(out, "{x}").ok();
        return;
    }
    let a = n.abs();
    let whole = (a / 10.0).floor();
    let sign = if n < 0.0 { "-" } else { "" };
    write!(out, "{sign}{}.{}", whole as i64, (a - 10.0 * whole) as i64).ok();
}

fn thousands(x: f64) -> String {
    let s = format!("{}", x.round() as i64);
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 && c != '-' {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// How a source's value at a row is worded, resolved once against a
/// table (its columns by position, its fixed words written out), so that
/// `render` only formats the row's numbers.
enum Phrase {
    /// A pair's two values: "A with b".
    Pair(Box<Phrase>, Box<Phrase>),
    /// `text` where the mask column is set, else the inner phrase.
    Unknown {
        mask: Option<usize>,
        text: String,
        then: Box<Phrase>,
    },
    /// `before` + the text value + `after` (`_` as spaces if `spaced`).
    Text {
        col: Option<usize>,
        before: String,
        after: &'static str,
        spaced: bool,
    },
    /// `before` + count(value) + `after` when the value passes `when`,
    /// else `otherwise`.
    Count {
        col: Option<usize>,
        when: When,
        before: String,
        after: String,
        otherwise: String,
    },
    /// `yes` when the value is over 0.5, else `no`.
    Flag {
        col: Option<usize>,
        yes: String,
        no: String,
    },
    /// A signal type's windows and days since (a reason group): the
    /// shortest window with an event, else the days since the last one
    /// under `cap`, else `none`.
    SignalType {
        windows: Vec<(u32, Option<usize>)>,
        counted: String,
        since: Option<(Option<usize>, String)>,
        cap: f64,
        none: String,
    },
    RevenuePerEmployee {
        ratio: Option<usize>,
        industry: Option<usize>,
    },
    Employees(Option<usize>),
    Revenue(Option<usize>),
    Hiring {
        hires: Option<usize>,
        intensity: Option<usize>,
    },
}

#[derive(Clone, Copy)]
enum When {
    Always,
    Positive,
    Below(f64),
}

impl Phrase {
    fn of_term(model: &Model, table: &FeatureTable, t: &Term) -> Phrase {
        match t.inputs().as_slice() {
            [a, b] => Phrase::Pair(
                Box::new(Phrase::of_source(model, table, a)),
                Box::new(Phrase::of_source(model, table, b)),
            ),
            _ => Phrase::of_source(model, table, &t.source),
        }
    }

    /// A reason group's wording: a signal type's (`export-sql` words it the
    /// same in `sql::columns::describe_group`), else its one source's.
    fn of_group(model: &Model, table: &FeatureTable, group: &crate::model::ReasonGroup) -> Phrase {
        let sources = model.sources();
        let first = &model.terms[sources[group.sources[0]].start];
        let Some(kind) = &group.signal else {
            return Phrase::of_term(model, table, first);
        };
        let at = |n: &str| table.names.iter().position(|x| x == n);
        let g = signal_group(model, group);
        let w = signals::wording(kind);
        Phrase::SignalType {
            windows: g.windows.iter().map(|(d, src)| (*d, at(src))).collect(),
            counted: w.counted,
            since: g.since.map(|src| (at(&src), w.since)),
            cap: f64::from(model.spec.recency_cap_days),
            none: g.none,
        }
    }

    /// Feature `src`'s wording (`export-sql` words it the same in
    /// `sql::columns::describe_source`).
    fn of_source(model: &Model, table: &FeatureTable, src: &str) -> Phrase {
        let at = |n: &str| table.names.iter().position(|x| x == n);
        let spec = &model.spec;
        let cap = spec.recency_cap_days as f64;
        let mask = crate::features::FeatureSpec::null_mask(src);
        let words = Self::words(model, table, src, at(src), cap);
        match at(&mask) {
            Some(m) => Phrase::Unknown {
                mask: Some(m),
                text: format!("{} unknown", capitalize(&pretty(src))),
                then: Box::new(words),
            },
            None => words,
        }
    }

    fn words(
        model: &Model,
        table: &FeatureTable,
        src: &str,
        col: Option<usize>,
        cap: f64,
    ) -> Phrase {
        let at = |n: &str| table.names.iter().position(|x| x == n);
        let spec = &model.spec;
        let count_of = |when, before: String, after: String, otherwise: String| Phrase::Count {
            col,
            when,
            before,
            after,
            otherwise,
        };
        if let Some(crate::features::Values::Text(_)) = col.map(|c| &table.columns[c]) {
            return match src {
                "industry" => Phrase::Text {
                    col,
                    before: "Industry: ".into(),
                    after: "",
                    spaced: false,
                },
                "size_band" => Phrase::Text {
                    col,
                    before: "Size band: ".into(),
                    after: " for its industry",
                    spaced: true,
                },
                _ => Phrase::Text {
                    col,
                    before: format!("{}: ", pretty(src)),
                    after: "",
                    spaced: false,
                },
            };
        }
        if let Some(signal) = signals::find(spec, src) {
            return match signal {
                Signal::Window { kind, days } => {
                    let w = signals::wording(kind);
                    count_of(
                        When::Positive,
                        String::new(),
                        format!("{} in the last {days} days", w.counted),
                        format!("{} in the last {days} days", w.none),
                    )
                }
                Signal::Since { kind } => {
                    let w = signals::wording(kind);
                    count_of(
                        When::Below(cap),
                        w.since,
                        " days ago".into(),
                        format!("{} in the last {} days", w.none, count(cap)),
                    )
                }
                Signal::Until { kind } => count_of(
                    When::Below(cap),
                    format!("{} in ", capitalize(&pretty(kind))),
                    " days".into(),
                    format!("No {} scheduled", pretty(kind)),
                ),
                Signal::Distinct { days } => count_of(
                    When::Always,
                    String::new(),
                    format!(" different signal types in the last {days} days"),
                    String::new(),
                ),
            };
        }
        if let Some(disp) = spec.technology(src) {
            return Phrase::Flag {
                col,
                yes: format!("Uses {disp}"),
                no: format!("Does not use {disp}"),
            };
        }
        match src {
            "log_rpe_industry_ratio" => Phrase::RevenuePerEmployee {
                ratio: at("rpe_industry_ratio"),
                industry: at("industry"),
            },
            "log_employees" => Phrase::Employees(at("employees")),
            "log_revenue" => Phrase::Revenue(at("annual_revenue")),
            "company_age" => count_of(
                When::Always,
                "Company age ".into(),
                " years".into(),
                String::new(),
            ),
            "hiring_intensity" => Phrase::Hiring {
                hires: at("hires_12m"),
                intensity: col,
            },
            "log_jobs_posted_30d" => Phrase::Count {
                col: at("jobs_posted_30d"),
                when: When::Always,
                before: String::new(),
                after: " jobs posted in the last 30 days".into(),
                otherwise: String::new(),
            },
            "prior_won_deals" => count_of(
                When::Positive,
                String::new(),
                " earlier won deal(s)".into(),
                "No earlier won deals".into(),
            ),
            s if s.ends_with("_missing") => {
                let c = capitalize(&pretty(s.trim_end_matches("_missing")));
                Phrase::Flag {
                    col,
                    yes: format!("{c} unknown (imputed)"),
                    no: format!("{c} known"),
                }
            }
            s => count_of(
                When::Always,
                format!("{} = ", pretty(s)),
                String::new(),
                String::new(),
            ),
        }
    }

    /// The phrase at `row`, appended to `out`.
    fn render(&self, table: &FeatureTable, row: usize, out: &mut String) {
        use std::fmt::Write;
        let num = |c: &Option<usize>| c.and_then(|c| table.columns[c].num(row)).unwrap_or(0.0);
        let text = |c: &Option<usize>| match c.map(|c| &table.columns[c]) {
            Some(crate::features::Values::Text(v)) => v[row].as_str(),
            _ => "",
        };
        match self {
            Phrase::Pair(a, b) => {
                a.render(table, row, out);
                out.push_str(" with ");
                let start = out.len();
                b.render(table, row, out);
                let first = out[start..].chars().next();
                if let Some(f) = first.filter(|f| !f.is_lowercase()) {
                    let lower: String = f.to_lowercase().collect();
                    out.replace_range(start..start + f.len_utf8(), &lower);
                }
            }
            Phrase::Unknown {
                mask,
                text: t,
                then,
            } => {
                if num(mask) > 0.5 {
                    out.push_str(t);
                } else {
                    then.render(table, row, out);
                }
            }
            Phrase::Text {
                col,
                before,
                after,
                spaced,
            } => {
                out.push_str(before);
                if *spaced {
                    out.push_str(&pretty(text(col)));
                } else {
                    out.push_str(text(col));
                }
                out.push_str(after);
            }
            Phrase::Count {
                col,
                when,
                before,
                after,
                otherwise,
            } => {
                let v = num(col);
                let yes = match when {
                    When::Always => true,
                    When::Positive => v > 0.0,
                    When::Below(cap) => v < *cap,
                };
                if yes {
                    out.push_str(before);
                    write_count(out, v);
                    out.push_str(after);
                } else {
                    out.push_str(otherwise);
                }
            }
            Phrase::Flag { col, yes, no } => out.push_str(if num(col) > 0.5 { yes } else { no }),
            Phrase::SignalType {
                windows,
                counted,
                since,
                cap,
                none,
            } => {
                if let Some((days, c)) = windows.iter().find(|(_, c)| num(c) > 0.0) {
                    write_count(out, num(c));
                    write!(out, "{counted} in the last {days} days").ok();
                } else if let Some((c, text)) = since.as_ref().filter(|(c, _)| num(c) < *cap) {
                    out.push_str(text);
                    write_count(out, num(c));
                    out.push_str(" days ago");
                } else {
                    out.push_str(none);
                }
            }
            Phrase::RevenuePerEmployee { ratio, industry } => {
                out.push_str("Revenue per employee ");
                write_one_decimal(out, num(ratio));
                write!(out, "x the {} median", text(industry)).ok();
            }
            Phrase::Employees(c) => {
                write!(out, "{} employees", thousands(num(c))).ok();
            }
            Phrase::Revenue(c) => {
                out.push_str("Annual revenue $");
                write_one_decimal(out, num(c) / 1e6);
                out.push('M');
            }
            Phrase::Hiring { hires, intensity } => {
                out.push_str("Hired ");
                write_count(out, num(hires));
                out.push_str(" people in 12 months (");
                write_one_decimal(out, 100.0 * num(intensity));
                out.push_str("% of headcount)");
            }
        }
    }
}

/// `count(x)` appended to `out`.
fn write_count(out: &mut String, x: f64) {
    use std::fmt::Write;
    if (x - x.round()).abs() < 1e-9 {
        write!(out, "{}", x.round() as i64).ok();
    } else {
        write_one_decimal(out, x);
    }
}

pub(crate) use crate::config::capitalize;

/// A signal type's reason group as both scorers word it: its windows in
/// the model, shortest first (feature names), its days-since feature if in
/// the model, and the sentence when neither holds an event.
pub(crate) struct SignalGroup {
    pub windows: Vec<(u32, String)>,
    pub since: Option<String>,
    pub none: String,
}

pub(crate) fn signal_group(model: &Model, group: &crate::model::ReasonGroup) -> SignalGroup {
    let sources = model.sources();
    let mut windows = vec![];
    let mut since = None;
    for &k in &group.sources {
        let src = &model.terms[sources[k].start].source;
        match signals::find(&model.spec, src) {
            Some(Signal::Window { days, .. }) => windows.push((days, src.clone())),
            Some(Signal::Since { .. }) => since = Some(src.clone()),
            _ => {}
        }
    }
    windows.sort_unstable();
    let kind = group.signal.as_deref().unwrap_or_default();
    let none = signals::wording(kind).none;
    let none = match windows.last() {
        Some((days, _)) => format!("{none} in the last {days} days"),
        None => format!(
            "{none} in the last {} days",
            count(f64::from(model.spec.recency_cap_days))
        ),
    };
    SignalGroup {
        windows,
        since,
        none,
    }
}

/// Reusable buffers for `reasons` (one per batch, not per row).
#[derive(Default)]
pub struct Scratch {
    cands: Vec<(f64, Result<usize, usize>)>,
    order: Vec<(f64, usize)>,
    /// The model's reason groups, and per group the boolean columns that,
    /// when true for a row, mean a value was imputed (not cited then).
    groups: Option<(Vec<crate::model::ReasonGroup>, Vec<Vec<usize>>)>,
    /// Each group's wording, resolved when first cited.
    phrases: Vec<Option<Phrase>>,
    sentence: String,
}

/// The `*_missing` flags behind a source: a reason never cites a value
/// that was imputed (or a column the universe does not have).
pub(crate) fn missing_flags(model: &Model, source: &str) -> &'static [&'static str] {
    match source {
        s if model.spec.technology(s).is_some() => &["technologies_missing"],
        "log_employees" | "size_band" => &["employees_missing"],
        "log_rpe_industry_ratio" => &["employees_missing", "annual_revenue_missing"],
        "company_age" => &["founded_year_missing"],
        "log_jobs_posted_30d" => &["hiring_missing"],
        "hiring_intensity" => &["hiring_missing", "employees_missing"],
        _ => &[],
    }
}

/// Three reasons for one row, each saying whether it raises or lowers the
/// score ("Raises: Uses Salesforce"). Candidates are the features' contributions
/// (a text feature's one-hot levels summed: "Industry: Software" is one
/// effect) and the matched rules (weighted by the hybrid's rule weight).
/// Positives come first, largest first, unless the row's total is
/// negative; then negatives lead. Only the first few candidates are
/// ordered: three distinct sentences are needed.
pub fn reasons(
    model: &Model,
    table: &FeatureTable,
    lin: &Linear,
    row: usize,
    matched: &[(String, f64)],
    disqualified: Option<&str>,
    scratch: &mut Scratch,
) -> [String; 3] {
    let (groups, imputed) = scratch.groups.get_or_insert_with(|| {
        let groups = model.reason_groups();
        let imputed = groups
            .iter()
            .map(|g| {
                g.sources
                    .iter()
                    .flat_map(|&k| missing_flags(model, &model.terms[lin.sources[k].start].source))
                    .filter_map(|f| table.names.iter().position(|n| n == f))
                    .collect()
            })
            .collect();
        (groups, imputed)
    });
    // candidates: (contribution to the hybrid logit, reason group or matched rule)
    let cands = &mut scratch.cands;
    cands.clear();
    let row_c = lin.row(row);
    for (i, (g, flags)) in groups.iter().zip(imputed.iter()).enumerate() {
        // summed in source order from the first (as the SQL adds them)
        let c = g.sources[1..]
            .iter()
            .fold(row_c[g.sources[0]], |a, &k| a + row_c[k])
            * model.hybrid.model_weight;
        let was_imputed = flags
            .iter()
            .any(|&k| table.columns[k].num(row).is_some_and(|v| v > 0.5));
        if c.abs() > 1e-6 && !was_imputed {
            cands.push((c, Ok(i)));
        }
    }
    for (k, (_, pts)) in matched.iter().enumerate() {
        cands.push((pts * model.hybrid.rule_weight, Err(k)));
    }
    let total: f64 = cands.iter().map(|c| c.0).sum();
    // order: the leading sign first, larger magnitudes first, then candidate
    // order; as one number (a logit contribution is far below 1e9 in size)
    let cmp = |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
    let keyed = cands
        .iter()
        .enumerate()
        .filter(|(_, c)| c.0 != 0.0)
        .map(|(i, c)| {
            let lead = if total >= 0.0 { c.0 > 0.0 } else { c.0 < 0.0 };
            (if lead { 0.0 } else { 1e9 } - c.0.abs(), i)
        });
    // the best few by insertion; all of them only if duplicate sentences use those up
    const FIRST: usize = 6;
    let order = &mut scratch.order;
    order.clear();
    let mut complete = true;
    for k in keyed.clone() {
        if order.len() == FIRST {
            complete = false;
            if cmp(&k, &order[FIRST - 1]).is_ge() {
                continue;
            }
            order.pop();
        }
        let at = order.partition_point(|o| cmp(o, &k).is_lt());
        order.insert(at, k);
    }
    let mut out: Vec<String> = Vec::with_capacity(3);
    if let Some(d) = disqualified {
        out.push(format!("Disqualified: {d}"));
    }
    let mut k = 0;
    while out.len() < 3 {
        if k == order.len() {
            if complete {
                break;
            }
            order.clear();
            order.extend(keyed.clone());
            order.sort_unstable_by(cmp);
            complete = true;
        }
        let (c, which) = cands[order[k].1];
        let s = &mut scratch.sentence;
        s.clear();
        s.push_str(if c > 0.0 { "Raises: " } else { "Lowers: " });
        match which {
            Ok(j) => {
                if scratch.phrases.len() < groups.len() {
                    scratch.phrases.resize_with(groups.len(), || None);
                }
                scratch.phrases[j]
                    .get_or_insert_with(|| Phrase::of_group(model, table, &groups[j]))
                    .render(table, row, s);
            }
            Err(m) => {
                use std::fmt::Write;
                write!(s, "rule {} ({:+} points)", matched[m].0, matched[m].1).ok();
            }
        }
        if !out.iter().any(|o| o == s) {
            out.push(s.clone());
        }
        k += 1;
    }
    let mut it = out.into_iter();
    let mut next = || it.next().unwrap_or_default();
    [next(), next(), next()]
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_decimal_rounds_half_up_on_ten_times_the_value() {
        let one = |x: f64| {
            let mut s = String::new();
            super::write_one_decimal(&mut s, x);
            s
        };
        // 12.35 is 12.3499.. in binary, but 123.5 times ten: up, as in SQL
        assert_eq!(one(12.35), "12.4");
        assert_eq!(one(0.25), "0.3");
        assert_eq!(one(2.0), "2.0");
        assert_eq!(one(-0.04), "0.0");
        assert_eq!(one(-0.06), "-0.1");
        assert_eq!(one(-2.46), "-2.5");
        assert_eq!(one(1234.56), "1234.6");
    }

    #[test]
    fn formats_thousands() {
        assert_eq!(super::thousands(2822.0), "2,822");
        assert_eq!(super::thousands(1234567.0), "1,234,567");
        assert_eq!(super::thousands(12.0), "12");
    }
}

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
    use crate::features::{FeatureSpec, Unit};
    match FeatureSpec::natural(src, v) {
        Some((_, x, Unit::Count)) => thousands(x.round()),
        Some((_, x, Unit::Money)) => format!("${}", amount(x)),
        Some((_, x, Unit::IndustryRatio)) => format!("{x:.1}\u{d7} the industry median"),
        Some((_, x, Unit::Plain)) => short(x),
        None => crate::model::terms::show(v),
    }
}

/// An amount in short: "1.2M", "250k", "900".
pub(crate) fn amount(x: f64) -> String {
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
    crate::features::FeatureSpec::natural(src, 0.0)
        .map_or_else(|| capitalize(&pretty(src)), |(name, _, _)| name.to_string())
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
