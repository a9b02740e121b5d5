//! `score`: one row per input account, in input order, nothing dropped;
//! rows that cannot be fully scored say why; bad universes fail cleanly.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// One small trained model shared by the tests of this file.
fn trained() -> &'static (tempfile::TempDir, PathBuf, PathBuf) {
    static M: OnceLock<(tempfile::TempDir, PathBuf, PathBuf)> = OnceLock::new();
    M.get_or_init(|| {
        let t = tempdir();
        let data = synth(t.path(), 3000, 1200, 21);
        let model = t.path().join("models/m");
        train_sample(&data, &model);
        (t, data, model)
    })
}

const HEADER: &str = "account_id,name,industry,employees,annual_revenue,founded_year,technologies,jobs_posted_30d,hires_12m\n";

fn universe_csv(path: &Path, rows: &[&str]) {
    std::fs::write(path, format!("{HEADER}{}\n", rows.join("\n"))).unwrap();
}

fn score(universe: &Path, out: &Path, extra: &[&str]) -> Run {
    let (_, data, model) = trained();
    let sig = data.join("signals.parquet");
    let mut args = vec![
        "score",
        "--model",
        s(model),
        "--universe",
        s(universe),
        "--signals",
        s(&sig),
        "--as-of",
        "2025-07-01",
        "--out",
        s(out),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn keeps_every_row_in_input_order() {
    let (t, data, _) = trained();
    let out = t.path().join("all.parquet");
    score(
        &data.join("universe.parquet"),
        &out,
        &["--batch-size", "700"],
    )
    .ok();
    let b = read_parquet(&out);
    let ids = strings(&b, "account_id");
    let expected: Vec<Option<String>> = (1..=3000).map(|i| Some(format!("A{i:08}"))).collect();
    assert_eq!(ids, expected);
    let cols: Vec<String> = b[0]
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    // the synth's won deals carry amounts: the model has a potential part
    assert_eq!(cols, scorebook::contract::output_columns(true));
    let score = numbers(&b, "score");
    assert!(score.iter().all(|s| (0.0..=100.0).contains(s)));
    let tiers = strings(&b, "tier");
    let t1 = tiers
        .iter()
        .filter(|t| t.as_deref() == Some("Tier 1"))
        .count();
    let t3 = tiers
        .iter()
        .filter(|t| t.as_deref() == Some("Tier 3"))
        .count();
    assert!(
        t1 > 0 && t1 < t3,
        "tiers are not a pyramid: {t1} Tier 1, {t3} Tier 3"
    );
    assert!(strings(&b, "reason_1")
        .iter()
        .all(|r| r.as_deref().is_some_and(|r| !r.is_empty())));
    for q in strings(&b, "quadrant") {
        assert!(["Good Place", "Get Back To Me", "False Hope", "Bad Place"]
            .contains(&q.as_deref().unwrap()));
    }
    let meta = parquet::file::reader::FileReader::metadata(
        &parquet::file::serialized_reader::SerializedFileReader::new(
            std::fs::File::open(&out).unwrap(),
        )
        .unwrap(),
    )
    .file_metadata()
    .key_value_metadata()
    .cloned()
    .unwrap();
    assert!(meta.iter().any(|kv| kv.key == "scorebook.model_version"
        && kv.value.as_deref().is_some_and(|v| v.starts_with("m@"))));
}

#[test]
fn rows_that_cannot_be_fully_scored_are_kept_with_a_status() {
    let (t, _, _) = trained();
    let u = t.path().join("dirty.csv");
    universe_csv(
        &u,
        &[
            "Z3,Zed,Software,250,50000000,2001,Salesforce; Marketo,3,20",
            "Z1,Unknown Corp,Underwater Basket Weaving,40,1000000,1990,,0,1",
            "Z2,No Size,Retail,,,2010,HubSpot,,",
            ",No Id,Retail,10,100000,2010,,,",
        ],
    );
    let out = t.path().join("dirty.parquet");
    score(&u, &out, &[]).ok();
    let b = read_parquet(&out);
    assert_eq!(
        strings(&b, "account_id"),
        vec![
            Some("Z3".into()),
            Some("Z1".into()),
            Some("Z2".into()),
            None
        ]
    );
    let status = strings(&b, "status");
    assert_eq!(status[0].as_deref(), Some("ok"));
    assert!(
        status[1]
            .as_deref()
            .unwrap()
            .contains("industry not seen in training"),
        "{status:?}"
    );
    assert!(
        status[2]
            .as_deref()
            .unwrap()
            .contains("employees missing (imputed)"),
        "{status:?}"
    );
    assert!(
        status[3].as_deref().unwrap().contains("account_id missing"),
        "{status:?}"
    );
    assert!(numbers(&b, "probability").iter().all(|p| p.is_finite()));
}

#[test]
fn directory_and_glob_inputs() {
    let (t, _, _) = trained();
    let dir = t.path().join("parts");
    std::fs::create_dir_all(dir.join("region=eu")).unwrap();
    universe_csv(
        &dir.join("region=eu/b.csv"),
        &["B1,Bee,Retail,100,2000000,2000,,,"],
    );
    universe_csv(
        &dir.join("a.csv"),
        &[
            "A1,Aye,Software,300,9000000,2005,Slack,,",
            "A2,Ay2,Software,30,900000,2015,,,",
        ],
    );
    let out = t.path().join("dir.parquet");
    score(&dir, &out, &[]).ok();
    let ids = strings(&read_parquet(&out), "account_id");
    assert_eq!(
        ids,
        vec![Some("A1".into()), Some("A2".into()), Some("B1".into())]
    );
    let out = t.path().join("glob.parquet");
    let pattern = format!("{}/*.csv", dir.display());
    score(Path::new(&pattern), &out, &[]).ok();
    assert_eq!(strings(&read_parquet(&out), "account_id").len(), 2);
}

/// A hive-partitioned folder: `industry=Retail/` supplies the required
/// `industry` column its files lack; a file's own column wins over its
/// directory; `__HIVE_DEFAULT_PARTITION__` is a missing value.
#[test]
fn hive_partition_directories_are_columns() {
    let (t, _, _) = trained();
    let dir = t.path().join("hive");
    for d in [
        "industry=Retail",
        "industry=__HIVE_DEFAULT_PARTITION__",
        "industry=Ignored",
    ] {
        std::fs::create_dir_all(dir.join(d)).unwrap();
    }
    let header = "account_id,name,employees,annual_revenue,founded_year,technologies";
    std::fs::write(
        dir.join("industry=Retail/part-0.csv"),
        format!("{header}\nR1,Arr,100,2000000,2000,\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("industry=__HIVE_DEFAULT_PARTITION__/part-0.csv"),
        format!("{header}\nN1,Enn,100,2000000,2000,\n"),
    )
    .unwrap();
    universe_csv(
        &dir.join("industry=Ignored/part-0.csv"),
        &["S1,Ess,Software,300,9000000,2005,Slack,,"],
    );
    let out = t.path().join("hive.parquet");
    score(&dir, &out, &[]).ok();
    let b = read_parquet(&out);
    let ids = strings(&b, "account_id");
    let segments = strings(&b, "segment");
    let status = strings(&b, "status");
    let row = |id: &str| ids.iter().position(|i| i.as_deref() == Some(id)).unwrap();
    assert!(segments[row("R1")]
        .as_deref()
        .unwrap()
        .starts_with("Retail /"));
    assert!(segments[row("S1")]
        .as_deref()
        .unwrap()
        .starts_with("Software /"));
    assert!(status[row("N1")]
        .as_deref()
        .unwrap()
        .contains("industry missing"));
}

#[test]
fn shards_add_up_to_the_whole() {
    let (t, data, _) = trained();
    let whole = t.path().join("whole.parquet");
    score(&data.join("universe.parquet"), &whole, &[]).ok();
    let all = strings(&read_parquet(&whole), "account_id");
    let mut union = vec![];
    for i in 0..3 {
        let out = t.path().join(format!("shard{i}.parquet"));
        score(
            &data.join("universe.parquet"),
            &out,
            &["--shard", &format!("{i}/3")],
        )
        .ok();
        union.extend(strings(&read_parquet(&out), "account_id"));
    }
    assert_eq!(union.len(), all.len());
    union.sort();
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(union, sorted);
    // row for row: every column of every shard row equals the unsharded row
    let mut whole_rows = rendered_rows(&read_parquet(&whole));
    let mut shard_rows = vec![];
    for i in 0..3 {
        shard_rows.extend(rendered_rows(&read_parquet(
            &t.path().join(format!("shard{i}.parquet")),
        )));
    }
    whole_rows.sort();
    shard_rows.sort();
    assert_eq!(shard_rows, whole_rows);
}

/// Every row as the text of all its columns (floats at full precision).
fn rendered_rows(batches: &[arrow::array::RecordBatch]) -> Vec<Vec<String>> {
    let mut rows = vec![];
    for b in batches {
        for r in 0..b.num_rows() {
            rows.push(
                b.columns()
                    .iter()
                    .map(|c| arrow::util::display::array_value_to_string(c, r).unwrap())
                    .collect(),
            );
        }
    }
    rows
}

#[test]
fn missing_required_column_fails_without_output() {
    let (t, _, _) = trained();
    let u = t.path().join("noid.csv");
    std::fs::write(&u, "industry,employees\nRetail,10\n").unwrap();
    let out = t.path().join("never.parquet");
    score(&u, &out, &[]).fails_with(1, "noid.csv: missing required column `account_id`");
    assert!(!out.exists());
    // industry is optional: a universe without it scores, each row saying so
    let u = t.path().join("noind.csv");
    std::fs::write(&u, "account_id,employees\nX1,10\n").unwrap();
    let out = t.path().join("noind.parquet");
    score(&u, &out, &[]).ok();
    let status = strings(&read_parquet(&out), "status");
    assert!(
        status[0]
            .as_deref()
            .is_some_and(|s| s.contains("industry missing")),
        "{status:?}"
    );
}

#[test]
fn extra_and_missing_optional_columns_are_fine() {
    let (t, _, _) = trained();
    let u = t.path().join("slim.csv");
    std::fs::write(&u, "account_id,industry,employees,favourite_colour\nS1,Software,100,blue\nS2,Retail,20000,red\n").unwrap();
    let out = t.path().join("slim.parquet");
    score(&u, &out, &[]).ok();
    assert_eq!(strings(&read_parquet(&out), "account_id").len(), 2);
}

#[test]
fn bad_value_names_file_column_and_row() {
    let (t, _, _) = trained();
    let u = t.path().join("bad.csv");
    universe_csv(
        &u,
        &[
            "B1,Bee,Retail,100,2000000,2000,,,",
            "B2,Bee2,Retail,many,2000000,2000,,,",
        ],
    );
    let out = t.path().join("bad.parquet");
    score(&u, &out, &[]).fails_with(
        1,
        "bad.csv: column `employees`, row 2: cannot read \"many\" as a number",
    );
    assert!(!out.exists());
}

#[test]
fn export_sql_prints_one_select() {
    let (_, _, model) = trained();
    for d in ["ansi", "duckdb", "spark", "snowflake"] {
        let sql = export_sql(model, d, "2025-07-01");
        assert!(
            sql.contains("WITH") && sql.contains("FROM universe u"),
            "{sql}"
        );
        // every column `score` writes, but the reasons in ANSI SQL, which says why
        for c in scorebook::contract::output_columns(true) {
            let has = sql.contains(&format!("AS {c}")) || c == "account_id";
            let reason = c.starts_with("reason_");
            assert_eq!(has, !(reason && d == "ansi"), "{d}: {c}");
        }
        assert_eq!(
            sql.contains("ANSI SQL cannot format numbers portably"),
            d == "ansi"
        );
    }
    run(&["export-sql", "--model", s(model), "--dialect", "oracle"])
        .fails_with(1, "unknown SQL dialect");
}

/// Every dialect's export, reasons and all, parses as one statement in
/// that dialect's grammar (`common::grammars`); each is also run by an
/// engine (DuckDB for ANSI and DuckDB, Spark for Spark), Snowflake's only
/// parsed here.
#[test]
fn each_dialect_parses_in_its_own_grammar() {
    let (_, _, model) = trained();
    for (d, _) in grammars() {
        let sql = export_sql(model, d, "2025-07-01");
        assert_eq!(statements(d, &sql), 1, "{d}");
    }
}

/// `export-sql` run on the synth universe and signals by DuckDB (its own
/// and the ANSI rendering) and Spark (its own) agrees with `score` on
/// every row to 1e-9.
#[test]
fn exported_sql_matches_score_in_every_engine() {
    let (t, data, model) = trained();
    sql_parity(t.path(), data, model);
}

/// The same on the shapes truth (issue 9): signals without a
/// `recorded_date` column (scheduled events known in advance), presence,
/// log and within-N-days terms.
#[test]
fn exported_sql_matches_score_with_shapes_and_no_recorded_dates() {
    let t = tempdir();
    let data = synth_truth(t.path(), 3000, 1500, 4, "shapes");
    let model = t.path().join("models/shapes");
    train_sample(&data, &model);
    let m = std::fs::read_to_string(model.join("model.json")).unwrap();
    for shape in ["\"presence\"", "\"log\"", "\"within\""] {
        assert!(m.contains(shape), "the model has no {shape} term");
    }
    sql_parity(t.path(), &data, &model);
}

/// The same on the curved truth (issue 20): learned steps, spikes and
/// ramps, and pair cells, each a `CASE` in the SQL.
#[test]
fn exported_sql_matches_score_with_learned_shapes_and_pairs() {
    let t = tempdir();
    let data = synth_truth(t.path(), 6000, 6000, 23, "curved");
    let model = t.path().join("models/curved");
    train_sample(&data, &model);
    let m = std::fs::read_to_string(model.join("model.json")).unwrap();
    for kind in [
        "\"step\"",
        "\"exact\"",
        "\"hinge\"",
        "\"pair\"",
        "\"level\"",
    ] {
        assert!(m.contains(kind), "the model has no {kind} term");
    }
    sql_parity(t.path(), &data, &model);
}

fn sql_parity(work: &Path, data: &Path, model: &Path) {
    let dir = tempfile::tempdir_in(work).unwrap();
    let scores = dir.path().join("scores.parquet");
    let (universe, signals) = (data.join("universe.parquet"), data.join("signals.parquet"));
    score_with_signals(&model, &universe, &signals, &scores);
    for r in engine_parity(dir.path(), model, &universe, &signals, &scores) {
        let rows = r["native_rows"].as_u64().unwrap();
        assert!(rows >= 3000, "{r}");
        assert_eq!(r["sql_rows"].as_u64(), Some(rows), "{r}");
        assert_eq!(r["joined"].as_u64(), Some(rows), "{r}");
        assert_parity(&r);
    }
}

/// Sorted inputs take the merge path, unsorted ones the whole-snapshot
/// path: both give the same scores.
#[test]
fn unsorted_signals_score_like_sorted_ones() {
    let (t, data, model) = trained();
    let dir = tempfile::tempdir_in(t.path()).unwrap();
    // the signals in reverse order, in a CSV
    let sorted = scorebook::input::read::read_all(&data.join("signals.parquet")).unwrap();
    let n = sorted.num_rows();
    let idx = arrow::array::UInt32Array::from_iter_values((0..n as u32).rev());
    let reversed = arrow::compute::take_record_batch(&sorted, &idx).unwrap();
    let csv = dir.path().join("signals.csv");
    let mut w = arrow::csv::Writer::new(std::fs::File::create(&csv).unwrap());
    w.write(&reversed).unwrap();
    drop(w);
    let scored = |signals: &Path, name: &str, extra: &[&str]| {
        let (o, universe) = (dir.path().join(name), data.join("universe.parquet"));
        let mut args = vec![
            "score",
            "--model",
            s(model),
            "--universe",
            s(&universe),
            "--signals",
            s(signals),
            "--as-of",
            "2025-07-01",
            "--out",
            s(&o),
            "--batch-size",
            "700",
        ];
        args.extend_from_slice(extra);
        run(&args).ok();
        scorebook::input::read::read_all(&o).unwrap()
    };
    let out = |signals: &Path, name: &str| scored(signals, name, &[]);
    let (a, b) = (
        out(&data.join("signals.parquet"), "a.parquet"),
        out(&csv, "b.parquet"),
    );
    assert_eq!(a.num_rows(), 3000);
    assert!(a == b, "merge and snapshot paths disagree");
    // issue 9: the reversed signals as a glob of three files, two parquet
    // and one CSV, in a folder with a file the glob leaves out
    let parts = dir.path().join("parts");
    std::fs::create_dir_all(&parts).unwrap();
    let third = n / 3;
    for (k, (lo, hi)) in [(0, third), (third, 2 * third), (2 * third, n)]
        .into_iter()
        .enumerate()
    {
        let part = reversed.slice(lo, hi - lo);
        if k == 1 {
            let mut w = arrow::csv::Writer::new(
                std::fs::File::create(parts.join("signals-1.csv")).unwrap(),
            );
            w.write(&part).unwrap();
        } else {
            let f = std::fs::File::create(parts.join(format!("signals-{k}.parquet"))).unwrap();
            let mut w = parquet::arrow::ArrowWriter::try_new(f, part.schema(), None).unwrap();
            w.write(&part).unwrap();
            w.close().unwrap();
        }
    }
    std::fs::write(parts.join("notes.txt"), "not a signal file").unwrap();
    let glob = out(&parts.join("signals-*"), "c.parquet");
    assert!(
        a == glob,
        "a glob of signal files scores differently from one file"
    );
    // the same glob sorted on disk first (the path of universes too large to snapshot)
    let sorted = scored(
        &parts.join("signals-*"),
        "e.parquet",
        &["--snapshot-accounts", "0"],
    );
    assert!(a == sorted, "signals sorted on disk score differently");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    let folder = out(&parts, "d.parquet");
    assert!(
        a == folder,
        "a folder of signal files scores differently from one file"
    );
}

/// Issue 10: a model trained through a column mapping scores a universe in
/// the contract's names (the synth universe), reading each column by
/// whichever name the file has.
#[test]
fn a_mapped_model_scores_a_universe_in_contract_names() {
    let (t, data, _) = trained();
    let dir = t.path().join("mapped");
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(data.join("accounts.csv")).unwrap();
    let (header, rest) = text.split_once('\n').unwrap();
    let header = header
        .replace("industry", "sector")
        .replace("employees", "headcount");
    std::fs::write(dir.join("accounts.csv"), format!("{header}\n{rest}")).unwrap();
    for f in ["opportunities.csv", "signals.parquet"] {
        std::fs::copy(data.join(f), dir.join(f)).unwrap();
    }
    std::fs::write(
        dir.join("scorebook.toml"),
        "[input]\nsignals = \"signals.parquet\"\n[columns.accounts]\nindustry = \"sector\"\nemployees = \"headcount\"\n",
    )
    .unwrap();
    let model = t.path().join("models/mapped");
    run(&[
        "train",
        "--config",
        s(&dir.join("scorebook.toml")),
        "--out",
        s(&model),
    ])
    .ok();
    let out = t.path().join("mapped.parquet");
    run(&[
        "score",
        "--model",
        s(&model),
        "--universe",
        s(&data.join("universe.parquet")),
        "--as-of",
        "2025-07-01",
        "--out",
        s(&out),
    ])
    .ok();
    let status = strings(&read_parquet(&out), "status");
    assert_eq!(status.len(), 3000);
    let blamed = status
        .iter()
        .flatten()
        .filter(|s| s.contains("industry missing"))
        .count();
    assert_eq!(blamed, 0, "the universe's `industry` column was not read");
}

/// Tiers cut on the training export's accounts miss the configured shares
/// on a colder universe, and `score` says so; cut on the universe itself
/// (`train --universe`) they hold (issue 19).
#[test]
fn tier_shares_hold_on_the_universe_they_were_cut_on() {
    let (t, data, _) = trained();
    let universe = data.join("universe.parquet");
    let signals = data.join("signals.parquet");
    let share = |scores: &Path| {
        let tiers = strings(&read_parquet(scores), "tier");
        let count = |x: &str| tiers.iter().filter(|v| v.as_deref() == Some(x)).count();
        count("Tier 1") as f64 / (tiers.len() - count("Disqualified")) as f64
    };
    let cold = t.path().join("cold.parquet");
    let r = score(&universe, &cold, &[]).ok();
    if (share(&cold) - 0.10).abs() > 0.10 / 3.0 {
        assert!(
            r.stderr
                .contains("where 10% was configured: the cut-offs were set on the"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("retrain with --universe"), "{}", r.stderr);
    } else {
        assert!(
            !r.stderr.contains("retrain with --universe"),
            "{}",
            r.stderr
        );
    }
    let cut = t.path().join("models/on-universe");
    let r = run(&[
        "train",
        "--config",
        s(&data.join("scorebook.toml")),
        "--out",
        s(&cut),
        "--universe",
        s(&universe),
        "--universe-signals",
        s(&signals),
    ])
    .ok();
    assert!(
        r.stderr
            .contains("tier cut-offs set on the 3000 accounts of the universe"),
        "{}",
        r.stderr
    );
    let warm = t.path().join("warm.parquet");
    let r = run(&[
        "score",
        "--model",
        s(&cut),
        "--universe",
        s(&universe),
        "--signals",
        s(&signals),
        "--as-of",
        "2025-07-01",
        "--out",
        s(&warm),
    ])
    .ok();
    let p = share(&warm);
    assert!((p - 0.10).abs() <= 0.01, "Tier 1 holds {:.2}%", 100.0 * p);
    assert!(
        !r.stderr.contains("retrain with --universe"),
        "{}",
        r.stderr
    );
    let report = std::fs::read_to_string(cut.join("report.html")).unwrap();
    assert!(
        report.contains("set on the 3000 accounts of the universe"),
        "the report names the universe"
    );
}

/// A warning the user cannot miss when the cut-offs came from elsewhere:
/// a model whose cut-offs were set on a handful of hot accounts.
#[test]
fn scoring_a_colder_universe_warns_about_the_tier_shares() {
    let (t, data, model) = trained();
    let hot = t.path().join("hot-model");
    std::fs::create_dir_all(&hot).unwrap();
    for e in std::fs::read_dir(model).unwrap().flatten() {
        std::fs::copy(e.path(), hot.join(e.file_name())).unwrap();
    }
    let p = hot.join("model.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    v["tier_cutoffs"] = serde_json::json!([0.999, 0.998]);
    std::fs::write(&p, serde_json::to_string(&v).unwrap()).unwrap();
    let out = t.path().join("hot.parquet");
    let r = run(&[
        "score",
        "--model",
        s(&hot),
        "--universe",
        s(&data.join("universe.parquet")),
        "--as-of",
        "2025-07-01",
        "--out",
        s(&out),
    ])
    .ok();
    assert!(
        r.stderr
            .contains("Tier 1 holds 0.0% of this universe where 10% was configured"),
        "{}",
        r.stderr
    );
}

/// What pandas, pyarrow and Spark write reads the same as plain columns
/// (issue 19): a dictionary-encoded text column with empty cells (a
/// `category`) and signal dates as timestamps with a named time zone or
/// an offset give the same scores, and no internal error.
#[test]
fn dictionary_text_and_zoned_timestamps_read_like_plain_columns() {
    use arrow::array::{Array, ArrayRef, RecordBatch};
    use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
    use std::sync::Arc;
    let (t, data, model) = trained();
    let dir = tempfile::tempdir_in(t.path()).unwrap();
    let write = |path: &Path, b: &RecordBatch| {
        let f = std::fs::File::create(path).unwrap();
        let mut w = parquet::arrow::ArrowWriter::try_new(f, b.schema(), None).unwrap();
        w.write(b).unwrap();
        w.close().unwrap();
    };
    let replace = |b: &RecordBatch, name: &str, a: ArrayRef| {
        let i = b.schema().index_of(name).unwrap();
        let mut fields: Vec<Field> = b
            .schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        fields[i] = Field::new(name, a.data_type().clone(), true);
        let mut cols = b.columns().to_vec();
        cols[i] = a;
        RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap()
    };
    // the universe with every tenth industry empty, plain and as a dictionary
    let u = scorebook::input::read::read_all(&data.join("universe.parquet")).unwrap();
    let ind = u.column_by_name("industry").unwrap();
    let ind = arrow::compute::cast(ind, &DataType::Utf8).unwrap();
    let ind = arrow::array::AsArray::as_string::<i32>(&ind);
    let emptied: arrow::array::StringArray = (0..ind.len())
        .map(|i| {
            if i % 10 == 0 {
                Some("")
            } else {
                ind.is_valid(i).then(|| ind.value(i))
            }
        })
        .collect();
    let plain = replace(&u, "industry", Arc::new(emptied.clone()));
    let dict = arrow::compute::cast(
        &emptied,
        &DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
    )
    .unwrap();
    let dictionary = replace(&u, "industry", dict);
    let (up, ud) = (
        dir.path().join("plain.parquet"),
        dir.path().join("dict.parquet"),
    );
    write(&up, &plain);
    write(&ud, &dictionary);
    // the signals' dates as timestamps at noon UTC, in UTC and in +02:00 / Europe/Paris
    let sig = scorebook::input::read::read_all(&data.join("signals.parquet")).unwrap();
    let days = sig.column_by_name("date").unwrap();
    let days = arrow::compute::cast(days, &DataType::Int32).unwrap();
    let days = arrow::array::AsArray::as_primitive::<arrow::datatypes::Int32Type>(&days);
    let noon: Vec<Option<i64>> = days
        .iter()
        .map(|d| d.map(|d| (d as i64 * 86_400 + 12 * 3_600) * 1_000_000))
        .collect();
    let mut files = vec![];
    for (k, tz) in ["UTC", "+02:00", "Europe/Paris"].iter().enumerate() {
        let ts = arrow::array::TimestampMicrosecondArray::from(noon.clone()).with_timezone(*tz);
        let b = replace(&sig, "date", Arc::new(ts));
        assert_eq!(
            b.schema().field_with_name("date").unwrap().data_type(),
            &DataType::Timestamp(TimeUnit::Microsecond, Some((*tz).into()))
        );
        let p = dir.path().join(format!("signals-{k}.parquet"));
        write(&p, &b);
        files.push(p);
    }
    let scored = |universe: &Path, signals: &Path, name: &str| {
        let o = dir.path().join(name);
        run(&[
            "score",
            "--model",
            s(model),
            "--universe",
            s(universe),
            "--signals",
            s(signals),
            "--as-of",
            "2025-07-01",
            "--out",
            s(&o),
        ])
        .ok();
        scorebook::input::read::read_all(&o).unwrap()
    };
    let base = scored(&up, &data.join("signals.parquet"), "scores-base.parquet");
    assert!(
        base == scored(&ud, &data.join("signals.parquet"), "scores-dict.parquet"),
        "dictionary text reads differently"
    );
    for (k, f) in files.iter().enumerate() {
        assert!(
            base == scored(&up, f, &format!("tz{k}.parquet")),
            "zoned timestamps {k} read differently"
        );
    }
}

/// Issue 28: a step learned where the win rate jumps at 2 jobs posted lies
/// between ln 2 and ln 3 (the logs of 1 + 1 and 1 + 2 jobs), on no value
/// the data take; so the accounts with exactly 2 jobs, whose `LN(1 + 2)`
/// Spark computes one bit below Rust's `ln_1p(2)`, score alike natively,
/// in DuckDB (its own and the ANSI rendering) and in Spark.
#[test]
fn a_learned_cut_lies_between_values_so_no_engine_flips_it() {
    use rand::{Rng, SeedableRng};
    let t = tempdir();
    let dir = t.path().join("data");
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(28);
    let (mut acc, mut opp) = (
        String::from("account_id,industry,employees,jobs_posted_30d\n"),
        String::from("opportunity_id,account_id,created_date,close_date,stage\n"),
    );
    let n = 4000;
    for i in 0..n {
        let jobs = rng.gen_range(0..6);
        let employees = rng.gen_range(10..5000);
        let industry = ["Software", "Retail", "Finance"][i % 3];
        acc.push_str(&format!("A{i},{industry},{employees},{jobs}\n"));
        let eta = -1.2 + if jobs >= 2 { 1.8 } else { 0.0 };
        let won = rng.gen_bool(1.0 / (1.0 + f64::exp(-eta)));
        let day = |d: usize| scorebook::input::read::format_days(19_000 + d as i32);
        opp.push_str(&format!(
            "O{i},A{i},{},{},{}\n",
            day(i * 700 / n),
            day(i * 700 / n + 30),
            if won { "Closed Won" } else { "Closed Lost" }
        ));
    }
    std::fs::write(dir.join("accounts.csv"), acc).unwrap();
    std::fs::write(dir.join("opportunities.csv"), opp).unwrap();
    let model = t.path().join("models/jobs");
    run(&["train", "--data", s(&dir), "--out", s(&model)]).ok();
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model.join("model.json")).unwrap()).unwrap();
    let cuts: Vec<f64> = m["terms"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["source"] == "log_jobs_posted_30d")
        .filter_map(|t| t["kind"]["step"]["at"].as_f64())
        .collect();
    let (ln2, ln3) = (1f64.ln_1p(), 2f64.ln_1p());
    assert!(
        cuts.iter().any(|c| *c > ln2 && *c < ln3),
        "no step between 1 and 2 jobs: {cuts:?}"
    );
    for c in &cuts {
        assert!(
            (0..6).all(|k| f64::from(k).ln_1p() != *c),
            "a cut on a value the data take: {c}"
        );
    }
    let scores = t.path().join("scores.parquet");
    let universe = dir.join("accounts.csv");
    score_as_of(&model, &universe, "2025-07-01", &scores);
    for r in engine_parity(t.path(), &model, &universe, &universe, &scores) {
        assert_eq!(r["joined"].as_u64(), Some(n as u64), "{r}");
        assert_parity(&r);
    }
}

/// Issue 30: `[model] monotone` on a truth that is not monotone (hiring
/// saturates, and the free fit's shape of jobs posted falls past 30): the
/// shipped effect of jobs posted never falls, natively and in the exported
/// SQL, on one account scored at 40 numbers of jobs posted from 0 to 300,
/// nothing else changed (DuckDB and Spark parity on the grid). Jobs posted
/// feed no other feature, so the whole score follows their effect.
#[test]
fn monotone_shapes_hold_natively_and_in_the_exported_sql() {
    let t = tempdir();
    let data = synth_truth(t.path(), 6000, 6000, 23, "curved");
    let model = t.path().join("models/monotone");
    train_with_model_keys(
        &data,
        "monotone = { jobs_posted_30d = \"increasing\", days_since_demo_request = \"decreasing\" }\n",
        &model,
    );
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(model.join("model.json")).unwrap()).unwrap();
    let held: Vec<(&str, i64)> = m["terms"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["source"] == "log_jobs_posted_30d")
        .map(|t| (t["name"].as_str().unwrap(), t["sign"].as_i64().unwrap_or(0)))
        .collect();
    assert!(held.len() > 2 && held.iter().all(|h| h.1 == 1), "{held:?}");
    // one account at 40 numbers of jobs posted, nothing else changed
    let accounts = std::fs::read_to_string(data.join("accounts.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(accounts.as_bytes());
    let header = reader.headers().unwrap().clone();
    let first = reader.records().next().unwrap().unwrap();
    let grid = t.path().join("grid.csv");
    let mut w = csv::Writer::from_path(&grid).unwrap();
    w.write_record(&header).unwrap();
    for i in 0..40 {
        let jobs = (301f64.ln() * f64::from(i) / 39.0).exp_m1().round();
        let row: Vec<String> = header
            .iter()
            .zip(&first)
            .map(|(h, v)| match h {
                "account_id" => format!("G{i:03}"),
                "domain" => format!("grid{i}.example"),
                "jobs_posted_30d" => jobs.to_string(),
                _ => v.to_string(),
            })
            .collect();
        w.write_record(&row).unwrap();
    }
    w.flush().unwrap();
    let scores = t.path().join("grid.parquet");
    let signals = data.join("signals.parquet");
    score_with_signals(&model, &grid, &signals, &scores);
    let p = numbers(&read_parquet(&scores), "probability");
    assert_eq!(p.len(), 40);
    assert!(
        p.windows(2).all(|w| w[1] >= w[0] - 1e-12),
        "the probability falls as jobs posted grow: {p:?}"
    );
    assert!(p[39] > p[0], "jobs posted have no effect at all: {p:?}");
    for r in engine_parity(t.path(), &model, &grid, &signals, &scores) {
        assert_eq!(r["native_rows"].as_u64(), Some(40), "{r}");
        assert_parity(&r);
    }
}

/// Issue 30: a reason is the net contribution of one signal type (all its
/// windows and its days since together, one reason group, whose summed
/// contribution sets "Raises" or "Lowers"), so no row cites a signal type
/// twice; the SQL's reasons agree (the parity tests above).
#[test]
fn one_reason_per_signal_type_in_its_true_direction() {
    let (t, data, model) = trained();
    let out = t.path().join("reasons.parquet");
    score(&data.join("universe.parquet"), &out, &[]).ok();
    let b = read_parquet(&out);
    let reasons: Vec<Vec<String>> = (1..=3)
        .map(|k| {
            strings(&b, &format!("reason_{k}"))
                .into_iter()
                .map(Option::unwrap_or_default)
                .collect()
        })
        .collect();
    let m = scorebook::model::Model::load(model).unwrap();
    let types = &m.spec.signal_types;
    let mut cited = 0;
    for row in 0..reasons[0].len() {
        let mut seen: Vec<&str> = vec![];
        for r in reasons.iter().map(|r| &r[row]) {
            let body = r.split_once(": ").map_or("", |x| x.1);
            let Some(ty) = types.iter().find(|ty| {
                let p = ty.replace('_', " ");
                body.contains(&format!(" {p} signal(s) in the last "))
                    || body.starts_with(&format!("Last {p} "))
                    || body.starts_with(&format!("No {p} in the last "))
            }) else {
                continue;
            };
            cited += 1;
            assert!(
                !seen.contains(&ty.as_str()),
                "row {row} cites {ty} twice: {r}"
            );
            seen.push(ty);
        }
    }
    assert!(cited > 100, "only {cited} signal reasons");
    // a signal type's windows and days since are one group
    let groups = m.reason_groups();
    let sources = m.sources();
    assert!(groups
        .iter()
        .any(|g| g.signal.is_some() && g.sources.len() > 1));
    for g in &groups {
        let names: Vec<&str> = g
            .sources
            .iter()
            .map(|&k| m.terms[sources[k].start].source.as_str())
            .collect();
        if let Some(kind) = &g.signal {
            assert!(names.iter().all(|n| n.contains(kind.as_str())), "{names:?}");
        }
    }
}

/// `[tiers] by = "expected_value"`: the tiers rank by the probability
/// times a won deal's expected amount, natively (Tier 1 the best tenth
/// of the universe by expected value) and in the exported SQL (DuckDB and
/// Spark agree with `score` on every column, the tier among them).
#[test]
fn tiers_by_expected_value_rank_by_worth_natively_and_in_sql() {
    let t = tempdir();
    let data = synth(t.path(), 4000, 2500, 31);
    let toml = std::fs::read_to_string(data.join("scorebook.toml")).unwrap();
    let toml = toml.replace("[tiers]\n", "[tiers]\nby = \"expected_value\"\n");
    let cfg = data.join("by-value.toml");
    std::fs::write(&cfg, toml).unwrap();
    let model = t.path().join("models/by-value");
    let universe = data.join("universe.parquet");
    let signals = data.join("signals.parquet");
    run(&[
        "train",
        "--config",
        s(&cfg),
        "--out",
        s(&model),
        "--universe",
        s(&universe),
        "--universe-signals",
        s(&signals),
    ])
    .ok();
    let scores = t.path().join("scores.parquet");
    score_with_signals(&model, &universe, &signals, &scores);
    let b = read_parquet(&scores);
    let (tier, value) = (strings(&b, "tier"), numbers(&b, "expected_value"));
    let of = |name: &str| -> Vec<f64> {
        (0..tier.len())
            .filter(|&r| tier[r].as_deref() == Some(name))
            .map(|r| value[r])
            .collect()
    };
    let (t1, t2) = (of("Tier 1"), of("Tier 2"));
    let eligible = tier.len() - of("Disqualified").len();
    let share = t1.len() as f64 / eligible as f64;
    assert!((share - 0.10).abs() <= 0.01, "Tier 1 holds {share:.3}");
    let lowest_t1 = t1.iter().copied().fold(f64::INFINITY, f64::min);
    let highest_t2 = t2.iter().copied().fold(0.0, f64::max);
    assert!(
        lowest_t1 > highest_t2,
        "{lowest_t1} in Tier 1, {highest_t2} in Tier 2"
    );
    let html = std::fs::read_to_string(model.join("report.html")).unwrap();
    assert!(html.contains("Tier cut-offs on the expected value"));
    for r in engine_parity(t.path(), &model, &universe, &signals, &scores) {
        assert_eq!(r["only_native"].as_u64(), Some(0), "{r}");
        assert_parity(&r);
    }
}
