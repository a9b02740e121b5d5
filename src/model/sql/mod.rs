//! The fitted scoring function as one SQL SELECT, for warehouses and Spark.
//!
//! CTE `f` computes every feature the model uses under its feature-table
//! name (so rule predicates, which are SQL over those names, drop in
//! verbatim); `c` and `lp` each source's contribution, the rules and the
//! linear predictor with its fit and timing parts; `p` the probabilities
//! and percentiles; the final SELECT the tier, quadrant, segment, reasons
//! and status (`columns`), in `score`'s column order. The as-of date is a
//! literal.

use std::fmt::Write;

use crate::error::{Error, Result};
use crate::features::signals;
use crate::features::FeatureSpec;
use crate::model::rules::{quoted, RuleSet, Target};
use crate::model::terms::Sql;
use crate::model::{Axis, Model};

mod columns;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Ansi,
    DuckDb,
    Spark,
    Snowflake,
}

impl std::str::FromStr for Dialect {
    type Err = Error;
    fn from_str(s: &str) -> Result<Dialect> {
        match s.to_ascii_lowercase().as_str() {
            "ansi" => Ok(Dialect::Ansi),
            "duckdb" => Ok(Dialect::DuckDb),
            "spark" => Ok(Dialect::Spark),
            "snowflake" => Ok(Dialect::Snowflake),
            _ => Err(Error::config(
                "--dialect",
                format!("unknown SQL dialect {s:?}; use ansi, duckdb, spark or snowflake"),
            )),
        }
    }
}

/// A column name as an identifier: plain names as they are, others quoted
/// (an export's `Lead Source`).
pub(crate) fn ident(d: Dialect, name: &str) -> String {
    quoted(name, if d == Dialect::Spark { '`' } else { '"' })
}

/// The text type in casts: Spark's VARCHAR needs a length, STRING does not.
pub(crate) fn text_type(d: Dialect) -> &'static str {
    if d == Dialect::Spark {
        "STRING"
    } else {
        "VARCHAR"
    }
}

/// A text literal as dialect `d` reads it: the one way text from the data
/// or the config (a level, a technology, a rule's name) enters the SQL. A
/// quote is doubled; Spark and Snowflake read backslash escapes in
/// literals, so there a backslash is doubled too (and Spark's quote is
/// `\'`, which every Spark version reads as one quote, where `''` is two
/// adjacent literals in older ones). Whatever `s` holds, the literal ends
/// where it should and reads back as `s`.
pub(crate) fn q(d: Dialect, s: &str) -> String {
    match d {
        Dialect::Spark => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Dialect::Snowflake => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''")),
        Dialect::Ansi | Dialect::DuckDb => format!("'{}'", s.replace('\'', "''")),
    }
}

/// Text for a `--` comment: one line, whatever `s` holds.
fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A number literal, exactly (`1.5E0`).
pub(crate) fn num(x: f64) -> String {
    format!("{x:e}").replace("e", "E")
}

/// Whole days from `expr` to the as-of date.
fn days_to(d: Dialect, expr: &str, as_of: &str) -> String {
    match d {
        Dialect::Ansi => format!("(DATE {} - CAST({expr} AS DATE))", q(d, as_of)),
        Dialect::DuckDb => format!(
            "date_diff('day', CAST({expr} AS DATE), DATE {})",
            q(d, as_of)
        ),
        Dialect::Spark => format!("datediff(DATE {}, CAST({expr} AS DATE))", q(d, as_of)),
        Dialect::Snowflake => format!("DATEDIFF(day, CAST({expr} AS DATE), {}::DATE)", q(d, as_of)),
    }
}

/// `config::normalize_name` in SQL: every run of characters other than
/// ASCII letters and digits one `_`, none at either end, then lower case
/// (only ASCII letters are left to fold, which every engine folds alike);
/// with `keep_semicolons` each `;`-separated token is normalized on its
/// own (technology lists). ANSI SQL has no regular expressions: there
/// ASCII punctuation and white space and `non_ascii` (`ansi_separators`)
/// become `_` by `TRANSLATE`, runs of `_` are halved by `REPLACE` until
/// one is left (runs up to 64), and `TRIM` takes them off the ends.
fn norm_text(d: Dialect, expr: &str, keep_semicolons: bool, non_ascii: &str) -> String {
    if d == Dialect::Ansi {
        let seps: String = (0u8..128)
            .map(char::from)
            .filter(|c| c.is_ascii_punctuation() || c.is_ascii_whitespace())
            .filter(|c| !(keep_semicolons && *c == ';'))
            .chain(non_ascii.chars())
            .collect();
        let mut x = format!(
            "LOWER(TRANSLATE({expr}, {}, {}))",
            q(d, &seps),
            q(d, &"_".repeat(seps.chars().count()))
        );
        for _ in 0..6 {
            x = format!("REPLACE({x}, '__', '_')");
        }
        if keep_semicolons {
            x = format!("REPLACE(REPLACE({x}, '_;', ';'), ';_', ';')");
        }
        return format!("TRIM(BOTH '_' FROM {x})");
    }
    let class = if keep_semicolons {
        "[^A-Za-z0-9;]+"
    } else {
        "[^A-Za-z0-9]+"
    };
    let re = |x: String, pat: &str, to: &str| match d {
        Dialect::DuckDb => format!("regexp_replace({x}, '{pat}', '{to}', 'g')"),
        _ => format!("REGEXP_REPLACE({x}, '{pat}', '{to}')"),
    };
    let mut x = format!("LOWER({})", re(expr.to_string(), class, "_"));
    if keep_semicolons {
        x = re(x, "_*;_*", ";");
    }
    re(x, "^_+|_+$", "")
}

/// The characters beyond ASCII in the spellings of the items the model
/// matches in lists (technologies, list extras and deal columns): ANSI
/// SQL, which has no regular expressions, translates these to separators
/// by name. Another such character in a universe's list is kept there
/// (where the other dialects and `score` take it for a separator), so an
/// item spelled with a character training never saw can go unmatched.
fn ansi_separators(spec: &FeatureSpec) -> String {
    let spellings = spec
        .technologies
        .iter()
        .chain(spec.extra.lists.values().flatten())
        .chain(spec.deal.lists.values().flatten());
    let set: std::collections::BTreeSet<char> = spellings
        .flat_map(|(_, display)| display.chars())
        .filter(|c| !c.is_ascii())
        .collect();
    set.into_iter().collect()
}

/// `expr` with its ASCII letters lower-cased and nothing else changed:
/// `str::eq_ignore_ascii_case` in SQL (an engine's `LOWER` also folds
/// other letters, each in its own way).
fn ascii_lower(d: Dialect, expr: &str) -> String {
    format!(
        "TRANSLATE({expr}, {}, {})",
        q(d, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        q(d, "abcdefghijklmnopqrstuvwxyz")
    )
}

pub struct SqlOptions<'a> {
    pub dialect: Dialect,
    pub as_of: &'a str,
    pub universe_table: &'a str,
    pub signals_table: &'a str,
}

/// A table name as the SQL takes it: identifiers, dotted for a schema or
/// catalog (`analytics.universe`); anything else would be pasted raw.
fn check_table(flag: &str, name: &str) -> Result<()> {
    let ident = |p: &str| {
        let mut ch = p.chars();
        ch.next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && ch.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if name.split('.').all(ident) {
        Ok(())
    } else {
        Err(Error::config(
            flag,
            format!("{name:?} is not a table name: use letters, digits and _ (dotted for a schema: analytics.universe)"),
        ))
    }
}

/// The feature columns of typed extras: numbers imputed, text as its kept
/// levels, `Other` or `Missing` (trimmed, as the reader reads it), lists
/// as item flags and a missing flag. `c` gives a source column's SQL.
fn typed_columns(
    d: Dialect,
    t: &crate::features::Typed,
    c: &dyn Fn(&str) -> String,
    imp: &dyn Fn(&str) -> String,
    non_ascii: &str,
) -> Vec<String> {
    let mut f = vec![];
    for e in &t.numbers {
        f.push(format!(
            "COALESCE(CAST({} AS DOUBLE), {}) AS {}",
            c(e),
            imp(e),
            ident(d, e)
        ));
    }
    for (e, levels) in &t.text {
        let v = format!("TRIM({})", c(e));
        let kept = if levels.is_empty() {
            String::new()
        } else {
            let l: Vec<String> = levels.iter().map(|l| q(d, l)).collect();
            format!(" WHEN {v} IN ({}) THEN {v}", l.join(", "))
        };
        f.push(format!(
            "CASE WHEN NULLIF({v}, '') IS NULL THEN 'Missing'{kept} ELSE 'Other' END AS {}",
            ident(d, e)
        ));
    }
    for (e, items) in &t.lists {
        let norm = norm_text(d, &c(e), true, non_ascii);
        for (item, _) in items {
            f.push(format!(
                "COALESCE(POSITION({} IN ';' || {norm} || ';') > 0, FALSE) AS {}",
                q(d, &format!(";{item};")),
                ident(d, &format!("{e}_{item}"))
            ));
        }
        f.push(format!(
            "CASE WHEN NULLIF(TRIM({}), '') IS NULL THEN 1 ELSE 0 END AS {}",
            c(e),
            ident(d, &format!("{e}_missing"))
        ));
    }
    f
}

pub fn export(m: &Model, o: &SqlOptions) -> Result<String> {
    check_table("--universe-table", o.universe_table)?;
    check_table("--signals-table", o.signals_table)?;
    let uses_signals = m.terms.iter().any(|t| t.axis == Axis::Timing);
    let mut s = String::new();
    writeln!(
        s,
        "-- scorebook {} model {} as of {}",
        comment(&m.crate_version),
        comment(&m.model_version),
        comment(o.as_of)
    )
    .ok();
    writeln!(s, "WITH").ok();
    if uses_signals {
        s += &signals_cte(m, o);
    }
    let won = won_cte(m, o)?;
    s += &won;
    s += &account_features_cte(m, o, uses_signals, !won.is_empty());
    s += &derived_features_cte(m, o);
    s += &linear_predictor_cte(m, o.dialect)?;
    s += &scores_select(m, o.dialect);
    Ok(s)
}

/// A source column of the universe, or NULL when the training accounts
/// did not have it (imputed, as in the native scorer).
fn account_column(m: &Model, d: Dialect, k: &str) -> String {
    let spec = &m.spec;
    if spec.account_columns.iter().any(|x| x == k) || spec.extra.columns().iter().any(|x| x == k) {
        let cols = &m.config.columns.accounts;
        format!("u.{}", ident(d, cols.get(k).map_or(k, String::as_str)))
    } else {
        "CAST(NULL AS DOUBLE)".to_string()
    }
}

/// A column's imputation value (the training median) as a literal.
fn imputed(m: &Model, k: &str) -> String {
    num(m.spec.impute.get(k).copied().unwrap_or(0.0))
}

/// CTE `sig`: the timing features per account, from the signals table.
fn signals_cte(m: &Model, o: &SqlOptions) -> String {
    let d = o.dialect;
    let spec = &m.spec;
    let mut s = String::new();
    let sc = |k: &str| {
        format!(
            "s.{}",
            ident(d, m.config.columns.signals.get(k).map_or(k, String::as_str))
        )
    };
    let has = |k: &str| spec.signal_columns.iter().any(|c| c == k);
    let sig_norm = norm_text(d, &sc("signal"), false, "");
    let age = days_to(d, &sc("date"), o.as_of);
    // only what was known before the as-of day, as in the native scorer:
    // without a recorded date, a past event when it happened (age > 0
    // below) and a scheduled one in advance
    let known = if has("recorded_date") {
        format!(
            "({} IS NULL OR {} > 0)",
            sc("recorded_date"),
            days_to(d, &sc("recorded_date"), o.as_of)
        )
    } else {
        "TRUE".to_string()
    };
    let mut aggs = vec![];
    for t in &spec.signal_types {
        for w in &spec.windows {
            aggs.push(format!("SUM(CASE WHEN sig = {} AND age > 0 AND age <= {w} THEN val ELSE 0 END) AS signal_{t}_{w}d", q(d, t)));
        }
    }
    let cap = spec.recency_cap_days;
    for t in &spec.signal_types {
        aggs.push(format!("LEAST(MIN(CASE WHEN sig = {} AND age > 0 THEN age ELSE {cap} END), {cap}) AS days_since_{t}", q(d, t)));
    }
    for t in &spec.scheduled_types {
        aggs.push(format!("LEAST(MIN(CASE WHEN sig = {} AND age <= 0 THEN -age ELSE {cap} END), {cap}) AS days_until_{t}", q(d, t)));
    }
    if !spec.signal_types.is_empty() {
        let w = spec.windows.iter().max().copied().unwrap_or(90);
        let list: Vec<String> = spec.signal_types.iter().map(|t| q(d, t)).collect();
        aggs.push(format!(
            "COUNT(DISTINCT CASE WHEN sig IN ({}) AND age > 0 AND age <= {w} THEN sig END) AS distinct_signal_types_{w}d",
            list.join(", ")
        ));
    }
    let (acc, date, sig) = (sc("account_id"), sc("date"), sc("signal"));
    let val = if has("value") {
        format!("COALESCE(CAST({} AS DOUBLE), 1.0)", sc("value"))
    } else {
        "1.0".to_string()
    };
    let scheduled = if spec.scheduled_types.is_empty() {
        "''".to_string()
    } else {
        let v: Vec<String> = spec.scheduled_types.iter().map(|t| q(d, t)).collect();
        v.join(", ")
    };
    writeln!(
        s,
        "sig AS (\n  SELECT account_id,\n    {}\n  FROM (SELECT {acc} AS account_id, {sig_norm} AS sig, {age} AS age, {val} AS val FROM {} s WHERE {known} AND {acc} IS NOT NULL AND {date} IS NOT NULL AND {sig} IS NOT NULL) e\n  WHERE age > 0 OR sig IN ({scheduled})\n  GROUP BY account_id\n),",
        aggs.join(",\n    "),
        o.signals_table,
    )
    .ok();
    s
}

/// CTE `won`: earlier won deals per account as of the as-of day, from the
/// model's history ("" when none).
fn won_cte(m: &Model, o: &SqlOptions) -> Result<String> {
    let d = o.dialect;
    let mut s = String::new();
    let as_of_days = crate::input::read::parse_date(o.as_of).ok_or_else(|| {
        Error::config("--as-of", format!("{:?} is not a YYYY-MM-DD date", o.as_of))
    })?;
    let won: Vec<String> = m
        .won_history
        .iter()
        .filter_map(|(a, days)| {
            let k = days.partition_point(|x| *x < as_of_days);
            (k > 0).then(|| format!("({}, {k})", q(d, a)))
        })
        .collect();
    if !won.is_empty() {
        writeln!(s, "won (account_id, n) AS (VALUES {}),", won.join(", ")).ok();
    }
    Ok(s)
}

/// CTE `f0`: the account features, timing and earlier wins joined.
fn account_features_cte(m: &Model, o: &SqlOptions, uses_signals: bool, has_won: bool) -> String {
    let d = o.dialect;
    let spec = &m.spec;
    let mut s = String::new();
    let cols = &m.config.columns.accounts;
    let c = |k: &str| account_column(m, d, k);
    let imp = |k: &str| imputed(m, k);
    let timing = signals::features(spec);
    let mut ind = if spec.account_columns.iter().any(|x| x == "industry") {
        format!("COALESCE({}, 'Unknown')", c("industry"))
    } else {
        "'Unknown'".to_string()
    };
    if !m.config.input.industry_aliases.is_empty()
        && spec.account_columns.iter().any(|x| x == "industry")
    {
        let cases: Vec<String> = m
            .config
            .input
            .industry_aliases
            .iter()
            .map(|(k, v)| {
                format!(
                    "WHEN {} = {} THEN {}",
                    ascii_lower(d, &c("industry")),
                    q(d, &k.to_ascii_lowercase()),
                    q(d, v)
                )
            })
            .collect();
        ind = format!("CASE {} ELSE {ind} END", cases.join(" "));
    }
    let kept: Vec<String> = spec.industries.iter().map(|i| q(d, i)).collect();
    let pooled = if kept.is_empty() {
        "'Other'".to_string()
    } else {
        format!(
            "CASE WHEN {ind} IN ({}) THEN {ind} ELSE 'Other' END",
            kept.join(", ")
        )
    };
    let mult = m.config.input.revenue_multiplier;
    let emp = format!(
        "COALESCE(CASE WHEN CAST({} AS DOUBLE) >= 0 THEN CAST({} AS DOUBLE) END, {})",
        c("employees"),
        c("employees"),
        imp("employees")
    );
    let rev = format!(
        "COALESCE(CASE WHEN CAST({r} AS DOUBLE) >= 0 THEN CAST({r} AS DOUBLE) * {} END, {})",
        num(mult),
        imp("annual_revenue"),
        r = c("annual_revenue")
    );
    let imputed_number = |k: &str| format!("COALESCE(CAST({} AS DOUBLE), {})", c(k), imp(k));
    let (fy, jobs, hires) = (
        imputed_number("founded_year"),
        imputed_number("jobs_posted_30d"),
        imputed_number("hires_12m"),
    );
    let uid = format!(
        "u.{}",
        ident(
            d,
            cols.get("account_id").map_or("account_id", String::as_str)
        )
    );
    let mut f = vec![format!("{uid} AS account_id")];
    f.push(format!(
        "{} AS __status",
        columns::feature_status(m, d, &uid, (&c("industry"), &ind), &c("employees"))
    ));
    f.push(format!("{pooled} AS industry"));
    f.push(format!("{emp} AS employees"));
    f.push(format!("{rev} AS annual_revenue"));
    f.push(format!("{fy} AS founded_year"));
    f.push(format!("{jobs} AS jobs_posted_30d"));
    f.push(format!("{hires} AS hires_12m"));
    f.push(format!(
        "CASE WHEN {} IS NULL THEN 1 ELSE 0 END AS employees_missing",
        c("employees")
    ));
    f.push(format!("CASE WHEN {} IS NULL OR CAST({} AS DOUBLE) < 0 THEN 1 ELSE 0 END AS annual_revenue_missing", c("annual_revenue"), c("annual_revenue")));
    f.push(format!(
        "CASE WHEN {} IS NULL THEN 1 ELSE 0 END AS founded_year_missing",
        c("founded_year")
    ));
    f.push(format!(
        "CASE WHEN {} IS NULL AND {} IS NULL THEN 1 ELSE 0 END AS hiring_missing",
        c("jobs_posted_30d"),
        c("hires_12m")
    ));
    f.push(
        if spec.account_columns.iter().any(|x| x == "technologies") {
            format!(
                "CASE WHEN NULLIF(TRIM({}), '') IS NULL THEN 1 ELSE 0 END AS technologies_missing",
                c("technologies")
            )
        } else {
            "1 AS technologies_missing".to_string()
        },
    );
    // what was missing before imputation, for the rules (as the plan's `__null_` masks)
    for src in spec.nullable_sources() {
        let raw = if spec.deal.columns().contains(&src) {
            "TRUE".to_string()
        } else if src == "employees" || src == "annual_revenue" {
            format!("NOT COALESCE(CAST({} AS DOUBLE) >= 0, FALSE)", c(&src))
        } else if spec.extra.text.contains_key(&src) {
            format!("NULLIF(TRIM({}), '') IS NULL", c(&src))
        } else {
            format!("{} IS NULL", c(&src))
        };
        f.push(format!(
            "{raw} AS {}",
            ident(d, &FeatureSpec::null_mask(&src))
        ));
    }
    let non_ascii = ansi_separators(spec);
    f.extend(typed_columns(d, &spec.extra, &c, &imp, &non_ascii));
    // deal columns are not in a universe: imputed, `Missing`, unflagged
    let none = |_: &str| format!("CAST(NULL AS {})", text_type(d));
    f.extend(typed_columns(d, &spec.deal, &none, &imp, &non_ascii));
    let tech_norm = norm_text(d, &c("technologies"), true, &non_ascii);
    for (t, _) in &spec.technologies {
        f.push(format!(
            "COALESCE(POSITION({} IN ';' || {tech_norm} || ';') > 0, FALSE) AS tech_{t}",
            q(d, &format!(";{t};"))
        ));
    }
    f.push(if !has_won {
        "0 AS prior_won_deals".into()
    } else {
        "COALESCE(won.n, 0) AS prior_won_deals".into()
    });
    for (name, signal) in &timing {
        let default = signal.default_value(spec);
        if uses_signals {
            f.push(format!("COALESCE(sig.{name}, {}) AS {name}", num(default)));
        } else {
            f.push(format!("{} AS {name}", num(default)));
        }
    }
    let mut from = format!("{} u", o.universe_table);
    if uses_signals {
        from += &format!(" LEFT JOIN sig ON sig.account_id = {uid}");
    }
    if has_won {
        from += &format!(" LEFT JOIN won ON won.account_id = {uid}");
    }
    writeln!(
        s,
        "f0 AS (\n  SELECT\n    {}\n  FROM {from}\n),",
        f.join(",\n    ")
    )
    .ok();
    s
}

/// CTE `f`: the features derived from `f0` (logs, ratios, bands).
fn derived_features_cte(m: &Model, o: &SqlOptions) -> String {
    let d = o.dialect;
    let spec = &m.spec;
    let mut s = String::new();
    let year: f64 = o.as_of.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0.0);
    let bench_cases: Vec<String> = spec
        .rpe_median
        .iter()
        .map(|(k, v)| format!("WHEN {} THEN {}", q(d, k), num(*v)))
        .collect();
    let bands = |col: &str| {
        let band_of = |cuts: &[f64]| {
            format!(
                "CASE WHEN employees < {} THEN 'small' WHEN employees < {} THEN 'mid' WHEN employees < {} THEN 'large' ELSE 'super_large' END",
                num(cuts[0]), num(cuts[1]), num(cuts[2])
            )
        };
        let mut cases: Vec<String> = spec
            .industry_size_bands
            .iter()
            .filter_map(|(k, v)| {
                let same: Vec<String> = spec.band_industries(k).iter().map(|i| q(d, i)).collect();
                (!same.is_empty())
                    .then(|| format!("WHEN {col} IN ({}) THEN {}", same.join(", "), band_of(v)))
            })
            .collect();
        if cases.is_empty() {
            return band_of(&spec.size_bands);
        }
        cases.push(format!("ELSE {}", band_of(&spec.size_bands)));
        format!("CASE {} END", cases.join(" "))
    };
    let bench = if bench_cases.is_empty() {
        num(spec.rpe_median_all)
    } else {
        format!(
            "CASE industry {} ELSE {} END",
            bench_cases.join(" "),
            num(spec.rpe_median_all)
        )
    };
    // without founding years it would only count calendar years (as the plan)
    let age = if spec.account_columns.iter().any(|c| c == "founded_year") {
        format!("GREATEST({} - founded_year, 0)", num(year))
    } else {
        "0".to_string()
    };
    writeln!(
        s,
        "f AS (\n  SELECT *,\n    LN(1 + employees) AS log_employees,\n    LN(1 + annual_revenue) AS log_revenue,\n    rpe AS revenue_per_employee,\n    rpe / bench AS rpe_industry_ratio,\n    GREATEST(LEAST(LN(GREATEST(rpe, 1E-9) / bench), 5), -5) AS log_rpe_industry_ratio,\n    {age} AS company_age,\n    CASE WHEN employees > 0 THEN hires_12m / employees ELSE 0 END AS hiring_intensity,\n    LN(1 + GREATEST(jobs_posted_30d, 0)) AS log_jobs_posted_30d,\n    {} AS size_band\n  FROM (SELECT *, {bench} AS bench, CASE WHEN employees_missing = 0 AND annual_revenue_missing = 0 AND employees > 0 THEN annual_revenue / employees ELSE {bench} END AS rpe FROM f0) b\n),",
        bands("industry")
    )
    .ok();
    s
}

/// CTEs `c` and `lp`: each source feature's contribution (its terms'
/// addends through their kinds' SQL, summed as `Model::linear` sums them),
/// the rules matched and the first disqualifier; then the linear predictor,
/// its fit and timing parts, the rule points and the disqualification.
fn linear_predictor_cte(m: &Model, d: Dialect) -> Result<String> {
    let spec = &m.spec;
    let is_flag = |f: &str| spec.is_flag(f);
    let sql = Sql {
        dialect: d,
        is_flag: &is_flag,
    };
    let mut c = vec![];
    let (mut eta, mut fit, mut timing) = (vec![num(m.intercept)], vec![], vec![]);
    for (k, r) in m.sources().iter().enumerate() {
        let addends: Vec<String> = m.terms[r.clone()]
            .iter()
            .map(|t| t.addend_sql(&sql))
            .collect();
        c.push(format!("{} AS __c{k}", addends.join("\n      + ")));
        eta.push(format!("__c{k}"));
        match m.terms[r.start].axis {
            Axis::Fit => fit.push(format!("__c{k}")),
            Axis::Timing => timing.push(format!("__c{k}")),
        }
    }
    if let Some(pot) = &m.potential {
        // the log of a won deal's expected amount, summed as
        // `Potential::expected_amounts` sums it
        let addends: Vec<String> = pot.terms.iter().map(|t| t.addend_sql(&sql)).collect();
        c.push(format!(
            "{}{} AS __log_amount",
            num(pot.intercept),
            addends
                .iter()
                .map(|a| format!("\n      + ({a})"))
                .collect::<String>()
        ));
    }
    // rules read a feature as NULL where a value it comes from was missing
    let set = RuleSet::of(&m.config.rules, &m.config.disqualifiers, spec)?;
    let feature = |n: &str| {
        let masks: Vec<String> = spec
            .rule_sources(n)
            .iter()
            .map(|s| ident(d, &FeatureSpec::null_mask(s)))
            .collect();
        if masks.is_empty() {
            ident(d, n)
        } else {
            format!(
                "(CASE WHEN {} THEN NULL ELSE {} END)",
                masks.join(" OR "),
                ident(d, n)
            )
        }
    };
    let mut pts = vec!["0".to_string()];
    for (i, (r, p)) in set.rules().enumerate() {
        c.push(format!(
            "COALESCE({}, FALSE) AS __r{i}",
            p.render(Target::Sql(d), &feature)
        ));
        pts.push(format!(
            "CASE WHEN __r{i} THEN {} ELSE 0 END",
            num(r.points)
        ));
    }
    let disq: Vec<String> = set
        .disqualifiers()
        .map(|(x, p)| {
            format!(
                " WHEN COALESCE({}, FALSE) THEN {}",
                p.render(Target::Sql(d), &feature),
                q(d, &x.name)
            )
        })
        .collect();
    c.push(if disq.is_empty() {
        format!("CAST(NULL AS {}) AS __disqualified_by", text_type(d))
    } else {
        format!("CASE{} END AS __disqualified_by", disq.concat())
    });
    let sum = |v: &[String]| {
        if v.is_empty() {
            "0.0".to_string()
        } else {
            v.join(" + ")
        }
    };
    Ok(format!(
        "c AS (\n  SELECT *,\n    {}\n  FROM f\n),\nlp AS (\n  SELECT *,\n    {} AS eta,\n    {} AS fit_eta,\n    {} AS timing_eta,\n    {} AS rule_points,\n    __disqualified_by IS NOT NULL AS disqualified\n  FROM c\n),\n",
        c.join(",\n    "),
        eta.join(" + "),
        sum(&fit),
        sum(&timing),
        pts.join(" + ")
    ))
}

/// The probabilities, then every scored column in `score`'s order
/// (`contract::output_columns`); ANSI SQL has no reasons (`columns`).
fn scores_select(m: &Model, d: Dialect) -> String {
    let mut s = String::new();
    let h = &m.hybrid;
    let z = format!(
        "({} + {} * eta + {} * rule_points)",
        num(h.intercept),
        num(h.model_weight),
        num(h.rule_weight)
    );
    let prob = match &m.calibration {
        super::calibrate::Calibration::Platt => format!("1.0 / (1.0 + EXP(-{z}))"),
        super::calibrate::Calibration::Isotonic { x, y } => {
            let mut cases = format!("CASE WHEN z <= {} THEN {}", num(x[0]), num(y[0]));
            for k in 0..x.len().saturating_sub(1) {
                let slope = if x[k + 1] > x[k] {
                    (y[k + 1] - y[k]) / (x[k + 1] - x[k])
                } else {
                    0.0
                };
                cases += &format!(
                    " WHEN z < {} THEN {} + {} * (z - {})",
                    num(x[k + 1]),
                    num(y[k]),
                    num(slope),
                    num(x[k])
                );
            }
            cases += &format!(" ELSE {} END", num(y[x.len() - 1]));
            format!("LEAST(GREATEST({cases}, 1E-6), 1 - 1E-6)")
        }
    };
    let timing_score = if m.has_timing() {
        columns::percentile(&m.timing_quantiles, "timing_eta")
    } else {
        "0.0".to_string()
    };
    let (amount, potential) = match &m.potential {
        Some(p) => (
            format!(
                ",\n    EXP(__log_amount) * {} AS __expected_amount",
                num(p.smearing)
            ),
            ",\n  __expected_amount AS expected_amount,\n  probability * __expected_amount AS expected_value",
        ),
        None => (String::new(), ""),
    };
    write!(
        s,
        "p AS (\n  SELECT *,\n    1.0 / (1.0 + EXP(-eta)) AS model_probability,\n    {prob} AS probability,\n    {} AS fit_score,\n    {timing_score} AS timing_score{amount}\n  FROM (SELECT *, {z} AS z FROM lp) lz\n)",
        columns::percentile(&m.fit_quantiles, "fit_eta"),
    )
    .ok();
    let is_flag = |f: &str| m.spec.is_flag(f);
    let sql = Sql {
        dialect: d,
        is_flag: &is_flag,
    };
    let mut from = "p".to_string();
    let reasons = match columns::reasons(m, &sql) {
        Some(levels) => {
            let mut prev = "p".to_string();
            for (k, cols) in levels.iter().enumerate() {
                let name = format!("r{k}");
                writeln!(
                    s,
                    ",\n{name} AS (\n  SELECT *,\n    {}\n  FROM {prev}\n)",
                    cols.join(",\n    ")
                )
                .ok();
                prev = name;
            }
            s += "\n";
            from = format!("r{}", levels.len() - 1);
            "COALESCE(__reason_1, '') AS reason_1,\n  COALESCE(__reason_2, '') AS reason_2,\n  COALESCE(__reason_3, '') AS reason_3,\n  ".to_string()
        }
        None => {
            s += "\n-- no reason_1..3: ANSI SQL cannot format numbers portably (use --dialect duckdb, spark or snowflake)\n";
            String::new()
        }
    };
    let q_cfg = &m.config.quadrant;
    // what the tiers rank by, as `Prediction::tier_value` computes it
    let tier_value = match (&m.potential, m.config.tiers.by) {
        (Some(_), crate::config::TierBy::ExpectedValue) => "(probability * __expected_amount)",
        _ => "probability",
    };
    writeln!(
        s,
        "SELECT account_id, ROUND(probability * 10000) / 100 AS score, probability, model_probability, rule_points, fit_score, timing_score,\n  CASE WHEN disqualified THEN 'Disqualified' WHEN {} THEN 'Tier 1' WHEN {} THEN 'Tier 2' ELSE 'Tier 3' END AS tier,\n  CASE WHEN {ft} AND {tt} THEN 'Good Place' WHEN {ft} THEN 'Get Back To Me' WHEN {tt} THEN 'False Hope' ELSE 'Bad Place' END AS quadrant,\n  industry || ' / ' || size_band AS segment,\n  {reasons}{} AS status,\n  {} AS model_version{potential}\nFROM {from}",
        columns::at_least(tier_value, m.tier_cutoffs[0]),
        columns::at_least(tier_value, m.tier_cutoffs[1]),
        columns::status(m, &sql),
        q(d, &m.model_version),
        ft = columns::at_least("fit_score", q_cfg.fit_threshold),
        tt = columns::at_least("timing_score", q_cfg.timing_threshold),
    )
    .ok();
    s
}

#[cfg(test)]
mod tests {
    use super::{q, Dialect};

    #[test]
    fn literals_read_back_as_the_text_in_each_dialect() {
        let s = r"x\'; DROP TABLE universe; --";
        assert_eq!(q(Dialect::DuckDb, s), r"'x\''; DROP TABLE universe; --'");
        assert_eq!(q(Dialect::Ansi, "O'Reilly"), "'O''Reilly'");
        assert_eq!(q(Dialect::Spark, s), r"'x\\\'; DROP TABLE universe; --'");
        assert_eq!(
            q(Dialect::Snowflake, s),
            r"'x\\''; DROP TABLE universe; --'"
        );
        assert_eq!(q(Dialect::Spark, r"R\D Labs"), r"'R\\D Labs'");
    }
}
