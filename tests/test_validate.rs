//! `validate`: every documented data error exits 1 with a message naming
//! the file, column and row; warnings do not fail.

mod common;
use common::*;
use std::path::Path;

const ACCOUNTS: &str = "account_id,name,industry,employees,annual_revenue\n\
A1,\"Acme, Inc.\",Software,120,24000000\n\
A2,ACME Inc,Software,,18000000\n\
A3,Globex,Retail,5000,900000000\n\
A4,Initech,Software,45,\n";

/// 60 closed deals (half won) plus two open ones, all on known accounts.
fn opportunities() -> String {
    let mut s = String::from("opportunity_id,account_id,created_date,close_date,stage,amount\n");
    for i in 0..60 {
        let acc = ["A1", "A2", "A3", "A4"][i % 4];
        let stage = if i % 2 == 0 {
            "Closed Won"
        } else {
            "closed-lost"
        };
        s += &format!(
            "O{i},{acc},2024-01-{:02},2024-03-{:02},{stage},1000\n",
            1 + i % 28,
            1 + i % 28
        );
    }
    s += "O100,A1,2024-05-01,,Negotiation,\nO101,,2024-05-02,,Prospecting,\n";
    s
}

fn dataset(dir: &Path, accounts: &str, opps: &str) {
    std::fs::write(dir.join("accounts.csv"), accounts).unwrap();
    std::fs::write(dir.join("opportunities.csv"), opps).unwrap();
}

fn validate(dir: &Path) -> Run {
    run(&["validate", "--data", s(dir)])
}

#[test]
fn clean_data_passes_with_warnings() {
    let t = tempdir();
    dataset(t.path(), ACCOUNTS, &opportunities());
    let r = validate(t.path()).ok();
    assert!(
        r.stdout.contains("60 opportunities")
            || r.stdout
                .contains("62 opportunities: 30 won, 30 lost, 2 open"),
        "{}",
        r.stdout
    );
    r.stdout_has("column `employees` is missing in 1 of 4 rows");
    assert!(
        r.stdout.contains("possible duplicates")
            && r.stdout.contains("Acme, Inc.")
            && r.stdout.contains("ACME Inc"),
        "{}",
        r.stdout
    );
    r.stdout_has("\"Negotiation\" (1)");
    r.stdout_has("1 open opportunities have no account_id");
    r.stdout_has("0 error(s)");
}

#[test]
fn missing_required_column() {
    let t = tempdir();
    dataset(
        t.path(),
        &ACCOUNTS.replacen("account_id", "acct", 1),
        &opportunities(),
    );
    validate(t.path()).fails_with(
        1,
        "accounts.csv: missing required column `account_id` in the accounts table",
    );
}

#[test]
fn wrong_type_names_the_row() {
    let t = tempdir();
    dataset(
        t.path(),
        &ACCOUNTS.replace("5000", "lots"),
        &opportunities(),
    );
    validate(t.path()).fails_with(
        1,
        "accounts.csv: column `employees`, row 3: cannot read \"lots\" as a number",
    );
}

#[test]
fn duplicate_account_ids() {
    let t = tempdir();
    dataset(
        t.path(),
        &format!("{ACCOUNTS}A3,Globex again,Retail,10,\n"),
        &opportunities(),
    );
    let r = validate(t.path()).fails_with(1, "1 error(s) found");
    r.stdout_has("duplicate account_id \"A3\" in rows 3, 5");
}

#[test]
fn duplicate_opportunity_ids() {
    let t = tempdir();
    dataset(
        t.path(),
        ACCOUNTS,
        &format!("{}O5,A1,2024-02-01,2024-02-03,Won,1\n", opportunities()),
    );
    let r = validate(t.path()).fails_with(1, "error(s) found");
    r.stdout_has("duplicate opportunity_id in rows 63");
}

#[test]
fn opportunity_on_unknown_account() {
    let t = tempdir();
    dataset(
        t.path(),
        ACCOUNTS,
        &format!("{}O200,A9,2024-02-01,2024-02-03,Won,1\n", opportunities()),
    );
    let r = validate(t.path()).fails_with(1, "error(s) found");
    r.stdout_has("points at accounts not in the accounts table in rows 63 (e.g. [\"A9\"])");
}

#[test]
fn unparseable_date() {
    let t = tempdir();
    dataset(
        t.path(),
        ACCOUNTS,
        &opportunities().replacen("2024-01-01", "2024-13-45", 1),
    );
    validate(t.path()).fails_with(1, "opportunities.csv: column `created_date`, row 1: cannot read \"2024-13-45\" as a date; use YYYY-MM-DD");
}

#[test]
fn close_before_create() {
    let t = tempdir();
    dataset(
        t.path(),
        ACCOUNTS,
        &format!("{}O300,A1,2024-06-10,2024-06-01,Won,1\n", opportunities()),
    );
    let r = validate(t.path()).fails_with(1, "error(s) found");
    r.stdout_has("close_date is before created_date in rows 63");
}

#[test]
fn no_won_deals() {
    let t = tempdir();
    dataset(
        t.path(),
        ACCOUNTS,
        &opportunities().replace("Closed Won", "Closed Lost"),
    );
    let r = validate(t.path()).fails_with(1, "error(s) found");
    r.stdout_has("no won opportunities");
}

#[test]
fn no_lost_deals() {
    let t = tempdir();
    dataset(
        t.path(),
        ACCOUNTS,
        &opportunities().replace("closed-lost", "won"),
    );
    let r = validate(t.path()).fails_with(1, "error(s) found");
    r.stdout_has("no lost opportunities");
}

#[test]
fn too_few_closed_deals() {
    let t = tempdir();
    let few: String = opportunities()
        .lines()
        .take(11)
        .map(|l| format!("{l}\n"))
        .collect();
    dataset(t.path(), ACCOUNTS, &few);
    let r = validate(t.path()).fails_with(1, "error(s) found");
    r.stdout_has("only 10 closed opportunities; at least 50 are needed");
}

#[test]
fn missing_input_file() {
    let t = tempdir();
    std::fs::write(t.path().join("accounts.csv"), ACCOUNTS).unwrap();
    validate(t.path()).fails_with(1, "no opportunities table");
}

#[test]
fn unknown_config_key() {
    let t = tempdir();
    dataset(t.path(), ACCOUNTS, &opportunities());
    let cfg = t.path().join("scorebook.toml");
    std::fs::write(&cfg, "[model]\nc_gird = [1.0]\n").unwrap();
    run(&["validate", "--config", s(&cfg)]).fails_with(1, "unknown field `c_gird`");
}

#[test]
fn column_mapping_from_config() {
    let t = tempdir();
    dataset(
        t.path(),
        &ACCOUNTS.replace("industry", "sector"),
        &opportunities().replace("stage", "deal_stage"),
    );
    let cfg = t.path().join("scorebook.toml");
    std::fs::write(&cfg, "[columns.accounts]\nindustry = \"sector\"\n[columns.opportunities]\nstage = \"deal_stage\"\n").unwrap();
    run(&["validate", "--config", s(&cfg)]).ok();
}

/// Empty required signal cells are errors naming the first rows and how
/// many more; signals of unknown accounts are a warning.
#[test]
fn empty_signal_cells_name_their_rows() {
    let t = tempdir();
    dataset(t.path(), ACCOUNTS, &opportunities());
    let mut sig = String::from("account_id,date,signal\n");
    for i in 0..8 {
        sig += &format!("A1,,web_visit\nA2,2024-01-0{},\n", 1 + i % 9);
    }
    sig += "ZZ,2024-01-01,web_visit\n";
    std::fs::write(t.path().join("signals.csv"), sig).unwrap();
    let r = validate(t.path()).fails_with(1, "2 error(s) found");
    r.stdout_has("column `date` is empty in rows 1, 3, 5, 7, 9 and 3 more");
    r.stdout_has("column `signal` is empty in rows 2, 4, 6, 8, 10 and 3 more");
    r.stdout_has("1 signals belong to accounts not in the accounts table");
}

/// Issue 10, exports as they are: `;`, tab and `|` delimited files are read
/// like comma-separated ones (the delimiter is detected from the header).
#[test]
fn other_csv_delimiters_are_detected() {
    let t = tempdir();
    let data = synth(t.path(), 300, 300, 71);
    for (name, delimiter) in [("semicolon", ";"), ("tab", "\t"), ("pipe", "|")] {
        let dir = t.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for f in ["accounts.csv", "opportunities.csv"] {
            // fields split (quotes respected), re-joined with the delimiter,
            // quoted when they hold it (technologies hold `;`)
            let text = std::fs::read_to_string(data.join(f)).unwrap();
            let converted: String = text
                .lines()
                .map(|l| {
                    let (mut fields, mut cur, mut quoted) = (vec![], String::new(), false);
                    for c in l.chars() {
                        match c {
                            '"' => quoted = !quoted,
                            ',' if !quoted => fields.push(std::mem::take(&mut cur)),
                            _ => cur.push(c),
                        }
                    }
                    fields.push(cur);
                    let fields: Vec<String> = fields
                        .into_iter()
                        .map(|v| {
                            if v.contains(delimiter) || v.contains(',') {
                                format!("\"{v}\"")
                            } else {
                                v
                            }
                        })
                        .collect();
                    fields.join(delimiter) + "\n"
                })
                .collect();
            std::fs::write(dir.join(f), converted).unwrap();
        }
        let r = run(&["validate", "--data", s(&dir)]).ok();
        r.stdout_has("300 accounts");
        run(&[
            "train",
            "--data",
            s(&dir),
            "--out",
            s(&t.path().join(format!("m-{name}"))),
        ])
        .ok();
    }
}

/// Issue 10: `industry` and `employees` are optional. An export without
/// them validates (saying so once per column), trains, scores and exports
/// SQL; no scored row blames the missing columns.
#[test]
fn industry_and_employees_are_optional() {
    let t = tempdir();
    let data = synth(t.path(), 400, 400, 72);
    let dir = t.path().join("lean");
    std::fs::create_dir_all(&dir).unwrap();
    // accounts without industry (column 3) and employees (column 5)
    let text = std::fs::read_to_string(data.join("accounts.csv")).unwrap();
    let lean: String = text
        .lines()
        .map(|l| {
            let (mut fields, mut cur, mut quoted) = (vec![], String::new(), false);
            for c in l.chars() {
                match c {
                    '"' => {
                        quoted = !quoted;
                        cur.push(c);
                    }
                    ',' if !quoted => fields.push(std::mem::take(&mut cur)),
                    _ => cur.push(c),
                }
            }
            fields.push(cur);
            let kept: Vec<String> = fields
                .into_iter()
                .enumerate()
                .filter(|(i, _)| *i != 3 && *i != 5)
                .map(|(_, f)| f)
                .collect();
            kept.join(",") + "\n"
        })
        .collect();
    std::fs::write(dir.join("accounts.csv"), lean).unwrap();
    std::fs::copy(
        data.join("opportunities.csv"),
        dir.join("opportunities.csv"),
    )
    .unwrap();
    let r = run(&["validate", "--data", s(&dir)]).ok();
    assert!(
        r.stdout
            .contains("column `industry` is absent or empty in all 400 rows")
            || r.stderr
                .contains("column `industry` is absent or empty in all 400 rows"),
        "{}{}",
        r.stdout,
        r.stderr
    );
    let model = t.path().join("m");
    run(&["train", "--data", s(&dir), "--out", s(&model)]).ok();
    let out = t.path().join("s.parquet");
    run(&[
        "score",
        "--model",
        s(&model),
        "--universe",
        s(&dir.join("accounts.csv")),
        "--as-of",
        "2025-07-01",
        "--out",
        s(&out),
    ])
    .ok();
    let status = strings(&read_parquet(&out), "status");
    assert_eq!(status.len(), 400);
    assert!(
        status
            .iter()
            .flatten()
            .all(|s| !s.contains("industry missing") && !s.contains("employees missing")),
        "{status:?}"
    );
    let sql = run(&[
        "export-sql",
        "--model",
        s(&model),
        "--dialect",
        "duckdb",
        "--as-of",
        "2025-07-01",
    ])
    .ok();
    assert!(
        sql.stdout.contains("'Unknown' AS industry") || sql.stdout.contains("'Unknown'"),
        "industry literal"
    );
}

/// Issue 10: `close_date` is optional; a closed deal without one is a
/// warning (it cannot count as an earlier win), not an error.
#[test]
fn closed_deals_without_close_date_are_a_warning() {
    let t = tempdir();
    dataset(
        t.path(),
        ACCOUNTS,
        &format!("{}O301,A1,2024-06-10,,Won,1\n", opportunities()),
    );
    let r = validate(t.path()).ok();
    assert!(
        (r.stdout.clone() + &r.stderr).contains("1 closed opportunities have no close_date"),
        "{}{}",
        r.stdout,
        r.stderr
    );
}

/// The signals may be a folder (or glob) of files, as `score --signals`
/// takes them: `train` and `validate` read every file; a folder without
/// any is an error naming it.
#[test]
fn signals_as_a_folder_of_files() {
    let t = tempdir();
    dataset(t.path(), ACCOUNTS, &opportunities());
    let dir = t.path().join("signals");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("a.csv"),
        "account_id,date,signal\nA1,2024-01-01,web_visit\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("b.csv"),
        "account_id,date,signal\nA2,2024-01-02,demo_request\nA1,2024-01-03,demo_request\n",
    )
    .unwrap();
    let cfg = t.path().join("scorebook.toml");
    std::fs::write(&cfg, "[input]\nsignals = \"signals\"\n").unwrap();
    run(&["validate", "--config", s(&cfg)])
        .ok()
        .stdout_has("3 signals");
    std::fs::write(&cfg, "[input]\nsignals = \"signals/*.csv\"\n").unwrap();
    run(&["validate", "--config", s(&cfg)])
        .ok()
        .stdout_has("3 signals");
    std::fs::remove_file(dir.join("a.csv")).unwrap();
    std::fs::remove_file(dir.join("b.csv")).unwrap();
    std::fs::write(&cfg, "[input]\nsignals = \"signals\"\n").unwrap();
    run(&["validate", "--config", s(&cfg)]).fails_with(1, "no .csv or .parquet files found");
}
