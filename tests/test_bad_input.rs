//! The bad-input corpus (issue 13): every command, each case asserting the
//! exit code, the message, that the inputs are untouched (byte for byte)
//! and that no output (nor temporary file) is left behind.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A small synth export and a model trained on it, copied into each case.
fn fixture() -> &'static (tempfile::TempDir, PathBuf, PathBuf) {
    static F: OnceLock<(tempfile::TempDir, PathBuf, PathBuf)> = OnceLock::new();
    F.get_or_init(|| {
        let t = tempdir();
        let data = synth(t.path(), 400, 400, 61);
        let model = t.path().join("model");
        train_sample(&data, &model);
        (t, data, model)
    })
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut m = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                m.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    m
}

fn edit(path: &Path, f: impl Fn(&str) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, f(&text)).unwrap();
}

/// Replaces field `col` of data line `line` (1 = first after the header).
fn set_field(path: &Path, line: usize, col: usize, value: &str) {
    edit(path, |t| {
        t.lines()
            .enumerate()
            .map(|(i, l)| {
                if i == line {
                    let mut f: Vec<&str> = l.split(',').collect();
                    f[col] = value;
                    f.join(",")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    });
}

fn model_json(dir: &Path, f: impl Fn(&mut serde_json::Value)) {
    let p = dir.join("model/model.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(&p, serde_json::to_string(&v).unwrap()).unwrap();
}

struct Case {
    name: &'static str,
    setup: Box<dyn Fn(&Path)>,
    /// Arguments; `{d}` is the case's folder (data files and `model/` in it).
    args: &'static [&'static str],
    code: i32,
    needle: &'static str,
    /// An output (relative to the folder) that must not exist afterwards.
    no_output: Option<&'static str>,
}

fn case(
    name: &'static str,
    args: &'static [&'static str],
    code: i32,
    needle: &'static str,
    no_output: Option<&'static str>,
    setup: impl Fn(&Path) + 'static,
) -> Case {
    Case {
        name,
        setup: Box::new(setup),
        args,
        code,
        needle,
        no_output,
    }
}

fn none(_: &Path) {}

/// `train` with the sample's first rule replaced by `when`: refused with `needle`.
fn rule_case(name: &'static str, when: &'static str, needle: &'static str) -> Case {
    case(
        name,
        &["train", "--config", "{d}/scorebook.toml", "--out", "{d}/m2"],
        1,
        needle,
        Some("m2"),
        move |d| {
            edit(&d.join("scorebook.toml"), |t| {
                t.replace("when = \"tech_marketo\"", &format!("when = '''{when}'''"))
            })
        },
    )
}

fn corpus() -> Vec<Case> {
    vec![
        // validate: the data contract
        case(
            "no accounts file",
            &["validate", "--config", "{d}/scorebook.toml"],
            1,
            "accounts.csv",
            None,
            |d| std::fs::remove_file(d.join("accounts.csv")).unwrap(),
        ),
        case(
            "accounts without account_id",
            &["validate", "--config", "{d}/scorebook.toml"],
            1,
            "missing required column `account_id`",
            None,
            |d| {
                edit(&d.join("accounts.csv"), |t| {
                    t.replacen("account_id", "acct", 1)
                })
            },
        ),
        case(
            "several required columns missing",
            &["validate", "--config", "{d}/scorebook.toml"],
            1,
            "missing required columns `opportunity_id`, `created_date`, `stage`",
            None,
            |d| {
                edit(&d.join("opportunities.csv"), |t| {
                    t.replacen("opportunity_id", "id", 1)
                        .replacen("created_date", "opened", 1)
                        .replacen("stage", "status", 1)
                })
            },
        ),
        case(
            "duplicate account ids",
            &["validate", "--config", "{d}/scorebook.toml"],
            1,
            "duplicate account_id",
            None,
            |d| set_field(&d.join("accounts.csv"), 2, 0, "A00000001"),
        ),
        case(
            "text in employees",
            &["validate", "--config", "{d}/scorebook.toml"],
            1,
            "cannot read \"abc\" as a number",
            None,
            |d| set_field(&d.join("accounts.csv"), 3, 5, "abc"),
        ),
        case(
            "infinite employees",
            &["validate", "--config", "{d}/scorebook.toml"],
            1,
            "cannot read \"1e400\" as a number",
            None,
            |d| set_field(&d.join("accounts.csv"), 3, 5, "1e400"),
        ),
        case(
            "absurd revenue",
            &["validate", "--config", "{d}/scorebook.toml"],
            1,
            "is beyond",
            None,
            |d| set_field(&d.join("accounts.csv"), 4, 6, "1e20"),
        ),
        case(
            "negative revenue",
            &["validate", "--config", "{d}/scorebook.toml"],
            1,
            "`annual_revenue` is negative in rows 5",
            None,
            |d| set_field(&d.join("accounts.csv"), 5, 6, "-5000"),
        ),
        case(
            "negative employees",
            &["validate", "--config", "{d}/scorebook.toml"],
            1,
            "`employees` is negative",
            None,
            |d| set_field(&d.join("accounts.csv"), 5, 5, "-3"),
        ),
        case(
            "a close date typed 2105",
            &["validate", "--config", "{d}/scorebook.toml"],
            1,
            "dated before 1990-01-01 or after",
            None,
            |d| set_field(&d.join("opportunities.csv"), 1, 3, "2105-05-13"),
        ),
        case(
            "an impossible date",
            &["validate", "--config", "{d}/scorebook.toml"],
            1,
            "cannot read \"2023-02-30\" as a date",
            None,
            |d| set_field(&d.join("opportunities.csv"), 2, 2, "2023-02-30"),
        ),
        case(
            "a date before 1900",
            &["validate", "--config", "{d}/scorebook.toml"],
            1,
            "outside 1900-01-01 to 2199-12-31",
            None,
            |d| set_field(&d.join("opportunities.csv"), 2, 2, "1800-01-01"),
        ),
        case(
            "a repeated column name",
            &["validate", "--config", "{d}/scorebook.toml"],
            1,
            "appears twice",
            None,
            |d| {
                edit(&d.join("accounts.csv"), |t| {
                    t.replacen("country", "domain", 1)
                })
            },
        ),
        case(
            "a deal on an unknown account",
            &["validate", "--config", "{d}/scorebook.toml"],
            1,
            "points at accounts not in the accounts table",
            None,
            |d| set_field(&d.join("opportunities.csv"), 1, 1, "NOPE"),
        ),
        case(
            "no won deals",
            &["validate", "--config", "{d}/scorebook.toml"],
            1,
            "no won opportunities",
            None,
            |d| {
                edit(&d.join("opportunities.csv"), |t| {
                    t.replace("Closed Won", "Closed Lost")
                        .replace("closed-won", "Closed Lost")
                })
            },
        ),
        case(
            "closed before created",
            &["validate", "--config", "{d}/scorebook.toml"],
            1,
            "close_date is before created_date",
            None,
            |d| set_field(&d.join("opportunities.csv"), 1, 3, "2022-01-02"),
        ),
        case(
            "an unknown config key",
            &["validate", "--config", "{d}/scorebook.toml"],
            1,
            "unknown field `colour`",
            None,
            |d| edit(&d.join("scorebook.toml"), |t| format!("colour = 1\n{t}")),
        ),
        case(
            "duplicate opportunity ids",
            &["validate", "--config", "{d}/scorebook.toml"],
            1,
            "duplicate opportunity_id",
            None,
            |d| set_field(&d.join("opportunities.csv"), 2, 0, "O000000001"),
        ),
        case(
            "a signal date out of range (Date32)",
            &["validate", "--config", "{d}/scorebook.toml"],
            1,
            "outside 1900-01-01 to 2199-12-31",
            None,
            |d| write_signals(&d.join("signals.parquet"), 100_000_000),
        ),
        // train: outputs never over an input, settings checked
        case(
            "train --out is the data folder",
            &["train", "--data", "{d}", "--out", "{d}", "--force"],
            1,
            "contains the input",
            None,
            |d| {
                std::fs::remove_file(d.join("scorebook.toml")).unwrap();
                std::fs::remove_file(d.join("universe.parquet")).unwrap();
            },
        ),
        case(
            "train --out is an input file",
            &[
                "train",
                "--config",
                "{d}/scorebook.toml",
                "--out",
                "{d}/accounts.csv",
                "--force",
            ],
            1,
            "is the input",
            None,
            none,
        ),
        case(
            "train over an existing model",
            &[
                "train",
                "--config",
                "{d}/scorebook.toml",
                "--out",
                "{d}/model",
            ],
            1,
            "already exists",
            None,
            none,
        ),
        case(
            "a rule on an unknown feature",
            &["train", "--config", "{d}/scorebook.toml", "--out", "{d}/m2"],
            1,
            "`tech_nonesuch` is not a feature",
            Some("m2"),
            |d| {
                edit(&d.join("scorebook.toml"), |t| {
                    t.replace("when = \"tech_marketo\"", "when = \"tech_nonesuch\"")
                })
            },
        ),
        case(
            "a rule with double quotes",
            &["train", "--config", "{d}/scorebook.toml", "--out", "{d}/m2"],
            1,
            "write text in single quotes",
            Some("m2"),
            |d| {
                edit(&d.join("scorebook.toml"), |t| {
                    t.replace(
                        "when = \"tech_marketo\"",
                        "when = 'industry = \"Software\"'",
                    )
                })
            },
        ),
        case(
            "a rule with ==",
            &["train", "--config", "{d}/scorebook.toml", "--out", "{d}/m2"],
            1,
            "`==` is not SQL",
            Some("m2"),
            |d| {
                edit(&d.join("scorebook.toml"), |t| {
                    t.replace("when = \"tech_marketo\"", "when = \"employees == 10\"")
                })
            },
        ),
        rule_case(
            "a rule with a second statement",
            "tech_marketo; DROP TABLE universe",
            "second statement",
        ),
        rule_case(
            "a rule with a subquery",
            "employees IN (SELECT employees FROM universe)",
            "a subquery is not allowed",
        ),
        rule_case(
            "a rule with a dialect-only function",
            "regexp_like(industry, 'Soft')",
            "`regexp_like(...)` is not one of the functions",
        ),
        rule_case(
            "a rule with ILIKE",
            "industry ILIKE 'soft%'",
            "ILIKE is not in every SQL dialect",
        ),
        rule_case(
            "a rule with a table-qualified column",
            "u.employees > 10",
            "names a table's column",
        ),
        rule_case(
            "a rule with CAST",
            "CAST(employees AS INT) > 10",
            "CAST names types",
        ),
        rule_case(
            "a rule that does not parse",
            "(employees > 3",
            "cannot parse it as a SQL predicate",
        ),
        rule_case(
            "a rule comparing text with a number",
            "industry > 3",
            "cannot evaluate",
        ),
        case(
            "export-sql of an edited model.json rule",
            &["export-sql", "--model", "{d}/model"],
            1,
            "second statement",
            None,
            |d| {
                model_json(d, |v| {
                    v["config"]["rules"][0]["when"] =
                        serde_json::json!("tech_marketo; DROP TABLE universe")
                })
            },
        ),
        case(
            "score with an edited model.json rule",
            &[
                "score",
                "--model",
                "{d}/model",
                "--universe",
                "{d}/universe.parquet",
                "--out",
                "{d}/s.parquet",
            ],
            1,
            "the file was edited or damaged",
            Some("s.parquet"),
            |d| {
                model_json(d, |v| {
                    v["config"]["rules"][0]["when"] = serde_json::json!("u.tech_marketo")
                })
            },
        ),
        case(
            "train --force over a folder of models",
            &[
                "train",
                "--config",
                "{d}/scorebook.toml",
                "--out",
                "{d}/models",
                "--force",
            ],
            1,
            "is a folder of 2 models (a registry)",
            None,
            |d| {
                copy_dir(&d.join("model"), &d.join("models/2026q3"));
                copy_dir(&d.join("model"), &d.join("models/2026q4"));
                std::fs::write(d.join("models/CHAMPION"), "2026q3\n").unwrap();
            },
        ),
        case(
            "train --force over a folder that is not a model",
            &[
                "train",
                "--config",
                "{d}/scorebook.toml",
                "--out",
                "{d}/notes",
                "--force",
            ],
            1,
            "not a model directory (it has no model.json)",
            None,
            |d| {
                std::fs::create_dir_all(d.join("notes")).unwrap();
                std::fs::write(d.join("notes/plan.txt"), "keep me").unwrap();
            },
        ),
        case(
            "review --force over a model",
            &[
                "review",
                "--champion",
                "{d}/model",
                "--challenger",
                "{d}/model",
                "--config",
                "{d}/scorebook.toml",
                "--out",
                "{d}/other",
                "--force",
            ],
            1,
            "not a review directory",
            None,
            |d| copy_dir(&d.join("model"), &d.join("other")),
        ),
        case(
            "score --out a directory",
            &[
                "score",
                "--model",
                "{d}/model",
                "--universe",
                "{d}/universe.parquet",
                "--out",
                "{d}/out",
                "--force",
            ],
            1,
            "is a directory",
            None,
            |d| {
                std::fs::create_dir_all(d.join("out")).unwrap();
                std::fs::write(d.join("out/keep.txt"), "keep me").unwrap();
            },
        ),
        case(
            "a number whose separators fit no convention",
            &["validate", "--config", "{d}/scorebook.toml"],
            1,
            "not in groups of three; set [input] decimal",
            None,
            |d| set_field(&d.join("accounts.csv"), 3, 5, "\"1,2,3\""),
        ),
        case(
            "dates that could be day/month or month/day",
            &["validate", "--config", "{d}/scorebook.toml"],
            1,
            "set [input] date_format",
            None,
            |d| set_field(&d.join("opportunities.csv"), 2, 2, "03/04/2024"),
        ),
        case(
            "an unknown date format",
            &["validate", "--config", "{d}/scorebook.toml"],
            1,
            "is not a date format scorebook reads",
            None,
            |d| {
                edit(&d.join("scorebook.toml"), |t| {
                    t.replacen("[input]", "[input]\ndate_format = \"YYYY.DD.MM\"", 1)
                })
            },
        ),
        case(
            "an unknown decimal separator",
            &["validate", "--config", "{d}/scorebook.toml"],
            1,
            "decimal",
            None,
            |d| {
                edit(&d.join("scorebook.toml"), |t| {
                    t.replacen("[input]", "[input]\ndecimal = \";\"", 1)
                })
            },
        ),
        case(
            "an unknown column type",
            &["validate", "--config", "{d}/scorebook.toml"],
            1,
            "unknown variant `category`",
            None,
            |d| {
                edit(&d.join("scorebook.toml"), |t| {
                    format!("{t}\n[features.types]\nindustry = \"category\"\n")
                })
            },
        ),
        case(
            "a disqualifier that matches everything",
            &["train", "--config", "{d}/scorebook.toml", "--out", "{d}/m2"],
            1,
            "match every one of the",
            Some("m2"),
            |d| {
                edit(&d.join("scorebook.toml"), |t| {
                    t.replace(
                        "when = \"employees < 10\"",
                        "when = \"employees >= 0 OR employees IS NULL\"",
                    )
                })
            },
        ),
        case(
            "a negative C",
            &["train", "--config", "{d}/scorebook.toml", "--out", "{d}/m2"],
            1,
            "model.c_grid must hold positive numbers, got [-1.0]",
            Some("m2"),
            |d| {
                edit(&d.join("scorebook.toml"), |t| {
                    t.replace("[model]\n", "[model]\nc_grid = [-1.0]\n")
                })
            },
        ),
        case(
            "an unknown signal shape",
            &["train", "--config", "{d}/scorebook.toml", "--out", "{d}/m2"],
            1,
            "unknown variant `cubic`",
            Some("m2"),
            |d| {
                edit(&d.join("scorebook.toml"), |t| {
                    t.replace("[features]\n", "[features]\nsignal_shapes = [\"cubic\"]\n")
                })
            },
        ),
        case(
            "an axis for no feature",
            &["train", "--config", "{d}/scorebook.toml", "--out", "{d}/m2"],
            1,
            "`nonesuch` is not a feature",
            Some("m2"),
            |d| {
                edit(&d.join("scorebook.toml"), |t| {
                    format!("{t}\n[features.axes]\nnonesuch = \"timing\"\n")
                })
            },
        ),
        case(
            "a bad --until",
            &[
                "train",
                "--config",
                "{d}/scorebook.toml",
                "--out",
                "{d}/m2",
                "--until",
                "last spring",
            ],
            1,
            "is not a date",
            Some("m2"),
            none,
        ),
        case(
            "train with too few closed deals",
            &[
                "train",
                "--config",
                "{d}/scorebook.toml",
                "--out",
                "{d}/m2",
                "--until",
                "2022-03-15",
            ],
            1,
            "deals were created and closed before --until 2022-03-15",
            Some("m2"),
            none,
        ),
        // score
        case(
            "score --out is the universe",
            &[
                "score",
                "--model",
                "{d}/model",
                "--universe",
                "{d}/universe.parquet",
                "--out",
                "{d}/universe.parquet",
            ],
            1,
            "is the input",
            None,
            none,
        ),
        case(
            "score --out inside the model",
            &[
                "score",
                "--model",
                "{d}/model",
                "--universe",
                "{d}/universe.parquet",
                "--out",
                "{d}/model/s.parquet",
            ],
            1,
            "lies inside the input",
            Some("model/s.parquet"),
            none,
        ),
        case(
            "score over an existing output",
            &[
                "score",
                "--model",
                "{d}/model",
                "--universe",
                "{d}/universe.parquet",
                "--out",
                "{d}/accounts.parquet",
            ],
            1,
            "already exists",
            None,
            |d| std::fs::write(d.join("accounts.parquet"), b"keep me").unwrap(),
        ),
        case(
            "a universe without account_id",
            &[
                "score",
                "--model",
                "{d}/model",
                "--universe",
                "{d}/accounts.csv",
                "--out",
                "{d}/s.parquet",
            ],
            1,
            "missing required column `account_id`",
            Some("s.parquet"),
            |d| {
                edit(&d.join("accounts.csv"), |t| {
                    t.replacen("account_id", "acct", 1)
                })
            },
        ),
        case(
            "a glob that matches nothing",
            &[
                "score",
                "--model",
                "{d}/model",
                "--universe",
                "{d}/nothing-*.parquet",
                "--out",
                "{d}/s.parquet",
            ],
            1,
            "no .csv or .parquet files found",
            Some("s.parquet"),
            none,
        ),
        case(
            "signals that do not exist",
            &[
                "score",
                "--model",
                "{d}/model",
                "--universe",
                "{d}/universe.parquet",
                "--signals",
                "{d}/nope.parquet",
                "--out",
                "{d}/s.parquet",
            ],
            1,
            "no such file or directory",
            Some("s.parquet"),
            none,
        ),
        case(
            "no model there",
            &[
                "score",
                "--model",
                "{d}/nomodel",
                "--universe",
                "{d}/universe.parquet",
                "--out",
                "{d}/s.parquet",
            ],
            1,
            "model.json",
            Some("s.parquet"),
            none,
        ),
        case(
            "a model with an absurd coefficient",
            &[
                "score",
                "--model",
                "{d}/model",
                "--universe",
                "{d}/universe.parquet",
                "--out",
                "{d}/s.parquet",
            ],
            1,
            "absurd coefficient",
            Some("s.parquet"),
            |d| model_json(d, |v| v["terms"][0]["coef"] = serde_json::json!(1e308)),
        ),
        case(
            "a model with a zero std",
            &[
                "score",
                "--model",
                "{d}/model",
                "--universe",
                "{d}/universe.parquet",
                "--out",
                "{d}/s.parquet",
            ],
            1,
            "has std 0",
            Some("s.parquet"),
            |d| model_json(d, |v| v["terms"][1]["std"] = serde_json::json!(0.0)),
        ),
        case(
            "a model with inverted tier cut-offs",
            &[
                "score",
                "--model",
                "{d}/model",
                "--universe",
                "{d}/universe.parquet",
                "--out",
                "{d}/s.parquet",
            ],
            1,
            "tier cut-offs",
            Some("s.parquet"),
            |d| model_json(d, |v| v["tier_cutoffs"] = serde_json::json!([0.2, 0.6])),
        ),
        case(
            "a model file that is not JSON",
            &[
                "score",
                "--model",
                "{d}/model",
                "--universe",
                "{d}/universe.parquet",
                "--out",
                "{d}/s.parquet",
            ],
            1,
            "not a model file",
            Some("s.parquet"),
            |d| std::fs::write(d.join("model/model.json"), "{ nope").unwrap(),
        ),
        case(
            "an infinite signal value",
            &[
                "score",
                "--model",
                "{d}/model",
                "--universe",
                "{d}/universe.parquet",
                "--signals",
                "{d}/signals.csv",
                "--out",
                "{d}/s.parquet",
            ],
            1,
            "cannot read \"1e400\" as a number",
            Some("s.parquet"),
            |d| {
                std::fs::write(
                    d.join("signals.csv"),
                    "account_id,date,signal,value\nA00000001,2025-06-01,web_visit,1e400\n",
                )
                .unwrap()
            },
        ),
        case(
            "a bad --as-of",
            &[
                "score",
                "--model",
                "{d}/model",
                "--universe",
                "{d}/universe.parquet",
                "--as-of",
                "01/07/2025",
                "--out",
                "{d}/s.parquet",
            ],
            1,
            "is not a date",
            Some("s.parquet"),
            none,
        ),
        case(
            "a bad --shard",
            &[
                "score",
                "--model",
                "{d}/model",
                "--universe",
                "{d}/universe.parquet",
                "--shard",
                "3/2",
                "--out",
                "{d}/s.parquet",
            ],
            1,
            "is not I/N",
            Some("s.parquet"),
            none,
        ),
        case(
            "a truncated universe",
            &[
                "score",
                "--model",
                "{d}/model",
                "--universe",
                "{d}/universe.parquet",
                "--out",
                "{d}/s.parquet",
            ],
            1,
            "not a readable parquet file",
            Some("s.parquet"),
            |d| {
                let p = d.join("universe.parquet");
                let b = std::fs::read(&p).unwrap();
                std::fs::write(&p, &b[..b.len() / 2]).unwrap();
            },
        ),
        case(
            "a batch size of 0",
            &[
                "score",
                "--model",
                "{d}/model",
                "--universe",
                "{d}/universe.parquet",
                "--batch-size",
                "0",
                "--out",
                "{d}/s.parquet",
            ],
            1,
            "must be at least 1",
            Some("s.parquet"),
            none,
        ),
        case(
            "score champion with none promoted",
            &[
                "score",
                "--model",
                "{d}/champion",
                "--universe",
                "{d}/universe.parquet",
                "--out",
                "{d}/s.parquet",
            ],
            1,
            "no champion promoted",
            Some("s.parquet"),
            none,
        ),
        // export-sql
        case(
            "a table name with SQL in it",
            &[
                "export-sql",
                "--model",
                "{d}/model",
                "--universe-table",
                "u; DROP TABLE x",
            ],
            1,
            "is not a table name",
            None,
            none,
        ),
        case(
            "an unknown dialect",
            &["export-sql", "--model", "{d}/model", "--dialect", "oracle"],
            1,
            "unknown SQL dialect",
            None,
            none,
        ),
        case(
            "export-sql without a model",
            &["export-sql", "--model", "{d}/nomodel"],
            1,
            "model.json",
            None,
            none,
        ),
        // report
        case(
            "report without a model",
            &["report", "--model", "{d}/nomodel"],
            1,
            "model.json",
            None,
            none,
        ),
        case(
            "report with corrupt metrics",
            &["report", "--model", "{d}/model"],
            1,
            "corrupt metrics file",
            None,
            |d| std::fs::write(d.join("model/metrics.json"), "[]").unwrap(),
        ),
        // features
        case(
            "features --out is an input",
            &[
                "features",
                "--config",
                "{d}/scorebook.toml",
                "--out",
                "{d}/opportunities.csv",
            ],
            1,
            "is the input",
            None,
            none,
        ),
        case(
            "features to an unknown format",
            &[
                "features",
                "--config",
                "{d}/scorebook.toml",
                "--out",
                "{d}/features.txt",
            ],
            1,
            "features.txt",
            Some("features.txt"),
            none,
        ),
        // review, models, promote
        case(
            "review --out is the champion",
            &[
                "review",
                "--champion",
                "{d}/model",
                "--challenger",
                "{d}/model",
                "--config",
                "{d}/scorebook.toml",
                "--out",
                "{d}/model",
                "--force",
            ],
            1,
            "is the input",
            None,
            none,
        ),
        case(
            "review --out inside an input",
            &[
                "review",
                "--champion",
                "{d}/model",
                "--challenger",
                "{d}/model",
                "--config",
                "{d}/scorebook.toml",
                "--out",
                "{d}/model/review",
            ],
            1,
            "lies inside the input",
            Some("model/review"),
            none,
        ),
        case(
            "review --before that is not scores",
            &[
                "review",
                "--champion",
                "{d}/model",
                "--challenger",
                "{d}/model",
                "--config",
                "{d}/scorebook.toml",
                "--before",
                "{d}/accounts.csv",
                "--out",
                "{d}/r",
            ],
            1,
            "not a readable parquet file",
            Some("r"),
            none,
        ),
        case(
            "models in a folder that does not exist",
            &["models", "{d}/nowhere"],
            1,
            "nowhere",
            None,
            none,
        ),
        case(
            "promote a folder without a model",
            &["promote", "{d}/nomodel"],
            1,
            "model.json",
            Some("CHAMPION"),
            none,
        ),
        // synth
        case(
            "synth over a file",
            &["synth", "--out", "{d}/accounts.csv/x", "--accounts", "10"],
            1,
            "accounts.csv",
            None,
            none,
        ),
    ]
}

/// A signals parquet whose one date is `days` after 1970-01-01.
fn write_signals(path: &Path, days: i32) {
    use arrow::array::{Date32Array, Float64Array, RecordBatch, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;
    let schema = Arc::new(Schema::new(vec![
        Field::new("account_id", DataType::Utf8, false),
        Field::new("date", DataType::Date32, false),
        Field::new("signal", DataType::Utf8, false),
        Field::new("value", DataType::Float64, false),
    ]));
    let b = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(vec!["A00000001"])),
            Arc::new(Date32Array::from(vec![days])),
            Arc::new(StringArray::from(vec!["web_visit"])),
            Arc::new(Float64Array::from(vec![1.0])),
        ],
    )
    .unwrap();
    let mut w =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema, None)
            .unwrap();
    w.write(&b).unwrap();
    w.close().unwrap();
}

#[test]
fn every_bad_input_fails_cleanly() {
    let (t, data, model) = fixture();
    let corpus = corpus();
    assert!(corpus.len() >= 40, "{} cases", corpus.len());
    let mut failures = vec![];
    for (k, c) in corpus.iter().enumerate() {
        let d = t.path().join(format!("case{k}"));
        copy_dir(data, &d);
        copy_dir(model, &d.join("model"));
        (c.setup)(&d);
        let before = snapshot(&d);
        let args: Vec<String> = c
            .args
            .iter()
            .map(|a| a.replace("{d}", d.to_str().unwrap()))
            .collect();
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run(&argv);
        let mut problems = vec![];
        if r.code != c.code {
            problems.push(format!("exit {} (expected {})", r.code, c.code));
        }
        // data goes to stdout (validate's report), diagnostics to stderr
        if !r.stderr.contains(c.needle) && !r.stdout.contains(c.needle) {
            problems.push(format!("the output lacks {:?}", c.needle));
        }
        let after = snapshot(&d);
        for (p, bytes) in &before {
            if after.get(p) != Some(bytes) {
                problems.push(format!("input {} was changed or removed", p.display()));
            }
        }
        for p in after.keys().filter(|p| !before.contains_key(*p)) {
            problems.push(format!("left {}", p.display()));
        }
        if let Some(o) = c.no_output {
            if d.join(o).exists() {
                problems.push(format!("output {o} exists"));
            }
        }
        eprintln!(
            "{:<45} exit {} {}",
            c.name,
            r.code,
            r.stderr
                .lines()
                .find(|l| l.starts_with("error:"))
                .unwrap_or("")
        );
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {}\n  stderr: {}",
                c.name,
                problems.join("; "),
                r.stderr.trim()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        corpus.len(),
        failures.join("\n")
    );
}

/// A closed stdout (`export-sql | head -1`) ends the command quietly:
/// killed by SIGPIPE like other Unix tools, or exit 0, never "internal
/// error" (issue 19).
#[test]
fn a_closed_pipe_ends_quietly() {
    let (_, _, model) = fixture();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_scorebook"))
        .args(["export-sql", "--model", s(model)])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // the reader is gone before the SQL is written (the model loads first)
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("internal error"), "{stderr}");
    assert!(
        matches!(out.status.code(), Some(0) | None),
        "{:?}: {stderr}",
        out.status
    );
}

/// A full disk is exit 1 naming the output, with nothing left behind, in
/// `score` and `train` alike (issue 19). Root mounts a 16 KiB tmpfs;
/// elsewhere a file-size limit (`ulimit -f`, SIGXFSZ ignored) makes the
/// writes fail the same way, so the test never skips.
#[test]
fn a_full_disk_is_a_clear_error_that_leaves_nothing() {
    let (t, data, model) = fixture();
    let full = t.path().join("full-disk");
    std::fs::create_dir_all(&full).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=16k", "tmpfs", s(&full)])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(self.0).status();
        }
    }
    let _guard = mounted.then(|| Unmount(&full));
    let limited = |args: &[&str]| -> Run {
        if mounted {
            return run(args);
        }
        let out = std::process::Command::new("sh")
            .args(["-c", "trap '' XFSZ; ulimit -f 16; exec \"$0\" \"$@\""])
            .arg(env!("CARGO_BIN_EXE_scorebook"))
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .expect("run sh");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    let out = full.join("scores.parquet");
    limited(&[
        "score",
        "--model",
        s(model),
        "--universe",
        s(&data.join("universe.parquet")),
        "--out",
        s(&out),
    ])
    .fails_with(1, "cannot write the output");
    let m = full.join("model");
    let r = limited(&[
        "train",
        "--config",
        s(&data.join("scorebook.toml")),
        "--out",
        s(&m),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("full-disk"),
        "the error names the path: {}",
        r.stderr
    );
    let left: Vec<_> = std::fs::read_dir(&full)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}
