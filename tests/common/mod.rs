//! Helpers for the integration tests: run the real binary in a temp dir.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
    pub fn fails_with(self, code: i32, needle: &str) -> Run {
        assert_eq!(
            self.code, code,
            "expected exit {code}\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }
    /// Asserts stdout contains `needle` (showing stdout when not).
    pub fn stdout_has(&self, needle: &str) -> &Run {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}:\n{}",
            self.stdout
        );
        self
    }
}

pub fn run(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_scorebook"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run scorebook");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Copies the files (not the folders) of `from` into `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        if e.path().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// A synthetic dataset in `dir/data`.
pub fn synth(dir: &Path, accounts: usize, history: usize, seed: u64) -> PathBuf {
    synth_truth(dir, accounts, history, seed, "linear")
}

/// The same with a planted truth (`linear` or `shapes`).
pub fn synth_truth(dir: &Path, accounts: usize, history: usize, seed: u64, truth: &str) -> PathBuf {
    let data = dir.join("data");
    run(&[
        "synth",
        "--out",
        s(&data),
        "--accounts",
        &accounts.to_string(),
        "--history-accounts",
        &history.to_string(),
        "--seed",
        &seed.to_string(),
        "--truth",
        truth,
    ])
    .ok();
    data
}

/// Reads every column of a scored parquet file as strings / numbers by name.
pub fn read_parquet(path: &Path) -> Vec<arrow::array::RecordBatch> {
    let f = std::fs::File::open(path).unwrap();
    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap()
        .map(|b| b.unwrap())
        .collect()
}

pub fn strings(batches: &[arrow::array::RecordBatch], col: &str) -> Vec<Option<String>> {
    use arrow::array::AsArray;
    let mut v = vec![];
    for b in batches {
        let a = b
            .column_by_name(col)
            .unwrap_or_else(|| panic!("no column {col}"));
        v.extend(a.as_string::<i32>().iter().map(|s| s.map(String::from)));
    }
    v
}

pub fn numbers(batches: &[arrow::array::RecordBatch], col: &str) -> Vec<f64> {
    use arrow::array::AsArray;
    let mut v = vec![];
    for b in batches {
        let a = b.column_by_name(col).unwrap();
        v.extend(
            a.as_primitive::<arrow::datatypes::Float64Type>()
                .values()
                .iter()
                .copied(),
        );
    }
    v
}

/// Trains on a synth data directory with its sample config.
pub fn train_sample(data: &Path, out: &Path) -> Run {
    run(&[
        "train",
        "--config",
        s(&data.join("scorebook.toml")),
        "--out",
        s(out),
    ])
    .ok()
}

/// `toml` with `keys` added to its `[model]` table (or a new one).
pub fn with_model_keys(toml: &str, keys: &str) -> String {
    match toml.find("[model]\n") {
        Some(i) => {
            let at = i + "[model]\n".len();
            format!("{}{keys}{}", &toml[..at], &toml[at..])
        }
        None => format!("{toml}\n[model]\n{keys}"),
    }
}

/// `data`'s sample config with `keys` added to `[model]`, written beside it
/// as `name`.toml: its path.
pub fn config_with_model_keys(data: &Path, name: &str, keys: &str) -> PathBuf {
    let base = std::fs::read_to_string(data.join("scorebook.toml")).unwrap();
    let cfg = data.join(format!("{name}.toml"));
    std::fs::write(&cfg, with_model_keys(&base, keys)).unwrap();
    cfg
}

/// `train` of `data` with `keys` added to its sample config's `[model]`.
pub fn train_with_model_keys(data: &Path, keys: &str, out: &Path) -> Run {
    let cfg = config_with_model_keys(data, "variant", keys);
    run(&["train", "--config", s(&cfg), "--out", s(out)]).ok()
}

/// `score` of `universe` with `signals` by `model` as of 2025-07-01 (the
/// synth's as-of day) into `out`.
pub fn score_with_signals(model: &Path, universe: &Path, signals: &Path, out: &Path) -> Run {
    run(&[
        "score",
        "--model",
        s(model),
        "--universe",
        s(universe),
        "--signals",
        s(signals),
        "--as-of",
        "2025-07-01",
        "--out",
        s(out),
    ])
    .ok()
}

/// `score` of `universe` (no signals) with `model` as of `as_of` into `out`.
pub fn score_as_of(model: &Path, universe: &Path, as_of: &str, out: &Path) -> Run {
    run(&[
        "score",
        "--model",
        s(model),
        "--universe",
        s(universe),
        "--as-of",
        as_of,
        "--out",
        s(out),
    ])
    .ok()
}

/// `export-sql` of `model` in `dialect` as of `as_of`: the SQL.
pub fn export_sql(model: &Path, dialect: &str, as_of: &str) -> String {
    run(&[
        "export-sql",
        "--model",
        s(model),
        "--dialect",
        dialect,
        "--as-of",
        as_of,
    ])
    .ok()
    .stdout
}

/// The Python with duckdb for the parity test: SCOREBOOK_PYTHON (set by
/// .ci/run, which then requires it), else `python3` when it has duckdb.
pub fn python_with_duckdb() -> Option<String> {
    if let Ok(p) = std::env::var("SCOREBOOK_PYTHON") {
        return Some(p);
    }
    let ok = std::process::Command::new("python3")
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then(|| "python3".to_string())
}

/// Whether `python` can run Spark in local mode (pyspark and a Java).
/// Under .ci/run (SCOREBOOK_PYTHON set) it must: a failure, not a skip.
fn spark_available(python: &str) -> bool {
    let ok = std::process::Command::new(python)
        .args(["-c", "import pyspark"])
        .output()
        .is_ok_and(|o| o.status.success())
        && std::process::Command::new("java")
            .arg("-version")
            .output()
            .is_ok_and(|o| o.status.success());
    assert!(
        ok || std::env::var("SCOREBOOK_PYTHON").is_err(),
        "SCOREBOOK_PYTHON is set but it has no pyspark, or there is no java: .ci/run installs both"
    );
    if !ok {
        eprintln!("SKIPPED: Spark parity: no pyspark or no java (CI installs them; see .ci/run)");
    }
    ok
}

/// The engines the exported SQL is run in, with the dialect each runs:
/// DuckDB its own and the ANSI rendering, Spark its own.
pub const ENGINES: [(&str, &str); 3] =
    [("duckdb", "duckdb"), ("duckdb", "ansi"), ("spark", "spark")];

/// `export-sql` of `model` as of `as_of` run in every engine of `ENGINES`
/// on `universe` and `signals`, each compared row by row with the scored
/// file `scores` (`tests/reference/sql_parity.py`): their JSON summaries,
/// each with its `dialect`. Empty (said on stderr) without a Python with
/// DuckDB, Spark left out without pyspark; `.ci/run` provides both.
pub fn sql_parity_runs(
    work: &Path,
    model: &Path,
    as_of: &str,
    universe: &Path,
    signals: &Path,
    scores: &Path,
) -> Vec<serde_json::Value> {
    let Some(python) = python_with_duckdb() else {
        eprintln!("SKIPPED: no python with duckdb (CI installs one; see .ci/run)");
        return vec![];
    };
    let spark = spark_available(&python);
    let mut out = vec![];
    for (engine, dialect) in ENGINES {
        if engine == "spark" && !spark {
            continue;
        }
        let query = work.join(format!("score-{dialect}.sql"));
        std::fs::write(&query, export_sql(model, dialect, as_of)).unwrap();
        let run = std::process::Command::new(&python)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/reference/sql_parity.py"
            ))
            .args([engine, s(&query), s(universe), s(signals), s(scores)])
            .output()
            .expect("run python");
        assert!(
            run.status.success(),
            "sql_parity.py {engine} ({dialect}) failed:\n{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let mut r: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
        r["dialect"] = dialect.into();
        eprintln!("{r}");
        out.push(r);
    }
    out
}

/// `sql_parity_runs` as of 2025-07-01 (the synth universe's day).
pub fn engine_parity(
    work: &Path,
    model: &Path,
    universe: &Path,
    signals: &Path,
    scores: &Path,
) -> Vec<serde_json::Value> {
    sql_parity_runs(work, model, "2025-07-01", universe, signals, scores)
}

/// Every column of `score` is in the SQL's result, in order (but the
/// reasons, which ANSI SQL leaves out): numbers within 1e-9 (relative
/// beyond 1; the score is rounded to 2 decimals on both sides), text
/// identical.
pub fn assert_parity(r: &serde_json::Value) {
    let ansi = r["dialect"] == "ansi";
    let columns: Vec<&str> = r["columns"]
        .as_array()
        .expect("the parity run lists the scored file's columns")
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    let potential = columns.contains(&"expected_amount");
    assert_eq!(
        columns,
        scorebook::contract::output_columns(potential),
        "{r}"
    );
    let missing: Vec<&str> = columns
        .iter()
        .copied()
        .filter(|c| ansi && c.starts_with("reason_"))
        .collect();
    assert_eq!(
        r["columns_missing_in_sql"],
        serde_json::json!(missing),
        "{r}"
    );
    assert_eq!(r["columns_in_order"], serde_json::json!(!ansi), "{r}");
    assert_eq!(r["only_native"].as_u64(), Some(0), "{r}");
    assert_eq!(r["only_sql"].as_u64(), Some(0), "{r}");
    for k in columns.iter().skip(1) {
        if ansi && k.starts_with("reason_") {
            continue;
        }
        match r.get(*k) {
            Some(d) => {
                let d = d.as_f64().unwrap();
                assert!(d <= 1e-9, "{k} differs by {d}: {r}");
            }
            None => {
                let m = &r[format!("{k}_mismatches")];
                assert_eq!(m.as_u64(), Some(0), "{k} differs: {r}");
            }
        }
    }
}

// ---- the pages in a real browser (report.html, review.html) ----

pub fn browser() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|b| {
            std::env::var_os("PATH")
                .map(|p| {
                    std::env::split_paths(&p)
                        .map(|d| d.join(b))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
        .find(|p| p.is_file())
}

/// The browser, or None (said on stderr) where there is none and
/// SCOREBOOK_REQUIRE_BROWSER is unset; with it set (CI), a failure.
pub fn browser_or_skip() -> Option<PathBuf> {
    let b = browser();
    if b.is_none() {
        assert!(
            std::env::var("SCOREBOOK_REQUIRE_BROWSER").is_err(),
            "SCOREBOOK_REQUIRE_BROWSER is set but no chromium was found"
        );
        eprintln!("SKIPPED: no chromium on PATH (CI installs it)");
    }
    b
}

pub fn headless(chromium: &Path, args: &[&str]) -> String {
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--virtual-time-budget=5000",
        ])
        .args(args)
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Appended to a copy of a page: for every chart, its caption, rendered
/// size, the drawn shapes with a non-empty box, the visible tick labels on
/// each axis, whether it has a legend and how many series marks (or the
/// plot area) the legend's box overlaps.
const MEASURE: &str = r#"<script>
addEventListener('load', () => {
  const vis = e => { const b = e.getBBox(); return b.width > 0 || b.height > 0; };
  const box = e => e.getBoundingClientRect();
  const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const rows = [...document.querySelectorAll('figure')].map(f => {
    const svg = f.querySelector('svg');
    const r = svg.getBoundingClientRect();
    const shapes = [...svg.querySelectorAll('rect,circle,polyline,line,polygon')].filter(vis).length;
    const ticks = c => [...svg.querySelectorAll(c)].filter(t => t.textContent.trim() && vis(t)).length;
    const legend = svg.querySelector('.legend');
    const overlaps = legend
      ? [...svg.querySelectorAll('.series, .plot')].filter(s => hit(box(legend), box(s))).length
      : 0;
    return [f.querySelector('figcaption').textContent, Math.round(r.width), Math.round(r.height),
      shapes, ticks('.tick-x'), ticks('.tick-y'), legend ? 1 : 0, overlaps].join('|');
  });
  const pre = document.createElement('pre');
  pre.id = 'measured';
  pre.textContent = '\n' + rows.join('\n') + '\n';
  document.body.appendChild(pre);
});
</script></body>"#;

/// One chart of a page as the browser laid it out.
#[derive(Debug)]
pub struct Chart {
    pub caption: String,
    pub width: f64,
    pub height: f64,
    pub shapes: usize,
    pub ticks_x: usize,
    pub ticks_y: usize,
    pub legend: bool,
    pub legend_overlaps: usize,
}

/// Every chart of the page `html`, rendered by headless `chromium`.
pub fn measure_charts(chromium: &Path, html: &Path) -> Vec<Chart> {
    let probe = html.with_extension("probe.html");
    let page = std::fs::read_to_string(html).unwrap();
    std::fs::write(&probe, page.replace("</body>", MEASURE)).unwrap();
    let dom = headless(
        chromium,
        &["--dump-dom", &format!("file://{}", probe.display())],
    );
    let _ = std::fs::remove_file(&probe);
    let measured = dom
        .split("<pre id=\"measured\">")
        .nth(1)
        .and_then(|m| m.split("</pre>").next())
        .unwrap_or_else(|| panic!("the measuring script did not run:\n{dom}"));
    measured
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let v: Vec<&str> = l.split('|').collect();
            Chart {
                caption: v[0].to_string(),
                width: v[1].parse().unwrap(),
                height: v[2].parse().unwrap(),
                shapes: v[3].parse().unwrap(),
                ticks_x: v[4].parse().unwrap(),
                ticks_y: v[5].parse().unwrap(),
                legend: v[6] == "1",
                legend_overlaps: v[7].parse().unwrap(),
            }
        })
        .collect()
}

/// Every chart has tick labels on both axes, and no legend covers a series
/// or the plot area.
pub fn check_axes_and_legends(charts: &[Chart]) {
    assert!(!charts.is_empty(), "no charts");
    for c in charts {
        assert!(
            c.ticks_x >= 2,
            "{}: {} tick labels on the x axis",
            c.caption,
            c.ticks_x
        );
        assert!(
            c.ticks_y >= 2,
            "{}: {} tick labels on the y axis",
            c.caption,
            c.ticks_y
        );
        assert_eq!(
            c.legend_overlaps, 0,
            "{}: the legend overlaps {} series marks",
            c.caption, c.legend_overlaps
        );
    }
}

// ---- the grammars of the exported SQL's dialects ----

/// Spark SQL's grammar as sqlparser's Databricks dialect has it, plus what
/// that dialect leaves out: Spark reads backslash escapes in literals
/// (`'R\\D'` is `R\D`), so a literal ends where Spark ends it.
#[derive(Debug)]
pub struct SparkGrammar;

impl sqlparser::dialect::Dialect for SparkGrammar {
    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        sqlparser::dialect::DatabricksDialect {}.is_delimited_identifier_start(ch)
    }
    fn is_identifier_start(&self, ch: char) -> bool {
        sqlparser::dialect::DatabricksDialect {}.is_identifier_start(ch)
    }
    fn is_identifier_part(&self, ch: char) -> bool {
        sqlparser::dialect::DatabricksDialect {}.is_identifier_part(ch)
    }
    fn supports_string_literal_backslash_escape(&self) -> bool {
        true
    }
}

/// Each dialect of `export-sql` with the sqlparser grammar that reads it
/// (the generic one for ANSI, whose strict grammar refuses the `__`
/// helper columns Trino, Postgres and BigQuery accept).
pub fn grammars() -> [(&'static str, Box<dyn sqlparser::dialect::Dialect>); 4] {
    use sqlparser::dialect::{DuckDbDialect, GenericDialect, SnowflakeDialect};
    [
        ("ansi", Box::new(GenericDialect {})),
        ("duckdb", Box::new(DuckDbDialect {})),
        ("spark", Box::new(SparkGrammar)),
        ("snowflake", Box::new(SnowflakeDialect {})),
    ]
}

/// The statements `sql` holds in `dialect`'s grammar (a parse error fails).
pub fn statements(dialect: &str, sql: &str) -> usize {
    let (_, grammar) = grammars()
        .into_iter()
        .find(|(d, _)| *d == dialect)
        .expect("a dialect");
    sqlparser::parser::Parser::parse_sql(grammar.as_ref(), sql)
        .unwrap_or_else(|e| panic!("{dialect}: {e}"))
        .len()
}
