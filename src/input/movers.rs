//! Champions who move: a person who was a contact at account A while A had
//! a deal, and who then starts at account B, gives B a timing signal on
//! the day they start there, one type per strength of the past
//! relationship:
//!
//! | signal type | the person at A, as known on the day they start at B |
//! |---|---|
//! | `champion_joined_won` | a contact while a deal was won |
//! | `champion_joined_open` | a contact while a deal was open, or A's champion (role) |
//! | `champion_joined_lost` | a contact while a deal was lost |
//!
//! The strongest applies. Only what was known on the start day counts (a
//! deal won later does not make an earlier move a won one), and the signal
//! is recorded on that day, so a move after a deal's created date never
//! reaches that deal's features. The signals then take the same windows,
//! recency and shapes as every other signal type. A contact row's account
//! is its `account_id`, or, when blank or unknown, the account whose
//! `domain` is the email's domain. The same person keeps one `contact_id`
//! (or one email) across accounts.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::input::tables::{Contacts, Signals};
use crate::input::{DomainOf, Domains};

/// The signal types of moves, strongest first.
pub const KINDS: [&str; 3] = [
    "champion_joined_won",
    "champion_joined_open",
    "champion_joined_lost",
];

/// Whether a signal type is a move's, and how it reads in a reason: one
/// person, and a count of them.
pub fn phrase(kind: &str) -> Option<(&'static str, &'static str)> {
    match kind {
        "champion_joined_won" => Some((
            "former contact on a won deal",
            "former contact(s) on a won deal",
        )),
        "champion_joined_open" => Some((
            "former contact on an open deal",
            "former contact(s) on an open deal",
        )),
        "champion_joined_lost" => Some((
            "former contact on a lost deal",
            "former contact(s) on a lost deal",
        )),
        _ => None,
    }
}

/// Every account's deals as (created, closed, won), for the strength of a
/// past relationship (kept in the model so that `score --contacts` judges
/// moves by the history it was trained on).
pub type DealHistory = BTreeMap<String, Vec<DealSpan>>;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct DealSpan {
    pub created: i32,
    /// None: still open in the export.
    pub closed: Option<i32>,
    /// None: open; Some(true) won; Some(false) lost.
    pub won: Option<bool>,
}

/// The deal history of opportunities (rows without an account or a
/// created date left out).
pub fn deal_history(o: &crate::input::Opportunities) -> DealHistory {
    let mut h = DealHistory::new();
    for k in 0..o.label.len() {
        if let (Some(a), Some(c)) = (&o.account_id[k], o.created_date[k]) {
            h.entry(a.clone()).or_default().push(DealSpan {
                created: c,
                closed: if o.label[k].is_some() {
                    o.close_date[k]
                } else {
                    None
                },
                won: o.label[k].map(|l| l == 1),
            });
        }
    }
    h
}

/// The domain of an email address, normalized as account domains are.
pub fn email_domain(email: &str) -> Option<String> {
    let d = email.trim().rsplit_once('@')?.1;
    let d = crate::input::normalize_domain(d);
    (!d.is_empty()).then_some(d)
}

/// How the contact rows were resolved, for `validate`.
#[derive(Debug, Default, Clone)]
pub struct Resolution {
    pub by_id: usize,
    pub by_domain: usize,
    /// Rows whose account could not be found (first rows, count).
    pub unresolved: (Vec<usize>, usize),
    /// Rows whose email domain several accounts share (first rows, count,
    /// first domain and its accounts).
    pub shared: (Vec<usize>, usize, Option<(String, Vec<String>)>),
    /// Rows repeating a tenure already seen (same person, account, start).
    pub repeated: usize,
    /// Rows without a start date (their moves cannot be dated).
    pub undated: usize,
    pub moves: usize,
}

/// The rows of a contacts table no move can be derived from, as errors
/// (without the file's name): rows with neither a contact id nor an email
/// (a person cannot be followed), and tenures that end before they start.
pub fn contact_errors(c: &Contacts) -> Vec<String> {
    let rows = |f: &dyn Fn(usize) -> bool| -> Vec<usize> {
        (0..c.len()).filter(|&i| f(i)).map(|i| i + 1).collect()
    };
    let no_id = rows(&|i| c.contact_id[i].is_none() && c.email[i].is_none());
    let backwards =
        rows(&|i| matches!((c.start_date[i], c.end_date[i]), (Some(s), Some(e)) if e < s));
    let mut out = vec![];
    if !no_id.is_empty() {
        out.push(format!(
            "rows {} have neither contact_id nor email: a person cannot be followed across accounts; fill contact_id",
            crate::input::rows_of(&no_id[..no_id.len().min(5)], no_id.len())
        ));
    }
    if !backwards.is_empty() {
        out.push(format!(
            "end_date is before start_date in rows {}; fix the dates (a tenure cannot end before it starts)",
            crate::input::rows_of(&backwards[..backwards.len().min(5)], backwards.len())
        ));
    }
    out
}

impl Resolution {
    /// One line of what was matched, for `validate` and `score`.
    pub fn fact(&self, file: &str, rows: usize) -> String {
        format!(
            "{file}: {rows} contact rows ({} matched by account_id, {} by email domain); {} moves of former deal contacts to another account",
            self.by_id, self.by_domain, self.moves
        )
    }

    /// The warnings: rows matching no account, rows whose domain several
    /// accounts share, repeated tenures, undated rows.
    pub fn warnings(&self, file: &str, against: &str) -> Vec<String> {
        let mut out = vec![];
        if self.unresolved.1 > 0 {
            out.push(format!(
                "{file}: {} contact rows match no account (neither account_id nor the email's domain is in {against}), rows {}; they are not used",
                self.unresolved.1,
                crate::input::rows_of(&self.unresolved.0, self.unresolved.1)
            ));
        }
        if let Some((d, ids)) = &self.shared.2 {
            out.push(format!(
                "{file}: {} contact rows have an email domain several accounts share (first: {d} of {}), rows {}: which account they are at is unknown, so they are not used; give them an account_id",
                self.shared.1,
                ids.join(", "),
                crate::input::rows_of(&self.shared.0, self.shared.1)
            ));
        }
        if self.repeated > 0 {
            out.push(format!(
                "{file}: {} contact rows repeat a tenure already listed (same person, account and start date); each counts once",
                self.repeated
            ));
        }
        if self.undated > 0 {
            out.push(format!(
                "{file}: {} contact rows have no start_date: a move to their account cannot be dated, so it is not used",
                self.undated
            ));
        }
        out
    }
}

/// The strength of the relationship of a person at account `a` over
/// `[from, to)`, as known on day `on`: 3 won, 2 open or champion, 1 lost,
/// 0 none.
fn strength(deals: &[DealSpan], from: Option<i32>, to: i32, on: i32, champion: bool) -> u8 {
    let mut best = if champion { 2 } else { 0 };
    for d in deals {
        // the deal overlaps the tenure and had begun by the day
        if d.created >= to || d.created >= on {
            continue;
        }
        let closed_by = d.closed.filter(|c| *c <= on);
        if from.is_some_and(|f| closed_by.is_some_and(|c| c < f)) {
            continue; // over before the person arrived
        }
        let s = match (closed_by, d.won) {
            (Some(_), Some(true)) => 3,
            (Some(_), Some(false)) => 1,
            _ => 2, // still open on the day
        };
        best = best.max(s);
    }
    best
}

/// The move signals of `contacts`: rows resolved to accounts (`known` says
/// whether an account id exists; `by_domain` maps a domain to its
/// account), grouped by person (contact id, or email), and each start at
/// an account after a tenure elsewhere scored by `deals`.
pub fn moves(
    contacts: &Contacts,
    known: &dyn Fn(&str) -> bool,
    by_domain: &Domains,
    deals: &DealHistory,
) -> (Signals, Resolution) {
    let mut r = Resolution::default();
    // each row's account
    let account: Vec<Option<String>> = (0..contacts.len())
        .map(|i| {
            if let Some(a) = contacts.account_id[i].as_deref().filter(|a| known(a)) {
                r.by_id += 1;
                return Some(a.to_string());
            }
            let domain = contacts.email[i].as_deref().and_then(email_domain);
            match domain.as_deref().map(|d| (d, by_domain.get(d))) {
                Some((_, DomainOf::Account(id))) => {
                    r.by_domain += 1;
                    return Some(id.to_string());
                }
                Some((d, DomainOf::Shared(ids))) => {
                    if r.shared.0.len() < 5 {
                        r.shared.0.push(i + 1);
                    }
                    r.shared.1 += 1;
                    r.shared
                        .2
                        .get_or_insert_with(|| (d.to_string(), ids.to_vec()));
                }
                _ => {
                    if r.unresolved.0.len() < 5 {
                        r.unresolved.0.push(i + 1);
                    }
                    r.unresolved.1 += 1;
                }
            }
            None
        })
        .collect();
    // people: rows sharing a contact id or an email are one person
    let mut parent: Vec<usize> = (0..contacts.len()).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let mut first: HashMap<String, usize> = HashMap::new();
    for i in 0..contacts.len() {
        let keys = [
            contacts.contact_id[i]
                .as_deref()
                .map(|c| format!("id:{}", c.trim())),
            contacts.email[i]
                .as_deref()
                .map(|e| format!("email:{}", e.trim().to_lowercase())),
        ];
        for k in keys.into_iter().flatten() {
            match first.get(&k) {
                Some(&j) => {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    parent[a] = b;
                }
                None => {
                    first.insert(k, i);
                }
            }
        }
    }
    let mut people: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, a) in account.iter().enumerate() {
        if a.is_some() {
            people.entry(root(&mut parent, i)).or_default().push(i);
        }
    }
    let (mut ids, mut days, mut kinds) = (vec![], vec![], vec![]);
    let empty = vec![];
    for rows in people.values() {
        // a tenure repeated (the same row exported twice) starts once
        let mut started = std::collections::HashSet::new();
        for &b in rows {
            let Some(start) = contacts.start_date[b] else {
                r.undated += 1;
                continue;
            };
            let to = account[b].as_deref().unwrap_or_default();
            if !started.insert((to, start)) {
                r.repeated += 1;
                continue;
            }
            // the strongest earlier tenure at another account
            let best = rows
                .iter()
                .filter(|&&a| a != b && account[a].as_deref() != Some(to))
                .filter(|&&a| contacts.start_date[a].is_none_or(|s| s < start))
                .map(|&a| {
                    let until = contacts.end_date[a].map_or(start, |e| e.min(start));
                    let champion = contacts.role[a]
                        .as_deref()
                        .is_some_and(|r| r.to_lowercase().contains("champion"));
                    let d = account[a]
                        .as_ref()
                        .and_then(|x| deals.get(x))
                        .unwrap_or(&empty);
                    strength(d, contacts.start_date[a], until, start, champion)
                })
                .max()
                .unwrap_or(0);
            if best > 0 {
                ids.push(to.to_string());
                days.push(start);
                kinds.push(KINDS[3 - best as usize]);
            }
        }
    }
    r.moves = ids.len();
    let n = ids.len();
    let signals = Signals::new(
        ids.iter().map(|s| Some(s.as_str())).collect(),
        days.iter().map(|d| Some(*d)).collect(),
        days.iter().map(|d| Some(*d)).collect(),
        kinds.iter().map(|k| Some(*k)).collect(),
        vec![Some(1.0); n],
    );
    (signals, r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(created: i32, closed: Option<i32>, won: Option<bool>) -> DealSpan {
        DealSpan {
            created,
            closed,
            won,
        }
    }

    #[test]
    fn strength_is_what_was_known_on_the_day() {
        let deals = [
            span(10, Some(50), Some(true)),
            span(60, Some(70), Some(false)),
        ];
        // on day 40 the won deal was still open
        assert_eq!(strength(&deals, Some(0), 40, 40, false), 2);
        assert_eq!(strength(&deals, Some(0), 100, 100, false), 3);
        // a tenure that began after both deals closed saw neither
        assert_eq!(strength(&deals, Some(80), 100, 100, false), 0);
        assert_eq!(strength(&deals, Some(80), 100, 100, true), 2);
        // only the lost deal overlapped
        assert_eq!(strength(&deals, Some(55), 100, 100, false), 1);
    }

    #[test]
    fn a_person_moving_gives_the_new_account_a_dated_signal() {
        let s = |v: &[&str]| {
            v.iter()
                .map(|x| (!x.is_empty()).then(|| x.to_string()))
                .collect::<Vec<_>>()
        };
        let c = Contacts {
            contact_id: s(&["p1", "p1", "p2", "p3"]),
            account_id: s(&["A", "", "A", "B"]),
            email: s(&["ann@a.com", "ann@b.io", "bo@a.com", ""]),
            title: s(&["", "", "", ""]),
            start_date: vec![Some(0), Some(200), Some(0), None],
            end_date: vec![Some(199), None, None, None],
            role: s(&["champion", "", "", ""]),
        };
        let deals: DealHistory = [("A".to_string(), vec![span(20, Some(90), Some(true))])].into();
        let by_domain = Domains::of([("B".to_string(), "b.io".to_string())]);
        let (sig, r) = moves(&c, &|a| a == "A" || a == "B", &by_domain, &deals);
        assert_eq!((r.by_id, r.by_domain, r.moves), (3, 1, 1));
        assert_eq!(sig.len(), 1);
        assert_eq!(sig.account_id.get(0), Some("B"));
        assert_eq!(sig.date[0], Some(200));
        assert_eq!(sig.signal.get(0), Some("champion_joined_won"));
    }

    #[test]
    fn a_repeated_row_moves_once_and_a_shared_domain_places_nobody() {
        let s = |v: &[&str]| {
            v.iter()
                .map(|x| (!x.is_empty()).then(|| x.to_string()))
                .collect::<Vec<_>>()
        };
        let c = Contacts {
            contact_id: s(&["p1", "p1", "p1", "p2", "p2"]),
            account_id: s(&["A", "B", "B", "A", ""]),
            email: s(&["", "", "", "", "bo@shared.io"]),
            title: s(&["", "", "", "", ""]),
            start_date: vec![Some(0), Some(200), Some(200), Some(0), Some(300)],
            end_date: vec![Some(199), None, None, Some(299), None],
            role: s(&["", "", "", "", ""]),
        };
        let deals: DealHistory = [("A".to_string(), vec![span(20, Some(90), Some(true))])].into();
        let domains = Domains::of([
            ("C".to_string(), "shared.io".to_string()),
            ("D".to_string(), "shared.io".to_string()),
        ]);
        let (sig, r) = moves(&c, &|_| true, &domains, &deals);
        assert_eq!(sig.len(), 1, "p1 joins B once; p2's new account is unknown");
        assert_eq!(r.repeated, 1);
        assert_eq!(r.shared.1, 1);
        assert_eq!(
            r.shared.2,
            Some(("shared.io".into(), vec!["C".into(), "D".into()]))
        );
        let w = r.warnings("contacts.csv", "the accounts").join("\n");
        assert!(
            w.contains("several accounts share (first: shared.io of C, D), rows 5"),
            "{w}"
        );
    }
}
