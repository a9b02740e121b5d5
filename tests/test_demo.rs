//! The zero-setup tour runs end to end and leaves every output it names.

mod common;
use common::*;

#[test]
fn demo_runs_end_to_end() {
    let t = tempdir();
    let dir = t.path().join("demo");
    let r = run(&["demo", "--dir", s(&dir)]).ok();
    for line in ["data:", "features:", "model:", "report:", "scores:"] {
        assert!(r.stdout.contains(line), "{}", r.stdout);
    }
    let report = std::fs::read_to_string(dir.join("models/demo/report.html")).unwrap();
    assert!(
        report.contains("Held-out metrics") && report.contains("<svg"),
        "report lacks metrics or charts"
    );
    let scores = read_parquet(&dir.join("scores.parquet"));
    assert_eq!(strings(&scores, "account_id").len(), 20_000);
}
