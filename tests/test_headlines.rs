//! The report's headline never oversells (issue 13): it says so when no
//! rules are configured, when the model is no better than chance, when a
//! small held-out set still shows a clear AUC difference, and when a feature
//! looks like leakage.

mod common;
use common::*;
use std::path::Path;

/// Rewrites the stage of every closed deal with `stage(account_id, row)`.
fn restage(data: &Path, stage: impl Fn(&str, usize) -> Option<&'static str>) {
    let p = data.join("opportunities.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let mut v: Vec<String> = line.split(',').map(String::from).collect();
        if i > 0 && v[4].to_lowercase().starts_with("closed") {
            if let Some(s) = stage(&v[1], i) {
                v[4] = s.to_string();
            }
        }
        out += &v.join(",");
        out.push('\n');
    }
    std::fs::write(p, out).unwrap();
}

fn train_with(data: &Path, config: &str, out: &Path) -> (String, String) {
    let cfg = data.join("headline.toml");
    std::fs::write(&cfg, config).unwrap();
    let r = run(&["train", "--config", s(&cfg), "--out", s(out)]).ok();
    (
        std::fs::read_to_string(out.join("report.html")).unwrap(),
        r.stderr,
    )
}

const BASE: &str = "[input]\nsignals = \"signals.parquet\"\n";

#[test]
fn no_rules_configured_is_said_plainly() {
    let t = tempdir();
    let data = synth(t.path(), 1500, 1500, 41);
    let (html, _) = train_with(&data, BASE, &t.path().join("m"));
    assert!(html.contains("No rules are configured"), "headline");
    assert!(!html.contains("beats the hand-written rules"));
    assert!(html.contains("rules (none configured: the base rate)"));
}

#[test]
fn a_model_at_chance_is_called_no_better_than_chance() {
    let t = tempdir();
    let data = synth(t.path(), 1500, 1500, 42);
    // outcomes by a coin that knows nothing of the accounts
    restage(&data, |_, row| {
        // splitmix64: consecutive rows get independent bits
        let mut h = (row as u64).wrapping_add(0x9E3779B97F4A7C15);
        h = (h ^ (h >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94D049BB133111EB);
        h ^= h >> 31;
        Some(if h % 100 < 40 {
            "Closed Won"
        } else {
            "Closed Lost"
        })
    });
    let (html, _) = train_with(&data, BASE, &t.path().join("m"));
    assert!(
        html.contains("no better than chance"),
        "the headline oversells a coin"
    );
    assert!(!html.contains("beats the hand-written rules"));
}

#[test]
fn a_small_held_out_set_with_a_clear_auc_gap_is_not_within_noise() {
    let t = tempdir();
    let data = synth_truth(t.path(), 120, 120, 43, "shapes");
    // a rule that never fires: the rules scorer is the base rate (AUC 0.5)
    let cfg = format!("{BASE}[[rules]]\nname = \"Never\"\nwhen = \"employees < 0\"\npoints = 1\n");
    let (html, _) = train_with(&data, &cfg, &t.path().join("m"));
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(t.path().join("m/metrics.json")).unwrap())
            .unwrap();
    let rows = metrics["hybrid"]["rows"].as_u64().unwrap();
    assert!(rows < 150, "{rows} held-out deals");
    let auc = metrics["hybrid"]["auc"].as_f64().unwrap();
    assert!(auc > 0.68, "the model is too weak for this test: AUC {auc}");
    assert!(
        html.contains("It beats the hand-written rules"),
        "AUC {auc} against 0.5 on {rows} deals is not called a win"
    );
}

#[test]
fn a_leaking_feature_is_flagged() {
    let t = tempdir();
    let data = synth(t.path(), 1500, 1500, 44);
    // an account column that is the outcome, under a name that gives it away
    let p = data.join("accounts.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    let mut out = String::new();
    let mut winners = std::collections::HashSet::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 {
            out += &format!("{line},days_to_close\n");
            continue;
        }
        let id = line.split(',').next().unwrap().to_string();
        let win = i % 2 == 0;
        if win {
            winners.insert(id);
        }
        out += &format!("{line},{}\n", if win { 10 } else { 90 });
    }
    std::fs::write(&p, out).unwrap();
    restage(&data, |acc, _| {
        Some(if winners.contains(acc) {
            "Closed Won"
        } else {
            "Closed Lost"
        })
    });
    let cfg = format!("{BASE}[features]\nextra = [\"days_to_close\"]\n");
    let (html, stderr) = train_with(&data, &cfg, &t.path().join("m"));
    assert!(
        html.contains("Possible leakage"),
        "no leakage warning in the headline"
    );
    assert!(
        stderr.contains("separates won from lost deals almost perfectly"),
        "{stderr}"
    );
    assert!(
        stderr.contains("named like something measured at or after the close"),
        "{stderr}"
    );
}
