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
