//! Writing outputs safely: never over an input, always through a temporary
//! sibling renamed into place (so a failed or killed run leaves nothing
//! half-written in place), and temporaries of killed runs cleaned up.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// `p` made absolute, with symbolic links resolved as far as it exists.
fn absolute(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut existing = abs.clone();
    let mut rest = vec![];
    while !existing.exists() {
        match (
            existing.file_name().map(|n| n.to_os_string()),
            existing.parent(),
        ) {
            (Some(n), Some(parent)) => {
                rest.push(n);
                existing = parent.to_path_buf();
            }
            _ => return abs,
        }
    }
    let mut out = existing.canonicalize().unwrap_or(existing);
    for n in rest.into_iter().rev() {
        out.push(n);
    }
    out
}

/// Refuses an output that is, contains or lies inside one of the inputs
/// (`train --data r1 --out r1` would replace the export it reads).
pub fn check_not_input(flag: &str, out: &Path, inputs: &[PathBuf]) -> Result<()> {
    let o = absolute(out);
    for input in inputs {
        let i = absolute(input);
        let how = if i == o {
            "is"
        } else if i.starts_with(&o) {
            "contains"
        } else if o.starts_with(&i) {
            "lies inside"
        } else {
            continue;
        };
        return Err(Error::data(
            out.display(),
            format!(
                "this {flag} output {how} the input {}; writing it would destroy the input: choose another {flag} path",
                input.display()
            ),
        ));
    }
    Ok(())
}

/// The temporary sibling `out` is written to before it is renamed into
/// place (`.NAME.tmp-PID`). Temporaries of the same output left by runs that
/// no longer exist (killed, out of disk) are removed first, with a warning.
pub fn tmp_path(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("output")
        .to_string();
    let parent = parent_of(out);
    clean_stale(&parent, &name);
    parent.join(format!(".{name}.tmp-{}", std::process::id()))
}

/// The folder `p` is in (`.` for a bare name).
pub fn parent_of(p: &Path) -> PathBuf {
    p.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Removes `.NAME.tmp-PID` and `.NAME.old-PID` in `dir` whose process is gone.
fn clean_stale(dir: &Path, name: &str) {
    // without /proc a process cannot be checked: leave everything
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name();
        let Some(f) = file.to_str() else { continue };
        let pid = [".tmp-", ".old-"].iter().find_map(|k| {
            f.strip_prefix(&format!(".{name}{k}"))
                .and_then(|p| p.parse::<u32>().ok())
        });
        let Some(pid) = pid else { continue };
        if pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let p = e.path();
        let removed = if p.is_dir() {
            std::fs::remove_dir_all(&p)
        } else {
            std::fs::remove_file(&p)
        };
        match removed {
            Ok(()) => eprintln!(
                "warning: removed {}, left by a run that did not finish",
                p.display()
            ),
            Err(err) => eprintln!(
                "warning: {} was left by a run that did not finish and cannot be removed: {err}",
                p.display()
            ),
        }
    }
}

/// Renames the finished temporary `tmp` into place at `out`; when that
/// fails (`out` is a directory, the disk is gone) the temporary is removed
/// and the error names `out`.
pub fn persist(tmp: &Path, out: &Path) -> Result<()> {
    std::fs::rename(tmp, out).map_err(|e| {
        let _ = std::fs::remove_file(tmp);
        Error::io(out, e)
    })
}

/// A failure to write an output (a full disk, a lost mount): exit 1,
/// naming the output, never an internal error.
pub fn write_error(out: &Path, e: impl std::fmt::Display) -> Error {
    Error::data(
        out.display(),
        format!("cannot write the output: {e}; free space or choose another path (nothing was replaced)"),
    )
}

/// Refuses to replace `dir` unless it is a directory of the kind being
/// written (`kind`, whose `marker` file it holds: a model's `model.json`,
/// a review's `review.json`): `--force` replaces a model, never a
/// registry of models or any other folder.
pub fn check_replaceable(dir: &Path, kind: &str, marker: &str) -> Result<()> {
    if !dir.exists() || dir.join(marker).is_file() {
        return Ok(());
    }
    let what = if !dir.is_dir() {
        format!("is a file, not a {kind} directory")
    } else {
        let models = std::fs::read_dir(dir)
            .map(|r| {
                r.flatten()
                    .filter(|e| e.path().join("model.json").is_file())
                    .count()
            })
            .unwrap_or(0);
        if models > 0 || dir.join("CHAMPION").exists() {
            format!("is a folder of {models} models (a registry), not a {kind} directory")
        } else {
            format!("is a folder that is not a {kind} directory (it has no {marker})")
        }
    };
    Err(Error::data(
        dir.display(),
        format!(
            "{what}; --force replaces a {kind} only, never another folder: name a new one, e.g. {}",
            dir.join("NAME").display()
        ),
    ))
}
