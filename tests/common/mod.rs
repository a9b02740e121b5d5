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
pub fn train_sample(data: &Path, out: &Path) {
    run(&[
        "train",
        "--config",
        s(&data.join("scorebook.toml")),
        "--out",
        s(out),
    ])
    .ok();
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

/// `export-sql --dialect duckdb --as-of 2025-07-01` of `model` run by DuckDB
/// on `universe` and `signals`, compared row by row with the scored file
/// `scores` (`tests/reference/sql_parity.py`): its JSON summary. None (said
/// on stderr) without a Python with DuckDB; `.ci/run` provides one.
pub fn duckdb_parity(
    work: &Path,
    model: &Path,
    universe: &Path,
    signals: &Path,
    scores: &Path,
) -> Option<serde_json::Value> {
    let Some(python) = python_with_duckdb() else {
        eprintln!("SKIPPED: no python with duckdb (CI installs one; see .ci/run)");
        return None;
    };
    let sql = run(&[
        "export-sql",
        "--model",
        s(model),
        "--dialect",
        "duckdb",
        "--as-of",
        "2025-07-01",
    ])
    .ok()
    .stdout;
    let query = work.join("score.sql");
    std::fs::write(&query, sql).unwrap();
    let out = std::process::Command::new(python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/reference/sql_parity.py"
        ))
        .args([s(&query), s(universe), s(signals), s(scores)])
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "sql_parity.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}
