//! Reading the training inputs and checking them against the data contract.
//!
//! `load` returns typed tables plus a [`Quality`] report. Parse failures stop
//! at once (they name file, column and row); semantic problems (duplicates,
//! unknown accounts, impossible dates, missing classes) are collected so one
//! `validate` run lists all of them.

pub use crate::conventions;
mod checks;
mod domains;
pub mod movers;
pub mod read;
pub mod tables;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use crate::config::Config;
use crate::error::{Error, Result};
pub use checks::standard_name;
use checks::{check_accounts, check_opportunities};
pub use domains::{account_domains, is_domain, normalize_domain, DomainOf, Domains};
pub use tables::{Accounts, ColumnMap, Opportunities, SignalSource, SignalTable, Signals};

/// The training data: accounts, opportunities and (optional) signals.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub accounts: Accounts,
    pub opportunities: Opportunities,
    /// The signals of the accounts in the accounts table (others are
    /// counted, checked and dropped while the file streams by).
    pub signals: SignalTable,
    /// Rows in the signals file.
    pub signal_rows: usize,
    pub files: Files,
    /// Contract columns the accounts file has (others are absent, not just empty).
    pub account_columns: Vec<String>,
    /// The day the data is seen as of (`train --until`): None for all of it.
    pub until: Option<i32>,
    /// Industry aliases training added: spellings that differ only in case,
    /// read as the most frequent one (the model keeps them in its config).
    pub industry_aliases: BTreeMap<String, String>,
    /// The training accounts by domain (read when there are contacts).
    pub domains: Domains,
}

impl Dataset {
    /// The CRM as it stood on the morning of `day` (`train --until`):
    /// opportunities created that day or later are gone, and those closed
    /// that day or later are still open. Signals need no cut: every feature
    /// is point in time, and the training universe is taken as of `day`.
    /// Accounts stay as exported (a current snapshot).
    pub fn until(mut self, day: i32) -> Dataset {
        let o = &mut self.opportunities;
        let keep: Vec<bool> = o
            .created_date
            .iter()
            .map(|c| c.is_some_and(|c| c < day))
            .collect();
        fn retain<T>(v: &mut Vec<T>, keep: &[bool]) {
            let mut k = keep.iter();
            v.retain(|_| *k.next().unwrap_or(&false));
        }
        retain(&mut o.opportunity_id, &keep);
        retain(&mut o.account_id, &keep);
        retain(&mut o.created_date, &keep);
        retain(&mut o.close_date, &keep);
        retain(&mut o.stage, &keep);
        retain(&mut o.amount, &keep);
        retain(&mut o.label, &keep);
        for i in 0..o.label.len() {
            if o.close_date[i].is_some_and(|c| c >= day) {
                o.close_date[i] = None;
                o.label[i] = None;
            }
        }
        self.until = Some(day);
        self
    }
}

#[derive(Debug, Clone)]
pub struct Files {
    pub accounts: PathBuf,
    pub opportunities: PathBuf,
    pub signals: Option<PathBuf>,
    pub contacts: Option<PathBuf>,
}

impl Dataset {
    /// Whether no deal has a created date (an export without dates, on a
    /// random split): every deal is then as of `as_of`.
    pub fn dateless(&self) -> bool {
        self.opportunities.dateless()
    }

    /// The day the data is seen as of: `--until`, else the day after the
    /// latest date of any deal, else (no dates at all) today.
    pub fn as_of(&self) -> i32 {
        let o = &self.opportunities;
        self.until.unwrap_or_else(|| {
            o.created_date
                .iter()
                .chain(&o.close_date)
                .flatten()
                .max()
                .map(|d| d + 1)
                .unwrap_or_else(|| read::days_from_date(chrono::Utc::now().date_naive()))
        })
    }
}

impl Files {
    /// Every input path (a signals glob as its files).
    pub fn all(&self) -> Vec<PathBuf> {
        let mut v = vec![self.accounts.clone(), self.opportunities.clone()];
        v.extend(self.contacts.clone());
        if let Some(s) = &self.signals {
            match read::expand_inputs(s) {
                Ok(f) => v.extend(f),
                Err(_) => v.push(s.clone()),
            }
        }
        v
    }
}

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Quality {
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub facts: Vec<String>,
}

impl Quality {
    pub fn render(&self) -> String {
        let mut s = String::new();
        for f in &self.facts {
            s += &format!("  {f}\n");
        }
        for w in &self.warnings {
            s += &format!("warning: {w}\n");
        }
        for e in &self.errors {
            s += &format!("error: {e}\n");
        }
        s += &format!(
            "{} error(s), {} warning(s)\n",
            self.errors.len(),
            self.warnings.len()
        );
        s
    }
    /// Fails with every error when there is any.
    pub fn into_result(&self) -> Result<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Error::data(
                "input data",
                format!(
                    "{} error(s):\n  {}",
                    self.errors.len(),
                    self.errors.join("\n  ")
                ),
            ))
        }
    }
}

fn find_file(cfg: &Config, explicit: &Option<PathBuf>, stem: &str) -> Option<PathBuf> {
    let dir = cfg.dir();
    if let Some(p) = explicit {
        return Some(if p.is_relative() {
            dir.join(p)
        } else {
            p.clone()
        });
    }
    ["parquet", "csv"]
        .iter()
        .map(|e| dir.join(format!("{stem}.{e}")))
        .find(|p| p.is_file())
}

pub fn files(cfg: &Config) -> Result<Files> {
    let dir = cfg.dir();
    let need = |stem: &str, p: Option<PathBuf>| {
        p.ok_or_else(|| {
            Error::data(
                dir.display(),
                format!("no {stem} table: expected {stem}.csv or {stem}.parquet there, or set input.{stem} in the config"),
            )
        })
    };
    Ok(Files {
        accounts: need("accounts", find_file(cfg, &cfg.input.accounts, "accounts"))?,
        opportunities: need(
            "opportunities",
            find_file(cfg, &cfg.input.opportunities, "opportunities"),
        )?,
        signals: find_file(cfg, &cfg.input.signals, "signals"),
        contacts: find_file(cfg, &cfg.input.contacts, "contacts"),
    })
}

/// A flat export: accounts and opportunities are one file of deals, one
/// account per deal. Without an account id column, each deal's
/// `opportunity_id` is its account's id too; the mapping is written into the
/// config (and so into the model), so scoring reads open deals the same way.
/// Returns whether the input is flat.
pub fn resolve_flat(cfg: &mut Config) -> Result<bool> {
    let Ok(f) = files(cfg) else {
        return Ok(false); // `load` names what is missing
    };
    let same = match (f.accounts.canonicalize(), f.opportunities.canonicalize()) {
        (Ok(a), Ok(o)) => a == o,
        _ => false,
    };
    if !same {
        return Ok(false);
    }
    let names = read::column_names(&f.accounts)?;
    let file = f.accounts.display().to_string();
    let opp_id = ColumnMap::new(
        "opportunities",
        file.clone(),
        &cfg.columns.opportunities,
        names.clone(),
    )
    .require("opportunity_id")?;
    let has_account = |map: &BTreeMap<String, String>| {
        ColumnMap::new("accounts", file.clone(), map, names.clone())
            .source("account_id")
            .is_some()
    };
    let (in_accounts, in_opportunities) = (
        has_account(&cfg.columns.accounts),
        has_account(&cfg.columns.opportunities),
    );
    if !in_accounts {
        cfg.columns
            .accounts
            .insert("account_id".into(), opp_id.clone());
    }
    if !in_opportunities {
        cfg.columns
            .opportunities
            .insert("account_id".into(), opp_id);
    }
    Ok(true)
}

/// Loads and checks the training data.
pub fn load(cfg: &Config) -> Result<(Dataset, Quality)> {
    conventions::set(cfg.input.conventions()?);
    let files = files(cfg)?;
    for p in [&files.accounts, &files.opportunities] {
        if !p.is_file() {
            return Err(Error::data(p.display(), "file not found"));
        }
    }
    if let Some(p) = &files.signals {
        // a file, a directory or a glob of files, as `score --signals` takes
        read::expand_inputs(p)?;
    }
    let acc_file = files.accounts.display().to_string();
    let m = ColumnMap::new(
        "accounts",
        acc_file.clone(),
        &cfg.columns.accounts,
        read::column_names(&files.accounts)?,
    );
    let cols = tables::account_sources(&m, tables::ACCOUNT_TEXT, &cfg.features.extra)?;
    let batch = read::read_all(&files.accounts)?;
    let batch = batch.project(
        &cols
            .iter()
            .map(|c| batch.schema().index_of(c).unwrap_or(0))
            .collect::<Vec<_>>(),
    )?;
    let mut case_notes = vec![];
    let industry_aliases = case_aliases(&batch, &m, cfg, &acc_file, &mut case_notes)?;
    let mut read_cfg = cfg.clone();
    read_cfg
        .input
        .industry_aliases
        .extend(industry_aliases.clone());
    let accounts = Accounts::from_batch(&batch, &m, &read_cfg, tables::ExtraKinds::Detect, 1)?;
    // the accounts of each domain, for contacts matched by email
    let domains = match (
        files.contacts.is_some(),
        m.source("account_id"),
        m.source("domain"),
    ) {
        (true, Some(id), Some(dom)) => {
            Domains::of(domains::batch_domains(&batch, &m, &id, &dom, &|_| true)?)
        }
        _ => Domains::default(),
    };
    let account_columns: Vec<String> = tables::ACCOUNT_TEXT
        .iter()
        .chain(tables::ACCOUNT_NUMERIC)
        .filter(|c| m.source(c).is_some())
        .map(|c| c.to_string())
        .collect();
    let opp_file = files.opportunities.display().to_string();
    let m = ColumnMap::new(
        "opportunities",
        opp_file.clone(),
        &cfg.columns.opportunities,
        read::column_names(&files.opportunities)?,
    );
    let opportunities = Opportunities::from_batch(
        &read::read_all(&files.opportunities)?,
        &m,
        cfg,
        tables::ExtraKinds::Detect,
    )?;

    let mut q = Quality {
        warnings: case_notes,
        ..Default::default()
    };
    check_accounts(&accounts, &acc_file, &mut q);
    check_opportunities(&opportunities, &accounts, &opp_file, cfg, &mut q);
    let (mut signals, signal_rows) = match &files.signals {
        Some(p) => load_signals(p, cfg, &accounts, &mut q)?,
        None => (SignalTable::default(), 0),
    };
    if let Some(p) = &files.contacts {
        if cfg.input.contacts.is_none() {
            q.warnings.push(format!(
                "{}: read as the contacts table, found in the data folder (the config names no [input] contacts): former deal contacts who move become a feature; name it in [input] contacts to keep it, or move it away",
                p.display()
            ));
        }
        let moves = load_contacts(p, cfg, &accounts, &opportunities, &domains, &mut q)?;
        signals.extend(&moves, |_| true);
    }
    Ok((
        Dataset {
            accounts,
            opportunities,
            signals,
            signal_rows,
            files,
            account_columns,
            until: None,
            industry_aliases,
            domains,
        },
        q,
    ))
}

/// Industry spellings of the accounts `batch` that differ only in ASCII
/// case (`Software`, `software`) and no configured alias maps: each group
/// read as its most frequent spelling (the first in order on a tie), as
/// aliases keyed by the lower-case spelling; a note per group, and one per
/// configured alias applied.
fn case_aliases(
    batch: &arrow::array::RecordBatch,
    m: &ColumnMap,
    cfg: &Config,
    file: &str,
    notes: &mut Vec<String>,
) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let Some((src, col)) = m
        .source("industry")
        .and_then(|s| batch.column_by_name(&s).cloned().map(|c| (s, c)))
    else {
        return Ok(out);
    };
    let loc = read::Loc {
        file,
        column: &src,
        first_row: 1,
        decimal: read::decimal_of(batch),
    };
    let aliased = |v: &str| {
        cfg.input
            .industry_aliases
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(v))
    };
    // lower-case spelling -> (spelling -> accounts), and the configured
    // aliases applied
    let mut groups: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut applied: BTreeMap<String, usize> = BTreeMap::new();
    for v in read::strings(&col, &loc)?.into_iter().flatten() {
        match aliased(&v) {
            Some((k, to)) => *applied.entry(format!("{k:?} -> {to:?}")).or_default() += 1,
            None => {
                *groups
                    .entry(v.to_ascii_lowercase())
                    .or_default()
                    .entry(v)
                    .or_default() += 1
            }
        }
    }
    for (alias, n) in &applied {
        notes.push(format!(
            "{file}: industry {alias} applied to {n} accounts (input.industry_aliases)"
        ));
    }
    for (lower, spellings) in groups.into_iter().filter(|(_, s)| s.len() > 1) {
        let canon = spellings
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(s, _)| s.clone())
            .unwrap_or_default();
        let list: Vec<String> = spellings
            .iter()
            .map(|(s, n)| format!("{s:?} ({n})"))
            .collect();
        notes.push(format!(
            "{file}: industries {} differ only in case: read as one, {canon:?} (the model keeps this in [input] industry_aliases; set your own there to choose another spelling)",
            list.join(", ")
        ));
        out.insert(lower, canon);
    }
    Ok(out)
}

/// Reads and checks the contacts table and derives its move signals
/// (`features::movers`), with what `validate` reports about them.
fn load_contacts(
    path: &std::path::Path,
    cfg: &Config,
    accounts: &Accounts,
    opportunities: &Opportunities,
    domains: &Domains,
    q: &mut Quality,
) -> Result<Signals> {
    let file = path.display().to_string();
    let c = tables::Contacts::read(path, &cfg.columns.contacts)?;
    let ids: rustc_hash::FxHashSet<&str> = accounts
        .account_id
        .iter()
        .flatten()
        .map(String::as_str)
        .collect();
    q.errors.extend(
        movers::contact_errors(&c)
            .into_iter()
            .map(|e| format!("{file}: {e}")),
    );
    let deals = movers::deal_history(opportunities);
    let (signals, r) = movers::moves(&c, &|a| ids.contains(a), domains, &deals);
    q.facts.push(r.fact(&file, c.len()));
    q.warnings.extend(r.warnings(&file, "the accounts table"));
    Ok(signals)
}

/// Row numbers for a message: the first five, then how many more.
fn rows(list: &[usize]) -> String {
    rows_of(&list[..list.len().min(5)], list.len())
}

/// `rows` when only the first rows were kept, out of `count`.
pub fn rows_of(first: &[usize], count: usize) -> String {
    let shown: Vec<String> = first.iter().map(|r| r.to_string()).collect();
    let more = if count > first.len() {
        format!(" and {} more", count - first.len())
    } else {
        String::new()
    };
    format!("{}{more}", shown.join(", "))
}

/// Streams the signals file: checks every row, and keeps only the signals
/// of accounts in the accounts table (training never looks up others), so
/// memory follows the training accounts, not a universe-sized signals file.
/// Returns the kept signals and the file's row count.
fn load_signals(
    path: &std::path::Path,
    cfg: &Config,
    a: &Accounts,
    q: &mut Quality,
) -> Result<(SignalTable, usize)> {
    let file = path.display().to_string();
    let ids: rustc_hash::FxHashSet<&str> =
        a.account_id.iter().flatten().map(String::as_str).collect();
    let mut kept = SignalTable::default();
    let (mut total, mut unknown) = (0, 0);
    // (first rows, count) of empty required cells: a whole file of them
    // must not become a whole list of row numbers
    let (mut no_date, mut no_signal) = ((vec![], 0), (vec![], 0));
    let note = |(first, count): &mut (Vec<usize>, usize), row: usize| {
        if first.len() < 5 {
            first.push(row);
        }
        *count += 1;
    };
    for s in tables::signal_batches(
        &tables::SignalSource::files(path),
        &cfg.columns.signals,
        262_144,
    )? {
        let s = s?;
        for (i, sig) in s.signal.iter().enumerate() {
            if s.date[i].is_none() {
                note(&mut no_date, total + i + 1);
            }
            if sig.is_none() {
                note(&mut no_signal, total + i + 1);
            }
        }
        let known: Vec<bool> = s
            .account_id
            .iter()
            .map(|x| x.is_some_and(|x| ids.contains(x)))
            .collect();
        unknown += known.iter().filter(|k| !**k).count();
        total += s.len();
        kept.extend(&s, |i| known[i]);
    }
    q.facts.push(format!("{file}: {total} signals"));
    for (col, (first, count)) in [("date", no_date), ("signal", no_signal)] {
        if count > 0 {
            q.errors.push(format!(
                "{file}: column `{col}` is empty in rows {}",
                rows_of(&first, count)
            ));
        }
    }
    if unknown > 0 {
        q.warnings.push(format!(
            "{file}: {unknown} signals belong to accounts not in the accounts table; they are not used in training"
        ));
    }
    Ok((kept, total))
}

/// A warning when revenue per employee is implausibly low for most accounts
/// (median below $1,000 a head: the column is in thousands or millions).
/// `multiplier` is the one the config applies.
pub fn revenue_unit_warning(a: &Accounts, multiplier: f64) -> Option<String> {
    let mut rpe: Vec<f64> = a
        .employees
        .iter()
        .zip(&a.annual_revenue)
        .filter_map(|(e, r)| match (e, r) {
            (Some(e), Some(r)) if *e > 0.0 && *r > 0.0 => Some(r * multiplier / e),
            _ => None,
        })
        .collect();
    if rpe.len() < 10 {
        return None;
    }
    rpe.sort_by(|x, y| x.total_cmp(y));
    let median = rpe[rpe.len() / 2];
    (median < 1_000.0).then(|| {
        let hint = if median < 1.0 { "1e6 (millions)" } else { "1e3 (thousands)" };
        format!(
            "the median revenue per employee is ${median:.2}: `annual_revenue` looks like it is not in USD; set [input] revenue_multiplier = {hint}"
        )
    })
}
