//! The notebooks (issues 12, 19) run headless, start to finish, on fresh
//! demo outputs and on a plain review (no disqualifiers, no rules, no
//! signals, one industry, so tiers and quadrants can be empty): papermill
//! executes each with its `parameters` cell pointed at them and fails on
//! any error. `.ci/run` installs `notebooks/requirements.txt` into the venv
//! it names in SCOREBOOK_PYTHON, which makes this mandatory.

mod common;
use common::*;
use std::path::Path;

fn python_with_papermill() -> Option<String> {
    if let Ok(p) = std::env::var("SCOREBOOK_PYTHON") {
        return Some(p);
    }
    let ok = std::process::Command::new("python3")
        .args(["-c", "import papermill, polars, matplotlib"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then(|| "python3".to_string())
}

/// Executes both notebooks on a model directory, scores and a review.
fn execute(python: &str, work: &Path, model: &Path, scores: &Path, review: &Path) {
    for name in ["quarterly_review", "feature_importance"] {
        let notebook = format!("{}/notebooks/{name}.ipynb", env!("CARGO_MANIFEST_DIR"));
        let stored = std::fs::read_to_string(&notebook).unwrap();
        assert!(
            stored.contains("\"parameters\""),
            "{name}: no cell tagged parameters"
        );
        assert!(
            !stored.contains("\"output_type\""),
            "{name} is stored with outputs"
        );
        let executed = work.join(format!("{name}.out.ipynb"));
        let out = std::process::Command::new(python)
            .current_dir(work)
            .args(["-m", "papermill", &notebook, s(&executed), "-k", "python3"])
            .args(["-p", "model_dir", s(model)])
            .args(["-p", "scores", s(scores)])
            .args(["-p", "review", s(review)])
            .output()
            .expect("run papermill");
        assert!(
            out.status.success(),
            "{name} failed on {}:\n{}",
            review.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let done = std::fs::read_to_string(&executed).unwrap();
        assert!(done.contains("image/png"), "{name} drew no chart");
    }
}

#[test]
fn notebooks_run_on_fresh_demo_outputs() {
    let Some(python) = python_with_papermill() else {
        eprintln!("SKIPPED: no python with papermill, polars and matplotlib (pip install -r notebooks/requirements.txt; CI installs them, see .ci/run)");
        return;
    };
    let t = tempdir();
    let demo = t.path().join("demo");
    run(&["demo", "--dir", s(&demo)]).ok();
    execute(
        &python,
        t.path(),
        &demo.join("models/this-quarter"),
        &demo.join("scores.parquet"),
        &demo.join("review/review.json"),
    );
}

#[test]
fn notebooks_run_on_a_review_without_disqualifiers_rules_signals_or_industries() {
    let Some(python) = python_with_papermill() else {
        eprintln!("SKIPPED: no python with papermill, polars and matplotlib (pip install -r notebooks/requirements.txt; CI installs them, see .ci/run)");
        return;
    };
    let t = tempdir();
    let data = synth(t.path(), 3000, 1500, 11);
    // every industry one: Software; no signals, rules or disqualifiers
    let cfg = data.join("plain.toml");
    std::fs::write(
        &cfg,
        r#"[input]
accounts = "accounts.csv"
opportunities = "opportunities.csv"
[input.industry_aliases]
"IT Services" = "Software"
BFSI = "Software"
Manufacturing = "Software"
Healthcare = "Software"
Retail = "Software"
Media = "Software"
"#,
    )
    .unwrap();
    let models = t.path().join("models");
    let (last, this) = (models.join("last"), models.join("this"));
    run(&[
        "train",
        "--config",
        s(&cfg),
        "--out",
        s(&last),
        "--until",
        "2025-01-01",
    ])
    .ok();
    run(&["train", "--config", s(&cfg), "--out", s(&this)]).ok();
    let universe = data.join("universe.parquet");
    let (before, after) = (
        t.path().join("before.parquet"),
        t.path().join("after.parquet"),
    );
    run(&[
        "score",
        "--model",
        s(&last),
        "--universe",
        s(&universe),
        "--as-of",
        "2025-01-01",
        "--out",
        s(&before),
    ])
    .ok();
    run(&[
        "score",
        "--model",
        s(&this),
        "--universe",
        s(&universe),
        "--out",
        s(&after),
    ])
    .ok();
    let review = t.path().join("review");
    run(&[
        "review",
        "--champion",
        s(&last),
        "--challenger",
        s(&this),
        "--config",
        s(&cfg),
        "--before",
        s(&before),
        "--after",
        s(&after),
        "--out",
        s(&review),
    ])
    .ok();
    let tiers = strings(&read_parquet(&after), "tier");
    assert!(!tiers.iter().any(|t| t.as_deref() == Some("Disqualified")));
    execute(
        &python,
        t.path(),
        &this,
        &after,
        &review.join("review.json"),
    );
}
