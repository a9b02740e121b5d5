//! Exports as CRMs write them (issue 19): a `;`-delimited flat export with
//! Yes/No/Unknown answers, decimal commas, thousands dots, percentages
//! and currency signs trains from a config alone, each value read as the
//! export means it; `[features.types]` overrides how a column looks, both
//! ways.

mod common;
use common::*;
use std::path::{Path, PathBuf};

/// A flat B2B export of `n` deals: outcome driven by the competitor
/// answer, the region and the size, written the European way.
fn write_export(dir: &Path, n: usize) -> PathBuf {
    use rand::{Rng, SeedableRng};
    let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let mut csv = String::from(
        "\u{feff}Deal ID;Outcome;Competitors;Region;Tier;Employees;Revenue;Discount;Amount\n",
    );
    for i in 0..n {
        let comp = match r.gen_range(0..100) {
            0..=47 => "Yes",
            48..=95 => "No",
            _ => "Unknown",
        };
        let region = ["North", "South", "East", "West"][r.gen_range(0..4)];
        let tier = r.gen_range(1..=4);
        let employees: u32 = r.gen_range(50..20_000);
        let revenue = employees as f64 * r.gen_range(50_000.0..200_000.0);
        let discount = r.gen_range(0..30);
        let mut logit = -0.2 + if comp == "No" { 1.0 } else { -0.6 };
        logit += if region == "North" { 0.8 } else { 0.0 };
        logit += 0.2 * tier as f64;
        let won = r.gen::<f64>() < 1.0 / (1.0 + (-logit).exp());
        // thousands dots, decimal commas, a euro sign, percentages
        let grouped = |x: u64| {
            let s = x.to_string();
            let mut out = String::new();
            for (k, c) in s.chars().enumerate() {
                if k > 0 && (s.len() - k).is_multiple_of(3) {
                    out.push('.');
                }
                out.push(c);
            }
            out
        };
        let rev = format!(
            "{},{:02}",
            revenue.trunc() as u64,
            (revenue.fract() * 100.0) as u64
        );
        csv += &format!(
            "D{i:05};{};{comp};{region};{tier};{};{rev};{discount}%;\"{} €\"\n",
            if won { "Won" } else { "Lost" },
            grouped(employees as u64),
            grouped(r.gen_range(1_000..900_000)),
        );
    }
    let p = dir.join("deals.csv");
    std::fs::write(&p, csv).unwrap();
    p
}

fn config(dir: &Path, types: &str) -> PathBuf {
    let p = dir.join(format!("scorebook{}.toml", types.len()));
    std::fs::write(
        &p,
        format!(
            r#"[input]
accounts = "deals.csv"
opportunities = "deals.csv"
[columns.accounts]
employees = "Employees"
annual_revenue = "Revenue"
[columns.opportunities]
opportunity_id = "Deal ID"
stage = "Outcome"
amount = "Amount"
[split]
method = "random"
seed = 1
[stages]
won = ["Won"]
lost = ["Lost"]
[features]
extra = ["Competitors", "Region", "Tier", "Discount"]
{types}
"#
        ),
    )
    .unwrap();
    p
}

#[test]
fn a_semicolon_export_with_unknown_answers_trains_from_a_config() {
    let t = tempdir();
    write_export(t.path(), 1500);
    let cfg = config(t.path(), "");
    let model = t.path().join("m");
    let r = run(&["train", "--config", s(&cfg), "--out", s(&model)]).ok();
    assert!(
        r.stderr.contains("decimal comma"),
        "the decimal comma is stated:\n{}",
        r.stderr
    );
    let imp = std::fs::read_to_string(model.join("importance.csv")).unwrap();
    // `Unknown` is a level of a categorical, not a typo of a boolean
    assert!(
        imp.lines()
            .any(|l| l.contains(",Competitors,") && l.ends_with(",Unknown")),
        "{imp}"
    );
    // the numbers as the export means them
    let feat = t.path().join("features.parquet");
    run(&["features", "--config", s(&cfg), "--out", s(&feat)]).ok();
    let b = read_parquet(&feat);
    let emp = numbers(&b, "employees");
    assert!(
        emp.iter().all(|e| *e >= 50.0 && e.fract() == 0.0),
        "thousands dots: {:?}",
        &emp[..5]
    );
    assert!(emp.iter().any(|e| *e >= 1000.0));
    let rev = numbers(&b, "annual_revenue");
    assert!(
        rev.iter().all(|x| *x >= 50.0 * 50_000.0 - 1.0),
        "decimal commas: {:?}",
        &rev[..5]
    );
    let disc = numbers(&b, "Discount");
    assert!(
        disc.iter().all(|d| (0.0..0.3).contains(d)),
        "percentages as fractions: {:?}",
        &disc[..5]
    );
    // `Tier` (digits) is a number unless the types say otherwise: no levels
    let tier: Vec<&str> = imp.lines().filter(|l| l.contains(",Tier,")).collect();
    assert!(
        !tier.is_empty() && tier.iter().all(|l| l.ends_with(',')),
        "{imp}"
    );
}

#[test]
fn features_types_override_how_a_column_looks_both_ways() {
    let t = tempdir();
    write_export(t.path(), 1500);
    // a digit column as levels
    let cfg = config(t.path(), "[features.types]\nTier = \"text\"");
    let model = t.path().join("as-text");
    run(&["train", "--config", s(&cfg), "--out", s(&model)]).ok();
    let imp = std::fs::read_to_string(model.join("importance.csv")).unwrap();
    assert!(
        imp.lines()
            .any(|l| l.contains(",Tier,") && l.ends_with(",3")),
        "{imp}"
    );
    // a text column forced to a boolean: `Unknown` is then refused, naming the override
    let cfg = config(t.path(), "[features.types]\nCompetitors = \"boolean\"");
    run(&[
        "train",
        "--config",
        s(&cfg),
        "--out",
        s(&t.path().join("as-bool")),
    ])
    .fails_with(1, "change [features.types] \"Competitors\" to \"text\"");
    // ... unless `Unknown` is declared a missing value
    let cfg = config(t.path(), "[features.types]\nCompetitors = \"boolean\"\n");
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("[input]\n", "[input]\nmissing_values = [\"Unknown\"]\n");
    std::fs::write(&cfg, text).unwrap();
    run(&[
        "train",
        "--config",
        s(&cfg),
        "--out",
        s(&t.path().join("bool-missing")),
    ])
    .ok();
    assert!(!t.path().join("as-bool").exists());
}

#[test]
fn ambiguous_separators_and_dates_are_refused_with_the_setting_that_decides() {
    let t = tempdir();
    // `1.327` alone in a `;` export: thousands or decimal?
    std::fs::write(
        t.path().join("accounts.csv"),
        "account_id;employees\nA1;1.327\nA2;2.500\n",
    )
    .unwrap();
    std::fs::write(
        t.path().join("opportunities.csv"),
        "opportunity_id;account_id;created_date;stage\nO1;A1;03/04/2024;won\nO2;A2;05/06/2024;lost\n",
    )
    .unwrap();
    let cfg = t.path().join("c.toml");
    std::fs::write(
        &cfg,
        "[input]\naccounts = \"accounts.csv\"\nopportunities = \"opportunities.csv\"\n",
    )
    .unwrap();
    run(&["validate", "--config", s(&cfg)]).fails_with(1, "set [input] decimal");
    std::fs::write(&cfg, "[input]\naccounts = \"accounts.csv\"\nopportunities = \"opportunities.csv\"\ndecimal = \",\"\n").unwrap();
    run(&["validate", "--config", s(&cfg)]).fails_with(1, "date_format");
    std::fs::write(&cfg, "[input]\naccounts = \"accounts.csv\"\nopportunities = \"opportunities.csv\"\ndecimal = \",\"\ndate_format = \"DD/MM/YYYY\"\n").unwrap();
    let r = run(&["validate", "--config", s(&cfg)]);
    assert!(
        !r.stderr.contains("date_format") && !r.stderr.contains("[input] decimal"),
        "{}",
        r.stderr
    );
}

/// A digit column with a stray word is a number with a typo: the error
/// names the row and the two settings that could decide otherwise.
#[test]
fn a_stray_word_in_a_number_column_names_its_row_and_the_settings() {
    let t = tempdir();
    let mut acc = String::from("account_id,seats\n");
    let mut opp = String::from("opportunity_id,account_id,created_date,stage\n");
    for i in 0..40 {
        let seats = if i == 17 {
            "many".to_string()
        } else {
            (i * 3).to_string()
        };
        acc += &format!("A{i},{seats}\n");
        opp += &format!(
            "O{i},A{i},2024-01-{:02},{}\n",
            i % 28 + 1,
            if i % 2 == 0 { "won" } else { "lost" }
        );
    }
    std::fs::write(t.path().join("accounts.csv"), acc).unwrap();
    std::fs::write(t.path().join("opportunities.csv"), opp).unwrap();
    let cfg = t.path().join("c.toml");
    std::fs::write(
        &cfg,
        "[input]\naccounts = \"accounts.csv\"\nopportunities = \"opportunities.csv\"\n[features]\nextra = [\"seats\"]\n",
    )
    .unwrap();
    run(&["validate", "--config", s(&cfg)])
        .fails_with(
            1,
            "column `seats`, row 18: cannot read \"many\" as a number",
        )
        .fails_with(1, "[input] missing_values")
        .fails_with(1, "set [features.types] \"seats\" = \"text\"");
}
