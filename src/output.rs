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
