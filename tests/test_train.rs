//! `train` and `features` on synthetic data with a planted truth.

mod common;
use common::*;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Date32Array, Float64Array, RecordBatch, StringArray};
use scorebook::report::metrics::auc;

fn model_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("model.json")).unwrap()).unwrap()
}

/// Coefficient per original unit of a model term.
fn coef(m: &serde_json::Value, name: &str) -> f64 {
    let t = m["terms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no term {name}"));
    t["coef"].as_f64().unwrap() / t["std"].as_f64().unwrap()
}

#[test]
fn recovers_the_planted_model() {
    let t = tempdir();
    let data = synth(t.path(), 5000, 5000, 11);
    // near-unpenalized fit, no rules: the coefficients estimate the planted ones
    let cfg = data.join("recover.toml");
    std::fs::write(
        &cfg,
        "[input]\nsignals = \"signals.parquet\"\n[model]\nc_grid = [1000.0]\n",
    )
    .unwrap();
    let out = t.path().join("models/recover");
    let started = std::time::Instant::now();
    run(&["train", "--config", s(&cfg), "--out", s(&out)]).ok();
    eprintln!("train took {:.1}s", started.elapsed().as_secs_f64());
    let m = model_json(&out);
    assert!(
        m["training"]["closed_deals"].as_u64().unwrap() > 15_000,
        "{}",
        m["training"]
    );
    for (name, planted) in scorebook::synth::PLANTED {
        let got = coef(&m, name);
        let tol = if planted.abs() < 0.01 { 0.001 } else { 0.2 };
        eprintln!("{name}: planted {planted}, fitted {got:.4}");
        assert_eq!(
            got.signum(),
            planted.signum(),
            "{name}: wrong sign, fitted {got}"
        );
        assert!(
            (got - planted).abs() < tol,
            "{name}: planted {planted}, fitted {got}"
        );
    }
    // the held-out AUC is near the planted model's own on the same deals
    let truth = std::fs::read_to_string(data.join("truth.csv")).unwrap();
    let mut rows: Vec<(String, String, u8, f64)> = truth
        .lines()
        .skip(1)
        .map(|l| {
            let v: Vec<&str> = l.split(',').collect();
            (
                v[1].to_string(),
                v[0].to_string(),
                v[2].parse().unwrap(),
                v[3].parse().unwrap(),
            )
        })
        .collect();
    rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let test = &rows[rows.len() - (rows.len() as f64 * 0.2).round() as usize..];
    let oracle = auc(
        &test.iter().map(|r| r.3).collect::<Vec<_>>(),
        &test.iter().map(|r| r.2).collect::<Vec<_>>(),
    );
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    let got = metrics["model"]["auc"].as_f64().unwrap();
    eprintln!("held-out AUC {got:.4}, planted model's own {oracle:.4}");
    assert!(
        (got - oracle).abs() < 0.03,
        "held-out AUC {got} vs planted {oracle}"
    );
    for scorer in ["rules", "model", "hybrid"] {
        for k in ["auc", "log_loss", "brier", "ece", "ks"] {
            assert!(
                metrics[scorer][k].is_number(),
                "metrics.json lacks {scorer}.{k}"
            );
        }
    }
}

#[test]
fn refuses_to_overwrite_without_force() {
    let t = tempdir();
    let data = synth(t.path(), 800, 800, 3);
    let out = t.path().join("models/q3");
    let cfg = data.join("scorebook.toml");
    run(&["train", "--config", s(&cfg), "--out", s(&out)]).ok();
    let before = std::fs::read(out.join("model.json")).unwrap();
    let r = run(&["train", "--config", s(&cfg), "--out", s(&out)]).fails_with(1, "already exists");
    assert!(r.stderr.contains("hint: pass --force"), "{}", r.stderr);
    assert_eq!(
        before,
        std::fs::read(out.join("model.json")).unwrap(),
        "the old model was touched"
    );
    run(&["train", "--config", s(&cfg), "--out", s(&out), "--force"]).ok();
    for f in [
        "model.json",
        "metrics.json",
        "importance.csv",
        "calibration.csv",
        "report.html",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let leftovers: Vec<_> = std::fs::read_dir(t.path().join("models"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "temporary directories left behind: {leftovers:?}"
    );
}

fn append_signals(path: &Path, rows: &[(String, i32, &str)]) {
    let mut batches = read_parquet(path);
    let schema = batches[0].schema();
    let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let dates: Vec<i32> = rows.iter().map(|r| r.1).collect();
    let kinds: Vec<&str> = rows.iter().map(|r| r.2).collect();
    batches.push(
        RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(ids)),
                Arc::new(Date32Array::from(dates.clone())),
                Arc::new(Date32Array::from(dates)),
                Arc::new(StringArray::from(kinds)),
                Arc::new(Float64Array::from(vec![1.0; rows.len()])),
            ],
        )
        .unwrap(),
    );
    let f = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(f, schema, None).unwrap();
    for b in &batches {
        w.write(b).unwrap();
    }
    w.close().unwrap();
}

#[test]
fn point_in_time_ignores_later_signals() {
    let t = tempdir();
    let data = synth(t.path(), 600, 600, 5);
    let cfg = data.join("scorebook.toml");
    let before = t.path().join("before.csv");
    run(&["features", "--config", s(&cfg), "--out", s(&before)]).ok();

    let opps = std::fs::read_to_string(data.join("opportunities.csv")).unwrap();
    let parse = |d: &str| scorebook::input::read::parse_date(d).unwrap();
    let mut created: Vec<(String, i32)> = opps
        .lines()
        .skip(1)
        .map(|l| {
            let v: Vec<&str> = l.split(',').collect();
            (v[1].to_string(), parse(v[2]))
        })
        .collect();
    let last = created.iter().map(|c| c.1).max().unwrap();
    let accounts: std::collections::BTreeSet<String> =
        created.iter().map(|c| c.0.clone()).collect();
    let kinds = [
        "demo_request",
        "pricing_page",
        "web_visit",
        "funding_round",
        "competitor_renewal",
        "get_back_to_me",
    ];
    let mut later = vec![];
    for a in &accounts {
        for k in kinds {
            for d in [last, last + 1, last + 40] {
                later.push((a.clone(), d, k));
            }
        }
    }
    append_signals(&data.join("signals.parquet"), &later);
    let after = t.path().join("after.csv");
    run(&["features", "--config", s(&cfg), "--out", s(&after)]).ok();
    assert_eq!(
        std::fs::read(&before).unwrap(),
        std::fs::read(&after).unwrap(),
        "later signals changed the training table"
    );

    // and the test can fail: a demo request the day before a deal was created is counted
    created.sort_by_key(|c| c.1);
    let (acc, day) = created[created.len() / 2].clone();
    append_signals(
        &data.join("signals.parquet"),
        &[(acc, day - 1, "demo_request")],
    );
    let changed = t.path().join("changed.csv");
    run(&["features", "--config", s(&cfg), "--out", s(&changed)]).ok();
    assert_ne!(
        std::fs::read(&before).unwrap(),
        std::fs::read(&changed).unwrap()
    );
}

#[test]
fn features_list_names_rule_columns() {
    let t = tempdir();
    let data = synth(t.path(), 300, 300, 9);
    let r = run(&[
        "features",
        "--config",
        s(&data.join("scorebook.toml")),
        "--list",
    ])
    .ok();
    for name in [
        "tech_salesforce\tboolean",
        "signal_demo_request_30d\tnumber",
        "rpe_industry_ratio\tnumber",
        "size_band\ttext",
        "days_until_competitor_renewal\tnumber",
    ] {
        assert!(r.stdout.contains(name), "missing {name}:\n{}", r.stdout);
    }
}
