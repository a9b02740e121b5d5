//! The zero-setup tour runs end to end and leaves every output it names.

mod common;
use common::*;

#[test]
fn demo_runs_end_to_end() {
    let t = tempdir();
    let dir = t.path().join("demo");
    let r = run(&["demo", "--dir", s(&dir)]).ok();
    for line in [
        "data:",
        "features:",
        "model:",
        "report:",
        "scores:",
        "review:",
    ] {
        assert!(r.stdout.contains(line), "{}", r.stdout);
    }
    let report = std::fs::read_to_string(dir.join("models/this-quarter/report.html")).unwrap();
    assert!(
        report.contains("Held-out metrics") && report.contains("<svg"),
        "report lacks metrics or charts"
    );
    for f in ["scores.parquet", "scores-last-quarter.parquet"] {
        let scores = read_parquet(&dir.join(f));
        assert_eq!(strings(&scores, "account_id").len(), 20_000, "{f}");
    }
    // the quarterly story: last quarter's model is the champion, the review compares
    assert_eq!(
        std::fs::read_to_string(dir.join("models/CHAMPION"))
            .unwrap()
            .trim(),
        "last-quarter"
    );
    let review: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("review/review.json")).unwrap())
            .unwrap();
    for k in [
        "comparison",
        "recommendation",
        "drift",
        "migration",
        "backtest",
    ] {
        assert!(review.get(k).is_some(), "review.json lacks {k}");
    }
}
