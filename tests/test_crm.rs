//! `export-crm` (issue 22): Salesforce and HubSpot import files from
//! scored parquets, checked against the formats they import (header, key,
//! field names, dates, line endings, lengths, splitting), and
//! `--changed-since` on two quarters' scores.

mod common;
use common::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A universe scored by last quarter's model and this quarter's.
struct Quarters {
    _t: tempfile::TempDir,
    dir: PathBuf,
    data: PathBuf,
    before: PathBuf,
    after: PathBuf,
}

fn quarters() -> &'static Quarters {
    static Q: OnceLock<Quarters> = OnceLock::new();
    Q.get_or_init(|| {
        let t = tempdir();
        let data = synth(t.path(), 2500, 2500, 23);
        let cfg = data.join("scorebook.toml");
        let mut scored = vec![];
        for (name, until, as_of) in [
            ("before", Some("2025-01-01"), "2025-01-01"),
            ("after", None, "2025-04-01"),
        ] {
            let m = t.path().join(name);
            let mut args = vec!["train", "--config", s(&cfg), "--out", s(&m)];
            if let Some(u) = until {
                args.extend(["--until", u]);
            }
            run(&args).ok();
            let out = t.path().join(format!("{name}.parquet"));
            run(&[
                "score",
                "--model",
                s(&m),
                "--universe",
                s(&data.join("universe.parquet")),
                "--signals",
                s(&data.join("signals.parquet")),
                "--as-of",
                as_of,
                "--out",
                s(&out),
            ])
            .ok();
            scored.push(out);
        }
        let dir = t.path().join("crm");
        std::fs::create_dir_all(&dir).unwrap();
        Quarters {
            dir,
            data,
            after: scored.pop().unwrap(),
            before: scored.pop().unwrap(),
            _t: t,
        }
    })
}

/// A config with the synth's settings and `crm` as its [crm] section.
fn config(name: &str, crm: &str) -> PathBuf {
    let q = quarters();
    let base = std::fs::read_to_string(q.data.join("scorebook.toml")).unwrap();
    // the synth config's own [crm] tables are replaced
    let base = base.split("\n# export-crm").next().unwrap();
    let p = q.data.join(format!("{name}.toml"));
    std::fs::write(&p, format!("{base}\n{crm}\n")).unwrap();
    p
}

/// `export-crm --scores SCORES --target salesforce --out OUT` and `more`.
fn salesforce(scores: &str, out: &str, more: &[&str]) -> Run {
    let mut args = vec!["--scores", scores, "--target", "salesforce", "--out", out];
    args.extend_from_slice(more);
    export(&args)
}

fn export(args: &[&str]) -> Run {
    let mut all = vec!["export-crm"];
    all.extend_from_slice(args);
    run(&all)
}

/// A CSV file's header and rows (parsed as the CRM's importer would).
fn parse(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = std::fs::read(path).unwrap();
    assert!(!bytes.starts_with(b"\xEF\xBB\xBF"), "no byte order mark");
    assert!(!bytes.contains(&b'\r'), "LF line endings only");
    assert!(bytes.ends_with(b"\n"), "the last row ends with LF");
    assert!(std::str::from_utf8(&bytes).is_ok(), "UTF-8");
    let mut r = csv::ReaderBuilder::new().from_reader(&bytes[..]);
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<Vec<String>> = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    for row in &rows {
        assert_eq!(row.len(), header.len(), "every row has every field");
    }
    (header, rows)
}

/// The scored file's columns by account id.
fn scored(path: &Path) -> HashMap<String, (f64, f64, String, String, [String; 3])> {
    let b = read_parquet(path);
    let ids = strings(&b, "account_id");
    let (score, p) = (numbers(&b, "score"), numbers(&b, "probability"));
    let (tier, quad) = (strings(&b, "tier"), strings(&b, "quadrant"));
    let r: Vec<Vec<Option<String>>> = (1..=3)
        .map(|k| strings(&b, &format!("reason_{k}")))
        .collect();
    (0..ids.len())
        .map(|i| {
            let reason = |k: usize| r[k][i].clone().unwrap_or_default();
            (
                ids[i].clone().unwrap(),
                (
                    score[i],
                    p[i],
                    tier[i].clone().unwrap(),
                    quad[i].clone().unwrap(),
                    [reason(0), reason(1), reason(2)],
                ),
            )
        })
        .collect()
}

fn is_utc_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

#[test]
fn salesforce_upsert_file_matches_the_bulk_api_format() {
    let q = quarters();
    let out = q.dir.join("salesforce.csv");
    let cfg = q.data.join("scorebook.toml");
    let r = salesforce(s(&q.after), s(&out), &["--config", s(&cfg)]).ok();
    assert_eq!(r.stdout.trim(), s(&out), "the written file on stdout");
    let (header, rows) = parse(&out);
    assert_eq!(
        header,
        [
            "Scorebook_Account_Key__c",
            "Scorebook_Score__c",
            "Scorebook_Win_Probability__c",
            "Scorebook_Tier__c",
            "Scorebook_Quadrant__c",
            "Scorebook_Reasons__c",
            "Scorebook_Model_Version__c",
            "Scorebook_Scored_At__c"
        ]
    );
    let want = scored(&q.after);
    assert_eq!(rows.len(), want.len(), "a row per scored account");
    let stamp = &rows[0][7];
    assert!(is_utc_timestamp(stamp), "YYYY-MM-DDThh:mm:ssZ, got {stamp}");
    for row in &rows {
        let (score, p, tier, quad, reasons) = &want[&row[0]];
        assert_eq!(row[1], format!("{score:.2}"));
        assert!((row[2].parse::<f64>().unwrap() - p).abs() <= 5e-5);
        assert_eq!((&row[3], &row[4]), (tier, quad));
        let joined: Vec<&str> = reasons
            .iter()
            .map(String::as_str)
            .filter(|r| !r.is_empty())
            .collect();
        assert_eq!(row[5], joined.join("; "));
        assert!(row[5].chars().count() <= 1024);
        assert!(row[6].contains('@'), "the model version");
        assert_eq!(&row[7], stamp, "one time of scoring");
    }
    // the default key is the record Id
    let plain = q.dir.join("by-id.csv");
    salesforce(s(&q.after), s(&plain), &[])
        .ok()
        .stderr
        .contains("do not look like Salesforce record ids")
        .then_some(())
        .expect("warns that synthetic ids are not Salesforce Ids");
    assert_eq!(parse(&plain).0[0], "Id");
}

#[test]
fn reasons_are_cut_at_the_field_length_and_fields_renamed() {
    let q = quarters();
    let cfg = config(
        "short",
        "[crm]\nreasons_length = 40\n[crm.salesforce]\nkey = \"External_Key__c\"\nfields = { tier = \"Priority_Tier__c\", fit_score = \"Scorebook_Fit__c\" }",
    );
    let out = q.dir.join("short.csv");
    salesforce(s(&q.after), s(&out), &["--config", s(&cfg)]).ok();
    let (header, rows) = parse(&out);
    assert_eq!(header[0], "External_Key__c");
    assert_eq!(header[3], "Priority_Tier__c");
    assert_eq!(
        header.last().unwrap(),
        "Scorebook_Fit__c",
        "an added column comes last"
    );
    let mut cut = 0;
    for row in &rows {
        let n = row[5].chars().count();
        assert!(n <= 40, "{} is over 40 characters", row[5]);
        if row[5].ends_with('\u{2026}') {
            assert_eq!(n, 40);
            cut += 1;
        }
        assert!(row[8]
            .parse::<f64>()
            .is_ok_and(|f| (0.0..=100.0).contains(&f)));
    }
    assert!(
        cut > rows.len() / 2,
        "most joins of three reasons pass 40 characters"
    );
    // a field that is no scored column is refused, naming it
    let bad = config("bad", "[crm.salesforce]\nfields = { scroe = \"X__c\" }");
    salesforce(
        s(&q.after),
        s(&q.dir.join("bad.csv")),
        &["--config", s(&bad)],
    )
    .fails_with(1, "crm.salesforce.fields.scroe: not a scored column");
}

#[test]
fn a_large_export_is_split_into_files_under_the_limit() {
    let q = quarters();
    let cfg = config("split", "[crm.salesforce]\nmax_file_mb = 0.05");
    let out = q.dir.join("split.csv");
    let r = salesforce(s(&q.after), s(&out), &["--config", s(&cfg)]).ok();
    let files: Vec<PathBuf> = r.stdout.lines().map(PathBuf::from).collect();
    assert!(
        files.len() >= 5,
        "2,500 rows of ~200 bytes in 50 kB files: {files:?}"
    );
    assert!(!out.exists(), "the parts are numbered, not the name itself");
    let mut ids = vec![];
    let mut header = None;
    for (k, f) in files.iter().enumerate() {
        assert_eq!(f, &q.dir.join(format!("split-{}.csv", k + 1)));
        let size = std::fs::metadata(f).unwrap().len();
        assert!(size < 50_000, "{} is {size} bytes", f.display());
        let (h, rows) = parse(f);
        assert!(
            header.get_or_insert(h.clone()) == &h,
            "each part has the header"
        );
        ids.extend(rows.into_iter().map(|r| r[0].clone()));
    }
    let want = scored(&q.after);
    assert_eq!(
        ids.len(),
        want.len(),
        "no row lost or repeated across parts"
    );
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), want.len());
    // again without --force: refused; with it, one file and the old parts gone
    salesforce(s(&q.after), s(&out), &["--config", s(&cfg)]).fails_with(1, "already exists");
    salesforce(s(&q.after), s(&out), &["--force"]).ok();
    assert!(out.exists());
    assert!(
        !q.dir.join("split-1.csv").exists(),
        "stale parts are removed"
    );
}

#[test]
fn hubspot_company_import_keys_by_domain_or_record_id() {
    let q = quarters();
    let cfg = q.data.join("scorebook.toml");
    let out = q.dir.join("hubspot.csv");
    let args = |out: &Path| {
        vec![
            "--scores".to_string(),
            s(&q.after).into(),
            "--target".into(),
            "hubspot".into(),
            "--out".into(),
            s(out).into(),
            "--config".into(),
            s(&cfg).into(),
        ]
    };
    let a = args(&out);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    export(&a).fails_with(1, "pass --universe");
    let mut with = a.clone();
    let universe = q.data.join("universe.parquet");
    with.extend(["--universe", s(&universe)]);
    export(&with).ok();
    let (header, rows) = parse(&out);
    assert_eq!(header[0], "Company Domain Name");
    for h in &header[1..] {
        assert_eq!(
            h,
            &h.to_lowercase(),
            "internal property names are lower-case"
        );
        assert!(h.starts_with("scorebook_"));
    }
    assert!(header.contains(&"scorebook_win_probability".to_string()));
    let u = read_parquet(&universe);
    let domains: HashMap<String, String> = strings(&u, "account_id")
        .into_iter()
        .zip(strings(&u, "domain"))
        .filter_map(|(i, d)| Some((i?, d?.to_lowercase())))
        .collect();
    let have: std::collections::HashSet<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    for d in domains.values().take(200) {
        assert!(have.contains(d.as_str()), "{d} is a key");
    }
    let date = &rows[0][7];
    assert!(
        date.len() == 10 && date.as_bytes()[4] == b'-' && date.as_bytes()[7] == b'-',
        "a date property: {date}"
    );
    // an upper-case property name is refused
    let bad = config(
        "hub-bad",
        "[crm.hubspot]\nfields = { score = \"Scorebook_Score\" }",
    );
    let mut b = vec!["--scores", s(&q.after), "--target", "hubspot", "--out"];
    let o2 = q.dir.join("hub-bad.csv");
    b.extend([s(&o2), "--config", s(&bad)]);
    export(&b).fails_with(1, "internal property names are lower-case");
}

#[test]
fn changed_since_keeps_only_accounts_that_moved() {
    let q = quarters();
    let out = q.dir.join("nightly.csv");
    let r = salesforce(s(&q.after), s(&out), &["--changed-since", s(&q.before)]).ok();
    let (before, after) = (scored(&q.before), scored(&q.after));
    let band = |x: f64| (x / 10.0).floor() as i64;
    let mut want: Vec<&String> = after
        .iter()
        .filter(|(id, a)| match before.get(*id) {
            None => true,
            Some(b) => a.2 != b.2 || a.3 != b.3 || band(a.0) != band(b.0),
        })
        .map(|(id, _)| id)
        .collect();
    want.sort();
    let (_, rows) = parse(&out);
    let mut got: Vec<&String> = rows.iter().map(|r| &r[0]).collect();
    got.sort();
    assert!(
        !want.is_empty() && want.len() < after.len(),
        "some accounts moved, not all"
    );
    assert_eq!(got, want);
    assert!(r.stderr.contains("unchanged left out"), "{}", r.stderr);
    // against itself nothing changed: a header-only file
    let same = q.dir.join("same.csv");
    salesforce(s(&q.after), s(&same), &["--changed-since", s(&q.after)]).ok();
    let (header, rows) = parse(&same);
    assert_eq!(header.len(), 8);
    assert!(rows.is_empty());
}

#[test]
fn blanks_clear_salesforce_fields_only_when_asked() {
    use arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let q = quarters();
    // a scored file of an older build: no time of scoring, only the as-of day
    let path = q.dir.join("old-scores.parquet");
    let text = |v: &[Option<&str>]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
    let cols: Vec<(&str, ArrayRef)> = vec![
        (
            "account_id",
            text(&[Some("0015g00000AbCdEAAV"), None, Some("0015g00000AbCdFAAV")]),
        ),
        (
            "score",
            Arc::new(Float64Array::from(vec![Some(71.5), Some(3.0), None])) as ArrayRef,
        ),
        (
            "probability",
            Arc::new(Float64Array::from(vec![Some(0.715), Some(0.03), None])) as ArrayRef,
        ),
        (
            "tier",
            text(&[Some("Tier 1"), Some("Tier 3"), Some("Tier 3")]),
        ),
        (
            "quadrant",
            text(&[Some("Good Place"), Some("Bad Place"), Some("Bad Place")]),
        ),
        (
            "reason_1",
            text(&[Some("Raises: \"Uses Marketo\", a lot"), Some(""), Some("")]),
        ),
        ("reason_2", text(&[Some(""), Some(""), Some("")])),
        ("reason_3", text(&[Some(""), Some(""), Some("")])),
        (
            "model_version",
            text(&[Some("m@1"), Some("m@1"), Some("m@1")]),
        ),
    ];
    let batch = RecordBatch::try_from_iter(cols).unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_key_value_metadata(Some(vec![parquet::file::metadata::KeyValue::new(
            "scorebook.as_of".to_string(),
            "2025-06-30".to_string(),
        )]))
        .build();
    let f = std::fs::File::create(&path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(f, batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let keep = q.dir.join("keep.csv");
    let r = salesforce(s(&path), s(&keep), &[]).ok();
    assert!(
        r.stderr.contains("1 row(s) left out with no key"),
        "{}",
        r.stderr
    );
    let (_, rows) = parse(&keep);
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0][5], "Raises: \"Uses Marketo\", a lot",
        "quotes and commas survive"
    );
    assert_eq!(
        rows[0][7], "2025-06-30T00:00:00Z",
        "the as-of day when no time was recorded"
    );
    assert_eq!(rows[1][1], "", "a blank leaves the field as it was");
    let cfg = config("clear", "[crm]\nclear_blanks = true");
    let clear = q.dir.join("clear.csv");
    salesforce(s(&path), s(&clear), &["--config", s(&cfg)]).ok();
    let (_, rows) = parse(&clear);
    assert_eq!(rows[1][1], "#N/A");
    assert_eq!(rows[1][5], "#N/A");
    assert_eq!(rows[0][1], "71.50");
    let text = std::fs::read_to_string(&clear).unwrap();
    assert!(
        text.contains("\"Raises: \"\"Uses Marketo\"\", a lot\""),
        "RFC 4180 quoting: {text}"
    );
}

/// A file of scored deals updates the deals: keyed by opportunity id.
#[test]
fn scored_deals_are_keyed_by_opportunity() {
    let q = quarters();
    let deals = q.dir.join("deals.parquet");
    run(&[
        "score",
        "--model",
        s(&q.dir.join("../after")),
        "--opportunities",
        s(&q.data.join("opportunities.csv")),
        "--universe",
        s(&q.data.join("universe.parquet")),
        "--as-of",
        "2025-04-01",
        "--out",
        s(&deals),
    ])
    .ok();
    let out = q.dir.join("deals.csv");
    salesforce(s(&deals), s(&out), &[]).ok();
    let (header, rows) = parse(&out);
    assert_eq!(header[0], "Id");
    let b = read_parquet(&deals);
    let want: Vec<String> = strings(&b, "opportunity_id")
        .into_iter()
        .flatten()
        .collect();
    let got: Vec<String> = rows.iter().map(|r| r[0].clone()).collect();
    assert_eq!(got, want, "a row per deal, keyed by its id, in order");
    export(&[
        "--scores",
        s(&deals),
        "--target",
        "hubspot",
        "--out",
        s(&q.dir.join("deals-hub.csv")),
        "--config",
        s(&q.data.join("scorebook.toml")),
        "--universe",
        s(&q.data.join("universe.parquet")),
    ])
    .fails_with(1, "key them by Record ID");
}
