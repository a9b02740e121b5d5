//! The scored columns of `export-sql` beyond the probability, each as the
//! native scorer computes it: the fit and timing scores (`Model::quadrant`'s
//! percentiles) and the quadrant, the status (`plan`'s feature status and
//! `Model::score_table`'s notes) and the three reasons (`explain::reasons`
//! and `explain::Phrase`, worded the same). The reasons' numbers need a
//! formatting function (thousands grouped): DuckDB, Spark and Snowflake
//! each have one; ANSI SQL has none, so its export leaves the reasons out
//! and says so.

use super::{ident, num, q, text_type, Dialect};
use crate::features::signals::{self, Signal};
use crate::features::FeatureSpec;
use crate::model::explain::{capitalize, missing_flags, pretty};
use crate::model::terms::{Sql, Term};
use crate::model::Model;

/// How far below a cut-off `t` (a quantile of the universe's native
/// values) a value computed in SQL still counts as at it: many accounts
/// can share one value, which the SQL's logs and sums may miss by an ulp.
pub(super) fn slack(t: f64) -> f64 {
    1e-12 * t.abs().max(1.0)
}

/// `x` is at least cut-off `t` (with its `slack`).
pub(super) fn at_least(x: &str, t: f64) -> String {
    format!("{x} >= {}", num(t - slack(t)))
}

/// `model::percentile` of `x` among the 101 points `q`, in SQL: the last
/// point at or below x (with its `slack`) opens x's interval.
pub(super) fn percentile(q: &[f64], x: &str) -> String {
    if q.len() < 2 {
        return "50.0".into();
    }
    let last = q.len() - 1;
    let mut s = format!(
        "CASE WHEN {x} <= {} THEN 0.0 WHEN {} THEN 100.0",
        num(q[0] + slack(q[0])),
        at_least(x, q[last])
    );
    for k in 0..last {
        if q[k + 1] > q[k] {
            s += &format!(
                " WHEN NOT {} THEN ({k}.0 + ({x} - {lo}) / ({hi} - {lo})) * 100.0 / {last}.0",
                at_least(x, q[k + 1]),
                hi = num(q[k + 1]),
                lo = num(q[k])
            );
        }
    }
    s + " ELSE 100.0 END"
}

/// `parts` (SQL text, NULL when absent) joined by `sep`, skipping NULLs;
/// NULL when all are.
pub(super) fn join(d: Dialect, parts: &[String], sep: &str) -> String {
    if parts.is_empty() {
        return format!("CAST(NULL AS {})", text_type(d));
    }
    let glued: Vec<String> = parts
        .iter()
        .map(|p| format!("COALESCE({} || {p}, '')", q(d, sep)))
        .collect();
    let all = glued.join(" || ");
    let rest = match d {
        Dialect::Ansi => format!("SUBSTRING({all} FROM {})", sep.len() + 1),
        _ => format!("SUBSTR({all}, {})", sep.len() + 1),
    };
    format!("NULLIF({rest}, '')")
}

/// The feature part of a row's status from the universe's raw columns
/// (`plan`'s `STATUS`): a missing id, a missing or unseen industry, missing
/// employees. `raw` is the industry as read (aliases applied, `Unknown`
/// when missing).
pub(super) fn feature_status(
    m: &Model,
    d: Dialect,
    id: &str,
    (industry, raw): (&str, &str),
    employees: &str,
) -> String {
    let spec = &m.spec;
    let trained_on = |c: &str| spec.account_columns.iter().any(|x| x == c);
    let seen: Vec<String> = spec.seen_industries.iter().map(|i| q(d, i)).collect();
    let unseen = if seen.is_empty() {
        "TRUE".to_string()
    } else {
        format!("{raw} NOT IN ({})", seen.join(", "))
    };
    let missing = if trained_on("industry") {
        "'industry missing'"
    } else {
        "NULL"
    };
    let mut parts = vec![
        format!("CASE WHEN {id} IS NULL THEN 'account_id missing' END"),
        format!(
            "CASE WHEN {industry} IS NULL THEN {missing} WHEN {unseen} THEN 'industry not seen in training (pooled as Other)' END"
        ),
    ];
    if trained_on("employees") {
        parts.push(format!(
            "CASE WHEN NOT COALESCE(CAST({employees} AS DOUBLE) >= 0, FALSE) THEN 'employees missing (imputed)' END"
        ));
    }
    join(d, &parts, "; ")
}

/// The status: the features' status and the scorer's note (sources held
/// to their training range), or `ok`. Over the columns of `lp`.
pub(super) fn status(m: &Model, sql: &Sql) -> String {
    let d = sql.dialect;
    let held: Vec<String> = m
        .sources()
        .iter()
        .filter_map(|r| {
            let conds: Vec<String> = m.terms[r.clone()]
                .iter()
                .filter_map(|t| t.held_sql(sql))
                .collect();
            (!conds.is_empty()).then(|| {
                format!(
                    "CASE WHEN {} THEN {} END",
                    conds.join(" OR "),
                    q(d, &m.terms[r.start].source)
                )
            })
        })
        .collect();
    let note = format!(
        "'outside the training range, held to it: ' || {}",
        join(sql.dialect, &held, ", ")
    );
    let all = join(sql.dialect, &["__status".to_string(), note], "; ");
    format!("COALESCE({all}, 'ok')")
}

/// Numbers in words, in a dialect: `explain`'s `count`, `{:.1}` and
/// `thousands`.
struct Words {
    d: Dialect,
}

impl Words {
    fn whole(&self, x: &str) -> String {
        format!("CAST(CAST(ROUND({x}) AS BIGINT) AS {})", text_type(self.d))
    }

    /// `explain::write_one_decimal`: `n = FLOOR(x * 10 + 0.5)`, the same
    /// bits in every engine, written as whole tenths.
    fn one_decimal(&self, x: &str) -> String {
        let n = format!("FLOOR(({x}) * 10 + 0.5)");
        let whole = format!("FLOOR(ABS({n}) / 10)");
        let int = |e: &str| format!("CAST(CAST({e} AS BIGINT) AS {})", text_type(self.d));
        format!(
            "CASE WHEN {n} < 0 THEN '-' ELSE '' END || {} || '.' || {}",
            int(&whole),
            int(&format!("ABS({n}) - 10 * {whole}"))
        )
    }

    fn count(&self, x: &str) -> String {
        format!(
            "CASE WHEN ABS({x} - ROUND({x})) < 1E-9 THEN {} ELSE {} END",
            self.whole(x),
            self.one_decimal(x)
        )
    }

    fn thousands(&self, x: &str) -> String {
        let n = format!("CAST(ROUND({x}) AS BIGINT)");
        match self.d {
            Dialect::Spark => format!("format_number({n}, 0)"),
            Dialect::Snowflake => format!("TO_VARCHAR({n}, 'FM9,999,999,999,999,999,990')"),
            _ => format!("format('{{:,}}', {n})"),
        }
    }
}

/// `explain::Phrase::of_source` in SQL: feature `src`'s value in words.
fn describe_source(m: &Model, sql: &Sql, w: &Words, src: &str) -> String {
    let d = sql.dialect;
    let spec = &m.spec;
    let n = |c: &str| sql.number(c);
    let cap = f64::from(spec.recency_cap_days);
    let col = |c: &str| ident(sql.dialect, c);
    let is_text = spec.list().iter().any(|(f, t)| f == src && *t == "text");
    let words = if is_text {
        match src {
            "industry" => format!("'Industry: ' || {}", col(src)),
            "size_band" => format!(
                "'Size band: ' || REPLACE({}, '_', ' ') || ' for its industry'",
                col(src)
            ),
            _ => format!("{} || {}", q(d, &format!("{}: ", pretty(src))), col(src)),
        }
    } else if let Some(signal) = signals::find(spec, src) {
        let v = n(src);
        match signal {
            Signal::Window { kind, days } => {
                let words = signals::wording(kind);
                format!(
                    "CASE WHEN {v} > 0 THEN {} || {} ELSE {} END",
                    w.count(&v),
                    q(d, &format!("{} in the last {days} days", words.counted)),
                    q(d, &format!("{} in the last {days} days", words.none))
                )
            }
            Signal::Since { kind } => {
                let words = signals::wording(kind);
                format!(
                    "CASE WHEN {v} < {} THEN {} || {} || ' days ago' ELSE {} END",
                    num(cap),
                    q(d, &words.since),
                    w.count(&v),
                    q(
                        d,
                        &format!(
                            "{} in the last {} days",
                            words.none,
                            crate::model::explain::count(cap)
                        )
                    )
                )
            }
            Signal::Until { kind } => format!(
                "CASE WHEN {v} < {} THEN {} || {} || ' days' ELSE {} END",
                num(cap),
                q(d, &format!("{} in ", capitalize(&pretty(kind)))),
                w.count(&v),
                q(d, &format!("No {} scheduled", pretty(kind)))
            ),
            Signal::Distinct { days } => format!(
                "{} || {}",
                w.count(&v),
                q(
                    d,
                    &format!(" different signal types in the last {days} days")
                )
            ),
        }
    } else if let Some(disp) = spec.technology(src) {
        format!(
            "CASE WHEN {} > 0.5 THEN {} ELSE {} END",
            n(src),
            q(d, &format!("Uses {disp}")),
            q(d, &format!("Does not use {disp}"))
        )
    } else {
        match src {
            "log_rpe_industry_ratio" => format!(
                "'Revenue per employee ' || {} || 'x the ' || {} || ' median'",
                w.one_decimal(&n("rpe_industry_ratio")),
                col("industry")
            ),
            "log_employees" => format!("{} || ' employees'", w.thousands(&n("employees"))),
            "log_revenue" => format!(
                "'Annual revenue $' || {} || 'M'",
                w.one_decimal(&format!("{} / 1E6", n("annual_revenue")))
            ),
            "company_age" => format!("'Company age ' || {} || ' years'", w.count(&n(src))),
            "hiring_intensity" => format!(
                "'Hired ' || {} || ' people in 12 months (' || {} || '% of headcount)'",
                w.count(&n("hires_12m")),
                w.one_decimal(&format!("100.0 * {}", n(src)))
            ),
            "log_jobs_posted_30d" => format!(
                "{} || ' jobs posted in the last 30 days'",
                w.count(&n("jobs_posted_30d"))
            ),
            "prior_won_deals" => format!(
                "CASE WHEN {v} > 0 THEN {} || ' earlier won deal(s)' ELSE 'No earlier won deals' END",
                w.count(&n(src)),
                v = n(src)
            ),
            s if s.ends_with("_missing") => {
                let c = capitalize(&pretty(s.trim_end_matches("_missing")));
                format!(
                    "CASE WHEN {} > 0.5 THEN {} ELSE {} END",
                    n(s),
                    q(d, &format!("{c} unknown (imputed)")),
                    q(d, &format!("{c} known"))
                )
            }
            s => format!("{} || {}", q(d, &format!("{} = ", pretty(s))), w.count(&n(s))),
        }
    };
    if spec.nullable_sources().iter().any(|s| s == src) {
        format!(
            "CASE WHEN {} THEN {} ELSE {words} END",
            col(&FeatureSpec::null_mask(src)),
            q(d, &format!("{} unknown", capitalize(&pretty(src))))
        )
    } else {
        words
    }
}

/// `explain::Phrase::SignalType` in SQL: a signal type's reason group in
/// words (the shortest window with an event, else the days since the last
/// one, else none).
fn describe_group(
    m: &Model,
    sql: &Sql,
    w: &Words,
    g: &crate::model::ReasonGroup,
    kind: &str,
) -> String {
    let d = sql.dialect;
    let group = crate::model::explain::signal_group(m, g);
    let words = signals::wording(kind);
    let cap = f64::from(m.spec.recency_cap_days);
    let mut arms = String::new();
    for (days, src) in &group.windows {
        let v = sql.number(src);
        arms += &format!(
            " WHEN {v} > 0 THEN {} || {}",
            w.count(&v),
            q(d, &format!("{} in the last {days} days", words.counted))
        );
    }
    if let Some(src) = &group.since {
        let v = sql.number(src);
        arms += &format!(
            " WHEN {v} < {} THEN {} || {} || ' days ago'",
            num(cap),
            q(d, &words.since),
            w.count(&v)
        );
    }
    format!("CASE{arms} ELSE {} END", q(d, &group.none))
}

/// `explain::Phrase::of_term` in SQL: a term's sentence (a pair's two values).
fn describe(m: &Model, sql: &Sql, w: &Words, t: &Term) -> String {
    match t.inputs().as_slice() {
        [a, b] => {
            let b = describe_source(m, sql, w, b);
            let (first, rest) = match sql.dialect {
                Dialect::Ansi => (
                    format!("SUBSTRING({b} FROM 1 FOR 1)"),
                    format!("SUBSTRING({b} FROM 2)"),
                ),
                _ => (format!("SUBSTR({b}, 1, 1)"), format!("SUBSTR({b}, 2)")),
            };
            format!(
                "{} || ' with ' || LOWER({first}) || {rest}",
                describe_source(m, sql, w, a)
            )
        }
        _ => describe_source(m, sql, w, &t.source),
    }
}

/// The reasons' candidates as `(contribution, ordered, SQL sentence)`:
/// each source's contribution to the hybrid logit (`__w{k}`), cited unless
/// its value was imputed, and each matched rule's weighted points.
fn candidates(m: &Model, sql: &Sql) -> (Vec<String>, Vec<(String, String, String)>) {
    let d = sql.dialect;
    let w = Words { d: sql.dialect };
    let names: Vec<String> = m.spec.list().into_iter().map(|(n, _)| n).collect();
    let mut weights = vec![];
    let mut cands = vec![];
    let sources = m.sources();
    for (k, g) in m.reason_groups().iter().enumerate() {
        // summed in source order, as `explain::reasons` sums them
        let sum: Vec<String> = g.sources.iter().map(|s| format!("__c{s}")).collect();
        weights.push(format!(
            "({}) * {} AS __w{k}",
            sum.join(" + "),
            num(m.hybrid.model_weight)
        ));
        let flags: Vec<String> = g
            .sources
            .iter()
            .flat_map(|&s| missing_flags(m, &m.terms[sources[s].start].source))
            .filter(|f| names.iter().any(|n| n == *f))
            .map(|f| format!(" AND NOT {} > 0.5", sql.number(f)))
            .collect();
        let words = match &g.signal {
            Some(kind) => describe_group(m, sql, &w, g, kind),
            None => describe(m, sql, &w, &m.terms[sources[g.sources[0]].start]),
        };
        cands.push((
            format!("__w{k}"),
            format!("ABS(__w{k}) > 1E-6{}", flags.concat()),
            words,
        ));
    }
    let rules = &m.config.rules;
    for (i, r) in rules.iter().enumerate() {
        let c = r.points * m.hybrid.rule_weight;
        if c != 0.0 {
            cands.push((
                num(c),
                format!("__r{i}"),
                q(d, &format!("rule {} ({:+} points)", r.name, r.points)),
            ));
        }
    }
    (weights, cands)
}

/// Candidates the reasons are picked from, best first: the three reasons
/// are the first three distinct sentences among them (a sentence can
/// repeat, say two windows' "No demo requests in the last 180 days"). The
/// fourth and fifth are picked only on rows whose first three repeat one.
const PICKS: usize = 5;
/// Picked on every row.
const ALWAYS: usize = 3;
/// The key of a candidate that is none (or already picked).
const NONE: &str = "1E300";

/// The reasons as CTE levels, each a list of columns over the previous
/// level (the first over `p`), the last with `__reason_1` .. `__reason_3`
/// (NULL when there are fewer); None for ANSI SQL, which cannot format
/// numbers portably.
///
/// The order is `explain::reasons`': the leading sign first, larger
/// magnitudes first, then candidate order. No array is sorted and no
/// sentence is built but the few picked: each candidate's order key is a
/// number (`order_keys`), the picks are found by `LEAST` (`picks`), and
/// only then are the picked candidates' sentences written and the first
/// three distinct ones kept (`distinct`).
pub(super) fn reasons(m: &Model, sql: &Sql) -> Option<Vec<Vec<String>>> {
    let d = sql.dialect;
    if d == Dialect::Ansi {
        return None;
    }
    let (weights, cands) = candidates(m, sql);
    let mut levels = vec![weights];
    levels.extend(order_keys(d, &cands));
    let sentences: Vec<String> = cands
        .iter()
        .map(|(c, _, words)| {
            format!("(CASE WHEN {c} > 0 THEN 'Raises: ' ELSE 'Lowers: ' END) || {words}")
        })
        .collect();
    let sentence = |j: usize| {
        let arms: Vec<String> = sentences
            .iter()
            .enumerate()
            .map(|(i, s)| format!(" WHEN {i} THEN {s}"))
            .collect();
        if arms.is_empty() {
            format!("CAST(NULL AS {}) AS __s{j}", text_type(d))
        } else {
            // (-1, none picked: at once, not after every arm)
            format!(
                "CASE WHEN __i{j} < 0 THEN NULL ELSE CASE __i{j}{} END END AS __s{j}",
                arms.concat()
            )
        }
    };
    let n = cands.len();
    levels.extend(picks(d, n, 1..=ALWAYS, None));
    levels.push((1..=ALWAYS).map(sentence).collect());
    let repeat: Vec<String> = (1..ALWAYS)
        .flat_map(|a| (a + 1..=ALWAYS).map(move |b| format!("__s{a} = __s{b}")))
        .collect();
    levels.push(vec![format!(
        "COALESCE({}, FALSE) AS __repeats",
        repeat.join(" OR ")
    )]);
    levels.extend(picks(d, n, ALWAYS + 1..=PICKS, Some("__repeats")));
    levels.push((ALWAYS + 1..=PICKS).map(sentence).collect());
    levels.extend(distinct());
    Some(levels)
}

/// 1.0 where `cond` holds, else 0.0: a cast where the dialect casts a
/// boolean to a double (cheaper than `Sql::indicator`'s `CASE`), the
/// `CASE` in Snowflake, which casts booleans only to integer types.
fn flag(d: Dialect, cond: &str) -> String {
    match d {
        Dialect::Snowflake => Sql::indicator(cond),
        _ => format!("CAST({cond} AS DOUBLE)"),
    }
}

/// The candidates' contributions where they are candidates, else 0
/// (`__v{i}`), their `__total`, and each one's order key (`__k{i}`): 1E9
/// unless its sign leads, less its magnitude; `NONE` for no candidate
/// (1E300 absorbs the rest of the sum). Arithmetic, not a `CASE` per
/// candidate.
fn order_keys(d: Dialect, cands: &[(String, String, String)]) -> Vec<Vec<String>> {
    let n = cands.len();
    let values: Vec<String> = cands
        .iter()
        .enumerate()
        .map(|(i, (c, ok, _))| format!("{} * {c} AS __v{i}", flag(d, ok)))
        .collect();
    let total: Vec<String> = std::iter::once("0".to_string())
        .chain((0..n).map(|i| format!("__v{i}")))
        .collect();
    let keys: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "{} * {NONE} + {} * 1E9 - ABS(__v{i}) AS __k{i}",
                flag(d, &format!("__v{i} = 0")),
                flag(d, &format!("(__v{i} > 0) <> (__total >= 0)"))
            )
        })
        .collect();
    vec![
        values,
        vec![format!("{} AS __total", total.join(" + "))],
        keys,
    ]
}

/// The levels of picks `js` among `n` candidates: pick j's least key
/// `__m{j}` among the candidates after pick j - 1 in (key, index) order,
/// and `__i{j}`, the first candidate at it (-1 when none is left). Without
/// `only`, the keys after the last pick are columns of their own (read
/// twice); with it, the pick is made only where `only` holds, its keys
/// inline.
fn picks(
    d: Dialect,
    n: usize,
    js: std::ops::RangeInclusive<usize>,
    only: Option<&str>,
) -> Vec<Vec<String>> {
    // candidate i's key for pick j: `NONE` or above unless it comes after
    // pick j - 1
    let after = |j: usize, i: usize| {
        if j == 1 {
            format!("__k{i}")
        } else {
            let (m, p) = (format!("__m{}", j - 1), format!("__i{}", j - 1));
            let before = format!("__k{i} < {m} OR (__k{i} = {m} AND {i} <= {p})");
            format!("__k{i} + {} * {NONE}", flag(d, &before))
        }
    };
    let mut levels = vec![];
    for j in js {
        let keys: Vec<String> = match only {
            None if j == 1 => (0..n).map(|i| format!("__k{i}")).collect(),
            None => {
                levels.push(
                    (0..n)
                        .map(|i| format!("{} AS __e{j}_{i}", after(j, i)))
                        .collect(),
                );
                (0..n).map(|i| format!("__e{j}_{i}")).collect()
            }
            Some(_) => (0..n).map(|i| after(j, i)).collect(),
        };
        let least = match keys.len() {
            0 => NONE.to_string(),
            1 => keys[0].clone(),
            _ => format!("LEAST({})", keys.join(", ")),
        };
        levels.push(vec![match only {
            None => format!("{least} AS __m{j}"),
            Some(cond) => format!("CASE WHEN {cond} THEN {least} ELSE {NONE} END AS __m{j}"),
        }]);
        let arms: Vec<String> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| format!(" WHEN {k} = __m{j} THEN {i}"))
            .collect();
        levels.push(vec![format!(
            "CASE WHEN __m{j} >= {NONE} THEN -1{} ELSE -1 END AS __i{j}",
            arms.concat()
        )]);
    }
    levels
}

/// The three reasons from the picked sentences `__s1` .. and the
/// disqualification: the disqualification first, then the first sentences
/// unlike those before; where none of the first three repeats, simply the
/// next ones.
fn distinct() -> Vec<Vec<String>> {
    let disq = "'Disqualified: ' || __disqualified_by";
    let list: Vec<String> = std::iter::once(disq.to_string())
        .chain((1..=PICKS).map(|j| format!("__s{j}")))
        .collect();
    let first_unlike = |before: &[&str]| {
        let arms: Vec<String> = list
            .iter()
            .map(|x| {
                let unlike: Vec<String> = before.iter().map(|b| format!("{x} <> {b}")).collect();
                format!("CASE WHEN {} THEN {x} END", unlike.join(" AND "))
            })
            .collect();
        format!("COALESCE({})", arms.join(", "))
    };
    let next = |k: usize, before: &[&str]| {
        format!(
            "CASE WHEN __repeats THEN {} WHEN __disqualified_by IS NOT NULL THEN __s{} ELSE __s{k} END AS __reason_{k}",
            first_unlike(before),
            k - 1
        )
    };
    vec![
        vec![format!("COALESCE({disq}, __s1) AS __reason_1")],
        vec![next(2, &["__reason_1"])],
        vec![next(3, &["__reason_1", "__reason_2"])],
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn percentiles_match_the_native_interpolation() {
        // the SQL is checked against `model::percentile` through DuckDB in
        // tests/test_score.rs; here, its cases name every interval once
        let q: Vec<f64> = vec![0.0, 1.0, 1.0, 3.0];
        let s = super::percentile(&q, "x");
        assert_eq!(s.matches(" WHEN NOT x >= ").count(), 2, "{s}");
    }
}
