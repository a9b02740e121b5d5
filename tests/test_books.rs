//! `scorebook books`: the expected value placed against a MILP optimum,
//! capacities and segments never violated, fair books, stable books,
//! reasons for every move, bad input, and coverage.html in a browser.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use common::*;

fn reference(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference/books")
        .join(name)
}

/// `books` on an instance folder (scores.csv, reps.csv, owners.csv,
/// activity.csv, scorebook.toml) as of 2025-07-01.
fn books_on(dir: &Path, out: &Path, extra: &[&str]) -> Run {
    let path = |f: &str| s(&dir.join(f)).to_string();
    let mut args: Vec<String> = [
        "books",
        "--scores",
        &path("scores.csv"),
        "--reps",
        &path("reps.csv"),
    ]
    .map(String::from)
    .to_vec();
    args.extend(["--as-of", "2025-07-01", "--out", s(out)].map(String::from));
    for (flag, file) in [
        ("--owners", "owners.csv"),
        ("--activity", "activity.csv"),
        ("--config", "scorebook.toml"),
    ] {
        if dir.join(file).exists() && !extra.contains(&flag) {
            args.extend([flag.to_string(), path(file)]);
        }
    }
    // a later --as-of replaces the first
    if let Some(i) = extra.iter().position(|a| *a == "--as-of") {
        args[6] = extra[i + 1].to_string();
        let rest: Vec<&str> = extra
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i && *j != i + 1)
            .map(|(_, a)| *a)
            .collect();
        args.extend(rest.into_iter().map(String::from));
    } else {
        args.extend(extra.iter().map(|a| a.to_string()));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&args)
}

/// One books.parquet row.
#[derive(Debug, Clone)]
struct Row {
    account: String,
    rep: Option<String>,
    previous: Option<String>,
    action: String,
    reason: String,
    value: f64,
}

fn rows(out: &Path) -> Vec<Row> {
    let b = read_parquet(&out.join("books.parquet"));
    let (a, r, p, act, why) = (
        strings(&b, "account_id"),
        strings(&b, "rep_id"),
        strings(&b, "previous_rep_id"),
        strings(&b, "action"),
        strings(&b, "reason"),
    );
    let v = numbers(&b, "expected_value");
    (0..a.len())
        .map(|i| Row {
            account: a[i].clone().unwrap(),
            rep: r[i].clone(),
            previous: p[i].clone(),
            action: act[i].clone().unwrap(),
            reason: why[i].clone().unwrap(),
            value: v[i],
        })
        .collect()
}

/// A CSV as rows of named cells.
fn csv_rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h = r.headers().unwrap().clone();
    r.records()
        .map(|x| {
            let x = x.unwrap();
            h.iter()
                .zip(x.iter())
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// The instances of tests/reference/books_milp.py and the optimum HiGHS
/// found for each: the books hold it (to 1e-9), and no capacity, segment
/// or availability is violated.
#[test]
fn books_reach_the_milp_optimum_without_violating_a_constraint() {
    let t = tempdir();
    for (name, optimum, exclusive) in [
        ("wide", 65916700.702340074, false),
        ("exclusive", 39781258.11980784, true),
        ("scarce", 13797364.549144682, false),
    ] {
        let dir = reference(name);
        let out = t.path().join(name);
        books_on(&dir, &out, &[]).ok();
        let rows = rows(&out);
        let placed: f64 = rows
            .iter()
            .filter(|r| r.rep.is_some())
            .map(|r| r.value)
            .sum();
        eprintln!("{name}: {placed} against the optimum {optimum}");
        assert!(
            (placed / optimum - 1.0).abs() < 1e-9,
            "{name}: {placed} placed, the optimum is {optimum}"
        );
        let reps = csv_rows(&dir.join("reps.csv"));
        let industry: HashMap<String, String> = csv_rows(&dir.join("scores.csv"))
            .into_iter()
            .map(|r| (r["account_id"].clone(), r["industry"].clone()))
            .collect();
        let segment_of = |rep: &HashMap<String, String>| {
            rep["segment"]
                .strip_prefix("industry = '")
                .map(|s| s.trim_end_matches('\'').to_string())
        };
        let active: HashSet<String> = reps
            .iter()
            .filter(|r| r["available"] == "true")
            .filter_map(segment_of)
            .collect();
        for rep in &reps {
            let book: Vec<&Row> = rows
                .iter()
                .filter(|r| r.rep.as_ref() == Some(&rep["rep_id"]))
                .collect();
            let cap: usize = rep["capacity"].parse().unwrap();
            assert!(
                book.len() <= cap,
                "{name}: {} holds {} for {cap}",
                rep["rep_id"],
                book.len()
            );
            let new: Vec<&&Row> = book.iter().filter(|r| r.action != "keep").collect();
            if rep["available"] != "true" {
                assert!(
                    new.is_empty(),
                    "{name}: unavailable {} received {new:?}",
                    rep["rep_id"]
                );
                continue;
            }
            let seg = segment_of(rep);
            for r in new {
                let ind = &industry[&r.account];
                let ok = match &seg {
                    Some(s) => ind == s || !active.contains(ind),
                    None => !exclusive || !active.contains(ind),
                };
                assert!(
                    ok,
                    "{name}: {} ({:?}) may not work {} ({ind})",
                    rep["rep_id"], seg, r.account
                );
            }
        }
    }
}

/// A team of equal capacities and no specialists: every rep's book is
/// worth within 5% of the team's mean.
#[test]
fn equal_reps_get_books_of_equal_worth() {
    let t = tempdir();
    let dir = t.path().join("fair");
    std::fs::create_dir_all(&dir).unwrap();
    let mut scores = String::from("account_id,probability,expected_value,tier,quadrant\n");
    // a skewed market: lognormal worth, from a fixed sequence
    let mut x: u64 = 12345;
    for a in 0..6000 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let u = ((x >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let v = ((x >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
        let z = (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
        let value = (10.0 + 1.2 * z).exp();
        scores += &format!("C{a:05},0.3,{value},Tier 2,Good Place\n");
    }
    std::fs::write(dir.join("scores.csv"), scores).unwrap();
    let mut reps = String::from("rep_id,team,capacity\n");
    for k in 0..12 {
        reps += &format!("R{k:02},{},60\n", if k < 6 { "East" } else { "West" });
    }
    std::fs::write(dir.join("reps.csv"), reps).unwrap();
    let out = t.path().join("out");
    books_on(&dir, &out, &[]).ok();
    let mut worth: HashMap<String, f64> = HashMap::new();
    for r in rows(&out) {
        if let Some(rep) = r.rep {
            *worth.entry(rep).or_default() += r.value;
        }
    }
    assert_eq!(worth.len(), 12);
    let mean = worth.values().sum::<f64>() / 12.0;
    for (rep, w) in &worth {
        assert!(
            (w / mean - 1.0).abs() <= 0.05,
            "{rep}: {w:.0} against the mean {mean:.0}"
        );
    }
    let cov: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("coverage.json")).unwrap()).unwrap();
    for f in cov["fairness"].as_array().unwrap() {
        assert!(f["largest_gap"].as_f64().unwrap() <= 0.05, "{f}");
    }
}

/// Week one's books; the same inputs again give the same books, and with
/// week one's books as the owners nothing moves; later weeks move an
/// account only for a stated reason, at most `max_moves` of them.
#[test]
fn books_are_stable_and_every_move_has_a_reason() {
    let t = tempdir();
    let dir = reference("wide");
    let (w1, again) = (t.path().join("w1"), t.path().join("again"));
    books_on(&dir, &w1, &[]).ok();
    books_on(&dir, &again, &[]).ok();
    let key = |r: &Row| {
        (
            r.account.clone(),
            r.rep.clone(),
            r.action.clone(),
            r.reason.clone(),
        )
    };
    assert_eq!(
        rows(&w1).iter().map(key).collect::<Vec<_>>(),
        rows(&again).iter().map(key).collect::<Vec<_>>(),
        "the same inputs gave other books"
    );
    // week one's books as the owners, the same scores and activity: no move
    let same = t.path().join("same");
    let owners = w1.join("books.parquet");
    books_on(&dir, &same, &["--owners", s(&owners)]).ok();
    let r = rows(&same);
    assert!(
        r.iter().all(|r| r.action == "keep" || r.action == "pool"),
        "a move on the same inputs"
    );
    assert_eq!(
        std::fs::read_to_string(same.join("owners.csv"))
            .unwrap()
            .lines()
            .count(),
        1,
        "owners.csv lists changes on the same inputs"
    );

    // a week later one rep is gone: their accounts move, five at most
    let next = t.path().join("next");
    std::fs::create_dir_all(&next).unwrap();
    for f in ["scores.csv", "activity.csv", "scorebook.toml"] {
        std::fs::copy(dir.join(f), next.join(f)).unwrap();
    }
    let reps = std::fs::read_to_string(dir.join("reps.csv")).unwrap();
    let gone = reps
        .lines()
        .nth(6)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    let reps: String = reps
        .lines()
        .map(|l| {
            if l.starts_with(&format!("{gone},")) {
                l.replace(",true", ",false")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(next.join("reps.csv"), reps + "\n").unwrap();
    let mut toml = std::fs::read_to_string(dir.join("scorebook.toml")).unwrap();
    toml += "max_moves = 5\n";
    std::fs::write(next.join("scorebook.toml"), toml).unwrap();
    let moved = t.path().join("moved");
    books_on(
        &next,
        &moved,
        &["--owners", s(&owners), "--as-of", "2025-07-08"],
    )
    .ok();
    let r = rows(&moved);
    let moves: Vec<&Row> = r
        .iter()
        .filter(|r| r.action == "move" || r.action == "retrieve")
        .collect();
    assert!(
        !moves.is_empty() && moves.len() <= 5,
        "{} moves: {moves:?}",
        moves.len()
    );
    for m in &moves {
        assert_eq!(m.previous.as_deref(), Some(gone.as_str()), "{m:?}");
        assert!(m.reason.contains("who is unavailable"), "{m:?}");
    }
    let deferred = r.iter().filter(|r| r.reason.contains("max_moves")).count();
    assert!(deferred > 0, "nothing deferred by max_moves");
    // nobody else's account moved
    assert!(r
        .iter()
        .filter(|r| r.previous.is_some() && r.previous.as_deref() != Some(gone.as_str()))
        .all(|r| r.action == "keep"));
}

/// Forty days on, nobody has worked week one's new accounts: pool
/// accounts worth half as much again take such accounts' slots, each with
/// a sentence saying so, until no pool account is worth that much more
/// than a quiet account a generalist holds.
#[test]
fn a_clearly_better_account_takes_the_slot_of_a_quiet_one() {
    let t = tempdir();
    let dir = reference("wide");
    let w1 = t.path().join("w1");
    books_on(&dir, &w1, &[]).ok();
    // the scores 40 days later: the pool's accounts worth four times as much
    let later = t.path().join("later");
    std::fs::create_dir_all(&later).unwrap();
    for f in ["reps.csv", "activity.csv", "scorebook.toml"] {
        std::fs::copy(dir.join(f), later.join(f)).unwrap();
    }
    let pool: HashSet<String> = rows(&w1)
        .into_iter()
        .filter(|r| r.rep.is_none())
        .map(|r| r.account)
        .collect();
    let mut scores = String::new();
    for (i, line) in std::fs::read_to_string(dir.join("scores.csv"))
        .unwrap()
        .lines()
        .enumerate()
    {
        let mut cells: Vec<String> = line.split(',').map(String::from).collect();
        if i > 0 && pool.contains(&cells[0]) {
            cells[2] = (cells[2].parse::<f64>().unwrap() * 4.0).to_string();
        }
        scores += &(cells.join(",") + "\n");
    }
    std::fs::write(later.join("scores.csv"), scores).unwrap();
    let out = t.path().join("out");
    books_on(
        &later,
        &out,
        &[
            "--owners",
            s(&w1.join("books.parquet")),
            "--as-of",
            "2025-08-10",
        ],
    )
    .ok();
    let r = rows(&out);
    let swapped: Vec<&Row> = r
        .iter()
        .filter(|r| r.reason.contains("a better account"))
        .collect();
    assert!(!swapped.is_empty(), "no better account took a quiet slot");
    let days = |why: &str| -> i64 {
        let rest = why.split("not worked for ").nth(1).unwrap();
        rest.split(' ').next().unwrap().parse().unwrap()
    };
    for s in &swapped {
        assert_eq!(s.action, "retrieve", "{s:?}");
        let d = days(&s.reason);
        assert!((31..60).contains(&d), "{s:?}");
    }
    let generalists: HashSet<String> = csv_rows(&dir.join("reps.csv"))
        .into_iter()
        .filter(|r| r["segment"].is_empty())
        .map(|r| r["rep_id"].clone())
        .collect();
    let quiet = r
        .iter()
        .filter(|r| r.reason.contains("not yet retrieved"))
        .filter(|r| r.rep.as_ref().is_some_and(|k| generalists.contains(k)))
        .map(|r| r.value)
        .fold(f64::INFINITY, f64::min);
    let best_left = r
        .iter()
        .filter(|r| r.action == "pool")
        .map(|r| r.value)
        .fold(0.0, f64::max);
    assert!(
        best_left < 1.5 * quiet,
        "{best_left} left in the pool, {quiet} kept quiet"
    );
}

#[test]
fn bad_team_input_is_refused_with_file_row_and_fix() {
    let t = tempdir();
    let dir = reference("scarce");
    let case = |name: &str, file: &str, text: &str| {
        let d = t.path().join(name);
        std::fs::create_dir_all(&d).unwrap();
        for f in [
            "scores.csv",
            "reps.csv",
            "owners.csv",
            "activity.csv",
            "scorebook.toml",
        ] {
            std::fs::copy(dir.join(f), d.join(f)).unwrap();
        }
        std::fs::write(d.join(file), text).unwrap();
        let out = t.path().join(format!("{name}-out"));
        (books_on(&d, &out, &[]), out)
    };
    for (name, file, text, needle) in [
        (
            "dup",
            "reps.csv",
            "rep_id,capacity\nR1,10\nR2,10\nR1,5\n",
            "rep_id \"R1\" is on rows 1 and 3",
        ),
        (
            "zero",
            "reps.csv",
            "rep_id,capacity\nR1,10\nR2,0\n",
            "column `capacity`, row 2 (rep R2): 0 is not a capacity",
        ),
        (
            "column",
            "reps.csv",
            "rep_id,capacity,segment\nR1,10,\nR2,10,country = 'DE'\n",
            "row 2 (rep R2): segment (`country = 'DE'`): `country` is not a column",
        ),
        (
            "late",
            "activity.csv",
            "account_id,date\nC00001,2025-07-02\n",
            "column `date`, row 1: 2025-07-02 is after the scores' as-of day 2025-07-01",
        ),
        (
            "dup-owner",
            "owners.csv",
            "account_id,rep_id\nC00001,R001\nC00001,R002\n",
            "account_id \"C00001\" is owned on rows 1 and 2",
        ),
        (
            "none",
            "scorebook.toml",
            "[books]\neligible = \"probability > 2\"\n",
            "none of its 600 accounts may go into a book",
        ),
    ] {
        let (r, out) = case(name, file, text);
        r.fails_with(1, needle);
        assert!(!out.exists(), "{name}: a half-written output");
    }
    // owners naming a rep not on the team: a warning, the accounts are pool
    let (r, out) = case("stranger", "owners.csv", "account_id,rep_id\nC00001,R999\n");
    let r = r.ok();
    assert!(
        r.stderr.contains("rep_id \"R999\" is not in"),
        "{}",
        r.stderr
    );
    let row = rows(&out)
        .into_iter()
        .find(|r| r.account == "C00001")
        .unwrap();
    assert_eq!(row.previous.as_deref(), Some("R999"));
    assert_ne!(row.action, "keep", "{row:?}");
    // more capacity than accounts: fill what exists, and say so
    let (r, _) = case("roomy", "reps.csv", "rep_id,capacity\nR001,5000\n");
    assert!(r
        .ok()
        .stderr
        .contains("slots empty: fewer eligible accounts than slots"));
}

/// coverage.html in headless Chromium: its charts laid out with ticks on
/// both axes, nothing overlapping; its text escaped.
#[test]
fn coverage_renders_in_a_browser() {
    let Some(chromium) = browser_or_skip() else {
        return;
    };
    let t = tempdir();
    let dir = t.path().join("hostile");
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["scores.csv", "owners.csv", "activity.csv", "scorebook.toml"] {
        std::fs::copy(reference("wide").join(f), dir.join(f)).unwrap();
    }
    // a rep name with markup: shown as text, never run
    let reps = std::fs::read_to_string(reference("wide").join("reps.csv"))
        .unwrap()
        .replacen("R002,R002,", "R002,<script>alert(1)</script> & Co,", 1);
    std::fs::write(dir.join("reps.csv"), reps).unwrap();
    let out = t.path().join("out");
    books_on(&dir, &out, &[]).ok();
    let html = std::fs::read_to_string(out.join("coverage.html")).unwrap();
    assert!(!html.contains("<script>alert"), "unescaped rep name");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"));
    for section in [
        "Market coverage",
        "The best accounts in no book",
        "Reps",
        "Fairness",
        "Since the last run",
    ] {
        assert!(html.contains(section), "no section {section}");
    }
    let charts = measure_charts(&chromium, &out.join("coverage.html"));
    eprintln!("{charts:#?}");
    assert_eq!(charts.len(), 2, "{charts:?}");
    check_axes_and_legends(&charts);
    for c in &charts {
        assert!(
            c.width >= 200.0 && c.height >= 60.0 && c.shapes >= 10,
            "{c:?}"
        );
    }
}

/// Activity read from a signals file counts only the types
/// `[books] activity_signals` names; `--previous` says what changed.
#[test]
fn activity_signals_count_as_work_and_changes_are_reported() {
    let t = tempdir();
    let dir = t.path().join("signals");
    std::fs::create_dir_all(&dir).unwrap();
    let src = reference("scarce");
    for f in ["scores.csv", "reps.csv"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    std::fs::write(
        dir.join("owners.csv"),
        "account_id,rep_id,since\nC00010,R004,2024-01-01\nC00020,R004,2024-01-01\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("activity.csv"),
        "account_id,date,signal\nC00010,2025-06-26,Call\nC00020,2025-06-26,web_visit\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("scorebook.toml"),
        "[books]\nactivity_signals = [\"call\", \"meeting\"]\n",
    )
    .unwrap();
    let w1 = t.path().join("w1");
    books_on(&dir, &w1, &[]).ok();
    let r = rows(&w1);
    let row = |a: &str| r.iter().find(|x| x.account == a).unwrap().clone();
    let (called, visited) = (row("C00010"), row("C00020"));
    assert_eq!(called.action, "keep", "{called:?}");
    assert_eq!(called.reason, "Kept: worked 5 days ago");
    assert_ne!(
        visited.action, "keep",
        "a web visit is no work: {visited:?}"
    );
    assert!(
        visited.reason.contains("not worked for 547 days"),
        "{visited:?}"
    );
    // the next run against this one
    let w2 = t.path().join("w2");
    books_on(
        &dir,
        &w2,
        &[
            "--owners",
            s(&w1.join("books.parquet")),
            "--previous",
            s(&w1),
        ],
    )
    .ok();
    let cov: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w2.join("coverage.json")).unwrap()).unwrap();
    let in_books = r.iter().filter(|x| x.rep.is_some()).count() as u64;
    let c = &cov["changes"];
    assert_eq!(c["in_books_before"].as_u64(), Some(in_books), "{c}");
    assert_eq!(c["new_owner"].as_u64(), Some(0), "{c}");
    let html = std::fs::read_to_string(w2.join("coverage.html")).unwrap();
    assert!(
        html.contains(&format!("{in_books} accounts were in books")),
        "no changes section"
    );
}

/// `owners.csv` for HubSpot keyed by the company's domain, as `export-crm`
/// keys it: looked up in `--universe`, refused without one.
#[test]
fn hubspot_owners_are_keyed_by_domain_when_configured() {
    let t = tempdir();
    let dir = t.path().join("hubspot");
    std::fs::create_dir_all(&dir).unwrap();
    let src = reference("scarce");
    for f in ["scores.csv", "reps.csv", "owners.csv", "activity.csv"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    std::fs::write(
        dir.join("scorebook.toml"),
        "[crm.hubspot]\nkey = \"Company Domain Name\"\n",
    )
    .unwrap();
    let mut universe = String::from("account_id,domain\n");
    for a in 1..=600 {
        universe += &format!("C{a:05},https://www.c{a}.example.com/about\n");
    }
    std::fs::write(dir.join("universe.csv"), universe).unwrap();
    books_on(&dir, &t.path().join("none"), &["--target", "hubspot"])
        .fails_with(1, "pass --universe");
    let out = t.path().join("out");
    let u = dir.join("universe.csv");
    books_on(&dir, &out, &["--target", "hubspot", "--universe", s(&u)]).ok();
    let owners = std::fs::read_to_string(out.join("owners.csv")).unwrap();
    let mut lines = owners.lines();
    assert_eq!(lines.next(), Some("Company Domain Name,hubspot_owner_id"));
    let first = lines.next().expect("no ownership change");
    assert!(
        first.starts_with('c') && first.contains(".example.com,R"),
        "{first}"
    );
}
