//! The notebooks (issue 12) run headless, start to finish, on fresh demo
//! outputs: papermill executes each with its `parameters` cell pointed at
//! them and fails on any error. `.ci/run` installs `notebooks/requirements.txt`
//! into the venv it names in SCOREBOOK_PYTHON, which makes this mandatory.

mod common;
use common::*;

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

#[test]
fn notebooks_run_on_fresh_demo_outputs() {
    let Some(python) = python_with_papermill() else {
        eprintln!("SKIPPED: no python with papermill, polars and matplotlib (pip install -r notebooks/requirements.txt; CI installs them, see .ci/run)");
        return;
    };
    let t = tempdir();
    let demo = t.path().join("demo");
    run(&["demo", "--dir", s(&demo)]).ok();
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
        let executed = t.path().join(format!("{name}.out.ipynb"));
        let out = std::process::Command::new(&python)
            .current_dir(t.path())
            .args(["-m", "papermill", &notebook, s(&executed), "-k", "python3"])
            .args(["-p", "model_dir", s(&demo.join("models/this-quarter"))])
            .args(["-p", "scores", s(&demo.join("scores.parquet"))])
            .args(["-p", "review", s(&demo.join("review/review.json"))])
            .output()
            .expect("run papermill");
        assert!(
            out.status.success(),
            "{name} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let done = std::fs::read_to_string(&executed).unwrap();
        assert!(done.contains("image/png"), "{name} drew no chart");
    }
}
