//! Plain-language reasons: the largest contributions to an account's score,
//! positive first unless the negatives dominate, worded for a sales rep.

use crate::features::signals::{self, Signal};
use crate::features::FeatureTable;
use crate::model::terms::Term;
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

mod effects;
pub use effects::amount;
pub use effects::{effects, feature_name, natural_number, natural_value, shape_bins, Effect};
