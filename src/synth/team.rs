//! The synthetic sales team for `scorebook books`: a dozen reps with
//! capacities in two teams, two vertical specialists and one rep who is
//! gone; the CRM's current owners (some of them stale) and the worked
//! activities, all in `DIR/team/`.

use std::fmt::Write as _;
use std::path::Path;

use rand::Rng;

use crate::error::{Error, Result};

/// (name, team, capacity, segment predicate, segment name, available)
const REPS: &[(&str, &str, u32, &str, &str, &str)] = &[
    ("Avery Chen", "East", 100, "", "", "true"),
    ("Jordan Patel", "East", 100, "", "", "true"),
    (
        "Morgan Diaz",
        "East",
        120,
        "industry = 'Healthcare'",
        "Healthcare",
        "true",
    ),
    ("Riley Okafor", "East", 80, "", "", "true"),
    ("Casey Novak", "East", 100, "", "", "true"),
    ("Quinn Larsen", "East", 100, "", "", "true"),
    ("Taylor Brooks", "West", 100, "", "", "true"),
    ("Drew Alvarez", "West", 100, "", "", "true"),
    (
        "Sam Whitfield",
        "West",
        120,
        "industry = 'BFSI'",
        "Financial services",
        "true",
    ),
    ("Jamie Kowalski", "West", 80, "", "", "true"),
    ("Alex Moreau", "West", 100, "", "", "true"),
    ("Robin Haas", "West", 100, "", "", "false"),
];

/// A rep's id as a CRM user id.
fn rep_id(k: usize) -> String {
    format!("005{:012}", k + 1)
}

/// Writes `team/reps.csv`, `team/owners.csv` (60 accounts per rep among
/// the `accounts` of the universe, given to them up to 240 days before
/// `as_of`) and `team/activity.csv` (three in five owned accounts worked
/// in the 120 days before `as_of`).
pub fn write(dir: &Path, seed: u64, accounts: usize, as_of: i32) -> Result<()> {
    let dir = dir.join("team");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let mut reps = String::from("rep_id,name,team,capacity,segment,segment_name,available\n");
    for (k, (name, team, cap, seg, seg_name, avail)) in REPS.iter().enumerate() {
        let seg = if seg.is_empty() {
            String::new()
        } else {
            format!("\"{seg}\"")
        };
        writeln!(
            reps,
            "{},{name},{team},{cap},{seg},{seg_name},{avail}",
            rep_id(k)
        )
        .ok();
    }
    let r = &mut super::rng_for(seed, 0, 9);
    let mut owners = String::from("account_id,rep_id,since\n");
    let mut activity = String::from("account_id,date\n");
    let mut taken = rustc_hash::FxHashSet::default();
    let day = crate::input::read::format_days;
    for k in 0..REPS.len() {
        let mut owned = 0;
        while owned < 60.min(accounts / REPS.len()) {
            let a = r.gen_range(0..accounts);
            if !taken.insert(a) {
                continue;
            }
            owned += 1;
            let id = format!("A{:08}", a + 1);
            let since = as_of - r.gen_range(0..240);
            writeln!(owners, "{id},{},{}", rep_id(k), day(since)).ok();
            if r.gen::<f64>() < 0.6 {
                for _ in 0..r.gen_range(1..4) {
                    let d = as_of - r.gen_range(0..120);
                    writeln!(activity, "{id},{}", day(d.max(since))).ok();
                }
            }
        }
    }
    for (f, text) in [
        ("reps.csv", reps),
        ("owners.csv", owners),
        ("activity.csv", activity),
    ] {
        let p = dir.join(f);
        std::fs::write(&p, text).map_err(|e| Error::io(&p, e))?;
    }
    Ok(())
}
