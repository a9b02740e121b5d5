//! Rules as analysts write them (issue 19): every portable form is
//! accepted, and gives the same rows natively (`score`, Polars SQL on the
//! parsed tree) and in DuckDB on `export-sql`; rules see the values as
//! exported (a missing headcount is NULL, not its imputed median).
//!
//! Each rule's points are a distinct power of two, so the rule points of
//! a row say exactly which rules it matched: equal `rule_points` on both
//! sides is equal rows for every rule.

mod common;
use common::*;
use std::path::Path;

/// (predicate, what the rule is meant to test)
const RULES: &[&str] = &[
    "industry IN ('Software', 'IT Services')",
    "industry not in ('Software')",
    "employees BETWEEN 100 AND 1000",
    "employees IS NULL",
    "annual_revenue IS NOT NULL AND annual_revenue > 1e7",
    "industry LIKE 'Soft%'",
    "lower(industry) like '%services'",
    "NOT (tech_marketo OR tech_salesforce)",
    "tech_marketo AND (signal_demo_request_30d >= 1 -- a hand-raiser\n OR employees > 5000)",
    "CASE WHEN size_band = 'small' THEN employees > 50 ELSE FALSE END",
    "NULLIF(employees, 0) / 10 > 20",
    "COALESCE(employees, 0) < 20",
    "employees NOT BETWEEN 10 AND 100000",
    "ABS(company_age - 10) <= 2 /* around ten years */",
    "tech_salesforce IS NOT TRUE AND ROUND(employees / 7, 1) > 20",
    // a division by zero is NULL natively as in SQL (not infinity)
    "annual_revenue / (employees - employees) > 1 OR tech_marketo IS TRUE",
];

fn config(data: &Path) -> std::path::PathBuf {
    let sample = std::fs::read_to_string(data.join("scorebook.toml")).unwrap();
    let head = &sample[..sample.find("[[rules]]").unwrap()];
    let mut cfg = head.replace("[model]\n", "[model]\nrule_weight = 0.0\n");
    for (k, when) in RULES.iter().enumerate() {
        cfg += &format!(
            "[[rules]]\nname = \"rule {k}\"\nwhen = '''{when}'''\npoints = {}\n\n",
            1u32 << k
        );
    }
    cfg += "[[disqualifiers]]\nname = \"tiny media\"\nwhen = \"industry = 'Media' AND employees < 30\"\n";
    let p = data.join("rules.toml");
    std::fs::write(&p, cfg).unwrap();
    p
}

#[test]
fn every_rule_form_gives_the_same_rows_natively_and_in_every_engine() {
    let t = tempdir();
    let data = synth(t.path(), 4000, 1500, 19);
    let cfg = config(&data);
    let model = t.path().join("models/rules");
    run(&["train", "--config", s(&cfg), "--out", s(&model)]).ok();
    let scores = t.path().join("scores.parquet");
    let universe = data.join("universe.parquet");
    let signals = data.join("signals.parquet");
    score_with_signals(&model, &universe, &signals, &scores);
    let points = numbers(&read_parquet(&scores), "rule_points");
    let n = points.len();
    // every rule matches some accounts and not all (the test is not vacuous)
    for (k, when) in RULES.iter().enumerate() {
        let matched = points
            .iter()
            .filter(|p| (**p as u32) & (1 << k) != 0)
            .count();
        assert!(
            matched > 0 && matched < n,
            "`{when}` matched {matched} of {n}"
        );
    }
    // `employees IS NULL` fires exactly on the accounts without a headcount
    let u = read_parquet(&universe);
    let mut missing = vec![];
    for b in &u {
        let e = b.column_by_name("employees").unwrap();
        let e = arrow::compute::cast(e, &arrow::datatypes::DataType::Float64).unwrap();
        missing.extend((0..e.len()).map(|i| arrow::array::Array::is_null(&e, i)));
    }
    let fired: Vec<bool> = points.iter().map(|p| (*p as u32) & (1 << 3) != 0).collect();
    assert_eq!(fired, missing, "employees IS NULL");
    // and no unknown headcount is in BETWEEN 100 AND 1000 (the median is)
    assert!(fired
        .iter()
        .zip(&points)
        .all(|(m, p)| !*m || (*p as u32) & (1 << 2) == 0));

    for r in engine_parity(t.path(), &model, &universe, &signals, &scores) {
        assert_eq!(r["joined"].as_u64(), Some(n as u64), "{r}");
        assert_eq!(r["rule_points"].as_f64(), Some(0.0), "{r}");
        assert_parity(&r);
    }
}

/// Every dialect renders the same accepted tree: each has the rules, with
/// its own quoting of text.
#[test]
fn each_dialect_renders_the_rules() {
    let t = tempdir();
    let data = synth(t.path(), 800, 600, 23);
    let cfg = config(&data);
    let model = t.path().join("m");
    run(&["train", "--config", s(&cfg), "--out", s(&model)]).ok();
    for d in ["ansi", "duckdb", "spark", "snowflake"] {
        let sql = run(&["export-sql", "--model", s(&model), "--dialect", d])
            .ok()
            .stdout;
        assert!(
            sql.contains("(industry IN ('Software', 'IT Services'))"),
            "{d}"
        );
        assert!(sql.contains("BETWEEN 100 AND 1000"), "{d}");
        assert!(
            sql.contains("(CASE WHEN __null_employees THEN NULL ELSE employees END) IS NULL"),
            "{d}"
        );
        assert!(!sql.contains("hand-raiser"), "{d}: comments are not pasted");
    }
}
