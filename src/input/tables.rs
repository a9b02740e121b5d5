//! The three tables of the data contract (PRODUCT.md §4) as typed columns,
//! built from any file whose columns are mapped by `[columns]`.

use std::collections::BTreeMap;

use arrow::array::RecordBatch;
use polars::prelude::{NewChunkedArray, StringChunked};

use crate::config::{ColumnType, Config};
use crate::error::{Error, Result};
use crate::input::conventions::Decimal;
use crate::input::read::{self, Loc};

/// `industry` and `employees` are optional (PRODUCT.md §4): absent, every
/// account is `Unknown` / imputed, and `validate` says so once.
pub const ACCOUNT_REQUIRED: &[&str] = &["account_id"];
pub const ACCOUNT_TEXT: &[&str] = &[
    "account_id",
    "name",
    "domain",
    "industry",
    "country",
    "technologies",
];
/// The text columns scoring reads (the rest are for training's checks).
pub const ACCOUNT_SCORED_TEXT: &[&str] = &["account_id", "industry", "technologies"];
pub const ACCOUNT_NUMERIC: &[&str] = &[
    "employees",
    "annual_revenue",
    "founded_year",
    "jobs_posted_30d",
    "hires_12m",
];
pub const OPPORTUNITY_REQUIRED: &[&str] =
    &["opportunity_id", "account_id", "created_date", "stage"];
pub const SIGNAL_REQUIRED: &[&str] = &["account_id", "date", "signal"];
pub const CONTACT_REQUIRED: &[&str] = &["contact_id", "account_id"];

/// Accounts, or one batch of a universe: same shape.
#[derive(Debug, Clone, Default)]
pub struct Accounts {
    pub account_id: Vec<Option<String>>,
    pub name: Vec<Option<String>>,
    pub industry: Vec<Option<String>>,
    pub technologies: Vec<Option<String>>,
    pub employees: Vec<Option<f64>>,
    pub annual_revenue: Vec<Option<f64>>,
    pub founded_year: Vec<Option<f64>>,
    pub jobs_posted_30d: Vec<Option<f64>>,
    pub hires_12m: Vec<Option<f64>>,
    /// Extra numeric (and boolean) columns named in `features.extra`.
    pub extra: Vec<(String, Vec<Option<f64>>)>,
    /// Extra text and `;`-list columns named in `features.extra`.
    pub extra_text: Vec<(String, Vec<Option<String>>)>,
}

impl Accounts {
    /// `n` rows without any value.
    pub fn with_rows(n: usize) -> Accounts {
        Accounts {
            account_id: vec![None; n],
            name: vec![None; n],
            industry: vec![None; n],
            technologies: vec![None; n],
            employees: vec![None; n],
            annual_revenue: vec![None; n],
            founded_year: vec![None; n],
            jobs_posted_30d: vec![None; n],
            hires_12m: vec![None; n],
            extra: vec![],
            extra_text: vec![],
        }
    }
    pub fn len(&self) -> usize {
        self.account_id.len()
    }
    pub fn is_empty(&self) -> bool {
        self.account_id.is_empty()
    }
    /// Appends the rows of `other` (read with the same config).
    pub fn append(&mut self, mut o: Accounts) {
        if self.is_empty() && self.extra.is_empty() && self.extra_text.is_empty() {
            *self = o;
            return;
        }
        let (n, added) = (self.len(), o.len());
        self.account_id.append(&mut o.account_id);
        self.name.append(&mut o.name);
        self.industry.append(&mut o.industry);
        self.technologies.append(&mut o.technologies);
        self.employees.append(&mut o.employees);
        self.annual_revenue.append(&mut o.annual_revenue);
        self.founded_year.append(&mut o.founded_year);
        self.jobs_posted_30d.append(&mut o.jobs_posted_30d);
        self.hires_12m.append(&mut o.hires_12m);
        append_named(&mut self.extra, o.extra, n, added);
        append_named(&mut self.extra_text, o.extra_text, n, added);
    }
    /// Splits off the rows from `at` on (like `Vec::split_off`).
    pub fn split_off(&mut self, at: usize) -> Accounts {
        Accounts {
            account_id: self.account_id.split_off(at),
            name: self.name.split_off(at),
            industry: self.industry.split_off(at),
            technologies: self.technologies.split_off(at),
            employees: self.employees.split_off(at),
            annual_revenue: self.annual_revenue.split_off(at),
            founded_year: self.founded_year.split_off(at),
            jobs_posted_30d: self.jobs_posted_30d.split_off(at),
            hires_12m: self.hires_12m.split_off(at),
            extra: self
                .extra
                .iter_mut()
                .map(|(n, v)| (n.clone(), v.split_off(at)))
                .collect(),
            extra_text: self
                .extra_text
                .iter_mut()
                .map(|(n, v)| (n.clone(), v.split_off(at)))
                .collect(),
        }
    }
}

/// Appends named columns to those of `n` rows (a name only one side has
/// is missing on the other).
fn append_named<T: Clone>(
    to: &mut Vec<(String, Vec<Option<T>>)>,
    from: Vec<(String, Vec<Option<T>>)>,
    n: usize,
    added: usize,
) {
    for (name, mut v) in from {
        match to.iter_mut().find(|(k, _)| *k == name) {
            Some((_, col)) => col.append(&mut v),
            None => {
                let mut col = vec![None; n];
                col.append(&mut v);
                to.push((name, col));
            }
        }
    }
    for (_, col) in to.iter_mut() {
        col.resize(n + added, None);
    }
}

#[derive(Debug, Clone, Default)]
pub struct Opportunities {
    pub opportunity_id: Vec<Option<String>>,
    pub account_id: Vec<Option<String>>,
    pub created_date: Vec<Option<i32>>,
    pub close_date: Vec<Option<i32>>,
    pub stage: Vec<Option<String>>,
    pub amount: Vec<Option<f64>>,
    /// 1 won, 0 lost, None open (from the stage mapping).
    pub label: Vec<Option<u8>>,
    /// Deal columns named in `features.deal`: numbers, and text or lists.
    pub deal: Vec<(String, Vec<Option<f64>>)>,
    pub deal_text: Vec<(String, Vec<Option<String>>)>,
}

/// A batch of signals. Ids and types are Polars string columns (one
/// buffer each, not a heap string per row): tens of millions of signals
/// pass through here on their way into the feature plan.
#[derive(Debug, Clone, Default)]
pub struct Signals {
    pub account_id: StringChunked,
    pub date: Vec<Option<i32>>,
    /// When the event became known; defaults to `date`.
    pub recorded_date: Vec<Option<i32>>,
    /// Normalized signal type (`demo_request`).
    pub signal: StringChunked,
    pub value: Vec<Option<f64>>,
}

/// The training accounts' signals, compactly (ids and types as codes into
/// their dictionaries): a million deals can come with tens of millions of
/// signals. Only complete rows (account, date, type); a missing `recorded`
/// is `KNOWN_ALWAYS` and a missing `value` 1.
/// The recorded day of a signal without a `recorded_date`: a past event
/// counts once it has happened (its date is before the as-of day), and a
/// scheduled one is known in advance (PRODUCT.md §4).
pub const KNOWN_ALWAYS: i32 = i32::MIN;

#[derive(Debug, Clone, Default)]
pub struct SignalTable {
    pub accounts: Vec<String>,
    /// Normalized signal types.
    pub types: Vec<String>,
    pub account: Vec<u32>,
    pub kind: Vec<u32>,
    pub date: Vec<i32>,
    pub recorded: Vec<i32>,
    pub value: Vec<f64>,
    account_code: rustc_hash::FxHashMap<String, u32>,
    type_code: rustc_hash::FxHashMap<String, u32>,
}

impl SignalTable {
    pub fn len(&self) -> usize {
        self.date.len()
    }

    pub fn is_empty(&self) -> bool {
        self.date.is_empty()
    }

    /// Appends the complete rows of `s` that `keep` selects.
    pub fn extend(&mut self, s: &Signals, keep: impl Fn(usize) -> bool) {
        fn code(
            dict: &mut Vec<String>,
            codes: &mut rustc_hash::FxHashMap<String, u32>,
            v: &str,
        ) -> u32 {
            if let Some(c) = codes.get(v) {
                return *c;
            }
            let c = dict.len() as u32;
            dict.push(v.to_string());
            codes.insert(v.to_string(), c);
            c
        }
        for (i, (id, sig)) in s.account_id.iter().zip(s.signal.iter()).enumerate() {
            let (Some(id), Some(date), Some(sig)) = (id, s.date[i], sig) else {
                continue;
            };
            if !keep(i) {
                continue;
            }
            self.account
                .push(code(&mut self.accounts, &mut self.account_code, id));
            self.kind
                .push(code(&mut self.types, &mut self.type_code, sig));
            self.date.push(date);
            self.recorded
                .push(s.recorded_date[i].unwrap_or(KNOWN_ALWAYS));
            self.value.push(s.value[i].unwrap_or(1.0));
        }
    }

    /// The code of an account id, if it has signals.
    pub fn account_code(&self, id: &str) -> Option<u32> {
        self.account_code.get(id).copied()
    }
}

/// Maps contract names to file column names for one table.
pub struct ColumnMap<'a> {
    pub table: &'a str,
    pub file: String,
    pub map: &'a BTreeMap<String, String>,
    pub present: Vec<String>,
}

impl<'a> ColumnMap<'a> {
    pub fn new(
        table: &'a str,
        file: String,
        map: &'a BTreeMap<String, String>,
        present: Vec<String>,
    ) -> Self {
        ColumnMap {
            table,
            file,
            map,
            present,
        }
    }
    /// The file column for a contract column, if the file has it: the
    /// mapped name, or else the contract's own (a model trained through a
    /// mapping scores a universe written in the contract's names).
    ///
    /// A header that differs only in case, spaces or hyphens (`Industry`,
    /// `Annual Revenue`) is matched when it is the only such one.
    pub fn source(&self, contract: &str) -> Option<String> {
        let has = |n: &str| self.present.iter().find(|p| *p == n).cloned();
        let mapped = self.map.get(contract);
        mapped
            .and_then(|n| has(n))
            .or_else(|| has(contract))
            .or_else(|| mapped.and_then(|n| self.loosely(n)))
            .or_else(|| self.loosely(contract))
    }

    /// The one present column whose name is `name` but for ASCII case,
    /// spaces and hyphens.
    fn loosely(&self, name: &str) -> Option<String> {
        let key = |s: &str| -> String {
            s.trim()
                .chars()
                .map(|c| match c {
                    ' ' | '-' => '_',
                    c => c.to_ascii_lowercase(),
                })
                .collect()
        };
        let want = key(name);
        let mut found = self.present.iter().filter(|p| key(p) == want);
        match (found.next(), found.next()) {
            (Some(one), None) => Some(one.clone()),
            _ => None,
        }
    }
    pub fn require(&self, contract: &str) -> Result<String> {
        self.source(contract).ok_or_else(|| {
            let name = self
                .map
                .get(contract)
                .cloned()
                .unwrap_or_else(|| contract.to_string());
            let mapped = if name != contract {
                format!(" (mapped from `{contract}`)")
            } else {
                String::new()
            };
            Error::data(
                &self.file,
                format!(
                    "missing required column `{name}`{mapped} in the {} table; found columns: {}",
                    self.table,
                    self.present.join(", ")
                ),
            )
        })
    }
    /// Checks every required column at once: one message names all the
    /// missing ones (an export missing three columns is fixed in one go).
    pub fn require_all(&self, contract: &[&str]) -> Result<()> {
        let missing: Vec<String> = contract
            .iter()
            .filter(|c| self.source(c).is_none())
            .map(|c| match self.map.get(*c) {
                Some(name) if name != c => format!("`{name}` (mapped from `{c}`)"),
                _ => format!("`{c}`"),
            })
            .collect();
        match missing.len() {
            0 => Ok(()),
            1 => self
                .require(
                    contract
                        .iter()
                        .find(|c| self.source(c).is_none())
                        .copied()
                        .unwrap_or_default(),
                )
                .map(|_| ()),
            _ => Err(Error::data(
                &self.file,
                format!(
                    "missing required columns {} in the {} table; found columns: {}",
                    missing.join(", "),
                    self.table,
                    self.present.join(", ")
                ),
            )),
        }
    }
    /// Source columns to read, for projection.
    pub fn sources(&self, contract: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = contract.iter().filter_map(|c| self.source(c)).collect();
        v.dedup();
        v
    }
}

/// Parses the file column mapped to contract column `c` with `parse`, or
/// all None when the file does not have it or it was not read (projection).
fn column<T: Clone>(
    b: &RecordBatch,
    m: &ColumnMap,
    c: &str,
    first_row: usize,
    parse: fn(&arrow::array::ArrayRef, &Loc) -> Result<Vec<Option<T>>>,
) -> Result<Vec<Option<T>>> {
    match m
        .source(c)
        .and_then(|src| b.column_by_name(&src).map(|a| (src, a)))
    {
        Some((src, a)) => parse(
            a,
            &Loc {
                file: &m.file,
                column: &src,
                first_row,
                decimal: read::decimal_of(b),
            },
        ),
        None => Ok(vec![None; b.num_rows()]),
    }
}

fn col_strings(
    b: &RecordBatch,
    m: &ColumnMap,
    c: &str,
    first_row: usize,
) -> Result<Vec<Option<String>>> {
    column(b, m, c, first_row, read::strings)
}

/// Text (ids, names) as one Polars column.
fn col_text(b: &RecordBatch, m: &ColumnMap, c: &str, first_row: usize) -> Result<StringChunked> {
    match m
        .source(c)
        .and_then(|src| b.column_by_name(&src).map(|a| (src, a)))
    {
        Some((src, a)) => read::text(
            a,
            c,
            &Loc {
                file: &m.file,
                column: &src,
                first_row,
                decimal: read::decimal_of(b),
            },
        ),
        None => Ok(StringChunked::from_iter_options(
            c.into(),
            std::iter::repeat_n(None::<&str>, b.num_rows()),
        )),
    }
}

fn col_numbers(
    b: &RecordBatch,
    m: &ColumnMap,
    c: &str,
    first_row: usize,
) -> Result<Vec<Option<f64>>> {
    column(b, m, c, first_row, read::numbers)
}

fn col_dates(
    b: &RecordBatch,
    m: &ColumnMap,
    c: &str,
    first_row: usize,
) -> Result<Vec<Option<i32>>> {
    column(b, m, c, first_row, read::dates)
}

/// Columns of an accounts/universe file to read (projection): the `text`
/// columns it has, every numeric one, and the extras.
pub fn account_sources(m: &ColumnMap, text: &[&str], extra: &[String]) -> Result<Vec<String>> {
    m.require_all(ACCOUNT_REQUIRED)?;
    let mut v = m.sources(text);
    v.extend(m.sources(ACCOUNT_NUMERIC));
    for e in extra {
        v.push(m.require(e)?);
    }
    let mut seen = std::collections::HashSet::new();
    v.retain(|c| seen.insert(c.clone()));
    Ok(v)
}

/// How `features.extra` (and `features.deal`) columns are read: as the
/// model says (its text and list columns as text, the rest as numbers), or,
/// in training, as `[features.types]` sets them, else as each column
/// looks (`read::looks`).
#[derive(Clone, Copy)]
pub enum ExtraKinds<'a> {
    Detect,
    Text(&'a [String]),
}

impl ExtraKinds<'_> {
    fn is_text(
        &self,
        name: &str,
        a: Option<&arrow::array::ArrayRef>,
        cfg: &Config,
        decimal: Option<Decimal>,
    ) -> bool {
        match self {
            ExtraKinds::Detect => match cfg.features.types.get(name) {
                Some(ColumnType::Text | ColumnType::List) => true,
                Some(ColumnType::Number | ColumnType::Boolean) => false,
                None => a.is_some_and(|a| read::looks(a, decimal) == read::Looks::Text),
            },
            ExtraKinds::Text(names) => names.iter().any(|n| n == name),
        }
    }
}

/// The extra columns `names` of a batch, split into numbers and text.
#[allow(clippy::type_complexity)]
fn extras(
    b: &RecordBatch,
    m: &ColumnMap,
    names: &[String],
    kinds: ExtraKinds,
    cfg: &Config,
    first_row: usize,
) -> Result<(
    Vec<(String, Vec<Option<f64>>)>,
    Vec<(String, Vec<Option<String>>)>,
)> {
    let (mut num, mut text) = (vec![], vec![]);
    let decimal = read::decimal_of(b);
    for e in names {
        let a = m.source(e).and_then(|src| b.column_by_name(&src).cloned());
        if kinds.is_text(e, a.as_ref(), cfg, decimal) {
            text.push((e.clone(), col_strings(b, m, e, first_row)?));
            continue;
        }
        // a typo, or a text column: say which setting decides
        let hint = match kinds {
            ExtraKinds::Detect if cfg.features.types.contains_key(e) => {
                format!("; or, if it is text, change [features.types] \"{e}\" to \"text\"")
            }
            ExtraKinds::Detect => {
                format!("; or, if the column is text, set [features.types] \"{e}\" = \"text\"")
            }
            ExtraKinds::Text(_) => format!("; the model read `{e}` as a number in training"),
        };
        let values = col_numbers(b, m, e, first_row).map_err(|err| match err {
            Error::Data { file, message } if message.contains("as a number") => Error::Data {
                file,
                message: message + &hint,
            },
            err => err,
        })?;
        num.push((e.clone(), values));
    }
    Ok((num, text))
}

impl Accounts {
    /// Parses one batch; `first_row` is the 1-based row number of its first row.
    pub fn from_batch(
        b: &RecordBatch,
        m: &ColumnMap,
        cfg: &Config,
        kinds: ExtraKinds,
        first_row: usize,
    ) -> Result<Accounts> {
        let mut industry = col_strings(b, m, "industry", first_row)?;
        for v in industry.iter_mut().flatten() {
            if let Some(canon) = cfg
                .input
                .industry_aliases
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(v))
                .map(|(_, c)| c.clone())
            {
                *v = canon;
            }
        }
        let mut annual_revenue = col_numbers(b, m, "annual_revenue", first_row)?;
        let mult = cfg.input.revenue_multiplier;
        if mult != 1.0 {
            annual_revenue.iter_mut().flatten().for_each(|x| *x *= mult);
        }
        let (extra, extra_text) = extras(b, m, &cfg.features.extra, kinds, cfg, first_row)?;
        Ok(Accounts {
            account_id: col_strings(b, m, "account_id", first_row)?,
            name: col_strings(b, m, "name", first_row)?,
            industry,
            technologies: col_strings(b, m, "technologies", first_row)?,
            employees: col_numbers(b, m, "employees", first_row)?,
            annual_revenue,
            founded_year: col_numbers(b, m, "founded_year", first_row)?,
            jobs_posted_30d: col_numbers(b, m, "jobs_posted_30d", first_row)?,
            hires_12m: col_numbers(b, m, "hires_12m", first_row)?,
            extra,
            extra_text,
        })
    }
}

impl Opportunities {
    /// Whether no deal has a created date (an export without dates).
    pub fn dateless(&self) -> bool {
        let c = &self.created_date;
        !c.is_empty() && c.iter().all(Option::is_none)
    }

    /// Appends the rows of `other` (read with the same config).
    pub fn append(&mut self, mut o: Opportunities) {
        let (n, added) = (self.opportunity_id.len(), o.opportunity_id.len());
        self.opportunity_id.append(&mut o.opportunity_id);
        self.account_id.append(&mut o.account_id);
        self.created_date.append(&mut o.created_date);
        self.close_date.append(&mut o.close_date);
        self.stage.append(&mut o.stage);
        self.amount.append(&mut o.amount);
        self.label.append(&mut o.label);
        append_named(&mut self.deal, o.deal, n, added);
        append_named(&mut self.deal_text, o.deal_text, n, added);
    }

    pub fn from_batch(
        b: &RecordBatch,
        m: &ColumnMap,
        cfg: &Config,
        kinds: ExtraKinds,
    ) -> Result<Opportunities> {
        // an export without dates can still train on a random split
        let dateless_ok = cfg.split.method == crate::config::SplitMethod::Random;
        let required: Vec<&str> = OPPORTUNITY_REQUIRED
            .iter()
            .copied()
            .filter(|c| !(dateless_ok && *c == "created_date"))
            .collect();
        match m.require_all(&required) {
            Err(Error::Data { file, message })
                if !dateless_ok && m.source("created_date").is_none() =>
            {
                return Err(Error::Data {
                    file,
                    message: format!("{message}; an export without dates cannot be split in time: add `[split]` with `method = \"random\"` (and a `seed`) for a seeded random split, which the report will state"),
                });
            }
            other => other?,
        }
        for e in &cfg.features.deal {
            m.require(e)?;
        }
        let (deal, deal_text) = extras(b, m, &cfg.features.deal, kinds, cfg, 1)?;
        let stage = col_strings(b, m, "stage", 1)?;
        let is_in =
            |s: &str, list: &[String]| list.iter().any(|w| w.trim().eq_ignore_ascii_case(s.trim()));
        let label = stage
            .iter()
            .map(|s| {
                s.as_deref().and_then(|s| {
                    if is_in(s, &cfg.stages.won) {
                        Some(1)
                    } else if is_in(s, &cfg.stages.lost) {
                        Some(0)
                    } else {
                        None
                    }
                })
            })
            .collect();
        Ok(Opportunities {
            opportunity_id: col_strings(b, m, "opportunity_id", 1)?,
            account_id: col_strings(b, m, "account_id", 1)?,
            created_date: col_dates(b, m, "created_date", 1)?,
            close_date: col_dates(b, m, "close_date", 1)?,
            stage,
            amount: col_numbers(b, m, "amount", 1)?,
            label,
            deal,
            deal_text,
        })
    }
}

/// People at accounts, over time (for champions who move): one row per
/// person and account.
#[derive(Debug, Clone, Default)]
pub struct Contacts {
    pub contact_id: Vec<Option<String>>,
    /// Blank when unknown: the email's domain then names the account.
    pub account_id: Vec<Option<String>>,
    pub email: Vec<Option<String>>,
    pub title: Vec<Option<String>>,
    pub start_date: Vec<Option<i32>>,
    pub end_date: Vec<Option<i32>>,
    pub role: Vec<Option<String>>,
}

impl Contacts {
    pub fn from_batch(b: &RecordBatch, m: &ColumnMap) -> Result<Contacts> {
        m.require_all(CONTACT_REQUIRED)?;
        Ok(Contacts {
            contact_id: col_strings(b, m, "contact_id", 1)?,
            account_id: col_strings(b, m, "account_id", 1)?,
            email: col_strings(b, m, "email", 1)?,
            title: col_strings(b, m, "title", 1)?,
            start_date: col_dates(b, m, "start_date", 1)?,
            end_date: col_dates(b, m, "end_date", 1)?,
            role: col_strings(b, m, "role", 1)?,
        })
    }

    /// Reads a contacts file (CSV or parquet) through the `[columns.contacts]` mapping.
    pub fn read(path: &std::path::Path, map: &BTreeMap<String, String>) -> Result<Contacts> {
        let m = ColumnMap::new(
            "contacts",
            path.display().to_string(),
            map,
            read::column_names(path)?,
        );
        Contacts::from_batch(&read::read_all(path)?, &m)
    }

    pub fn len(&self) -> usize {
        self.contact_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.contact_id.is_empty()
    }
}

impl Signals {
    pub fn from_batch(b: &RecordBatch, m: &ColumnMap, first_row: usize) -> Result<Signals> {
        m.require_all(SIGNAL_REQUIRED)?;
        let date = col_dates(b, m, "date", first_row)?;
        let recorded_date = col_dates(b, m, "recorded_date", first_row)?;
        // few distinct signal names: normalize each once per batch
        let raw = col_text(b, m, "signal", first_row)?;
        let mut normalized: rustc_hash::FxHashMap<&str, String> = Default::default();
        for s in raw.iter().flatten() {
            normalized
                .entry(s)
                .or_insert_with(|| crate::config::normalize_name(s));
        }
        let signal = StringChunked::from_iter_options(
            "signal".into(),
            raw.iter().map(|s| s.map(|s| normalized[s].as_str())),
        );
        let value = col_numbers(b, m, "value", first_row)?;
        Ok(Signals {
            account_id: col_text(b, m, "account_id", first_row)?,
            date,
            recorded_date,
            signal,
            value,
        })
    }

    /// Signals from their columns (normalized types).
    pub fn new(
        account_id: Vec<Option<&str>>,
        date: Vec<Option<i32>>,
        recorded_date: Vec<Option<i32>>,
        signal: Vec<Option<&str>>,
        value: Vec<Option<f64>>,
    ) -> Signals {
        Signals {
            account_id: StringChunked::from_iter_options(
                "account_id".into(),
                account_id.into_iter(),
            ),
            date,
            recorded_date,
            signal: StringChunked::from_iter_options("signal".into(), signal.into_iter()),
            value,
        }
    }

    pub fn len(&self) -> usize {
        self.account_id.len()
    }
    pub fn is_empty(&self) -> bool {
        self.account_id.is_empty()
    }
    /// The rows `r` (a batch, for tests).
    #[cfg(test)]
    pub fn rows(&self, r: std::ops::Range<usize>) -> Signals {
        Signals {
            account_id: self.account_id.slice(r.start as i64, r.len()),
            date: self.date[r.clone()].to_vec(),
            recorded_date: self.recorded_date[r.clone()].to_vec(),
            signal: self.signal.slice(r.start as i64, r.len()),
            value: self.value[r].to_vec(),
        }
    }
}

/// Where signals come from: files (a file, a directory or a glob), and
/// signals derived in memory (champions who move), read after them.
#[derive(Debug, Clone, Default)]
pub struct SignalSource {
    pub files: Option<std::path::PathBuf>,
    pub derived: Signals,
}

impl SignalSource {
    pub fn files(path: &std::path::Path) -> SignalSource {
        SignalSource {
            files: Some(path.to_path_buf()),
            derived: Signals::default(),
        }
    }

    /// Rows in all, when the files are parquet (their footers tell).
    pub fn rows(&self) -> Result<Option<usize>> {
        let files: Option<usize> = match &self.files {
            Some(p) => read::expand_inputs(p)?
                .iter()
                .map(|f| read::parquet_rows(f))
                .sum(),
            None => Some(0),
        };
        Ok(files.map(|n| n + self.derived.len()))
    }
}

/// Streams signals in batches of at most `batch_size` rows: each file's,
/// then the derived ones.
pub fn signal_batches<'a>(
    source: &SignalSource,
    map: &'a BTreeMap<String, String>,
    batch_size: usize,
) -> Result<impl Iterator<Item = Result<Signals>> + Send + 'a> {
    // every file's columns are checked before any is read
    let mut files = vec![];
    let paths = match &source.files {
        Some(p) => read::expand_inputs(p)?,
        None => vec![],
    };
    let derived = (!source.derived.is_empty()).then(|| Ok(source.derived.clone()));
    for f in paths {
        let m = ColumnMap::new(
            "signals",
            f.display().to_string(),
            map,
            read::column_names(&f)?,
        );
        m.require_all(SIGNAL_REQUIRED)?;
        files.push((f, m));
    }
    // each file is opened when the previous one is done
    Ok(files
        .into_iter()
        .flat_map(move |(f, m)| {
            let mut cols = m.sources(&["account_id", "date", "recorded_date", "signal", "value"]);
            cols.dedup();
            let batches: Box<dyn Iterator<Item = Result<Signals>> + Send + 'a> =
                match read::read_batches(&f, Some(&cols), batch_size) {
                    Ok(it) => {
                        let mut row = 1;
                        Box::new(it.map(move |b| {
                            let b = b?;
                            let s = Signals::from_batch(&b, &m, row)?;
                            row += b.num_rows();
                            Ok(s)
                        }))
                    }
                    Err(e) => Box::new(std::iter::once(Err(e))),
                };
            batches
        })
        .chain(derived))
}
