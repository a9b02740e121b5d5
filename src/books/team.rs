//! The books' inputs, read and checked: the sales team (`--reps`), the
//! current owners, the worked activities, the open deals and the scored
//! accounts with the columns the reps' segments and `[books] eligible`
//! read. Every error names the file, the row (and the rep) and the fix.

use std::path::Path;

use arrow::array::{ArrayRef, RecordBatch};
use rustc_hash::FxHashMap;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::input::read::{self, Loc};
use crate::model::rules::Predicate;

/// One rep of `--reps`.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamRep {
    pub id: String,
    pub name: String,
    pub team: String,
    pub capacity: usize,
    /// Takes new accounts (false, or away until a later day).
    pub available: bool,
    /// Gone (`available = false`): what the rep owns goes back to the pool
    /// but for open deals. A rep away until a day keeps their accounts.
    pub gone: bool,
    pub segment: Option<String>,
    /// The segment's name in sentences ("no Healthcare capacity").
    pub segment_name: Option<String>,
}

/// A file's column as an array, or None when the file has no such column.
fn column(b: &RecordBatch, name: &str) -> Option<ArrayRef> {
    b.schema().index_of(name).ok().map(|i| b.column(i).clone())
}

fn loc<'a>(file: &'a str, column: &'a str) -> Loc<'a> {
    Loc {
        file,
        column,
        first_row: 1,
        decimal: None,
    }
}

/// A column the file must have, or an error saying what to give.
fn required(b: &RecordBatch, file: &str, name: &str, what: &str) -> Result<ArrayRef> {
    column(b, name).ok_or_else(|| Error::data(file, format!("no `{name}` column: give {what}")))
}

/// Strings of an optional column (all None when the file lacks it).
fn strings_of(b: &RecordBatch, file: &str, name: &str) -> Result<Vec<Option<String>>> {
    match column(b, name) {
        Some(a) => read::strings(&a, &loc(file, name)),
        None => Ok(vec![None; b.num_rows()]),
    }
}

/// The ids of a required id column: every row has one.
fn ids(b: &RecordBatch, file: &str, name: &str, what: &str) -> Result<Vec<String>> {
    let Some(a) = column(b, name) else {
        let names: Vec<String> = b
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        return Err(Error::data(
            file,
            format!(
                "no `{name}` column ({what}); the file has {}",
                names.join(", ")
            ),
        ));
    };
    read::strings(&a, &loc(file, name))?
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            v.ok_or_else(|| {
                Error::data(
                    file,
                    format!(
                        "column `{name}`, row {}: empty; every row needs {what}",
                        i + 1
                    ),
                )
            })
        })
        .collect()
}

/// Reads `--reps`: ids once each, capacities of 1 or more, availability
/// as true/false or the day the rep is back.
pub fn reps(path: &Path, cfg: &Config, as_of: i32) -> Result<Vec<TeamRep>> {
    let file = path.display().to_string();
    let b = read::read_all(path)?;
    let id = ids(&b, &file, "rep_id", "the rep's id, as the CRM's owner id")?;
    let mut seen: FxHashMap<&str, usize> = FxHashMap::default();
    for (i, r) in id.iter().enumerate() {
        if let Some(first) = seen.insert(r, i + 1) {
            return Err(Error::data(
                &file,
                format!(
                    "rep_id \"{r}\" is on rows {first} and {}: list each rep once",
                    i + 1
                ),
            ));
        }
    }
    let capacity = match column(&b, "capacity") {
        Some(a) => read::numbers(&a, &loc(&file, "capacity"))?,
        None => vec![None; id.len()],
    };
    let name = strings_of(&b, &file, "name")?;
    let team = strings_of(&b, &file, "team")?;
    let segment = strings_of(&b, &file, "segment")?;
    let segment_name = strings_of(&b, &file, "segment_name")?;
    let available = strings_of(&b, &file, "available")?;
    let mut out = vec![];
    for (i, r) in id.iter().enumerate() {
        let row = i + 1;
        let cap = match capacity[i] {
            None => cfg.books.capacity,
            Some(c) if c >= 1.0 && c.fract() == 0.0 && c <= 1e9 => c as usize,
            Some(c) => {
                return Err(Error::data(
                    &file,
                    format!("column `capacity`, row {row} (rep {r}): {c} is not a capacity; give the accounts the rep works at once, a whole number of 1 or more (empty: [books] capacity, {})", cfg.books.capacity),
                ))
            }
        };
        let (available, gone) = match available[i].as_deref() {
            None => (true, false),
            Some(s) => match crate::conventions::boolean(s) {
                Some(v) => (v == 1.0, v == 0.0),
                None => match read::parse_date(s) {
                    Some(d) => (d <= as_of, false),
                    None => {
                        return Err(Error::data(
                            &file,
                            format!("column `available`, row {row} (rep {r}): \"{s}\" is neither true/false nor a date (YYYY-MM-DD, the day the rep takes new accounts again)"),
                        ))
                    }
                },
            },
        };
        out.push(TeamRep {
            id: r.clone(),
            name: name[i].clone().unwrap_or_else(|| r.clone()),
            team: team[i].clone().unwrap_or_default(),
            capacity: cap,
            available,
            gone,
            segment: segment[i].clone(),
            segment_name: segment_name[i].clone(),
        });
    }
    if out.is_empty() {
        return Err(Error::data(
            &file,
            "no reps: list at least one (rep_id, capacity)",
        ));
    }
    Ok(out)
}

/// The current owner of an account and since when.
#[derive(Debug, Clone)]
pub struct Owner {
    pub rep: String,
    pub since: Option<i32>,
    pub row: usize,
}

/// Reads `--owners` (a CRM export, or an earlier run's `books.parquet`,
/// whose pool rows have no rep): one owner per account.
pub fn owners(path: &Path) -> Result<FxHashMap<String, Owner>> {
    let file = path.display().to_string();
    let b = read::read_all(path)?;
    let account = ids(&b, &file, "account_id", "the account's id")?;
    let rep = read::strings(
        &required(
            &b,
            &file,
            "rep_id",
            "each owned account's owner (account_id, rep_id, since)",
        )?,
        &loc(&file, "rep_id"),
    )?;
    let since = match column(&b, "since") {
        Some(a) => read::dates(&a, &loc(&file, "since"))?,
        None => vec![None; account.len()],
    };
    let mut out: FxHashMap<String, Owner> = FxHashMap::default();
    for (i, a) in account.into_iter().enumerate() {
        let Some(r) = rep[i].clone() else { continue };
        let row = i + 1;
        if let Some(first) = out.get(&a) {
            return Err(Error::data(
                &file,
                format!(
                    "account_id \"{a}\" is owned on rows {} and {row}: an account has one owner",
                    first.row
                ),
            ));
        }
        out.insert(
            a,
            Owner {
                rep: r,
                since: since[i],
                row,
            },
        );
    }
    Ok(out)
}

/// Reads `--activity`: each account's last worked day. A signals file is
/// read for the types `[books] activity_signals` names. A day after the
/// scores' as-of day is an error (the books would be dated before the
/// work they count).
pub fn activity(path: &Path, cfg: &Config, as_of: i32) -> Result<FxHashMap<String, i32>> {
    let file = path.display().to_string();
    let b = read::read_all(path)?;
    let account = ids(&b, &file, "account_id", "the account's id")?;
    let d = required(
        &b,
        &file,
        "date",
        "each worked activity's day (account_id, date)",
    )?;
    let date = read::dates(&d, &loc(&file, "date"))?;
    let types = match column(&b, "signal") {
        Some(a) if !cfg.books.activity_signals.is_empty() => {
            Some(read::strings(&a, &loc(&file, "signal"))?)
        }
        _ => None,
    };
    let mut last: FxHashMap<String, i32> = FxHashMap::default();
    for (i, a) in account.into_iter().enumerate() {
        if let Some(t) = &types {
            let counts = t[i].as_deref().is_some_and(|t| {
                cfg.books
                    .activity_signals
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(t.trim()))
            });
            if !counts {
                continue;
            }
        }
        let Some(day) = date[i] else {
            return Err(Error::data(
                &file,
                format!(
                    "column `date`, row {}: empty; every activity needs its day",
                    i + 1
                ),
            ));
        };
        if day > as_of {
            return Err(Error::data(
                &file,
                format!(
                    "column `date`, row {}: {} is after the scores' as-of day {}; score as of a later day, or leave later activity out",
                    i + 1,
                    read::format_days(day),
                    read::format_days(as_of)
                ),
            ));
        }
        let e = last.entry(a).or_insert(day);
        *e = (*e).max(day);
    }
    Ok(last)
}

/// The accounts with an open deal in `--opportunities` (the stages `[stages]`
/// maps to neither won nor lost).
pub fn open_deals(path: &Path, cfg: &Config) -> Result<rustc_hash::FxHashSet<String>> {
    let file = path.display().to_string();
    let b = read::read_all(path)?;
    let account = ids(&b, &file, "account_id", "the deal's account")?;
    let s = required(
        &b,
        &file,
        "stage",
        "each deal's stage: the open deals are those in no closed stage",
    )?;
    let stage = read::strings(&s, &loc(&file, "stage"))?;
    let closed = |s: &str| {
        cfg.stages
            .won
            .iter()
            .chain(&cfg.stages.lost)
            .any(|w| w.trim().eq_ignore_ascii_case(s.trim()))
    };
    Ok(account
        .into_iter()
        .zip(stage)
        .filter(|(_, s)| !s.as_deref().is_some_and(closed))
        .map(|(a, _)| a)
        .collect())
}

/// A parsed predicate of a rep's segment (`file` the reps, `at` its row)
/// or of `[books] eligible`, the error naming where it came from and the
/// columns it may read.
pub fn predicate(
    file: &str,
    at: &str,
    what: &str,
    when: &str,
    columns: &[String],
) -> Result<Predicate> {
    Predicate::parse(what, "", when, columns).map_err(|e| match e {
        Error::Config { message, .. } => Error::data(
            file,
            format!(
                "{at}{}; the columns it may read (the scored file's, and --universe's): {}",
                message.replacen(" \"\"", "", 1),
                columns.join(", ")
            ),
        ),
        other => other,
    })
}
