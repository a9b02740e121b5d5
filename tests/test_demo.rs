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
        "crm:",
        "review:",
        "books:",
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
    // the tiers are cut on the universe it scores (issue 19): 10% +- 1 point
    let tiers = strings(&read_parquet(&dir.join("scores.parquet")), "tier");
    let count = |t: &str| tiers.iter().filter(|x| x.as_deref() == Some(t)).count();
    let share = count("Tier 1") as f64 / (tiers.len() - count("Disqualified")) as f64;
    assert!(
        (share - 0.10).abs() <= 0.01,
        "Tier 1 holds {:.2}% of the demo universe",
        100.0 * share
    );
    assert!(
        !r.stderr.contains("retrain with --universe"),
        "{}",
        r.stderr
    );
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
    // the week's books for the synthetic team, and their headline
    assert!(
        r.stderr.contains("12 reps, 1,100 slots, 1,100 filled; "),
        "{}",
        r.stderr
    );
    let books = read_parquet(&dir.join("books/books.parquet"));
    let reps: std::collections::HashSet<String> =
        strings(&books, "rep_id").into_iter().flatten().collect();
    // every available rep has a book; the one who is gone receives nothing
    for k in 1..=11 {
        assert!(reps.contains(&format!("005{k:012}")), "{reps:?}");
    }
    let owners = std::fs::read_to_string(dir.join("books/owners.csv")).unwrap();
    assert!(
        owners.starts_with("Scorebook_Account_Key__c,OwnerId\n"),
        "{owners}"
    );
    assert!(
        owners.contains(",00G000000000001\n"),
        "no account back to the pool queue"
    );
    // the CRM import files of the demo's scores: a row per account each
    for (f, key) in [
        (
            "crm/salesforce.csv",
            "Scorebook_Account_Key__c,Scorebook_Score__c,",
        ),
        ("crm/hubspot.csv", "Company Domain Name,scorebook_score,"),
    ] {
        let text = std::fs::read_to_string(dir.join(f)).unwrap();
        assert!(
            text.starts_with(key),
            "{f}: {}",
            text.lines().next().unwrap_or("")
        );
        assert_eq!(
            text.lines().count(),
            20_001,
            "{f}: a header and a row per account"
        );
    }
    for k in [
        "comparison",
        "recommendation",
        "drift",
        "migration",
        "backtest",
        "expected",
    ] {
        assert!(review.get(k).is_some(), "review.json lacks {k}");
    }
}
