//! Hand-written rules and disqualifiers: SQL predicates over the feature
//! table, parsed by Polars SQL and evaluated in one lazy select.

use polars::prelude::*;

use crate::config::{Disqualifier, Rule};
use crate::error::{Error, Result};
use crate::features::FeatureTable;

/// Rule points, disqualification and which rules matched, per row.
pub struct RuleResult {
    pub points: Vec<f64>,
    pub disqualified: Vec<Option<String>>,
    /// Names of the matched rules per row, with their points.
    pub matched: Vec<Vec<(String, f64)>>,
}

fn parse(name: &str, kind: &str, when: &str) -> Result<Expr> {
    polars::sql::sql_expr(when).map_err(|e| {
        Error::config(
            "rules",
            format!("{kind} {name:?}: cannot parse `{when}` as a SQL predicate: {e}"),
        )
    })
}

/// The feature columns the predicates can read, as a DataFrame: every
/// column whose name they mention (keywords and function names are harmless
/// extras), and the first, which keeps the frame's height when none is.
/// Copying the whole table into Polars would double a training table.
pub fn frame(rules: &[Rule], disq: &[Disqualifier], table: &FeatureTable) -> Result<DataFrame> {
    let names = mentioned(rules, disq);
    table.to_frame_of(|n| names.contains(n) || table.names.first().is_some_and(|f| f == n))
}

/// The identifiers the predicates mention.
fn mentioned(rules: &[Rule], disq: &[Disqualifier]) -> std::collections::HashSet<String> {
    let texts = rules
        .iter()
        .map(|r| &r.when)
        .chain(disq.iter().map(|d| &d.when));
    let mut names = std::collections::HashSet::new();
    for t in texts {
        for word in t.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if !word.is_empty() {
                names.insert(word.to_string());
            }
        }
    }
    names
}

/// Checks every predicate parses and refers to existing features.
pub fn check(rules: &[Rule], disq: &[Disqualifier], frame: &DataFrame) -> Result<()> {
    evaluate(rules, disq, &frame.head(Some(1))).map(|_| ())
}

pub fn evaluate(rules: &[Rule], disq: &[Disqualifier], frame: &DataFrame) -> Result<RuleResult> {
    let n = frame.height();
    let mut exprs = vec![];
    let mut labels = vec![];
    for (i, r) in rules.iter().enumerate() {
        exprs.push(
            parse(&r.name, "rule", &r.when)?
                .fill_null(lit(false))
                .alias(format!("__r{i}")),
        );
        labels.push(("rule", r.name.clone(), r.when.clone()));
    }
    for (i, d) in disq.iter().enumerate() {
        exprs.push(
            parse(&d.name, "disqualifier", &d.when)?
                .fill_null(lit(false))
                .alias(format!("__d{i}")),
        );
        labels.push(("disqualifier", d.name.clone(), d.when.clone()));
    }
    let mut out = RuleResult {
        points: vec![0.0; n],
        disqualified: vec![None; n],
        matched: vec![vec![]; n],
    };
    if exprs.is_empty() {
        return Ok(out);
    }
    let res = frame.clone().lazy().select(exprs).collect().map_err(|e| {
        let list: Vec<String> = labels.iter().map(|(k, n, w)| format!("{k} {n:?} (`{w}`)")).collect();
        Error::config(
            "rules",
            format!(
                "cannot evaluate the rules {}: {e}; rule predicates may use the feature names listed by `scorebook features --list`",
                list.join(", ")
            ),
        )
    })?;
    let as_bool = |name: &str, label: &(&str, String, String)| -> Result<Vec<bool>> {
        let c = res.column(name)?;
        let b = c.bool().map_err(|_| {
            Error::config(
                "rules",
                format!(
                    "{} {:?}: `{}` is not a true/false predicate",
                    label.0, label.1, label.2
                ),
            )
        })?;
        Ok(b.iter().map(|v| v.unwrap_or(false)).collect())
    };
    for (i, r) in rules.iter().enumerate() {
        for (row, m) in as_bool(&format!("__r{i}"), &labels[i])?
            .into_iter()
            .enumerate()
        {
            if m {
                out.points[row] += r.points;
                out.matched[row].push((r.name.clone(), r.points));
            }
        }
    }
    for (i, d) in disq.iter().enumerate() {
        for (row, m) in as_bool(&format!("__d{i}"), &labels[rules.len() + i])?
            .into_iter()
            .enumerate()
        {
            if m && out.disqualified[row].is_none() {
                out.disqualified[row] = Some(d.name.clone());
            }
        }
    }
    Ok(out)
}

/// Functions a predicate may call: the same in every dialect `export-sql` writes.
const PORTABLE_FUNCTIONS: &[&str] = &[
    "ABS", "COALESCE", "LOWER", "UPPER", "LEAST", "GREATEST", "LN",
];
const KEYWORDS: &[&str] = &[
    "AND", "OR", "NOT", "IS", "NULL", "IN", "BETWEEN", "LIKE", "TRUE", "FALSE", "CASE", "WHEN",
    "THEN", "ELSE", "END",
];

/// Checks a predicate is SQL every dialect reads the same (it is evaluated
/// by Polars here and pasted into the exported SQL): names are features,
/// text is in single quotes, comparisons are SQL's, functions are the
/// portable few. Returns what to fix.
pub fn check_portable(when: &str, features: &[String]) -> std::result::Result<(), String> {
    let c: Vec<char> = when.chars().collect();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch.is_whitespace() {
            i += 1;
        } else if ch.is_ascii_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_ascii_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            let upper = word.to_ascii_uppercase();
            let mut j = i;
            while j < c.len() && c[j].is_whitespace() {
                j += 1;
            }
            let call = c.get(j) == Some(&'(');
            if call {
                if !PORTABLE_FUNCTIONS.contains(&upper.as_str()) {
                    return Err(format!(
                        "`{word}(...)` is not one of the functions every SQL dialect shares ({})",
                        PORTABLE_FUNCTIONS.join(", ")
                    ));
                }
            } else if !KEYWORDS.contains(&upper.as_str()) && !features.iter().any(|f| f == &word) {
                return Err(format!(
                    "`{word}` is not a feature; `scorebook features --list` names them"
                ));
            }
        } else if ch.is_ascii_digit()
            || (ch == '.' && c.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            while i < c.len()
                && (c[i].is_ascii_digit()
                    || c[i] == '.'
                    || c[i] == 'e'
                    || c[i] == 'E'
                    || ((c[i] == '-' || c[i] == '+') && matches!(c[i - 1], 'e' | 'E')))
            {
                i += 1;
            }
        } else if ch == '\'' {
            i += 1;
            loop {
                match c.get(i) {
                    None => return Err("a text value is not closed by a single quote".into()),
                    Some('\'') if c.get(i + 1) == Some(&'\'') => i += 2,
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
        } else if ch == '"' || ch == '`' {
            return Err(format!("{ch} quotes name columns in some SQL dialects and text in others: write text in single quotes and feature names bare"));
        } else if ch == '=' && c.get(i + 1) == Some(&'=') {
            return Err("`==` is not SQL: compare with `=`".into());
        } else if "=<>!()+-*/,%".contains(ch) {
            if ch == '!' && c.get(i + 1) != Some(&'=') {
                return Err("`!` is not SQL: negate with NOT".into());
            }
            i += 1;
        } else {
            return Err(format!("`{ch}` is not portable SQL in a predicate"));
        }
    }
    Ok(())
}
