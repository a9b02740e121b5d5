//! Champions who move (issue 22): `synth --champions` plants contacts of
//! won deals who start at other accounts and raise the odds of their deals
//! there; training recovers the effect, the feature is point in time (a
//! move after a deal's created date never reaches it), `validate` checks
//! the contacts table, and `score --contacts` gives the reason.

mod common;
use common::*;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

struct Movers {
    _t: tempfile::TempDir,
    data: PathBuf,
    model: PathBuf,
    dir: PathBuf,
}

fn movers() -> &'static Movers {
    static M: OnceLock<Movers> = OnceLock::new();
    M.get_or_init(|| {
        let t = tempdir();
        let data = t.path().join("data");
        run(&[
            "synth",
            "--out",
            s(&data),
            "--accounts",
            "4000",
            "--history-accounts",
            "4000",
            "--seed",
            "3",
            "--champions",
        ])
        .ok();
        let model = t.path().join("m");
        train_sample(&data, &model);
        Movers {
            dir: t.path().to_path_buf(),
            data,
            model,
            _t: t,
        }
    })
}

fn csv_rows(path: &std::path::Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn day(s: &str) -> i32 {
    scorebook::input::read::parse_date(s).unwrap()
}

#[test]
fn training_recovers_the_planted_effect_of_a_won_deals_contact_joining() {
    let m = movers();
    let model = scorebook::model::Model::load(&m.model).unwrap();
    let effects = scorebook::model::explain::effects(&model);
    let find = |start: &str| {
        effects
            .iter()
            .find(|e| e.sentence.starts_with(start))
            .unwrap_or_else(|| panic!("no effect {start:?} in {effects:#?}"))
    };
    let won = find("A former contact on a won deal joined in the last 30 days");
    let planted = scorebook::synth::MOVER_EFFECT;
    assert!(
        (won.log_odds - planted).abs() < 0.6,
        "a won deal's contact joining 30 days ago: {:.2} log-odds, planted {planted}",
        won.log_odds
    );
    // tiers cut on a universe: the contacts' moves reach it too
    let on_universe = m.dir.join("on-universe");
    run(&[
        "train",
        "--config",
        s(&m.data.join("scorebook.toml")),
        "--out",
        s(&on_universe),
        "--universe",
        s(&m.data.join("universe.parquet")),
        "--universe-signals",
        s(&m.data.join("signals.parquet")),
    ])
    .ok();
    // the report says so in words
    let html = std::fs::read_to_string(m.model.join("report.html")).unwrap();
    assert!(html.contains("A former contact on a won deal joined in the last 30 days"));
    // validate reports the contacts and how they matched
    let v = run(&["validate", "--config", s(&m.data.join("scorebook.toml"))]).ok();
    let all = format!("{}{}", v.stdout, v.stderr);
    assert!(
        all.contains("matched by account_id") && all.contains("by email domain"),
        "{all}"
    );
    assert!(
        !all.contains("match no account"),
        "every synthetic contact resolves: {all}"
    );
}

#[test]
fn a_move_counts_only_for_deals_created_after_it() {
    let m = movers();
    let table = m.dir.join("features.parquet");
    run(&[
        "features",
        "--config",
        s(&m.data.join("scorebook.toml")),
        "--out",
        s(&table),
    ])
    .ok();
    // the accounts by domain, and each person's rows in time order
    let accounts = csv_rows(&m.data.join("accounts.csv"));
    let by_domain: HashMap<&str, &str> = accounts
        .iter()
        .map(|a| (a["domain"].as_str(), a["account_id"].as_str()))
        .collect();
    let contacts = csv_rows(&m.data.join("contacts.csv"));
    let mut people: HashMap<&str, Vec<&HashMap<String, String>>> = HashMap::new();
    for c in &contacts {
        people.entry(c["contact_id"].as_str()).or_default().push(c);
    }
    // each account's move days: a person's later row at another account
    let mut moves: HashMap<String, Vec<i32>> = HashMap::new();
    for rows in people.values().filter(|r| r.len() > 1) {
        let to = &rows[1];
        let account = match to["account_id"].as_str() {
            "" => by_domain[to["email"].split('@').nth(1).unwrap()].to_string(),
            a => a.to_string(),
        };
        moves
            .entry(account)
            .or_default()
            .push(day(&to["start_date"]));
    }
    assert!(
        moves.len() > 500,
        "the synth plants many moves: {}",
        moves.len()
    );
    // the table as Polars writes it (large strings, dates): cast to plain types
    let cast = |name: &str, to: &arrow::datatypes::DataType| -> Vec<arrow::array::ArrayRef> {
        read_parquet(&table)
            .iter()
            .map(|b| arrow::compute::cast(b.column_by_name(name).unwrap(), to).unwrap())
            .collect()
    };
    use arrow::array::AsArray;
    use arrow::datatypes::DataType;
    let text = |name: &str| -> Vec<Option<String>> {
        cast(name, &DataType::Utf8)
            .iter()
            .flat_map(|a| {
                a.as_string::<i32>()
                    .iter()
                    .map(|v| v.map(String::from))
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let num = |name: &str, to: &DataType| -> Vec<f64> {
        cast(name, to)
            .iter()
            .flat_map(|a| {
                let a = arrow::compute::cast(a, &DataType::Float64).unwrap();
                let a = a.as_primitive::<arrow::datatypes::Float64Type>().clone();
                (0..a.len()).map(move |i| a.value(i)).collect::<Vec<_>>()
            })
            .collect()
    };
    let (ids, accounts) = (text("opportunity_id"), text("account_id"));
    let created: Vec<i32> = text("created_date")
        .iter()
        .map(|d| day(d.as_deref().unwrap()))
        .collect();
    let kinds = [
        "champion_joined_won",
        "champion_joined_open",
        "champion_joined_lost",
    ];
    let since: Vec<Vec<f64>> = kinds
        .iter()
        .map(|k| num(&format!("days_since_{k}"), &DataType::Float64))
        .collect();
    let (mut before, mut after) = (0, 0);
    for r in 0..ids.len() {
        let Some(days) = moves.get(accounts[r].as_deref().unwrap()) else {
            continue;
        };
        let d = created[r];
        let nearest = since.iter().map(|v| v[r]).fold(f64::INFINITY, f64::min);
        match days.iter().filter(|&&m| m < d).max() {
            // no move yet on the created date (or on it: known from the next day)
            None => {
                assert_eq!(
                    nearest, 365.0,
                    "deal {:?} created {d} before every move {days:?}",
                    ids[r]
                );
                before += 1;
            }
            Some(&m) if d - m < 365 => {
                assert_eq!(
                    nearest,
                    f64::from(d - m),
                    "deal {:?}: the last move was {} days before",
                    ids[r],
                    d - m
                );
                after += 1;
            }
            Some(_) => {}
        }
    }
    assert!(
        before > 100 && after > 100,
        "{before} deals before a move, {after} after"
    );
}

#[test]
fn score_with_contacts_explains_a_move() {
    let m = movers();
    let out = m.dir.join("scores.parquet");
    let args = |contacts: bool, out: &std::path::Path| {
        let mut a = vec![
            "score".to_string(),
            "--model".into(),
            s(&m.model).into(),
            "--universe".into(),
            s(&m.data.join("universe.parquet")).into(),
            "--signals".into(),
            s(&m.data.join("signals.parquet")).into(),
            "--as-of".into(),
            "2025-07-01".into(),
            "--out".into(),
            s(out).into(),
        ];
        if contacts {
            a.extend(["--contacts".into(), s(&m.data.join("contacts.csv")).into()]);
        }
        a
    };
    let a = args(true, &out);
    run(&a.iter().map(String::as_str).collect::<Vec<_>>()).ok();
    let b = read_parquet(&out);
    let reasons: Vec<String> = (1..=3)
        .flat_map(|k| strings(&b, &format!("reason_{k}")))
        .flatten()
        .collect();
    let moved = reasons
        .iter()
        .filter(|r| r.starts_with("Raises: ") && r.contains(" on a won deal joined in the last "))
        .count();
    assert!(
        moved > 10,
        "accounts a won deal's contact joined recently say so: {moved}"
    );
    // the warehouse's signals table with the move signals `features --moves`
    // writes: the exported SQL agrees with `score --contacts` on every column
    let sig = m.dir.join("warehouse-signals");
    std::fs::create_dir_all(&sig).unwrap();
    std::fs::copy(m.data.join("signals.parquet"), sig.join("signals.parquet")).unwrap();
    run(&[
        "features",
        "--config",
        s(&m.data.join("scorebook.toml")),
        "--moves",
        s(&sig.join("moves.parquet")),
    ])
    .ok();
    let glob = sig.join("*.parquet");
    for r in engine_parity(
        &m.dir,
        &m.model,
        &m.data.join("universe.parquet"),
        &glob,
        &out,
    ) {
        assert_parity(&r);
    }
    // without --contacts: scored, with a note that no account has a move
    let plain = m.dir.join("plain.parquet");
    let a = args(false, &plain);
    let r = run(&a.iter().map(String::as_str).collect::<Vec<_>>()).ok();
    assert!(r.stderr.contains("pass --contacts"), "{}", r.stderr);
}

#[test]
fn contacts_that_cannot_be_used_are_refused_or_reported() {
    let m = movers();
    // a model trained without contacts refuses them
    let t = tempdir();
    let data = synth(t.path(), 600, 600, 9);
    let plain = t.path().join("plain");
    train_sample(&data, &plain);
    run(&[
        "score",
        "--model",
        s(&plain),
        "--universe",
        s(&data.join("universe.parquet")),
        "--contacts",
        s(&m.data.join("contacts.csv")),
        "--out",
        s(&t.path().join("x.parquet")),
    ])
    .fails_with(1, "trained without contacts");
    // a tenure that ends before it starts, and a row nobody can be matched by
    std::fs::write(
        data.join("contacts.csv"),
        "contact_id,account_id,email,title,start_date,end_date,role\n\
         p1,A00000001,ann@x.com,VP,2024-05-01,2024-01-01,Champion\n\
         p2,,bo@nowhere.example,VP,2024-05-01,,User\n",
    )
    .unwrap();
    let cfg = std::fs::read_to_string(data.join("scorebook.toml"))
        .unwrap()
        .replace(
            "signals = \"signals.parquet\"\n",
            "signals = \"signals.parquet\"\ncontacts = \"contacts.csv\"\n",
        );
    std::fs::write(data.join("scorebook.toml"), cfg).unwrap();
    let r = run(&["validate", "--config", s(&data.join("scorebook.toml"))]);
    let all = format!("{}{}", r.stdout, r.stderr);
    assert_eq!(r.code, 1, "{all}");
    assert!(
        all.contains("end_date is before start_date in rows 1"),
        "{all}"
    );
    assert!(all.contains("1 contact rows match no account"), "{all}");
}

/// A copy of the movers' data folder (its files only).
fn data_copy(to: &std::path::Path) -> PathBuf {
    copy_dir(&movers().data, to);
    to.to_path_buf()
}

fn moves_written(r: &Run) -> usize {
    let line = r
        .stderr
        .lines()
        .find(|l| l.contains("move signals"))
        .unwrap_or_else(|| panic!("{}", r.stderr));
    line.split(": ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn hostile_contacts_count_once_are_placed_only_when_sure_and_refused_as_train_refuses() {
    let m = movers();
    let t = tempdir();
    let d = data_copy(&t.path().join("d"));
    let cfg = d.join("scorebook.toml");
    let features = |moves: &std::path::Path, extra: &[&str]| {
        let mut a = vec!["features", "--config", s(&cfg), "--moves", s(moves)];
        a.extend(extra);
        run(&a).ok()
    };
    let once = features(&t.path().join("once.parquet"), &[]);
    // every contact row exported twice: the same moves, and a word
    let contacts = d.join("contacts.csv");
    let text = std::fs::read_to_string(&contacts).unwrap();
    let body: String = text.lines().skip(1).map(|l| format!("{l}\n")).collect();
    std::fs::write(&contacts, format!("{text}{body}")).unwrap();
    let twice = features(&t.path().join("twice.parquet"), &[]);
    assert_eq!(moves_written(&twice), moves_written(&once));
    assert!(twice.stderr.contains("repeat a tenure"), "{}", twice.stderr);
    std::fs::write(&contacts, &text).unwrap();
    // --moves and --out the same file
    run(&[
        "features",
        "--config",
        s(&cfg),
        "--out",
        s(&t.path().join("x.parquet")),
        "--moves",
        s(&t.path().join("x.parquet")),
    ])
    .fails_with(1, "same file as --out");

    // a won deal's account, and its domain
    let opps = csv_rows(&m.data.join("opportunities.csv"));
    let won = opps
        .iter()
        .find(|o| {
            o["stage"].to_lowercase().contains("won")
                && !o["close_date"].is_empty()
                && (day("2023-02-01")..day("2024-06-01")).contains(&day(&o["close_date"]))
        })
        .unwrap();
    let a = won["account_id"].clone();
    let accounts = csv_rows(&m.data.join("accounts.csv"));
    let domain = accounts.iter().find(|r| r["account_id"] == a).unwrap()["domain"].clone();
    // a person known at that account only by an email moves to a new
    // account, NEW1, that only the universe holds
    let mut c = text.clone();
    c += &format!("py,,py@{domain},VP,2023-01-01,2024-12-31,Champion\n");
    c += "py,NEW1,py@new1.example,VP,2025-06-20,,\n";
    std::fs::write(&contacts, &c).unwrap();
    let header = std::fs::read_to_string(m.data.join("accounts.csv")).unwrap();
    let header = header.lines().next().unwrap();
    let universe = t.path().join("new.csv");
    let cols = header.split(',').count();
    let mut row = vec![""; cols];
    row[0] = "NEW1";
    std::fs::write(&universe, format!("{header}\n{}\n", row.join(","))).unwrap();
    // the warehouse route writes the move into NEW1, as the scorer sees it
    let moves = t.path().join("moves.csv");
    features(&moves, &["--universe", s(&universe)]);
    let written = std::fs::read_to_string(&moves).unwrap();
    assert!(written.contains("NEW1"), "{written}");
    // `score --contacts` of the new universe as of the synth's day
    let score = |contacts: &std::path::Path, out: &std::path::Path| {
        run(&[
            "score",
            "--model",
            s(&m.model),
            "--universe",
            s(&universe),
            "--contacts",
            s(contacts),
            "--as-of",
            "2025-07-01",
            "--out",
            s(out),
        ])
    };
    let scored = t.path().join("new.parquet");
    let r = score(&contacts, &scored).ok();
    assert!(r.stderr.contains("matched by account_id"), "{}", r.stderr);
    let reasons: Vec<String> = (1..=3)
        .flat_map(|k| strings(&read_parquet(&scored), &format!("reason_{k}")))
        .flatten()
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("former contact(s) on a won deal joined in the last")),
        "the earlier job known by email counts at scoring as in training: {reasons:?}"
    );

    // a domain two accounts share places nobody
    let acc = d.join("accounts.csv");
    let mut rows = csv_rows(&acc);
    let mut w = csv::Writer::from_path(&acc).unwrap();
    let names: Vec<String> = header.split(',').map(String::from).collect();
    w.write_record(&names).unwrap();
    let other = rows.iter().position(|r| r["account_id"] != a).unwrap();
    rows[other].insert("domain".into(), domain.clone());
    for r in &rows {
        w.write_record(names.iter().map(|n| r[n].as_str())).unwrap();
    }
    w.flush().unwrap();
    let shared = features(&t.path().join("shared.parquet"), &[]);
    assert!(
        shared.stderr.contains("several accounts share") && shared.stderr.contains(&domain),
        "{}",
        shared.stderr
    );

    // what train refuses, score refuses
    let bad = t.path().join("bad.csv");
    std::fs::write(
        &bad,
        "contact_id,account_id,email,title,start_date,end_date,role\np1,A00000001,ann@x.com,VP,2024-05-01,2024-01-01,Champion\n",
    )
    .unwrap();
    score(&bad, &t.path().join("bad.parquet"))
        .fails_with(1, "end_date is before start_date in rows 1");

    // a contacts file the config does not name is announced
    std::fs::write(&contacts, &text).unwrap();
    let plain = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("contacts = \"contacts.csv\"\n", "");
    std::fs::write(&cfg, plain).unwrap();
    let v = run(&["validate", "--config", s(&cfg)]);
    assert!(
        v.stderr.contains("found in the data folder")
            || v.stdout.contains("found in the data folder"),
        "{}{}",
        v.stdout,
        v.stderr
    );
}
