//! Real data: the Maven Analytics CRM export in ../shared/datasets/maven-crm,
//! mapped by data/maven-crm.toml (other column names, company name as key,
//! revenue in millions, a misspelt sector, open deals without accounts).

mod common;
use common::*;
use std::path::PathBuf;

fn config() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/maven-crm.toml")
}

fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets/maven-crm")
}

#[test]
fn validates_trains_and_scores_the_maven_export() {
    let r = run(&["validate", "--config", s(&config())]).ok();
    r.stdout_has("85 accounts");
    r.stdout_has("8800 opportunities: 4238 won, 2473 lost, 2089 open");
    r.stdout_has("\"Engaging\" (1589), \"Prospecting\" (500)");
    r.stdout_has("1425 open opportunities have no account_id");
    r.stdout_has("industry \"technolgy\" -> \"technology\" applied to");

    let t = tempdir();
    let model = t.path().join("models/maven");
    run(&["train", "--config", s(&config()), "--out", s(&model)]).ok();
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model.join("model.json")).unwrap()).unwrap();
    assert_eq!(m["training"]["closed_deals"], 6711);
    // revenue is scaled from millions to USD
    let rev = m["spec"]["impute"]["annual_revenue"].as_f64().unwrap();
    assert!(rev > 1e8, "median revenue {rev} is not in USD");
    assert!(m["spec"]["seen_industries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i != "technolgy"));

    let out = t.path().join("maven.parquet");
    run(&[
        "score",
        "--model",
        s(&model),
        "--universe",
        s(&shared().join("accounts.csv")),
        "--as-of",
        "2018-01-01",
        "--out",
        s(&out),
    ])
    .ok();
    let b = read_parquet(&out);
    let ids = strings(&b, "account_id");
    assert_eq!(ids.len(), 85);
    assert_eq!(ids[0].as_deref(), Some("Acme Corporation"));
    // every account is scored; as of 2018 a few have more earlier wins (or
    // years) than any training deal had, and say so
    let status = strings(&b, "status");
    assert!(
        status.iter().all(|s| s.as_deref() == Some("ok")
            || s.as_deref()
                .is_some_and(|s| s.starts_with("outside the training range, held to it"))),
        "{status:?}"
    );
    assert!(
        status.iter().filter(|s| s.as_deref() == Some("ok")).count() > 70,
        "{status:?}"
    );
}
