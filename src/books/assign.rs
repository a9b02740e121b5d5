//! The assignment itself: which pool account goes to which rep, given
//! what each rep already keeps.
//!
//! Every account's worth (its expected value, or its probability) is the
//! same whoever works it, so the sets of pool accounts that fit into the
//! books (capacities, segments, specialists' shares) are the independent
//! sets of a transversal matroid, and taking accounts best first, each
//! one that still fits, places the most worth there is (Edmonds 1971;
//! Lawler, "Combinatorial Optimization", ch. 8). Whether an account still
//! fits is an augmenting path in a flow over account classes (which
//! segments an account is in) and rep groups (generalists; each segment's
//! specialists, their share and their top-off slots), so a million
//! accounts and a thousand reps take one pass. A class that cannot grow
//! once never can again (adding accounts only takes room), so its later
//! accounts are passed over at once.
//!
//! The accounts a group receives are then dealt to its reps best first,
//! each to the rep whose book is worth least per slot, and pairs are
//! swapped between the richest and the poorest book while that narrows
//! the gap: the spread of worth per slot across a group's reps.

/// A rep as the assignment sees them.
#[derive(Debug, Clone)]
pub struct Rep {
    pub capacity: usize,
    /// Takes new accounts.
    pub available: bool,
    /// The segment the rep specializes in (an index into the segments).
    pub segment: Option<usize>,
}

/// The problem: accounts (their worth, whether they may be assigned, the
/// segments they are in as a bit set), reps, and the accounts already
/// fixed to a rep (kept: they use the rep's capacity and never move).
pub struct Instance<'a> {
    pub value: &'a [f64],
    pub eligible: &'a [bool],
    pub segments: &'a [u64],
    pub reps: &'a [Rep],
    pub fixed: &'a [Option<usize>],
    /// The rep an account was taken from this run: it goes to another rep
    /// of its group where there is one.
    pub avoid: &'a [Option<usize>],
    /// The least share of a specialist's book from their segment.
    pub share: f64,
    /// Only a segment's specialists may work its accounts (else the
    /// generalists take what the specialists have no room for).
    pub exclusive: bool,
}

use std::cmp::Reverse;

/// Why an eligible pool account is in no book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unplaced {
    /// The reps who may work it are full (the segments it is in, as bits;
    /// 0 for a general account).
    NoCapacity(u64),
    /// No available rep may work it.
    NoRep(u64),
}

#[derive(Debug, Clone, Default)]
pub struct Assignment {
    /// Each account's rep (the fixed ones included), None = in no book.
    pub rep: Vec<Option<usize>>,
    /// Why each eligible pool account left out is left out.
    pub unplaced: Vec<Option<Unplaced>>,
}

/// A rep group's node in the flow: its capacity left and the classes
/// (segment bit sets) it takes.
struct Group {
    room: usize,
    takes: Box<dyn Fn(u64) -> bool>,
    /// Reps of the group.
    reps: Vec<usize>,
}

/// Fills the books: best accounts first, each while it fits.
pub fn assign(p: &Instance) -> Assignment {
    let n = p.value.len();
    let r = p.reps.len();
    let mut kept = vec![0usize; r];
    let mut kept_in_segment = vec![0usize; r];
    for (a, f) in p.fixed.iter().enumerate() {
        if let Some(k) = *f {
            kept[k] += 1;
            if let Some(s) = p.reps[k].segment {
                kept_in_segment[k] += usize::from(p.segments[a] >> s & 1 == 1);
            }
        }
    }
    // segments with an available specialist; the others' accounts are general
    let active: u64 = p
        .reps
        .iter()
        .filter(|x| x.available && x.capacity > 0)
        .filter_map(|x| x.segment)
        .fold(0, |m, s| m | 1 << s);
    let class = |a: usize| p.segments[a] & active;
    let pool: Vec<usize> = {
        let mut v: Vec<usize> = (0..n)
            .filter(|&a| p.eligible[a] && p.fixed[a].is_none())
            .collect();
        v.sort_by(|&x, &y| p.value[y].total_cmp(&p.value[x]).then(x.cmp(&y)));
        v
    };
    let need = specialist_need(p, &pool, active, &kept, &kept_in_segment);
    let free = |k: usize| {
        if p.reps[k].available {
            p.reps[k].capacity.saturating_sub(kept[k])
        } else {
            0
        }
    };
    let groups = groups(p, active, &need, &free);

    // the classes, and the flow of chosen accounts from each to each group
    let mut classes: Vec<u64> = pool.iter().map(|&a| class(a)).collect();
    classes.sort_unstable();
    classes.dedup();
    let index = |m: u64| classes.binary_search(&m).unwrap_or(0);
    let mut flow = vec![vec![0usize; groups.len()]; classes.len()];
    let mut room: Vec<usize> = groups.iter().map(|g| g.room).collect();
    let mut dead = vec![false; classes.len()];
    let mut chosen = vec![];
    let mut unplaced = vec![None; n];
    for &a in &pool {
        let c = index(class(a));
        if !dead[c] {
            match augment(c, &classes, &groups, &mut flow, &mut room) {
                Ok(()) => {
                    chosen.push(a);
                    continue;
                }
                Err(reached) => {
                    for k in reached {
                        dead[k] = true;
                    }
                }
            }
        }
        // named by the segments only their specialists may work
        let only = if p.exclusive { classes[c] } else { 0 };
        // an available rep who may work it (full, or none at all)
        let any_rep = groups
            .iter()
            .any(|g| !g.reps.is_empty() && (g.takes)(classes[c]));
        unplaced[a] = Some(if any_rep {
            Unplaced::NoCapacity(only)
        } else {
            Unplaced::NoRep(only)
        });
    }
    let mut rep: Vec<Option<usize>> = p.fixed.to_vec();
    let per_group = split_by_group(&chosen, groups.len(), &index, &class, &flow);
    let mut book_value: Vec<f64> = vec![0.0; r];
    for (a, f) in p.fixed.iter().enumerate() {
        if let Some(k) = *f {
            book_value[k] += p.value[a];
        }
    }
    for family in families(&groups) {
        let accounts: Vec<usize> = {
            let mut v: Vec<usize> = family.iter().flat_map(|&g| per_group[g].clone()).collect();
            v.sort_by(|&x, &y| p.value[y].total_cmp(&p.value[x]).then(x.cmp(&y)));
            v
        };
        let reps = &groups[family[0]].reps;
        deal(p, reps, &accounts, &need, &free, &mut book_value, &mut rep);
    }
    Assignment { rep, unplaced }
}

/// Each available specialist's slots for their segment: their share of
/// the capacity, less the segment accounts they keep, within their free
/// room; cut (in rep order) where the segment's pool has fewer accounts.
fn specialist_need(
    p: &Instance,
    pool: &[usize],
    active: u64,
    kept: &[usize],
    kept_in_segment: &[usize],
) -> Vec<usize> {
    let mut supply = [0usize; 64];
    for &a in pool {
        let mut m = p.segments[a] & active;
        while m != 0 {
            supply[m.trailing_zeros() as usize] += 1;
            m &= m - 1;
        }
    }
    p.reps
        .iter()
        .enumerate()
        .map(|(k, x)| match x.segment {
            Some(s) if x.available => {
                let quota = (p.share * x.capacity as f64).ceil() as usize;
                let free = x.capacity.saturating_sub(kept[k]);
                let want = quota.saturating_sub(kept_in_segment[k]).min(free);
                let got = want.min(supply[s]);
                supply[s] -= got;
                got
            }
            _ => 0,
        })
        .collect()
}

/// The flow's rep groups: the generalists, then per segment its
/// specialists' reserved slots and their top-off slots.
fn groups(p: &Instance, active: u64, need: &[usize], free: &dyn Fn(usize) -> usize) -> Vec<Group> {
    let generalists: Vec<usize> = (0..p.reps.len())
        .filter(|&k| p.reps[k].available && p.reps[k].segment.is_none())
        .collect();
    let exclusive = p.exclusive;
    let mut out = vec![Group {
        room: generalists.iter().map(|&k| free(k)).sum(),
        takes: Box::new(move |m| m == 0 || !exclusive),
        reps: generalists,
    }];
    let mut m = active;
    while m != 0 {
        let s = m.trailing_zeros() as usize;
        m &= m - 1;
        let reps: Vec<usize> = (0..p.reps.len())
            .filter(|&k| p.reps[k].available && p.reps[k].segment == Some(s))
            .collect();
        let reserved: usize = reps.iter().map(|&k| need[k]).sum();
        let top_off: usize = reps.iter().map(|&k| free(k) - need[k]).sum();
        out.push(Group {
            room: reserved,
            takes: Box::new(move |c| c >> s & 1 == 1),
            reps: reps.clone(),
        });
        out.push(Group {
            room: top_off,
            takes: Box::new(move |c| c == 0 || c >> s & 1 == 1),
            reps,
        });
    }
    out
}

/// The groups whose reps are the same people: the generalists alone, and
/// each segment's two groups together.
fn families(groups: &[Group]) -> Vec<Vec<usize>> {
    let mut out = vec![vec![0]];
    for g in (1..groups.len()).step_by(2) {
        out.push(vec![g, g + 1]);
    }
    out
}

/// One more account of class `c` in the flow, by an augmenting path
/// (breadth first over classes); Err gives the classes reached, which can
/// take no more accounts now or later.
fn augment(
    c: usize,
    classes: &[u64],
    groups: &[Group],
    flow: &mut [Vec<usize>],
    room: &mut [usize],
) -> std::result::Result<(), Vec<usize>> {
    // parent[class] = (previous class, group through which it was reached)
    let mut parent: Vec<Option<(usize, usize)>> = vec![None; classes.len()];
    let mut seen = vec![false; classes.len()];
    seen[c] = true;
    let mut queue = std::collections::VecDeque::from([c]);
    let mut order = vec![c];
    while let Some(k) = queue.pop_front() {
        for (g, group) in groups.iter().enumerate() {
            if !(group.takes)(classes[k]) {
                continue;
            }
            if room[g] > 0 {
                // k -> g; walk back: each step moves one account of the
                // earlier class into the group the later one leaves
                room[g] -= 1;
                flow[k][g] += 1;
                let mut at = k;
                while let Some((prev, via)) = parent[at] {
                    flow[at][via] -= 1;
                    flow[prev][via] += 1;
                    at = prev;
                }
                return Ok(());
            }
            for (j, f) in flow.iter().enumerate() {
                if !seen[j] && f[g] > 0 {
                    seen[j] = true;
                    parent[j] = Some((k, g));
                    queue.push_back(j);
                    order.push(j);
                }
            }
        }
    }
    Err(order)
}

/// The chosen accounts of each group: a segment's accounts, best first,
/// to its specialists before anyone else; general accounts dealt across
/// the groups that take them in proportion to the flow.
fn split_by_group(
    chosen: &[usize],
    groups: usize,
    index: &dyn Fn(u64) -> usize,
    class: &dyn Fn(usize) -> u64,
    flow: &[Vec<usize>],
) -> Vec<Vec<usize>> {
    // (an empty pool has no classes, and no flow)
    let mut out = vec![vec![]; groups];
    let mut left: Vec<Vec<usize>> = flow.to_vec();
    for &a in chosen {
        let c = index(class(a));
        // a segment account to a specialist group first (groups 1..);
        // else the group with the largest share of its flow still to fill
        let specialist = (class(a) != 0)
            .then(|| (1..groups).find(|&g| left[c][g] > 0))
            .flatten();
        let g = specialist
            .or_else(|| {
                (0..groups).filter(|&g| left[c][g] > 0).max_by(|&x, &y| {
                    let fx = left[c][x] as f64 / flow[c][x] as f64;
                    let fy = left[c][y] as f64 / flow[c][y] as f64;
                    fx.total_cmp(&fy).then(y.cmp(&x))
                })
            })
            .expect("the flow holds every chosen account");
        left[c][g] -= 1;
        out[g].push(a);
    }
    out
}

/// A worth ordered for a heap (`f64::total_cmp`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Worth(pub f64);

impl Eq for Worth {}

impl PartialOrd for Worth {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Worth {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&o.0)
    }
}

/// Deals a family's accounts (best first) to its reps: each to the rep
/// whose book is worth least per slot and has a slot it may use, then
/// swaps narrow the gap between the richest and the poorest book.
fn deal(
    p: &Instance,
    reps: &[usize],
    accounts: &[usize],
    need: &[usize],
    free: &dyn Fn(usize) -> usize,
    book_value: &mut [f64],
    rep: &mut [Option<usize>],
) {
    let segment = match reps.first() {
        Some(&k) => p.reps[k].segment,
        None => return,
    };
    let general = |a: usize| match segment {
        Some(s) => p.segments[a] >> s & 1 == 0,
        None => true,
    };
    // slots left per rep, and of them the ones a general account may take
    let mut total: Vec<usize> = reps.iter().map(|&k| free(k)).collect();
    let mut top_off: Vec<usize> = reps.iter().map(|&k| free(k) - need[k]).collect();
    let mut general_left = accounts.iter().filter(|&&a| general(a)).count();
    let mut general_room: usize = (0..reps.len()).map(|i| top_off[i].min(total[i])).sum();
    let per_slot = |i: usize, v: &[f64]| v[reps[i]] / p.reps[reps[i]].capacity.max(1) as f64;
    // the poorest book per slot first, then the first rep
    let mut heap: std::collections::BinaryHeap<Reverse<(Worth, usize)>> = (0..reps.len())
        .filter(|&i| total[i] > 0)
        .map(|i| Reverse((Worth(per_slot(i, book_value)), i)))
        .collect();
    let mut new: Vec<Vec<usize>> = vec![vec![]; reps.len()];
    let mut passed = vec![];
    for &a in accounts {
        let is_general = general(a);
        // the poorest rep with a slot this account may use (and not the
        // rep it was taken from, while another fits)
        let mut fallback = None;
        let best = loop {
            let Some(Reverse((_, i))) = heap.pop() else {
                break fallback.expect("the flow left room for every account of the family");
            };
            let fits = if is_general {
                top_off[i] > 0
            } else {
                // a segment account may use a top-off slot only while the
                // general accounts still to come have room
                total[i] > top_off[i] || general_room > general_left
            };
            if !fits {
                passed.push(i);
            } else if p.avoid[a] == Some(reps[i]) && fallback.is_none() {
                fallback = Some(i);
            } else {
                if let Some(f) = fallback.take() {
                    passed.push(f);
                }
                break i;
            }
        };
        for i in passed.drain(..) {
            heap.push(Reverse((Worth(per_slot(i, book_value)), i)));
        }
        // general room: the slots left where a general account may go
        if is_general || total[best] <= top_off[best] {
            general_room -= 1;
        }
        total[best] -= 1;
        if is_general {
            top_off[best] -= 1;
            general_left -= 1;
        }
        book_value[reps[best]] += p.value[a];
        rep[a] = Some(reps[best]);
        new[best].push(a);
        if total[best] > 0 {
            heap.push(Reverse((Worth(per_slot(best, book_value)), best)));
        }
    }
    balance(p, reps, &mut new, book_value, rep, &general);
}

/// Swaps between the richest and the poorest book of a family (an account
/// of the same kind, general or segment, each way) while a swap narrows
/// their gap in worth per slot.
fn balance(
    p: &Instance,
    reps: &[usize],
    new: &mut [Vec<usize>],
    book_value: &mut [f64],
    rep: &mut [Option<usize>],
    general: &dyn Fn(usize) -> bool,
) {
    let cap = |i: usize| p.reps[reps[i]].capacity.max(1) as f64;
    for _ in 0..20 * reps.len() {
        let ratio = |i: usize| book_value[reps[i]] / cap(i);
        let (Some(hi), Some(lo)) = (
            (0..reps.len()).max_by(|&x, &y| ratio(x).total_cmp(&ratio(y)).then(y.cmp(&x))),
            (0..reps.len()).min_by(|&x, &y| ratio(x).total_cmp(&ratio(y)).then(x.cmp(&y))),
        ) else {
            return;
        };
        let gap = ratio(hi) - ratio(lo);
        if hi == lo || gap <= 0.0 {
            return;
        }
        // moving worth d from hi to lo changes the gap by d (1/c_hi + 1/c_lo)
        let target = gap / (1.0 / cap(hi) + 1.0 / cap(lo));
        // the lo book's accounts by worth, to find each swap's partner
        let mut partners: Vec<(f64, usize)> = new[lo]
            .iter()
            .enumerate()
            .map(|(y, &b)| (p.value[b], y))
            .collect();
        partners.sort_by(|u, v| u.0.total_cmp(&v.0).then(u.1.cmp(&v.1)));
        let mut best: Option<(f64, usize, usize)> = None;
        for (x, &a) in new[hi].iter().enumerate() {
            // partners worth near value(a) - target, either side
            let want = p.value[a] - target;
            let at = partners.partition_point(|u| u.0 < want);
            for &(vb, y) in partners[at.saturating_sub(8)..(at + 8).min(partners.len())].iter() {
                let b = new[lo][y];
                let d = p.value[a] - vb;
                if d <= 0.0 || general(a) != general(b) {
                    continue;
                }
                let after = (target - d).abs();
                if after < target && best.is_none_or(|(e, _, _)| after < e) {
                    best = Some((after, x, y));
                }
            }
        }
        let Some((_, x, y)) = best else { return };
        let (a, b) = (new[hi][x], new[lo][y]);
        let d = p.value[a] - p.value[b];
        book_value[reps[hi]] -= d;
        book_value[reps[lo]] += d;
        new[hi][x] = b;
        new[lo][y] = a;
        rep[a] = Some(reps[lo]);
        rep[b] = Some(reps[hi]);
    }
}
