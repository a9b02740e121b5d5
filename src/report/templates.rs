//! The HTML pages (`report.html`, `review.html`, `coverage.html`) render
//! from minijinja templates in `templates/`, on one base page (`page.html`:
//! the head and the shared style). minijinja escapes every value for
//! HTML; charts (`charts`, SVG built from escaped text) come in marked
//! safe. The filters format numbers the same way on every page.

use minijinja::{Environment, Value};

use crate::error::{Error, Result};

const PAGE: &str = include_str!("templates/page.html");

/// Rows of a long table shown before the rest fold away.
pub(crate) const FOLD_AFTER: usize = 25;

/// An amount in short with its currency sign ("$1.2M", "$250k").
fn money(x: f64) -> String {
    format!("${}", crate::model::explain::amount(x))
}

/// `x` with `n` decimals (a dash when not finite).
fn fixed(x: f64, n: Option<usize>) -> String {
    if x.is_finite() {
        format!("{x:.*}", n.unwrap_or(2))
    } else {
        "\u{2014}".to_string()
    }
}

/// `x` with `n` decimals and its sign.
fn signed(x: f64, n: Option<usize>) -> String {
    format!("{x:+.*}", n.unwrap_or(2))
}

/// A share as a percentage with `n` decimals ("12.5%"); not finite: a dash.
fn pct(x: Option<f64>, n: Option<usize>) -> String {
    match x {
        Some(x) if x.is_finite() => format!("{:.*}%", n.unwrap_or(0), 100.0 * x),
        _ => "\u{2014}".to_string(),
    }
}

/// `x` in scientific notation with two decimals ("1.23e-4").
fn sci(x: f64) -> String {
    format!("{x:.2e}")
}

/// Renders the page `name` (its template `source`, which extends
/// `page.html`) with `ctx`.
pub(crate) fn render(name: &str, source: &str, ctx: Value) -> Result<String> {
    let failed = |e: minijinja::Error| Error::Internal(format!("the {name} template: {e:#}"));
    let mut env = Environment::new();
    // text escaped as the rest of the project escapes it (`report::esc`:
    // `&`, `<`, `>`, quotes), so "industry / size band" stays as written
    env.set_formatter(|out, state, value| match value.as_str() {
        Some(s) if !value.is_safe() && state.auto_escape() != minijinja::AutoEscape::None => out
            .write_str(&super::esc(s))
            .map_err(minijinja::Error::from),
        _ => minijinja::escape_formatter(out, state, value),
    });
    env.add_global("style", Value::from_safe_string(super::STYLE.to_string()));
    env.add_global("fold_after", FOLD_AFTER);
    env.add_filter("money", money);
    env.add_filter("fixed", fixed);
    env.add_filter("signed", signed);
    env.add_filter("pct", pct);
    env.add_filter("sci", sci);
    env.add_template("page.html", PAGE).map_err(failed)?;
    env.add_template(name, source).map_err(failed)?;
    env.get_template(name)
        .map_err(failed)?
        .render(ctx)
        .map_err(failed)
}

/// Chart SVGs for a template, marked safe (built from escaped text).
pub(crate) fn safe(html: String) -> Value {
    Value::from_safe_string(html)
}
