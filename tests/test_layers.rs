//! The library's layout as the README states it: every `crate::` import
//! runs downward (no module imports from a layer above its own), no file
//! in `src/` is over 900 lines, and training's functions stay under 120.

use std::path::{Path, PathBuf};

/// Each top-level module's layer, bottom first (README "Layout").
const LAYERS: &[(&str, usize)] = &[
    ("error", 0),
    ("contract", 0),
    ("conventions", 0),
    ("output", 0),
    ("csv_out", 0),
    ("config", 1),
    ("input", 2),
    ("features", 3),
    ("model", 4),
    ("report", 5),
    ("expected", 5),
    ("synth", 5),
    ("scoring", 6),
    ("model_dir", 6),
    ("crm", 7),
    ("review", 7),
    ("books", 8),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The top-level module a file of `src/` belongs to.
fn module_of(path: &Path) -> String {
    let rel = path.strip_prefix(src()).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

#[test]
fn every_import_runs_downward() {
    let mut files = vec![];
    rust_files(&src(), &mut files);
    let mut upward = vec![];
    for f in &files {
        let from = module_of(f);
        let Some(from_layer) = layer(&from) else {
            // the binary's cli, commands and main sit above the library
            assert!(
                ["main", "cli", "commands", "lib"].contains(&from.as_str()),
                "{from} has no layer: add it to LAYERS and the README"
            );
            continue;
        };
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for (i, _) in line.match_indices("crate::") {
                let to: String = line[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if to == from {
                    continue;
                }
                let to_layer = layer(&to).unwrap_or_else(|| panic!("crate::{to} has no layer"));
                if to_layer >= from_layer && to_layer > 0 {
                    upward.push(format!("{}:{}: {from} -> {to}", f.display(), n + 1));
                }
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports from a layer at or above the importer's:\n{}",
        upward.join("\n")
    );
}

#[test]
fn no_file_over_900_lines_and_training_functions_under_120() {
    let mut files = vec![];
    rust_files(&src(), &mut files);
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines.len() <= 900,
            "{} has {} lines",
            f.display(),
            lines.len()
        );
        if !f.starts_with(src().join("model/train")) {
            continue;
        }
        for (i, l) in lines.iter().enumerate() {
            let indent = l.len() - l.trim_start().len();
            let t = l.trim_start();
            let is_fn = ["fn ", "pub fn ", "pub(crate) fn ", "pub(super) fn "]
                .iter()
                .any(|p| t.starts_with(p));
            if !is_fn || t.ends_with(';') {
                continue;
            }
            let close = format!("{}}}", " ".repeat(indent));
            let end = lines[i..].iter().position(|x| *x == close).unwrap_or(0);
            assert!(end <= 120, "{}:{} is {end} lines: {t}", f.display(), i + 1);
        }
    }
}
