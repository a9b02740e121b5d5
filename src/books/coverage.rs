//! What the books cover, for a manager's one screen (`coverage.json` and
//! `coverage.html`, rendered from `coverage.html.j2` by minijinja, which
//! escapes every value): the market in books (Tier 1, Good Place, the
//! top worth), the best accounts in no book and why, each rep's book
//! against capacity, fairness across each team, and what changed since
//! an earlier run.

use std::path::Path;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::config::BooksConfig;
use crate::error::{Error, Result};
use crate::input::read;
use crate::report::charts;

use super::plan::{Accounts, Action, Books, Situation};
use super::team::TeamRep;

/// The market's share in books, for one kind of account.
#[derive(Debug, Clone, Serialize)]
pub struct Share {
    pub what: String,
    pub accounts: usize,
    pub in_book: usize,
    /// Worth (expected value or probability) of these accounts, and in books.
    pub worth: f64,
    pub worth_in_book: f64,
    pub share: f64,
    /// The least worth among these accounts.
    #[serde(skip)]
    pub floor: f64,
}

/// One of the best accounts in no book.
#[derive(Debug, Clone, Serialize)]
pub struct Left {
    pub account_id: String,
    pub tier: String,
    pub worth: f64,
    pub why: String,
}

/// A rep's book.
#[derive(Debug, Clone, Serialize)]
pub struct RepBook {
    pub rep_id: String,
    pub name: String,
    pub team: String,
    pub segment: Option<String>,
    pub segment_name: Option<String>,
    pub available: bool,
    pub capacity: usize,
    pub book: usize,
    pub kept: usize,
    pub assigned: usize,
    /// Accounts taken from this rep this run.
    pub retrieved: usize,
    /// Share of the book in the rep's segment (specialists).
    pub on_segment: Option<f64>,
    pub expected_wins: f64,
    pub worth: f64,
    pub worth_per_slot: f64,
    /// Share of the book worked in the last 30 days (with `--activity`).
    pub worked_30d: Option<f64>,
}

/// The spread of worth per slot across a team's available generalists.
#[derive(Debug, Clone, Serialize)]
pub struct Fairness {
    pub team: String,
    pub reps: usize,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
    /// The largest departure from the mean, as a share of it.
    pub largest_gap: f64,
}

/// What changed against an earlier run.
#[derive(Debug, Clone, Serialize)]
pub struct Changes {
    pub previous: String,
    pub in_books_before: usize,
    pub in_books_now: usize,
    pub new_owner: usize,
    pub entered: usize,
    pub left: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub as_of: String,
    pub rank_by: &'static str,
    pub headline: String,
    pub reps: usize,
    pub slots: usize,
    pub filled: usize,
    pub kept: usize,
    pub assigned: usize,
    pub moved: usize,
    pub retrieved: usize,
    pub deferred: usize,
    pub market: Vec<Share>,
    pub best_in_no_book: Vec<Left>,
    /// Eligible accounts in no book, by why.
    pub in_no_book: Vec<(String, usize)>,
    pub rep_books: Vec<RepBook>,
    pub over_capacity: Vec<String>,
    pub under_capacity: Vec<String>,
    pub fairness: Vec<Fairness>,
    pub changes: Option<Changes>,
    pub warnings: Vec<String>,
}

/// An earlier run's owners (`DIR/books.parquet`).
pub struct Previous {
    pub dir: String,
    pub owner: FxHashMap<String, String>,
}

impl Previous {
    pub fn read(dir: &Path) -> Result<Previous> {
        let path = dir.join("books.parquet");
        if !path.is_file() {
            return Err(Error::data(dir.display(), "no books.parquet: --previous takes the directory of an earlier `scorebook books` run"));
        }
        let owners = super::team::owners(&path)?;
        Ok(Previous {
            dir: dir.display().to_string(),
            owner: owners.into_iter().map(|(a, o)| (a, o.rep)).collect(),
        })
    }
}

pub struct Inputs<'a> {
    pub acc: &'a Accounts,
    pub reps: &'a [TeamRep],
    pub segments: &'a [String],
    pub books: &'a Books,
    pub situation: &'a Situation,
    pub by_value: bool,
    pub previous: Option<&'a Previous>,
    pub cfg: &'a BooksConfig,
    pub warnings: &'a [String],
}

/// The market in books: Tier 1, Good Place, and the best accounts (as
/// many as the team has slots) by worth.
fn market(i: &Inputs, rep: &[Option<usize>], slots: usize) -> Vec<Share> {
    let acc = i.acc;
    let worth = acc.worth(i.by_value);
    let mut top: Vec<usize> = (0..acc.id.len()).filter(|&a| acc.eligible[a]).collect();
    top.sort_by(|&x, &y| worth[y].total_cmp(&worth[x]).then(x.cmp(&y)));
    top.truncate(slots);
    let share = |what: String, list: Vec<usize>| {
        let in_book: Vec<usize> = list.iter().copied().filter(|&a| rep[a].is_some()).collect();
        let w: f64 = list.iter().map(|&a| worth[a]).sum();
        let wb: f64 = in_book.iter().map(|&a| worth[a]).sum();
        Share {
            what,
            accounts: list.len(),
            in_book: in_book.len(),
            worth: w,
            worth_in_book: wb,
            share: if list.is_empty() {
                0.0
            } else {
                in_book.len() as f64 / list.len() as f64
            },
            floor: list.iter().map(|&a| worth[a]).fold(f64::INFINITY, f64::min),
        }
    };
    let of = |f: &dyn Fn(usize) -> bool| (0..acc.id.len()).filter(|&a| f(a)).collect::<Vec<_>>();
    vec![
        share("Tier 1".into(), of(&|a| acc.tier[a] == "Tier 1")),
        share(
            "Good Place".into(),
            of(&|a| acc.quadrant[a] == "Good Place" && acc.tier[a] != "Disqualified"),
        ),
        share(
            format!(
                "Top {} by {}",
                slots,
                if i.by_value {
                    "expected value"
                } else {
                    "probability"
                }
            ),
            top,
        ),
    ]
}

/// Each rep's book.
fn rep_books(i: &Inputs) -> Vec<RepBook> {
    let acc = i.acc;
    let worth = acc.worth(i.by_value);
    let mut out: Vec<RepBook> = i
        .reps
        .iter()
        .map(|r| RepBook {
            rep_id: r.id.clone(),
            name: r.name.clone(),
            team: r.team.clone(),
            segment: r.segment.clone(),
            segment_name: r.segment_name.clone(),
            available: r.available,
            capacity: r.capacity,
            book: 0,
            kept: 0,
            assigned: 0,
            retrieved: 0,
            on_segment: None,
            expected_wins: 0.0,
            worth: 0.0,
            worth_per_slot: 0.0,
            worked_30d: None,
        })
        .collect();
    let mut on_segment = vec![0usize; i.reps.len()];
    let mut worked = vec![0usize; i.reps.len()];
    let seg_of = |k: usize| {
        i.reps[k]
            .segment
            .as_ref()
            .and_then(|p| i.segments.iter().position(|x| x == p))
    };
    for row in &i.books.rows {
        let a = row.account;
        if matches!(row.action, Action::Retrieve | Action::Move) {
            if let Some(k) = i
                .reps
                .iter()
                .position(|r| Some(&r.id) == row.previous.as_ref())
            {
                out[k].retrieved += 1;
            }
        }
        let Some(k) = row.rep else { continue };
        let b = &mut out[k];
        b.book += 1;
        b.kept += usize::from(row.action == Action::Keep);
        b.assigned += usize::from(row.action != Action::Keep);
        b.expected_wins += acc.probability[a];
        b.worth += worth[a];
        if let Some(s) = seg_of(k) {
            on_segment[k] += usize::from(acc.segments[a] >> s & 1 == 1);
        }
        let recent = i.situation.last_worked[a].is_some_and(|d| i.situation.as_of - d <= 30);
        worked[k] += usize::from(recent);
    }
    for (k, b) in out.iter_mut().enumerate() {
        let book = b.book.max(1) as f64;
        b.worth_per_slot = b.worth / b.capacity.max(1) as f64;
        b.on_segment = seg_of(k).map(|_| on_segment[k] as f64 / book);
        b.worked_30d = i.situation.activity_known.then(|| worked[k] as f64 / book);
    }
    out
}

/// The spread of worth per slot across each team's available generalists
/// (a specialist's book comes from their segment first).
fn fairness(books: &[RepBook]) -> Vec<Fairness> {
    let mut teams: Vec<String> = books.iter().map(|b| b.team.clone()).collect();
    teams.sort();
    teams.dedup();
    teams
        .into_iter()
        .filter_map(|t| {
            let v: Vec<f64> = books
                .iter()
                .filter(|b| b.team == t && b.available && b.segment.is_none())
                .map(|b| b.worth_per_slot)
                .collect();
            let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
            (!v.is_empty() && mean > 0.0).then(|| Fairness {
                team: if t.is_empty() { "(no team)".into() } else { t },
                reps: v.len(),
                mean,
                min: v.iter().copied().fold(f64::INFINITY, f64::min),
                max: v.iter().copied().fold(0.0, f64::max),
                largest_gap: v.iter().map(|x| (x / mean - 1.0).abs()).fold(0.0, f64::max),
            })
        })
        .collect()
}

/// "1 account in a book", "1,200 accounts in a book".
pub fn accounts(n: usize, what: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{} account{s} {what}", thousands(n))
        .trim_end()
        .to_string()
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The eligible accounts in no book, best first, with why.
fn left_out<'a>(i: &'a Inputs, worth: &[f64]) -> Vec<(usize, &'a str)> {
    let mut left: Vec<(usize, &str)> = i
        .books
        .rows
        .iter()
        .filter(|r| r.rep.is_none() && i.acc.eligible[r.account])
        .filter_map(|r| r.left_out.as_deref().map(|w| (r.account, w)))
        .collect();
    left.sort_by(|x, y| worth[y.0].total_cmp(&worth[x.0]).then(x.0.cmp(&y.0)));
    left
}

/// How many accounts each reason leaves out, commonest first.
fn tally<'a>(whys: impl Iterator<Item = &'a str>) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = vec![];
    for w in whys {
        match out.iter_mut().find(|(x, _)| x == w) {
            Some(e) => e.1 += 1,
            None => out.push((w.to_string(), 1)),
        }
    }
    out.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    out
}

/// What changed against an earlier run's owners.
fn changes(i: &Inputs, p: &Previous) -> Changes {
    let now: FxHashMap<&str, &str> = i
        .books
        .rows
        .iter()
        .filter_map(|r| {
            r.rep
                .map(|k| (i.acc.id[r.account].as_str(), i.reps[k].id.as_str()))
        })
        .collect();
    Changes {
        previous: p.dir.clone(),
        in_books_before: p.owner.len(),
        in_books_now: now.len(),
        new_owner: now
            .iter()
            .filter(|(a, r)| p.owner.get(**a).is_some_and(|o| o != *r))
            .count(),
        entered: now.keys().filter(|a| !p.owner.contains_key(**a)).count(),
        left: p
            .owner
            .keys()
            .filter(|a| !now.contains_key(a.as_str()))
            .count(),
    }
}

/// The one line a manager reads first.
fn headline(
    i: &Inputs,
    market: &[Share],
    (slots, filled): (usize, usize),
    left: &[(usize, &str)],
) -> String {
    let worth = i.acc.worth(i.by_value);
    let taken = i
        .books
        .rows
        .iter()
        .filter(|r| matches!(r.action, Action::Retrieve | Action::Move))
        .count();
    let mut out = format!(
        "{} reps, {} slots, {} filled; {:.0}% of Tier 1 in a book; {}",
        i.reps.len(),
        thousands(slots),
        thousands(filled),
        100.0 * market[0].share,
        accounts(taken, "taken back from their owners"),
    );
    let top = &market[2];
    let top_left = top.accounts - top.in_book;
    if top_left > 0 {
        // the commonest reason among the top accounts left out
        let top_why = left
            .iter()
            .filter(|(a, _)| worth[*a] >= top.floor)
            .map(|(_, w)| *w);
        let why = tally(top_why);
        let main = why.first().map_or("", |(w, _)| w.as_str());
        out += &format!(
            "; {} of the top {} in no book: {main}",
            thousands(top_left),
            accounts(top.accounts, "")
        );
    } else if filled < slots {
        out += &format!(
            "; {} slots empty: fewer eligible accounts than slots",
            thousands(slots - filled)
        );
    }
    out
}

pub fn coverage(i: &Inputs) -> Coverage {
    let acc = i.acc;
    let worth = acc.worth(i.by_value);
    let mut rep: Vec<Option<usize>> = vec![None; acc.id.len()];
    for r in &i.books.rows {
        rep[r.account] = r.rep;
    }
    let count = |a: Action| i.books.rows.iter().filter(|r| r.action == a).count();
    let slots: usize = i
        .reps
        .iter()
        .filter(|r| r.available)
        .map(|r| r.capacity)
        .sum();
    let filled = rep
        .iter()
        .filter(|r| r.is_some_and(|k| i.reps[k].available))
        .count();
    let market = market(i, &rep, slots);
    let left = left_out(i, worth);
    let best: Vec<Left> = left
        .iter()
        .take(20)
        .map(|&(a, why)| Left {
            account_id: acc.id[a].clone(),
            tier: acc.tier[a].clone(),
            worth: worth[a],
            why: why.to_string(),
        })
        .collect();
    let rep_books = rep_books(i);
    let headline = headline(i, &market, (slots, filled), &left);
    let in_no_book = tally(left.iter().map(|(_, w)| *w));
    let changes = i.previous.map(|p| changes(i, p));
    Coverage {
        as_of: read::format_days(i.situation.as_of),
        rank_by: if i.by_value {
            "expected_value"
        } else {
            "probability"
        },
        headline,
        reps: i.reps.len(),
        slots,
        filled,
        kept: count(Action::Keep),
        assigned: count(Action::Assign),
        moved: count(Action::Move),
        retrieved: count(Action::Retrieve),
        deferred: i.books.deferred,
        market,
        best_in_no_book: best,
        in_no_book,
        over_capacity: rep_books
            .iter()
            .filter(|b| b.book > b.capacity)
            .map(|b| b.rep_id.clone())
            .collect(),
        under_capacity: rep_books
            .iter()
            .filter(|b| b.available && b.book < b.capacity)
            .map(|b| b.rep_id.clone())
            .collect(),
        fairness: fairness(&rep_books),
        rep_books,
        changes,
        warnings: i.warnings.to_vec(),
    }
}

/// `coverage.html`: the coverage on one self-contained page.
pub fn html(c: &Coverage) -> Result<String> {
    use crate::report::templates::{render, safe};
    let by_value = c.rank_by == "expected_value";
    // a rep by name, with the id where two share a name
    let label = |b: &RepBook| {
        if c.rep_books.iter().filter(|x| x.name == b.name).count() > 1 {
            format!("{} ({})", b.name, b.rep_id)
        } else {
            b.name.clone()
        }
    };
    let per_slot: Vec<(String, f64)> = c
        .rep_books
        .iter()
        .filter(|b| b.available)
        .map(|b| (label(b), b.worth_per_slot))
        .collect();
    let fill: Vec<(String, f64)> = c
        .rep_books
        .iter()
        .map(|b| (label(b), 100.0 * b.book as f64 / b.capacity.max(1) as f64))
        .collect();
    let value_label = if by_value {
        "expected value per slot"
    } else {
        "expected wins per slot"
    };
    let charts = [
        charts::bars(
            &per_slot,
            &format!("Fairness: {value_label}, by rep"),
            value_label,
        ),
        charts::bars(
            &fill,
            "Book size against capacity, by rep",
            "% of capacity filled",
        ),
    ];
    render(
        "coverage.html",
        include_str!("coverage.html"),
        minijinja::context! {
            c => c,
            charts => charts.into_iter().map(safe).collect::<Vec<_>>(),
        },
    )
}
