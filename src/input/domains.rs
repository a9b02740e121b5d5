//! Accounts by domain: how a domain is normalized and checked, and which
//! account (or accounts) each domain names, for contacts matched by their
//! email and HubSpot files keyed by company domain.

use std::collections::{BTreeMap, HashMap};

use super::{read, ColumnMap};
use crate::error::{Error, Result};

/// A domain as accounts are matched by it (HubSpot's company domain, an
/// email's domain): lower case, without scheme, `www.`, path or spaces.
pub fn normalize_domain(d: &str) -> String {
    let d = d.trim().to_lowercase();
    let d = d.split("://").last().unwrap_or("");
    let d = d.split(['/', '?', '#']).next().unwrap_or("");
    d.strip_prefix("www.").unwrap_or(d).to_string()
}

/// Whether a normalized domain can be one: two or more labels of letters
/// (any script), digits and inner hyphens, each at most 63 characters, the
/// last not all digits (an IP address is no company domain), 253 in all.
pub fn is_domain(d: &str) -> bool {
    let labels: Vec<&str> = d.split('.').collect();
    let label_ok = |l: &&str| {
        (1..=63).contains(&l.chars().count())
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    d.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(label_ok)
        && labels
            .last()
            .is_some_and(|l| !l.chars().all(|c| c.is_ascii_digit()))
}

/// Accounts by domain, for contacts matched by their email: a domain of
/// one account, and domains several accounts share (a contact at one of
/// those cannot be placed, and is not guessed).
#[derive(Debug, Clone, Default)]
pub struct Domains {
    one: HashMap<String, String>,
    shared: HashMap<String, Vec<String>>,
}

/// What a domain is.
pub enum DomainOf<'a> {
    Account(&'a str),
    Shared(&'a [String]),
    Unknown,
}

impl Domains {
    /// From (account id, normalized domain) pairs.
    pub fn of(pairs: impl IntoIterator<Item = (String, String)>) -> Domains {
        let mut d = Domains::default();
        for (id, domain) in pairs {
            d.insert(id, domain);
        }
        d
    }

    fn insert(&mut self, id: String, domain: String) {
        if let Some(ids) = self.shared.get_mut(&domain) {
            if !ids.contains(&id) {
                ids.push(id);
            }
            return;
        }
        match self.one.get(&domain) {
            Some(first) if *first != id => {
                let first = self.one.remove(&domain).unwrap_or_default();
                self.shared.insert(domain, vec![first, id]);
            }
            Some(_) => {}
            None => {
                self.one.insert(domain, id);
            }
        }
    }

    /// Adds the domains of `other` that this one does not know (the
    /// universe first, then the accounts of the deal history).
    pub fn fill_from(&mut self, other: &Domains) {
        for (d, id) in &other.one {
            if !self.knows(d) {
                self.one.insert(d.clone(), id.clone());
            }
        }
        for (d, ids) in &other.shared {
            if !self.knows(d) {
                self.shared.insert(d.clone(), ids.clone());
            }
        }
    }

    fn knows(&self, d: &str) -> bool {
        self.one.contains_key(d) || self.shared.contains_key(d)
    }

    pub fn get(&self, domain: &str) -> DomainOf<'_> {
        match (self.one.get(domain), self.shared.get(domain)) {
            (Some(id), _) => DomainOf::Account(id),
            (None, Some(ids)) => DomainOf::Shared(ids),
            (None, None) => DomainOf::Unknown,
        }
    }

    /// The domains of one account among `accounts` (domain -> id).
    pub fn of_accounts(&self, keep: impl Fn(&str) -> bool) -> BTreeMap<String, String> {
        self.one
            .iter()
            .filter(|(_, id)| keep(id))
            .map(|(d, id)| (d.clone(), id.clone()))
            .collect()
    }
}

/// Every (account id, normalized domain) of the accounts files at `path`
/// (a file, a directory or a glob), read through the accounts mapping
/// `map`, for the rows `keep(domain)` selects. A file without a `domain`
/// column gives none, unless `require` asks for the column (an error
/// naming the file).
pub fn account_domains(
    path: &std::path::Path,
    map: &BTreeMap<String, String>,
    require: bool,
    keep: impl Fn(&str) -> bool,
) -> Result<Vec<(String, String)>> {
    let mut out = vec![];
    for f in read::expand_inputs(path)? {
        let m = ColumnMap::new(
            "accounts",
            f.display().to_string(),
            map,
            read::column_names(&f)?,
        );
        let id = m.require("account_id")?;
        let dom = match (m.source("domain"), require) {
            (Some(d), _) => d,
            (None, true) => m.require("domain")?,
            (None, false) => continue,
        };
        for b in read::read_batches(&f, Some(&[id.clone(), dom.clone()]), 262_144)? {
            out.extend(batch_domains(&b?, &m, &id, &dom, &keep)?);
        }
    }
    Ok(out)
}

/// The (account id, normalized domain) rows of a batch with the columns
/// `id` and `dom` that `keep(domain)` selects.
pub(super) fn batch_domains(
    b: &arrow::array::RecordBatch,
    m: &ColumnMap,
    id: &str,
    dom: &str,
    keep: &impl Fn(&str) -> bool,
) -> Result<Vec<(String, String)>> {
    let cells = |c: &str| -> Result<Vec<Option<String>>> {
        let a = b
            .column_by_name(c)
            .ok_or_else(|| Error::Internal(format!("column {c} was not read")))?;
        let loc = read::Loc {
            file: &m.file,
            column: c,
            first_row: 1,
            decimal: None,
        };
        read::strings(a, &loc)
    };
    let mut out = vec![];
    for (i, d) in cells(id)?.into_iter().zip(cells(dom)?) {
        if let (Some(i), Some(d)) = (i, d.map(|d| normalize_domain(&d))) {
            if !d.is_empty() && keep(&d) {
                out.push((i, d));
            }
        }
    }
    Ok(out)
}
