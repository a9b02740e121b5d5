//! The quarterly review (issue 12): `train --until`, `review`, `models`,
//! `promote`, on a synthetic CRM with a planted truth.

mod common;
use common::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Two models a quarter apart, the universe scored by each as of its date,
/// and the review of the two.
struct Quarter {
    _t: tempfile::TempDir,
    data: PathBuf,
    models: PathBuf,
    before: PathBuf,
    after: PathBuf,
    review: serde_json::Value,
}

fn quarter() -> &'static Quarter {
    static Q: OnceLock<Quarter> = OnceLock::new();
    Q.get_or_init(|| {
        let t = tempdir();
        let data = synth(t.path(), 3000, 3000, 31);
        let cfg = data.join("scorebook.toml");
        let models = t.path().join("models");
        let scored = |model: &Path, as_of: &str, out: &Path| {
            run(&[
                "score",
                "--model",
                s(model),
                "--universe",
                s(&data.join("universe.parquet")),
                "--signals",
                s(&data.join("signals.parquet")),
                "--as-of",
                as_of,
                "--out",
                s(out),
            ])
            .ok();
        };
        let (before, after) = (
            t.path().join("before.parquet"),
            t.path().join("after.parquet"),
        );
        for (name, until, out) in [
            ("2024q4", "2025-01-01", &before),
            ("2025q1", "2025-04-01", &after),
        ] {
            let m = models.join(name);
            run(&[
                "train",
                "--config",
                s(&cfg),
                "--out",
                s(&m),
                "--until",
                until,
            ])
            .ok();
            scored(&m, until, out);
        }
        let out = t.path().join("review");
        run(&[
            "review",
            "--champion",
            s(&models.join("2024q4")),
            "--challenger",
            s(&models.join("2025q1")),
            "--config",
            s(&cfg),
            "--before",
            s(&before),
            "--after",
            s(&after),
            "--out",
            s(&out),
        ])
        .ok();
        let review =
            serde_json::from_str(&std::fs::read_to_string(out.join("review.json")).unwrap())
                .unwrap();
        assert!(std::fs::read_to_string(out.join("review.html"))
            .unwrap()
            .contains("Quarterly review"));
        Quarter {
            _t: t,
            data,
            models,
            before,
            after,
            review,
        }
    })
}

/// Closed deals (id, created date) of the synth opportunities file.
fn closed_deals(data: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(data.join("opportunities.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|v| v[4].to_lowercase().replace('-', " ").starts_with("closed"))
        .map(|v| (v[0].to_string(), v[2].to_string()))
        .collect()
}

#[test]
fn until_trains_on_the_past_only() {
    let q = quarter();
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(q.models.join("2024q4/model.json")).unwrap())
            .unwrap();
    assert_eq!(m["training"]["until"], "2025-01-01");
    assert_eq!(m["training"]["universe_as_of"], "2025-01-01");
    let last = m["training"]["periods"][2]["to"].as_str().unwrap();
    assert!(
        last < "2025-01-01",
        "a deal created on {last} was trained on"
    );
}

#[test]
fn both_models_are_compared_on_the_same_unseen_deals() {
    let q = quarter();
    let c = &q.review["comparison"];
    let after = c["after"].as_str().unwrap();
    // the challenger's fitting window ends last
    assert_eq!(
        after,
        q.review["challenger"]["fitted_until"].as_str().unwrap()
    );
    let mut want: Vec<String> = closed_deals(&q.data)
        .into_iter()
        .filter(|(_, created)| created.as_str() > after)
        .map(|(id, _)| id)
        .collect();
    let mut got: Vec<String> = c["deal_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    want.sort();
    got.sort();
    assert!(got.len() > 500, "{} deals", got.len());
    assert_eq!(
        got, want,
        "the compared deals are not the closed deals created after {after}"
    );
    for m in ["champion", "challenger"] {
        assert_eq!(
            c[m]["rows"].as_u64(),
            Some(got.len() as u64),
            "{m} scored another set"
        );
    }
    let d = &c["auc_difference"];
    let est = d["estimate"].as_f64().unwrap();
    let diff = c["challenger"]["auc"].as_f64().unwrap() - c["champion"]["auc"].as_f64().unwrap();
    assert!((est - diff).abs() < 1e-12);
    assert!(d["ci_low"].as_f64().unwrap() < est && est < d["ci_high"].as_f64().unwrap());
    let decision = q.review["recommendation"]["decision"].as_str().unwrap();
    assert!(
        ["promote", "keep", "no difference"].contains(&decision),
        "{decision}"
    );
    assert!(!q.review["recommendation"]["reason"]
        .as_str()
        .unwrap()
        .is_empty());
    // drift covers the score and every feature
    assert!(q.review["drift"]["score"]["psi"]
        .as_f64()
        .unwrap()
        .is_finite());
    assert!(q.review["drift"]["features"].as_array().unwrap().len() > 20);
}

#[test]
fn migration_matrices_add_up_to_the_accounts_scored() {
    let q = quarter();
    let m = &q.review["migration"];
    let before = read_parquet(&q.before);
    let after = read_parquet(&q.after);
    let n = strings(&before, "account_id").len();
    assert_eq!(m["accounts"].as_u64(), Some(n as u64));
    for (key, col, names) in [
        ("tiers", "tier", scorebook::review::TIERS),
        ("quadrants", "quadrant", scorebook::review::QUADRANTS),
    ] {
        let matrix: Vec<Vec<u64>> = m[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_u64().unwrap())
                    .collect()
            })
            .collect();
        let total: u64 = matrix.iter().flatten().sum();
        assert_eq!(total, n as u64, "{key}");
        let count = |b: &[arrow::array::RecordBatch]| {
            let mut c: HashMap<String, u64> = HashMap::new();
            for v in strings(b, col) {
                *c.entry(v.unwrap()).or_default() += 1;
            }
            c
        };
        let (cb, ca) = (count(&before), count(&after));
        for (i, name) in names.iter().enumerate() {
            let row: u64 = matrix[i].iter().sum();
            let column: u64 = matrix.iter().map(|r| r[i]).sum();
            assert_eq!(row, cb.get(*name).copied().unwrap_or(0), "{key} row {name}");
            assert_eq!(
                column,
                ca.get(*name).copied().unwrap_or(0),
                "{key} column {name}"
            );
        }
    }
    let entered = m["entered_tier_1_count"].as_u64().unwrap();
    let into_1: u64 = (1..4).map(|i| m["tiers"][i][0].as_u64().unwrap()).sum();
    assert_eq!(entered, into_1);
}

#[test]
fn backtest_tier_1_converts_more_than_tier_3() {
    let q = quarter();
    let b = &q.review["backtest"];
    assert_eq!(b["as_of"], "2025-01-01");
    let tier = |name: &str| {
        b["tiers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == name)
            .unwrap()
            .clone()
    };
    let (t1, t3) = (tier("Tier 1"), tier("Tier 3"));
    let rate = |g: &serde_json::Value, k: &str| g[k].as_f64().unwrap();
    eprintln!("Tier 1 {t1}\nTier 3 {t3}");
    assert!(rate(&t1, "conversion_rate") > rate(&t3, "conversion_rate"));
    assert!(rate(&t1, "win_rate") > rate(&t3, "win_rate"));
    assert!(rate(&t1, "lift") > 1.0);
    let shares: f64 = b["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["opportunity_share"].as_f64().unwrap_or(0.0))
        .sum();
    assert!(
        (shares - 1.0).abs() < 1e-9,
        "opportunity shares sum to {shares}"
    );
}

/// The deals open on the champion's day (2025-01-01) in the export: the
/// wins its probabilities expected of them against the wins they brought.
#[test]
fn expected_wins_of_the_open_pipeline_hold_per_tier() {
    let q = quarter();
    let e = &q.review["expected"];
    assert_eq!(e["as_of"], "2025-01-01");
    // the deals open that day, counted from the export itself
    let text = std::fs::read_to_string(q.data.join("opportunities.csv")).unwrap();
    let open = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|v| {
            v[2] < "2025-01-01"
                && (!v[4].to_lowercase().starts_with("closed") || v[3] >= "2025-01-01")
        })
        .count();
    assert_eq!(e["opportunities"].as_u64().unwrap() as usize, open);
    let tiers = e["tiers"].as_array().unwrap();
    let total: u64 = tiers
        .iter()
        .map(|g| g["opportunities"].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, open, "every open deal is in a tier");
    let mut checked = 0;
    for g in tiers {
        let (lo, hi) = (
            g["ci_low"].as_u64().unwrap(),
            g["ci_high"].as_u64().unwrap(),
        );
        let expected = g["expected_won"].as_f64().unwrap();
        assert!(lo as f64 <= expected && expected <= hi as f64);
        if g["opportunities"].as_u64().unwrap() >= 30 {
            let won = g["won"].as_u64().unwrap();
            assert!(
                lo <= won && won <= hi,
                "{}: {won} won, {expected:.1} expected ({lo}-{hi})",
                g["name"]
            );
            assert_eq!(g["verdict"], "as expected");
            checked += 1;
        }
    }
    assert!(checked >= 3, "Tiers 1-3 hold enough deals to check");
}

#[test]
fn models_lists_and_promote_names_the_champion() {
    let q = quarter();
    // a third model in the folder
    let third = q.models.join("2025q1-pinned");
    let cfg = q.data.join("pinned.toml");
    std::fs::write(
        &cfg,
        format!(
            "{}\n",
            std::fs::read_to_string(q.data.join("scorebook.toml"))
                .unwrap()
                .replace("[model]\n", "[model]\nrule_weight = 0.1\n")
        ),
    )
    .unwrap();
    run(&["train", "--config", s(&cfg), "--out", s(&third), "--force"]).ok();
    let listed = run(&["models", s(&q.models)]).ok();
    for name in ["2024q4", "2025q1", "2025q1-pinned"] {
        listed.stdout_has(name);
    }
    assert!(
        !listed.stdout.contains("* "),
        "a champion before any promote:\n{}",
        listed.stdout
    );
    run(&[
        "score",
        "--model",
        s(&q.models.join("champion")),
        "--universe",
        s(&q.data.join("universe.parquet")),
        "--out",
        s(&q.models.join("x.parquet")),
    ])
    .fails_with(1, "no champion promoted");
    run(&["promote", s(&q.models.join("2025q1"))]).ok();
    let listed = run(&["models", s(&q.models)]).ok();
    let line = listed
        .stdout
        .lines()
        .find(|l| l.contains("2025q1 "))
        .unwrap();
    assert!(line.starts_with('*'), "{}", listed.stdout);
    assert_eq!(listed.stdout.matches("\n*").count(), 1, "{}", listed.stdout);
    // --model DIR/champion is the promoted model
    let sql = run(&[
        "export-sql",
        "--model",
        s(&q.models.join("champion")),
        "--as-of",
        "2025-07-01",
    ])
    .ok();
    let version = serde_json::from_str::<serde_json::Value>(
        &std::fs::read_to_string(q.models.join("2025q1/model.json")).unwrap(),
    )
    .unwrap()["model_version"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        sql.stdout.contains(&version),
        "export-sql did not use the champion"
    );
    run(&["promote", s(&q.models.join("nope"))]).fails_with(1, "model.json");
}

/// Issue 20: every chart of review.html, rendered by headless Chromium,
/// has tick labels on both axes and a legend that covers no series.
#[test]
fn review_charts_have_axes_and_clear_legends() {
    let Some(chromium) = browser_or_skip() else {
        return;
    };
    let q = quarter();
    let html = q.models.parent().unwrap().join("review/review.html");
    let charts = measure_charts(&chromium, &html);
    eprintln!("{charts:#?}");
    assert!(charts.len() >= 2, "{charts:?}");
    check_axes_and_legends(&charts);
}

#[test]
fn review_warns_of_another_universe_or_another_model() {
    let q = quarter();
    assert_eq!(
        q.review["warnings"],
        serde_json::json!([]),
        "the matched files say nothing"
    );
    let t = tempdir();
    // the universe's accounts under other ids, scored by the champion
    let acc = q.data.join("accounts.csv");
    let text = std::fs::read_to_string(&acc).unwrap();
    let other: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{l}\n")
            } else {
                format!("X{l}\n")
            }
        })
        .collect();
    let universe = t.path().join("other.csv");
    std::fs::write(&universe, other).unwrap();
    let before = t.path().join("before.parquet");
    score_as_of(&q.models.join("2024q4"), &universe, "2025-01-01", &before);
    // a third model's scores as --after
    let third = t.path().join("third");
    run(&[
        "train",
        "--config",
        s(&q.data.join("scorebook.toml")),
        "--out",
        s(&third),
        "--until",
        "2025-02-15",
    ])
    .ok();
    let after = t.path().join("after.parquet");
    score_as_of(
        &third,
        &q.data.join("universe.parquet"),
        "2025-04-01",
        &after,
    );
    let r = run(&[
        "review",
        "--champion",
        s(&q.models.join("2024q4")),
        "--challenger",
        s(&q.models.join("2025q1")),
        "--config",
        s(&q.data.join("scorebook.toml")),
        "--before",
        s(&before),
        "--after",
        s(&after),
        "--out",
        s(&t.path().join("review")),
    ])
    .ok();
    assert!(r.stderr.contains("another universe"), "{}", r.stderr);
    assert!(r.stderr.contains("neither the champion"), "{}", r.stderr);
    assert!(r.stderr.contains("share 0 accounts"), "{}", r.stderr);
    let html = std::fs::read_to_string(t.path().join("review/review.html")).unwrap();
    assert!(html.contains("another universe"));
}
