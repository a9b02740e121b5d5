//! The week's decisions, account by account: what an owner keeps (open
//! deals, recent work), what goes back to the pool (owner gone, over
//! capacity, not worked for `retrieve_after_days`), which better pool
//! account takes the slot of an owned one nobody works, all within
//! `max_moves`; then the assignment of the pool (`assign`) and one plain
//! sentence per account saying why.

use crate::config::BooksConfig;
use crate::model::explain::amount;

use super::assign::{self, Instance, Rep, Unplaced, Worth};
use super::team::TeamRep;

/// The scored accounts as the books read them (one row per account id).
#[derive(Debug, Clone, Default)]
pub struct Accounts {
    pub id: Vec<String>,
    pub probability: Vec<f64>,
    pub expected_value: Option<Vec<f64>>,
    pub tier: Vec<String>,
    pub quadrant: Vec<String>,
    /// May go into a book (`[books] eligible`).
    pub eligible: Vec<bool>,
    /// The specialists' segments each account is in, as bits.
    pub segments: Vec<u64>,
}

impl Accounts {
    /// What the books rank by: expected value when there is one (and
    /// `rank_by` does not say otherwise), else probability.
    pub fn worth(&self, by_value: bool) -> &[f64] {
        match (&self.expected_value, by_value) {
            (Some(v), true) => v,
            _ => &self.probability,
        }
    }
}

/// Who owns an account now.
#[derive(Debug, Clone, PartialEq)]
pub enum Owner {
    /// A rep of the team, since a day (None: long ago).
    Rep(usize, Option<i32>),
    /// A rep id the team does not list: the account counts as pool.
    Unknown(String),
}

/// The accounts' situation as of the books' day.
pub struct Situation {
    pub as_of: i32,
    pub owner: Vec<Option<Owner>>,
    pub last_worked: Vec<Option<i32>>,
    pub open_deal: Vec<bool>,
    /// Whether `--activity` was given (without it nobody's work is known).
    pub activity_known: bool,
}

/// What happens to an account this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Keep,
    Assign,
    Retrieve,
    Move,
    Pool,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Keep => "keep",
            Action::Assign => "assign",
            Action::Retrieve => "retrieve",
            Action::Move => "move",
            Action::Pool => "pool",
        }
    }
}

/// Why an owned account goes back to the pool.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Release {
    Gone,
    OverCapacity {
        kept: usize,
    },
    Unworked(Option<i64>),
    /// A better pool account takes the slot (days unworked, its index).
    Better(i64, usize),
}

/// Why an owner keeps an account.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kept {
    Open,
    Worked(i64),
    /// Given to the owner this recently, not worked since.
    New(i64),
    /// Worked between `keep_worked_days` and `retrieve_after_days` ago.
    Quiet(Option<i64>),
    /// Would go back to the pool, but the run's moves are used up.
    Deferred(Release),
}

/// One account's row of `books.parquet`.
#[derive(Debug, Clone)]
pub struct Row {
    pub account: usize,
    pub rep: Option<usize>,
    pub previous: Option<String>,
    pub action: Action,
    pub reason: String,
    pub since: Option<i32>,
    /// Why an eligible account is in no book (the end of its reason).
    pub left_out: Option<String>,
}

/// Everything a run decided.
pub struct Books {
    pub rows: Vec<Row>,
    /// Moves left undone by `max_moves`.
    pub deferred: usize,
}

/// Days since an account was last worked or given to its owner (None: never).
fn unworked(s: &Situation, a: usize, since: Option<i32>) -> Option<i64> {
    let last = match (since, s.last_worked[a]) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    };
    last.map(|d| i64::from(s.as_of - d))
}

/// The owners' accounts sorted into kept and released, before the cap on
/// moves: open deals and recent work stay, a gone owner's accounts and
/// those nobody worked go, and an owner over capacity keeps the best.
fn owned(
    acc: &Accounts,
    worth: &[f64],
    reps: &[TeamRep],
    s: &Situation,
    cfg: &BooksConfig,
) -> (Vec<Option<(usize, Kept)>>, Vec<(usize, usize, Release)>) {
    let n = acc.id.len();
    let mut kept: Vec<Option<(usize, Kept)>> = vec![None; n];
    let mut released = vec![];
    let mut per_rep: Vec<Vec<usize>> = vec![vec![]; reps.len()];
    for a in 0..n {
        let Some(Owner::Rep(k, since)) = s.owner[a] else {
            continue;
        };
        let open = s.open_deal[a] && cfg.keep_open_opportunities;
        let days = unworked(s, a, since);
        let why = if open {
            Kept::Open
        } else if reps[k].gone {
            released.push((a, k, Release::Gone));
            continue;
        } else if let Some(d) = days.filter(|d| *d <= i64::from(cfg.keep_worked_days)) {
            if s.last_worked[a].is_some_and(|w| since.is_none_or(|g| w >= g)) {
                Kept::Worked(d)
            } else {
                Kept::New(d)
            }
        } else if s.activity_known && days.is_none_or(|d| d >= i64::from(cfg.retrieve_after_days)) {
            released.push((a, k, Release::Unworked(days)));
            continue;
        } else {
            Kept::Quiet(days)
        };
        kept[a] = Some((k, why));
        per_rep[k].push(a);
    }
    // over capacity: quiet accounts go first, then worked ones, worst first
    for (k, list) in per_rep.iter_mut().enumerate() {
        let cap = reps[k].capacity;
        if list.len() <= cap {
            continue;
        }
        let total = list.len();
        let rank = |a: usize| match kept[a] {
            Some((_, Kept::Open)) => 2,
            Some((_, Kept::Worked(_) | Kept::New(_))) => 1,
            _ => 0,
        };
        let mut ranked: Vec<(u8, usize)> = list.iter().map(|&a| (rank(a), a)).collect();
        ranked.sort_by(|x, y| {
            x.0.cmp(&y.0)
                .then(worth[x.1].total_cmp(&worth[y.1]))
                .then(x.1.cmp(&y.1))
        });
        let mut excess = total - cap;
        for (r, a) in ranked {
            if excess == 0 || r == 2 {
                break;
            }
            kept[a] = None;
            released.push((a, k, Release::OverCapacity { kept: total }));
            excess -= 1;
        }
    }
    (kept, released)
}

/// The whole run: keeps and releases within `max_moves`, the assignment
/// of the pool, better accounts into quiet slots, and a sentence each.
pub fn plan(
    acc: &Accounts,
    reps: &[TeamRep],
    segments: &[String],
    s: &Situation,
    cfg: &BooksConfig,
    by_value: bool,
) -> Books {
    let n = acc.id.len();
    let worth = acc.worth(by_value);
    let (mut kept, mut released) = owned(acc, worth, reps, s, cfg);
    // the cap on moves: a gone owner first, then over capacity, then the
    // longest unworked
    let order = |r: &Release| match r {
        Release::Gone => (0, 0),
        Release::OverCapacity { .. } => (1, 0),
        Release::Unworked(d) => (2, -d.unwrap_or(i64::MAX)),
        Release::Better(..) => (3, 0),
    };
    released.sort_by(|x, y| order(&x.2).cmp(&order(&y.2)).then(x.0.cmp(&y.0)));
    let mut budget = cfg.max_moves.unwrap_or(usize::MAX);
    let mut deferred = 0;
    released.retain(|&(a, k, why)| {
        if budget > 0 {
            budget -= 1;
            true
        } else {
            kept[a] = Some((k, Kept::Deferred(why)));
            deferred += 1;
            false
        }
    });
    let team: Vec<Rep> = reps
        .iter()
        .map(|r| Rep {
            capacity: r.capacity,
            available: r.available,
            segment: r
                .segment
                .as_ref()
                .and_then(|p| segments.iter().position(|x| x == p)),
        })
        .collect();
    let fixed: Vec<Option<usize>> = kept.iter().map(|k| k.map(|(r, _)| r)).collect();
    let mut avoid: Vec<Option<usize>> = vec![None; n];
    let mut release_of: Vec<Option<Release>> = vec![None; n];
    for &(a, k, why) in &released {
        avoid[a] = Some(k);
        release_of[a] = Some(why);
    }
    let problem = Instance {
        value: worth,
        eligible: &acc.eligible,
        segments: &acc.segments,
        reps: &team,
        fixed: &fixed,
        avoid: &avoid,
        share: cfg.specialist_share,
        exclusive: cfg.specialists_only,
    };
    let mut placed = assign::assign(&problem);
    let swaps = better_accounts(&problem, &mut placed, &kept, budget, cfg.better_by);
    for &(u, q) in &swaps {
        let Some((_, Kept::Quiet(d))) = kept[q] else {
            continue;
        };
        kept[q] = None;
        release_of[q] = Some(Release::Better(d.unwrap_or(i64::MAX), u));
    }
    let words = Words {
        acc,
        reps,
        worth,
        by_value,
        segments,
    };
    let rows = (0..n)
        .filter(|&a| acc.eligible[a] || s.owner[a].is_some())
        .map(|a| {
            words.row(
                a,
                s.owner[a].as_ref(),
                kept[a],
                release_of[a],
                &placed,
                s.as_of,
            )
        })
        .collect();
    Books { rows, deferred }
}

/// Quiet accounts (owned, worked between `keep_worked_days` and
/// `retrieve_after_days` ago) whose slot a pool account worth `better_by`
/// more takes, best pool account first, within the moves left: (the pool
/// account, the quiet one) pairs, with `placed` updated.
fn better_accounts(
    p: &Instance,
    placed: &mut assign::Assignment,
    kept: &[Option<(usize, Kept)>],
    budget: usize,
    better_by: f64,
) -> Vec<(usize, usize)> {
    use std::cmp::Reverse;
    // a quiet account's slot: a generalist's (kind 0), a specialist's in
    // their segment (1 + the segment) or a specialist's top-off (65)
    const TOP_OFF: usize = 65;
    let kind = |a: usize, k: usize| match p.reps[k].segment {
        Some(s) if p.segments[a] >> s & 1 == 1 => s + 1,
        Some(_) => TOP_OFF,
        None => 0,
    };
    let mut heaps: Vec<std::collections::BinaryHeap<Reverse<(Worth, usize)>>> =
        (0..=TOP_OFF).map(|_| Default::default()).collect();
    for (a, k) in kept.iter().enumerate() {
        if let Some((k, Kept::Quiet(_))) = *k {
            if p.reps[k].available {
                heaps[kind(a, k)].push(Reverse((Worth(p.value[a]), a)));
            }
        }
    }
    let active: u64 = p
        .reps
        .iter()
        .filter(|x| x.available)
        .filter_map(|x| x.segment)
        .fold(0, |m, s| m | 1 << s);
    let mut pool: Vec<usize> = (0..p.value.len())
        .filter(|&a| placed.unplaced[a].is_some())
        .collect();
    pool.sort_by(|&x, &y| p.value[y].total_cmp(&p.value[x]).then(x.cmp(&y)));
    let mut out = vec![];
    for u in pool {
        if out.len() >= budget {
            break;
        }
        let bar = heaps
            .iter()
            .filter_map(|h| h.peek().map(|Reverse((w, _))| w.0))
            .fold(f64::INFINITY, f64::min);
        if p.value[u] < (1.0 + better_by) * bar {
            break;
        }
        let class = p.segments[u] & active;
        // a slot of one of its segments' specialists, a generalist's slot
        // (a general account, or any unless specialists_only) or a
        // specialist's top-off slot (a general account)
        let kinds: Vec<usize> = (0..64)
            .filter(|s| class >> s & 1 == 1)
            .map(|s| s + 1)
            .chain((class == 0 || !p.exclusive).then_some(0))
            .chain((class == 0).then_some(TOP_OFF))
            .collect();
        let Some(h) = kinds
            .into_iter()
            .filter(|&k| {
                heaps[k]
                    .peek()
                    .is_some_and(|Reverse((w, _))| p.value[u] >= (1.0 + better_by) * w.0)
            })
            .min_by(|&x, &y| {
                let w = |k: usize| heaps[k].peek().map_or(f64::INFINITY, |Reverse((w, _))| w.0);
                w(x).total_cmp(&w(y)).then(x.cmp(&y))
            })
        else {
            continue;
        };
        let Some(Reverse((_, q))) = heaps[h].pop() else {
            continue;
        };
        let k = placed.rep[q].unwrap_or_default();
        placed.rep[q] = None;
        placed.unplaced[q] = Some(Unplaced::NoCapacity(0));
        placed.rep[u] = Some(k);
        placed.unplaced[u] = None;
        out.push((u, q));
    }
    out
}

/// What the sentences need.
struct Words<'a> {
    acc: &'a Accounts,
    reps: &'a [TeamRep],
    worth: &'a [f64],
    by_value: bool,
    segments: &'a [String],
}

impl Words<'_> {
    fn rep(&self, k: usize) -> String {
        format!("rep {}", self.reps[k].name)
    }

    /// "Tier 1, $182k expected" (or "Tier 1, 34% to win").
    fn worth(&self, a: usize) -> String {
        let w = if self.by_value {
            format!("${} expected", amount(self.worth[a]))
        } else {
            format!("{:.0}% to win", 100.0 * self.acc.probability[a])
        };
        format!("{}, {w}", self.acc.tier[a])
    }

    fn days(d: Option<i64>) -> String {
        match d {
            Some(d) => format!("not worked for {d} days"),
            None => "never worked".to_string(),
        }
    }

    fn release(&self, why: Release, k: usize) -> String {
        let who = self.rep(k);
        match why {
            Release::Gone => format!("owned by {who}, who is unavailable"),
            Release::OverCapacity { kept } => format!(
                "owned by {who}, over capacity ({kept} accounts kept for {} slots)",
                self.reps[k].capacity
            ),
            Release::Unworked(d) => format!("owned by {who}, {}", Self::days(d)),
            Release::Better(d, u) => format!(
                "owned by {who}, {}; a better account ({}) takes the slot",
                Self::days((d < i64::MAX).then_some(d)),
                self.worth(u)
            ),
        }
    }

    /// Why an eligible account is in no book.
    fn unplaced(&self, why: Option<Unplaced>) -> String {
        let named = |bits: u64| -> String {
            let names: Vec<String> = (0..self.segments.len())
                .filter(|s| bits >> s & 1 == 1)
                .map(|s| self.segment_name(s))
                .collect();
            names.join(" or ")
        };
        match why {
            Some(Unplaced::NoCapacity(0)) | None => "no capacity left among the reps".into(),
            Some(Unplaced::NoCapacity(b)) => {
                format!("no capacity among the {} specialists", named(b))
            }
            Some(Unplaced::NoRep(0)) => "no available rep".into(),
            Some(Unplaced::NoRep(b)) => format!("no available {} specialist", named(b)),
        }
    }

    /// A segment's name: the `segment_name` its specialists give, else
    /// their predicate in backticks.
    pub fn segment_name(&self, s: usize) -> String {
        self.reps
            .iter()
            .find(|r| r.segment.as_deref() == Some(self.segments[s].as_str()))
            .and_then(|r| r.segment_name.clone())
            .unwrap_or_else(|| format!("`{}`", self.segments[s]))
    }

    fn row(
        &self,
        a: usize,
        owner: Option<&Owner>,
        kept: Option<(usize, Kept)>,
        released: Option<Release>,
        placed: &assign::Assignment,
        as_of: i32,
    ) -> Row {
        let (previous, prev_rep, since) = match owner {
            Some(Owner::Rep(k, since)) => (Some(self.reps[*k].id.clone()), Some(*k), *since),
            Some(Owner::Unknown(id)) => (Some(id.clone()), None, None),
            None => (None, None, None),
        };
        let row = |rep, action, reason: String, since| Row {
            account: a,
            rep,
            previous: previous.clone(),
            action,
            reason,
            since,
            left_out: None,
        };
        if let Some((k, why)) = kept {
            let reason = match why {
                Kept::Open => "Kept: open deal".to_string(),
                Kept::Worked(d) => format!("Kept: worked {d} days ago"),
                Kept::New(d) => format!("Kept: given to {} {d} days ago", self.rep(k)),
                Kept::Quiet(d) => format!("Kept: {}, not yet retrieved", Self::days(d)),
                Kept::Deferred(r) => format!(
                    "Kept: {}, but this run's moves reached [books] max_moves",
                    self.release(r, k)
                ),
            };
            return row(Some(k), Action::Keep, reason, since);
        }
        let to = placed.rep[a];
        match (released, prev_rep, to) {
            (Some(r), Some(k), Some(t)) if t == k => row(
                Some(t),
                Action::Keep,
                format!("Kept: {}, and no other rep may take it", self.release(r, k)),
                since,
            ),
            (Some(r), Some(k), Some(t)) => row(
                Some(t),
                Action::Move,
                format!(
                    "Moved to {}: {}; {}",
                    self.rep(t),
                    self.release(r, k),
                    self.worth(a)
                ),
                Some(as_of),
            ),
            (Some(r), Some(k), None) => Row {
                left_out: Some("taken back from its owner, no room elsewhere".into()),
                ..row(
                    None,
                    Action::Retrieve,
                    format!("Retrieved: {}", self.release(r, k)),
                    None,
                )
            },
            (_, _, Some(t)) => {
                let from = match owner {
                    Some(Owner::Unknown(id)) => format!("owner {id} is not on the team"),
                    _ => "no owner".into(),
                };
                row(
                    Some(t),
                    Action::Assign,
                    format!("Assigned: {}, {from}", self.worth(a)),
                    Some(as_of),
                )
            }
            (_, _, None) => {
                let why = if !self.acc.eligible[a] {
                    "not eligible (disqualified or outside [books] eligible)".to_string()
                } else {
                    self.unplaced(placed.unplaced[a])
                };
                Row {
                    left_out: Some(why.clone()),
                    ..row(
                        None,
                        Action::Pool,
                        format!("In no book: {}, {why}", self.worth(a)),
                        None,
                    )
                }
            }
        }
    }
}
