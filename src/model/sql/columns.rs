//! The scored columns of `export-sql` beyond the probability, each as the
//! native scorer computes it: the fit and timing scores (`Model::quadrant`'s
//! percentiles) and the quadrant, the status (`plan`'s feature status and
//! `Model::score_table`'s notes) and the three reasons (`explain::reasons`
//! and `explain::Phrase`, worded the same). Reasons need a sorted array:
//! DuckDB, Spark and Snowflake have one; ANSI SQL has none, so its export
//! leaves the reasons out and says so.

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
        .map(|p| format!("COALESCE({} || {p}, '')", q(sep)))
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
    let seen: Vec<String> = spec.seen_industries.iter().map(|i| q(i)).collect();
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
                    q(&m.terms[r.start].source)
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

    fn one_decimal(&self, x: &str) -> String {
        match self.d {
            Dialect::Spark => format!("format_string('%.1f', {x})"),
            Dialect::Snowflake => format!("TO_VARCHAR({x}, 'FM999999999999999990.0')"),
            _ => format!("printf('%.1f', {x})"),
        }
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
            _ => format!("{} || {}", q(&format!("{}: ", pretty(src))), col(src)),
        }
    } else if let Some(signal) = signals::find(spec, src) {
        let v = n(src);
        match signal {
            Signal::Window { kind, days } => {
                let words = signals::wording(kind);
                format!(
                    "CASE WHEN {v} > 0 THEN {} || {} ELSE {} END",
                    w.count(&v),
                    q(&format!("{} in the last {days} days", words.counted)),
                    q(&format!("{} in the last {days} days", words.none))
                )
            }
            Signal::Since { kind } => {
                let words = signals::wording(kind);
                format!(
                    "CASE WHEN {v} < {} THEN {} || {} || ' days ago' ELSE {} END",
                    num(cap),
                    q(&words.since),
                    w.count(&v),
                    q(&format!(
                        "{} in the last {} days",
                        words.none,
                        crate::model::explain::count(cap)
                    ))
                )
            }
            Signal::Until { kind } => format!(
                "CASE WHEN {v} < {} THEN {} || {} || ' days' ELSE {} END",
                num(cap),
                q(&format!("{} in ", capitalize(&pretty(kind)))),
                w.count(&v),
                q(&format!("No {} scheduled", pretty(kind)))
            ),
            Signal::Distinct { days } => format!(
                "{} || {}",
                w.count(&v),
                q(&format!(" different signal types in the last {days} days"))
            ),
        }
    } else if let Some(disp) = spec.technology(src) {
        format!(
            "CASE WHEN {} > 0.5 THEN {} ELSE {} END",
            n(src),
            q(&format!("Uses {disp}")),
            q(&format!("Does not use {disp}"))
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
                    q(&format!("{c} unknown (imputed)")),
                    q(&format!("{c} known"))
                )
            }
            s => format!("{} || {}", q(&format!("{} = ", pretty(s))), w.count(&n(s))),
        }
    };
    if spec.nullable_sources().iter().any(|s| s == src) {
        format!(
            "CASE WHEN {} THEN {} ELSE {words} END",
            col(&FeatureSpec::null_mask(src)),
            q(&format!("{} unknown", capitalize(&pretty(src))))
        )
    } else {
        words
    }
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
    let w = Words { d: sql.dialect };
    let names: Vec<String> = m.spec.list().into_iter().map(|(n, _)| n).collect();
    let mut weights = vec![];
    let mut cands = vec![];
    for (k, r) in m.sources().iter().enumerate() {
        let t = &m.terms[r.start];
        weights.push(format!("__c{k} * {} AS __w{k}", num(m.hybrid.model_weight)));
        let flags: Vec<String> = missing_flags(m, &t.source)
            .iter()
            .filter(|f| names.iter().any(|n| n == *f))
            .map(|f| format!(" AND NOT {} > 0.5", sql.number(f)))
            .collect();
        cands.push((
            format!("__w{k}"),
            format!("ABS(__w{k}) > 1E-6{}", flags.concat()),
            describe(m, sql, &w, t),
        ));
    }
    let rules = &m.config.rules;
    for (i, r) in rules.iter().enumerate() {
        let c = r.points * m.hybrid.rule_weight;
        if c != 0.0 {
            cands.push((
                num(c),
                format!("__r{i}"),
                q(&format!("rule {} ({:+} points)", r.name, r.points)),
            ));
        }
    }
    (weights, cands)
}

/// The columns of the reasons' CTEs (`__w{k}`; `__total`; `__reasons`: the
/// sentences in order, the disqualification first) and the three reasons
/// (`__reason_1` .. `__reason_3`, NULL when there are fewer), each over the
/// previous ones; None for ANSI SQL.
pub(super) fn reasons(m: &Model, sql: &Sql) -> Option<(Vec<String>, Vec<String>, [String; 3])> {
    let d = sql.dialect;
    if d == Dialect::Ansi {
        return None;
    }
    let (weights, cands) = candidates(m, sql);
    let total: Vec<String> = std::iter::once("0".to_string())
        .chain(
            cands
                .iter()
                .map(|(c, ok, _)| format!("CASE WHEN {ok} THEN {c} ELSE 0 END")),
        )
        .collect();
    // each candidate as (order key, index, "Raises: ..."): the leading sign
    // first, larger magnitudes first, then candidate order
    let item = |k: usize, (c, ok, words): &(String, String, String)| {
        let key = format!(
            "(CASE WHEN (__total >= 0 AND {c} > 0) OR (__total < 0 AND {c} < 0) THEN 0.0 ELSE 1E9 END) - ABS({c})"
        );
        let sentence =
            format!("(CASE WHEN {c} > 0 THEN 'Raises: ' ELSE 'Lowers: ' END) || {words}");
        let ok = format!("{ok} AND {c} <> 0");
        match d {
            Dialect::Spark => format!(
                "CASE WHEN {ok} THEN named_struct('k', {key}, 'i', {k}, 's', {sentence}) END"
            ),
            Dialect::Snowflake => format!(
                // a sortable text key: rank, magnitude to 1e-12, index
                "CASE WHEN {ok} THEN LPAD(TO_VARCHAR(ROUND(({key}) + 1E3, 12), 'FM0000000000000.000000000000'), 26, '0') || LPAD(TO_VARCHAR({k}), 6, '0') || {sentence} END"
            ),
            _ => format!("CASE WHEN {ok} THEN {{'k': {key}, 'i': {k}, 's': {sentence}}} END"),
        }
    };
    let items: Vec<String> = cands.iter().enumerate().map(|(k, c)| item(k, c)).collect();
    let items = items.join(",\n      ");
    let disq = "__disqualified_by";
    let sorted = match d {
        Dialect::Spark => format!(
            "transform(array_sort(filter(array({items}), x -> x IS NOT NULL)), x -> x.s)"
        ),
        Dialect::Snowflake => format!(
            "TRANSFORM(ARRAY_SORT(ARRAY_CONSTRUCT_COMPACT({items})), x VARCHAR -> SUBSTR(x, 33))"
        ),
        _ => format!(
            "list_transform(list_sort(list_filter(list_value({items}), lambda x: x IS NOT NULL)), lambda x: x.s)"
        ),
    };
    let list = match d {
        Dialect::Spark => format!(
            "CASE WHEN {disq} IS NOT NULL THEN concat(array('Disqualified: ' || {disq}), {sorted}) ELSE {sorted} END"
        ),
        Dialect::Snowflake => format!(
            "CASE WHEN {disq} IS NOT NULL THEN ARRAY_PREPEND({sorted}, 'Disqualified: ' || {disq}) ELSE {sorted} END"
        ),
        _ => format!(
            "CASE WHEN {disq} IS NOT NULL THEN list_prepend('Disqualified: ' || {disq}, {sorted}) ELSE {sorted} END"
        ),
    };
    // the first sentence, then the first unlike it, then the first unlike both
    let first = |filter: &str| match d {
        Dialect::Spark => format!("try_element_at(filter(__reasons, x -> {filter}), 1)"),
        Dialect::Snowflake => format!("FILTER(__reasons, x VARCHAR -> {filter})[0]::VARCHAR"),
        _ => format!("list_filter(__reasons, lambda x: {filter})[1]"),
    };
    // (each in a CTE of its own: a lambda evaluates its body per element)
    let cols = [
        first("TRUE"),
        first("x <> __reason_1"),
        first("x <> __reason_1 AND x <> __reason_2"),
    ];
    Some((
        weights,
        vec![
            format!("{} AS __total", total.join(" + ")),
            format!("{list} AS __reasons"),
        ],
        cols,
    ))
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
