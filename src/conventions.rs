//! How an export spells numbers, dates and missing values, and the one
//! parser of numbers and dates written as text.
//!
//! CRM exports write `1,327.50` in one country and `1.327,50` in another,
//! `$1,200`, `12%`, `03/04/2025`. A value is read by the export's
//! conventions or refused with the setting that decides it, never guessed:
//! `2810813,00` read as 281 million, or `1.327` employees as one and a
//! third, would move tiers without a word. The conventions come from
//! `[input]` (`delimiter`, `decimal`, `missing_values`, `date_format`) and,
//! for the decimal separator of a CSV file, from its own values
//! (`detect_decimal`), stated on stderr when a comma is found.

use std::sync::RwLock;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The decimal separator of an export's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decimal {
    #[serde(rename = ".")]
    Dot,
    #[serde(rename = ",")]
    Comma,
}

impl Decimal {
    fn char(self) -> char {
        match self {
            Decimal::Dot => '.',
            Decimal::Comma => ',',
        }
    }
    fn other(self) -> char {
        match self {
            Decimal::Dot => ',',
            Decimal::Comma => '.',
        }
    }
}

/// The schema-metadata value a CSV batch carries its file's decimal
/// separator in (`?`: undecided, each value read by its own separators).
pub fn decimal_tag(d: Option<Decimal>) -> &'static str {
    match d {
        Some(Decimal::Dot) => ".",
        Some(Decimal::Comma) => ",",
        None => "?",
    }
}

pub fn decimal_from_tag(s: &str) -> Option<Option<Decimal>> {
    match s {
        "." => Some(Some(Decimal::Dot)),
        "," => Some(Some(Decimal::Comma)),
        "?" => Some(None),
        _ => None,
    }
}

/// The batch schema metadata key holding a CSV file's decimal separator.
pub const DECIMAL_KEY: &str = "scorebook.decimal";

/// The order of day and month in a date written with `/`, `.` or `-`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayMonth {
    DayFirst,
    MonthFirst,
}

/// `[input] date_format`: the spellings accepted, and their order.
pub fn date_format(s: &str) -> Result<DayMonth> {
    match s.to_ascii_uppercase().replace(['.', '-'], "/").as_str() {
        "DD/MM/YYYY" | "D/M/YYYY" | "%D/%M/%Y" => Ok(DayMonth::DayFirst),
        "MM/DD/YYYY" | "M/D/YYYY" | "%M/%D/%Y" => Ok(DayMonth::MonthFirst),
        _ => Err(Error::config(
            "input.date_format",
            format!("{s:?} is not a date format scorebook reads: use \"DD/MM/YYYY\" or \"MM/DD/YYYY\" (ISO dates, YYYY-MM-DD, are always read)"),
        )),
    }
}

/// The conventions of the export being read.
#[derive(Debug, Clone, Default)]
pub struct Conventions {
    pub delimiter: Option<u8>,
    pub decimal: Option<Decimal>,
    /// Extra spellings of a missing value, lower case (`[input] missing_values`).
    pub missing: Vec<String>,
    pub day_month: Option<DayMonth>,
}

static CURRENT: RwLock<Option<Conventions>> = RwLock::new(None);

/// Sets the conventions every read of this process uses (from the
/// command's config).
pub fn set(c: Conventions) {
    *CURRENT.write().unwrap_or_else(|e| e.into_inner()) = Some(c);
}

pub fn current() -> Conventions {
    CURRENT
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .unwrap_or_default()
}

/// Whether a cell means "no value": empty, `null`, `na`, `n/a`, or one of
/// `[input] missing_values`.
pub fn is_missing(s: &str, c: &Conventions) -> bool {
    let t = s.trim();
    t.is_empty()
        || t.eq_ignore_ascii_case("null")
        || t.eq_ignore_ascii_case("na")
        || t.eq_ignore_ascii_case("n/a")
        || is_listed_missing(t, c)
}

/// Whether a cell is one of `[input] missing_values` (text keeps `N/A` as
/// a level unless listed).
pub fn is_listed_missing(s: &str, c: &Conventions) -> bool {
    let t = s.trim();
    !c.missing.is_empty() && c.missing.iter().any(|m| m.eq_ignore_ascii_case(t))
}

/// A boolean word (or 0/1) as 1.0 / 0.0.
pub fn boolean(s: &str) -> Option<f64> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "t" | "1" => Some(1.0),
        "false" | "no" | "n" | "f" | "0" => Some(0.0),
        _ => None,
    }
}

/// Why a text is not read as a number.
#[derive(Debug, Clone, PartialEq)]
pub enum NotANumber {
    /// Not a number at all (a word, a typo).
    Text,
    /// Digit groups that do not fit the decimal separator in force: says how.
    Separators(String),
    /// `1.327` where the export's separator is undecided: 1327 or 1.327.
    Ambiguous,
}

/// A number's text split into its parts: sign, currency, percent removed.
struct Parts<'a> {
    negative: bool,
    body: &'a str,
    exponent: Option<&'a str>,
    percent: bool,
}

const CURRENCY: &[char] = &['$', '€', '£', '¥'];
const SPACES: &[char] = &[' ', '\u{a0}', '\u{202f}'];

fn parts(s: &str) -> Option<Parts<'_>> {
    let mut t = s.trim();
    let mut negative = false;
    let mut percent = false;
    if let Some(r) = t.strip_suffix('%') {
        percent = true;
        t = r.trim_end();
    }
    for _ in 0..2 {
        if let Some(r) = t.strip_prefix('-') {
            negative = !negative;
            t = r.trim_start();
        } else if let Some(r) = t.strip_prefix('+') {
            t = r.trim_start();
        }
        if let Some(r) = t.strip_prefix(CURRENCY) {
            t = r.trim_start();
        }
    }
    if let Some(r) = t.strip_suffix(CURRENCY) {
        t = r.trim_end();
    }
    let (body, exponent) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let ok_body = !body.is_empty()
        && body.chars().any(|c| c.is_ascii_digit())
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',' || SPACES.contains(&c));
    let ok_exp = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
    });
    (ok_body && ok_exp).then_some(Parts {
        negative,
        body,
        exponent,
        percent,
    })
}

/// Whether `int` is digit groups of three after a first of one to three,
/// separated by `sep` (`1,327,000`).
fn grouped(int: &str, sep: &[char]) -> bool {
    let groups: Vec<&str> = int.split(sep).collect();
    groups.len() > 1
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()))
}

/// Reads a number written with `decimal` as its decimal separator: the
/// other of `.` and `,` (or a space) only as a thousands separator between
/// groups of three; a currency sign, a sign and a trailing `%` (read as a
/// fraction: `12%` is 0.12) allowed. With the separator undecided (None),
/// a value is read by the separators it shows (`1.327,50`, `12.5`), and
/// one that could be read both ways (`1.327`) is `Ambiguous`.
pub fn number(s: &str, decimal: Option<Decimal>) -> std::result::Result<f64, NotANumber> {
    let decimal = match (decimal, evidence(s)) {
        (Some(d), _) => d,
        (None, Some(Evidence::Shows(d))) => d,
        (None, Some(Evidence::Either)) => return Err(NotANumber::Ambiguous),
        (None, None) => Decimal::Dot,
    };
    let p = parts(s).ok_or(NotANumber::Text)?;
    let (d, t) = (decimal.char(), decimal.other());
    let mut pieces = p.body.splitn(2, d);
    let int = pieces.next().unwrap_or("");
    let frac = pieces.next();
    if frac.is_some_and(|f| !f.chars().all(|c| c.is_ascii_digit())) {
        return Err(NotANumber::Separators(format!(
            "after its decimal separator `{d}` it has more separators"
        )));
    }
    let thousands: &[char] = &[t, ' ', '\u{a0}', '\u{202f}'];
    let digits: String = if int.contains(thousands) {
        if p.exponent.is_some() || !grouped(int, thousands) {
            return Err(NotANumber::Separators(format!(
                "`{t}` is read as a thousands separator, but the digits around it are not in groups of three"
            )));
        }
        int.chars().filter(char::is_ascii_digit).collect()
    } else {
        int.to_string()
    };
    let mut text = format!("{}{}", if p.negative { "-" } else { "" }, digits);
    if let Some(f) = frac {
        text = format!("{text}.{f}");
    }
    if let Some(e) = p.exponent {
        text = format!("{text}e{e}");
    }
    let x: f64 = text.parse().map_err(|_| NotANumber::Text)?;
    if !x.is_finite() {
        return Err(NotANumber::Text);
    }
    Ok(if p.percent { x / 100.0 } else { x })
}

/// What one cell says about the decimal separator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Evidence {
    Shows(Decimal),
    /// `1,327` or `1.327`: a thousands group or a decimal, by convention.
    Either,
}

fn evidence(s: &str) -> Option<Evidence> {
    let p = parts(s)?;
    let b = p.body;
    let (dot, comma) = (b.rfind('.'), b.rfind(','));
    match (dot, comma) {
        (Some(i), Some(j)) => Some(Evidence::Shows(if i > j {
            Decimal::Dot
        } else {
            Decimal::Comma
        })),
        (Some(_), None) if grouped(b, &['.']) => Some(Evidence::Either),
        (Some(_), None) if b.matches('.').count() == 1 => Some(Evidence::Shows(Decimal::Dot)),
        (None, Some(_)) if grouped(b, &[',']) => Some(Evidence::Either),
        (None, Some(_)) if b.matches(',').count() == 1 => Some(Evidence::Shows(Decimal::Comma)),
        _ => None,
    }
}

/// The decimal separator a CSV file's cells show (every cell of `cells`
/// that reads as a number): a comma when only commas are decimals, a dot
/// when only dots are; when they show both, or none and the file is not
/// `,`-delimited (where `1,327` is a thousands group), undecided (None):
/// each value is then read by its own separators, and one that could be
/// read both ways is refused naming `[input] decimal`. Returns the
/// separator and, when it is a comma, an example that showed it.
pub fn detect_decimal<'a>(
    delimiter: u8,
    cells: impl Iterator<Item = &'a str>,
) -> (Option<Decimal>, Option<String>) {
    let (mut dot, mut comma) = (false, None);
    for c in cells {
        match evidence(c) {
            Some(Evidence::Shows(Decimal::Dot)) => dot = true,
            Some(Evidence::Shows(Decimal::Comma)) => {
                comma.get_or_insert(c);
            }
            _ => {}
        }
    }
    match (dot, comma) {
        (false, Some(c)) => (Some(Decimal::Comma), Some(c.to_string())),
        (true, None) => (Some(Decimal::Dot), None),
        (false, None) if delimiter == b',' => (Some(Decimal::Dot), None),
        _ => (None, None),
    }
}

/// What `number` says of an ambiguous value: the two readings and the fix.
pub fn ambiguous(s: &str) -> String {
    let read = |d| number(s, Some(d)).map_or_else(|_| "?".to_string(), |x| x.to_string());
    format!(
        "{s:?} could be a thousands group or a decimal: set [input] decimal = \",\" (it reads {}) or \".\" (it reads {})",
        read(Decimal::Comma),
        read(Decimal::Dot)
    )
}

/// Reads a date written as text: ISO (`YYYY-MM-DD` or `YYYY/MM/DD`,
/// optionally followed by a time) always; `DD/MM/YYYY` or `MM/DD/YYYY`
/// (also with `.` or `-`) in the order `day_month` gives. Days since
/// 1970-01-01.
pub fn date(s: &str, day_month: Option<DayMonth>) -> Option<i32> {
    let t = s.trim();
    if let Some(d) = iso_date(t) {
        return Some(d);
    }
    let (a, b, y) = dmy_parts(t)?;
    let (day, month) = match day_month? {
        DayMonth::DayFirst => (a, b),
        DayMonth::MonthFirst => (b, a),
    };
    chrono::NaiveDate::from_ymd_opt(y, month, day).map(days_from_date)
}

fn iso_date(t: &str) -> Option<i32> {
    let head = t.get(..10)?;
    let rest = &t[10..];
    if !(rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ')) {
        return None;
    }
    let d = chrono::NaiveDate::parse_from_str(head, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(head, "%Y/%m/%d"))
        .ok()?;
    Some(days_from_date(d))
}

/// `A/B/YYYY` (or `.` `-`), optionally followed by a time: (A, B, year).
fn dmy_parts(t: &str) -> Option<(u32, u32, i32)> {
    let head = t.split([' ', 'T']).next()?;
    let sep = head.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
    let p: Vec<&str> = head.split(sep).collect();
    if p.len() != 3
        || !(1..=2).contains(&p[0].len())
        || !(1..=2).contains(&p[1].len())
        || p[2].len() != 4
    {
        return None;
    }
    Some((p[0].parse().ok()?, p[1].parse().ok()?, p[2].parse().ok()?))
}

/// The order of day and month a column's `A/B/YYYY` dates show: a first
/// part above 12 is a day, a second above 12 is too. `Ok(None)` when no
/// cell is written so; an error when they conflict or cannot tell.
pub fn detect_day_month<'a>(
    cells: impl Iterator<Item = &'a str>,
) -> std::result::Result<Option<DayMonth>, String> {
    let (mut day_first, mut month_first, mut any) = (None, None, None);
    for c in cells {
        if let Some((a, b, _)) = dmy_parts(c.trim()) {
            any.get_or_insert(c);
            if a > 12 {
                day_first.get_or_insert(c);
            }
            if b > 12 {
                month_first.get_or_insert(c);
            }
        }
    }
    match (day_first, month_first, any) {
        (Some(d), Some(m), _) => Err(format!(
            "dates are written day first ({d:?}) and month first ({m:?}); fix them, and set [input] date_format"
        )),
        (Some(_), None, _) => Ok(Some(DayMonth::DayFirst)),
        (None, Some(_), _) => Ok(Some(DayMonth::MonthFirst)),
        (None, None, Some(c)) => Err(format!(
            "{c:?} could be day/month or month/day: set [input] date_format = \"DD/MM/YYYY\" or \"MM/DD/YYYY\""
        )),
        (None, None, None) => Ok(None),
    }
}

/// Days since 1970-01-01 of a date (the day numbers every table holds).
pub fn days_from_date(d: chrono::NaiveDate) -> i32 {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
    (d - epoch).num_days() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_by_their_separators() {
        let dot = |s| number(s, Some(Decimal::Dot));
        let comma = |s| number(s, Some(Decimal::Comma));
        assert_eq!(dot("1,200"), Ok(1200.0));
        assert_eq!(dot("$1,234,567.89"), Ok(1234567.89));
        assert_eq!(dot("-$1,200"), Ok(-1200.0));
        assert_eq!(dot("12%"), Ok(0.12));
        assert_eq!(dot("1.5e3"), Ok(1500.0));
        assert_eq!(dot(".5"), Ok(0.5));
        assert!(matches!(dot("2810813,00"), Err(NotANumber::Separators(_))));
        assert!(matches!(dot("12,34,567"), Err(NotANumber::Separators(_))));
        assert_eq!(comma("2810813,00"), Ok(2810813.0));
        assert_eq!(comma("1.327"), Ok(1327.0));
        assert_eq!(comma("1.327,50 €"), Ok(1327.5));
        assert_eq!(comma("1 327,5"), Ok(1327.5));
        assert!(matches!(comma("12.5"), Err(NotANumber::Separators(_))));
        assert_eq!(dot("abc"), Err(NotANumber::Text));
        assert_eq!(dot("Yes"), Err(NotANumber::Text));
        assert_eq!(dot("1-2"), Err(NotANumber::Text));
        // undecided: each value by its own separators, never a guess
        assert_eq!(number("1.327,50", None), Ok(1327.5));
        assert_eq!(number("12.5", None), Ok(12.5));
        assert_eq!(number("7", None), Ok(7.0));
        assert_eq!(number("1.327", None), Err(NotANumber::Ambiguous));
        assert!(ambiguous("1.327").contains("it reads 1327) or \".\" (it reads 1.327)"));
    }

    #[test]
    fn the_decimal_separator_is_detected_or_left_to_each_value() {
        let d = |delim, v: &[&str]| detect_decimal(delim, v.iter().copied()).0;
        assert_eq!(d(b';', &["2810813,00", "1.327"]), Some(Decimal::Comma));
        assert_eq!(d(b';', &["1.327,50"]), Some(Decimal::Comma));
        assert_eq!(d(b';', &["12.5", "7"]), Some(Decimal::Dot));
        assert_eq!(d(b',', &["1,327"]), Some(Decimal::Dot));
        assert_eq!(d(b';', &["7", "Acme"]), None);
        assert_eq!(d(b';', &["1.327"]), None);
        assert_eq!(d(b';', &["1,5", "2.5"]), None);
    }

    #[test]
    fn dates_in_the_order_they_show() {
        assert_eq!(date("2017-03-01T10:00:00Z", None), date("2017-03-01", None));
        assert_eq!(date("03/01/2017", None), None);
        assert_eq!(
            date("03/01/2017", Some(DayMonth::MonthFirst)),
            date("2017-03-01", None)
        );
        assert_eq!(
            date("01.03.2017", Some(DayMonth::DayFirst)),
            date("2017-03-01", None)
        );
        let v = ["25/12/2020", "01/02/2020"];
        assert_eq!(
            detect_day_month(v.iter().copied()),
            Ok(Some(DayMonth::DayFirst))
        );
        assert!(detect_day_month(["01/02/2020"].iter().copied())
            .unwrap_err()
            .contains("date_format"));
        assert!(detect_day_month(["25/12/2020", "12/25/2020"].iter().copied()).is_err());
    }
}
