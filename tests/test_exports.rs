//! CRM exports as they come (issue 10): a `;`-delimited flat file of deals
//! (one account per deal) without industry or employees, with text,
//! `;`-list and deal columns named with spaces; open deals scored a row
//! each; the exported SQL on the same file.
//!
//! The fixture is shaped like the IBM Sales Win-Loss export (region, route
//! to market, competitor, deal size) with a planted truth: the most common
//! level of each text column is neutral, so each planted effect is the sign
//! the model's level coefficient must have.

mod common;
use common::*;
use rand::{Rng, SeedableRng};
use std::path::Path;

const HEADER: &str = "Opportunity Number;Created;Closed;Result;Region;Products;Route To Market;Competitor Type;Deal Size";

/// Planted log-odds of each level (the first, most common, is neutral).
const REGIONS: [(&str, f64); 4] = [
    ("Pacific", 0.0),
    ("Midwest", -0.9),
    ("Northeast", 0.8),
    ("Southwest", 0.0),
];
const ROUTES: [(&str, f64); 3] = [
    ("Fields Sales", 0.0),
    ("Reseller", 1.1),
    ("Telesales", -0.9),
];
const COMPETITORS: [(&str, f64); 3] = [("Unknown", 0.0), ("None", 0.7), ("Known", -0.6)];
const PRODUCTS: [&str; 4] = [
    "Tires",
    "Batteries",
    "Car Electronics",
    "Exterior Accessories",
];
const BATTERIES: f64 = 0.9;

fn pick<'a>(rng: &mut rand_chacha::ChaCha8Rng, levels: &[(&'a str, f64)]) -> (&'a str, f64) {
    // the first level half the time, the others evenly
    if rng.gen_bool(0.5) {
        levels[0]
    } else {
        levels[1 + rng.gen_range(0..levels.len() - 1)]
    }
}

/// Writes `n` deals: closed ones (`open` false) with a planted outcome, or
/// open ones. A few rows have a rare region or none.
fn write_deals(path: &Path, n: usize, seed: u64, open: bool) {
    write_deals_with(path, n, seed, open, &REGIONS, &PRODUCTS);
}

/// A field of the `;` file, quoted when it holds `;` or `"`.
fn field(v: &str) -> String {
    if v.contains([';', '"', '\n']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_string()
    }
}

/// `write_deals` with other regions and products (the second product
/// raises the odds as Batteries does).
fn write_deals_with(
    path: &Path,
    n: usize,
    seed: u64,
    open: bool,
    regions: &[(&str, f64)],
    product_names: &[&str],
) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut s = String::from(HEADER);
    s.push('\n');
    for i in 0..n {
        // a rare region (pooled as Other) and a few missing ones
        let (region, r) = match i % 997 {
            0 => ("Antarctica", 0.0),
            k if k % 30 == 1 => ("", 0.0),
            _ => pick(&mut rng, regions),
        };
        let (route, ro) = pick(&mut rng, &ROUTES);
        let (competitor, c) = pick(&mut rng, &COMPETITORS);
        let products: Vec<&str> = product_names
            .iter()
            .copied()
            .filter(|_| rng.gen_bool(0.4))
            .collect();
        let batteries = if products.contains(&product_names[1]) {
            BATTERIES
        } else {
            0.0
        };
        let size: f64 = (rng.gen_range(8.0..13.0f64)).exp().round();
        let eta = -0.4 + r + ro + c + batteries + 0.3 * (size / 20_000.0).ln();
        let won = rng.gen_bool(1.0 / (1.0 + (-eta).exp()));
        let created = 19_000 + (i * 700 / n) as i32; // 2022-01-08 on, in time order
        let day = |d: i32| scorebook::input::read::format_days(d);
        let (closed, result) = if open {
            (String::new(), "Qualify")
        } else {
            (day(created + 40), if won { "Won" } else { "Loss" })
        };
        // the list column holds `;` in a `;` file: quoted
        s.push_str(&format!(
            "OPP-{i:05};{};{closed};{result};{};{};{route};{competitor};{size}\n",
            day(created),
            field(region),
            field(&products.join(";")),
        ));
    }
    std::fs::write(path, s).unwrap();
}

fn config(dir: &Path, extra: &[&str], deal: &[&str]) -> std::path::PathBuf {
    let list = |v: &[&str]| {
        v.iter()
            .map(|x| format!("{x:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let path = dir.join(format!("scorebook-{}-{}.toml", extra.len(), deal.len()));
    std::fs::write(
        &path,
        format!(
            r#"[input]
accounts = "deals.csv"
opportunities = "deals.csv"

[columns.opportunities]
opportunity_id = "Opportunity Number"
created_date = "Created"
close_date = "Closed"
stage = "Result"
amount = "Deal Size"

[stages]
won = ["Won"]
lost = ["Loss"]

[features]
extra = [{}]
deal = [{}]
"#,
            list(extra),
            list(deal)
        ),
    )
    .unwrap();
    path
}

fn train(cfg: &Path, out: &Path) -> Run {
    run(&["train", "--config", s(cfg), "--out", s(out)]).ok()
}

fn auc(model: &Path) -> f64 {
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model.join("metrics.json")).unwrap())
            .unwrap();
    m["model"]["auc"]
        .as_f64()
        .unwrap_or_else(|| panic!("no test AUC in {m}"))
}

/// (feature, level) → coefficient, from importance.csv.
fn levels(model: &Path) -> std::collections::BTreeMap<(String, String), f64> {
    let mut r = csv::Reader::from_path(model.join("importance.csv")).unwrap();
    let header = r.headers().unwrap().clone();
    let at = |n: &str| header.iter().position(|h| h == n).unwrap();
    let (source, level, coef) = (at("source"), at("level"), at("coefficient"));
    r.records()
        .map(|f| {
            let f = f.unwrap();
            (
                (f[source].to_string(), f[level].to_string()),
                f[coef].parse().unwrap(),
            )
        })
        .collect()
}

/// A `;`-delimited flat deal file, no industry or employees, text, list
/// and deal columns named with spaces: trains, each typed column changes
/// the model and appears by level, open deals score a row each.
#[test]
fn a_flat_semicolon_export_with_text_and_deal_columns() {
    let t = tempdir();
    let dir = t.path();
    write_deals(&dir.join("deals.csv"), 4000, 7, false);
    let full = config(
        dir,
        &["Region", "Products"],
        &["Route To Market", "Competitor Type", "Deal Size"],
    );
    let out = train(&full, &dir.join("models/full"));
    assert!(out.stderr.contains("one flat file"), "{}", out.stderr);
    let model = dir.join("models/full");
    let lv = levels(&model);
    let coef = |f: &str, l: &str| {
        *lv.get(&(f.to_string(), l.to_string()))
            .unwrap_or_else(|| panic!("no {f} = {l} in importance.csv: {lv:?}"))
    };
    // every planted level effect comes back with its sign
    assert!(coef("Route To Market", "Reseller") > 0.5);
    assert!(coef("Route To Market", "Telesales") < -0.4);
    assert!(coef("Competitor Type", "None") > 0.3);
    assert!(coef("Competitor Type", "Known") < -0.2);
    assert!(coef("Region", "Northeast") > 0.3);
    assert!(coef("Region", "Midwest") < -0.4);
    assert!(coef("Products_batteries", "") > 0.4);
    // the rare region is pooled, the missing one is a level of its own
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model.join("model.json")).unwrap()).unwrap();
    let kept = m["spec"]["extra"]["text"]["Region"].to_string();
    assert!(
        kept.contains("Pacific") && !kept.contains("Antarctica"),
        "{kept}"
    );
    assert!(
        lv.contains_key(&("Region".to_string(), "Missing".to_string())),
        "{lv:?}"
    );
    let items = m["spec"]["extra"]["lists"]["Products"].to_string();
    assert!(
        items.contains("batteries") && items.contains("car_electronics"),
        "{items}"
    );

    // each typed column changes the model: without them the test AUC drops
    let no_deal = config(dir, &["Region", "Products"], &[]);
    train(&no_deal, &dir.join("models/accounts-only"));
    let bare = config(dir, &[], &["Deal Size"]);
    train(&bare, &dir.join("models/bare"));
    let (with, without) = (auc(&model), auc(&dir.join("models/bare")));
    eprintln!(
        "held-out AUC: all typed columns {with:.3}, deal size only {without:.3}, account columns only {:.3}",
        auc(&dir.join("models/accounts-only"))
    );
    assert!(
        with > without + 0.05,
        "typed columns do not help: {with} vs {without}"
    );
    assert!(with > auc(&dir.join("models/accounts-only")) + 0.03);

    // open deals, a row each, with their opportunity ids
    let open = dir.join("open.csv");
    write_deals(&open, 600, 8, true);
    let scores = dir.join("open-scores.parquet");
    run(&[
        "score",
        "--model",
        s(&model),
        "--opportunities",
        s(&open),
        "--as-of",
        "2024-01-01",
        "--out",
        s(&scores),
    ])
    .ok();
    let b = read_parquet(&scores);
    let ids = strings(&b, "opportunity_id");
    assert_eq!(ids.len(), 600);
    assert_eq!(ids[0].as_deref(), Some("OPP-00000"));
    let names: Vec<String> = b[0]
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(&names[..3], ["account_id", "opportunity_id", "score"]);
    // resellers' deals score above telesales' on average (the planted route effect)
    let p = numbers(&b, "probability");
    let text = std::fs::read_to_string(&open).unwrap();
    let mean = |route: &str| {
        let v: Vec<f64> = text
            .lines()
            .skip(1)
            .zip(&p)
            .filter(|(l, _)| l.contains(&format!(";{route};")))
            .map(|(_, p)| *p)
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(mean("Reseller") > mean("Telesales") + 0.1);
    let status = strings(&b, "status");
    assert!(
        status.iter().all(|s| s.as_deref() == Some("ok")),
        "{:?}",
        &status[..5]
    );

    // the exported SQL on the same file agrees with `score` (text extras
    // by level; deal columns, unknown for an account, missing on both sides)
    let universe_scores = dir.join("universe-scores.parquet");
    let deals = dir.join("deals.csv");
    score_as_of(&model, &deals, "2024-01-01", &universe_scores);
    for r in sql_parity_runs(dir, &model, "2024-01-01", &deals, &deals, &universe_scores) {
        assert_eq!(r["joined"].as_u64(), Some(4000), "{r}");
        assert_parity(&r);
    }
}

/// `[input] delimiter` overrides the detected delimiter.
#[test]
fn the_delimiter_setting_overrides_detection() {
    let t = tempdir();
    let dir = t.path();
    write_deals(&dir.join("deals.csv"), 300, 3, false);
    let cfg = config(dir, &["Region"], &[]);
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        text.replace("[input]\n", "[input]\ndelimiter = \",\"\n"),
    )
    .unwrap();
    run(&["validate", "--config", s(&cfg)]).fails_with(1, "Opportunity Number");
    std::fs::write(
        &cfg,
        text.replace("[input]\n", "[input]\ndelimiter = \";\"\n"),
    )
    .unwrap();
    run(&["validate", "--config", s(&cfg)]).ok();
    std::fs::write(
        &cfg,
        text.replace("[input]\n", "[input]\ndelimiter = \"::\"\n"),
    )
    .unwrap();
    run(&["validate", "--config", s(&cfg)]).fails_with(1, "input.delimiter");
}

/// An export without any date column (the IBM Sales Win-Loss shape): the
/// default time split is refused, saying how to ask for a random one; the
/// seeded random split trains, and the report states it.
#[test]
fn an_export_without_dates_trains_on_a_random_split() {
    let t = tempdir();
    let dir = t.path();
    write_deals(&dir.join("with-dates.csv"), 2000, 11, false);
    // drop the Created and Closed columns
    let text = std::fs::read_to_string(dir.join("with-dates.csv")).unwrap();
    let dateless: String = text
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.splitn(4, ';').collect();
            format!("{};{}\n", f[0], f[3])
        })
        .collect();
    std::fs::write(dir.join("deals.csv"), dateless).unwrap();
    let cfg = config(
        dir,
        &["Region", "Products"],
        &["Route To Market", "Competitor Type", "Deal Size"],
    );
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("created_date = \"Created\"\nclose_date = \"Closed\"\n", "");
    std::fs::write(&cfg, &text).unwrap();
    run(&["train", "--config", s(&cfg), "--out", s(&dir.join("m"))])
        .fails_with(1, "method = \"random\"");
    std::fs::write(
        &cfg,
        format!("{text}\n[split]\nmethod = \"random\"\nseed = 3\n"),
    )
    .unwrap();
    let out = dir.join("models/random");
    let r = train(&cfg, &out);
    assert!(
        r.stderr.contains("no deal has a created_date"),
        "{}",
        r.stderr
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Split: <b>random (seed 3)</b>"));
    assert!(auc(&out) > 0.7, "AUC {}", auc(&out));
    assert!(levels(&out)[&("Route To Market".to_string(), "Reseller".to_string())] > 0.5);
}

/// Issue 28: text from the data and the config reaches the SQL as each
/// engine reads it. Region levels with a quote, a backslash, an attempt to
/// end the literal early (`x\'; DROP TABLE universe; --`) and a non-ASCII
/// capital; list items and technologies likewise (`İyzico`, folded only
/// where ASCII); two
/// rules (tied, with one sentence) and a disqualifier whose names and
/// literals hold the same. Each
/// dialect's export is one statement in its grammar, and scores as `score`
/// does in DuckDB (its own and the ANSI rendering) and Spark.
#[test]
fn hostile_text_is_escaped_for_every_dialect() {
    let t = tempdir();
    let dir = t.path();
    let regions = [
        ("Pacific", 0.0),
        ("O'Reilly", -0.9),
        ("R\\D Labs", 0.8),
        ("x\\'; DROP TABLE universe; --", -0.6),
        ("İstanbul \"Nord\"", 0.4),
    ];
    let products = [
        "İyzico Pay",
        "Batteries\\Packs",
        "O'Brien -- Tools",
        "Straße",
    ];
    write_deals_with(&dir.join("deals.csv"), 4000, 28, false, &regions, &products);
    // and a technologies column (the accounts' own list) of the same kind
    let techs = [
        "İyzico",
        "O'Brien -- Tools",
        "Back\\slash Labs",
        "x\\'; DROP TABLE signals; --",
    ];
    let text = std::fs::read_to_string(dir.join("deals.csv")).unwrap();
    let mut with_techs = String::new();
    for (i, line) in text.lines().enumerate() {
        let cell = if i == 0 {
            "technologies".to_string()
        } else {
            let on: Vec<&str> = (0..techs.len())
                .filter(|k| (i * 7 + k * 3) % 5 < 2 + k % 2)
                .map(|k| techs[k])
                .collect();
            field(&on.join("; "))
        };
        with_techs += &format!("{line};{cell}\n");
    }
    std::fs::write(dir.join("deals.csv"), with_techs).unwrap();
    let cfg = config(dir, &["Region", "Products"], &["Route To Market"]);
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    // (a region holds `;`: read as text, not as a list)
    text += r#"
[features.types]
Region = "text"

# rules weigh enough to be among the reasons
[model]
rule_weight = 1.0

[[rules]]
name = "It's \"R\\D\" -- best; DROP TABLE universe"
when = "\"Region\" IN ('R\\D Labs', 'O''Reilly')"
points = 2
axis = "fit"

# the same name and points again: a tie in the reasons' order and a
# repeated sentence, which the reasons skip
[[rules]]
name = "It's \"R\\D\" -- best; DROP TABLE universe"
when = "\"Region\" = 'O''Reilly'"
points = 2
axis = "fit"

[[disqualifiers]]
name = "x\\'; DROP TABLE signals; --"
when = "\"Region\" = 'x\\''; DROP TABLE universe; --'"
"#;
    std::fs::write(&cfg, text).unwrap();
    let model = dir.join("models/hostile");
    train(&cfg, &model);
    let lv = levels(&model);
    for (region, _) in &regions[1..] {
        assert!(
            lv.contains_key(&("Region".to_string(), region.to_string())),
            "no level {region:?}: {lv:?}"
        );
    }
    let m = std::fs::read_to_string(model.join("model.json")).unwrap();
    assert!(m.contains("Products_yzico_pay"), "İ is a separator, not i");
    let spec: serde_json::Value = serde_json::from_str(&m).unwrap();
    let flagged = spec["spec"]["technologies"].to_string();
    for t in [
        "yzico",
        "o_brien_tools",
        "back_slash_labs",
        "drop_table_signals",
    ] {
        assert!(
            flagged.contains(&format!("[\"{t}\"")),
            "no technology {t}: {flagged}"
        );
    }

    for (d, _) in grammars() {
        let sql = export_sql(&model, d, "2024-01-01");
        assert_eq!(statements(d, &sql), 1, "{d}: more than one statement");
    }

    let scores = dir.join("scores.parquet");
    let deals = dir.join("deals.csv");
    score_as_of(&model, &deals, "2024-01-01", &scores);
    let b = read_parquet(&scores);
    let tiers = strings(&b, "tier");
    let disqualified = tiers
        .iter()
        .filter(|t| t.as_deref() == Some("Disqualified"))
        .count();
    assert!((300..1000).contains(&disqualified), "{disqualified}");
    let points = numbers(&b, "rule_points");
    assert!(points.iter().filter(|p| **p == 2.0).count() > 300);
    assert!(points.iter().filter(|p| **p == 4.0).count() > 300);
    // the tied rules' one sentence is a reason, never twice on a row
    let rule = "rule It's \"R\\D\" -- best; DROP TABLE universe (+2 points)";
    let reasons: Vec<Vec<Option<String>>> = ["reason_1", "reason_2", "reason_3"]
        .iter()
        .map(|c| strings(&b, c))
        .collect();
    let times = |r: usize| {
        (0..3)
            .filter(|k| reasons[*k][r].as_deref().is_some_and(|x| x.ends_with(rule)))
            .count()
    };
    let (once, twice) = (0..4000).fold((0, 0), |(o, t), r| match times(r) {
        0 => (o, t),
        1 => (o + 1, t),
        _ => (o, t + 1),
    });
    assert!(
        once > 300 && twice == 0,
        "{once} rows with the rule, {twice} with it twice"
    );
    for r in sql_parity_runs(dir, &model, "2024-01-01", &deals, &deals, &scores) {
        assert_eq!(r["joined"].as_u64(), Some(4000), "{r}");
        assert_parity(&r);
    }
}
