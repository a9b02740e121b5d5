//! The model directory (PRODUCT.md §7): what goes into it, and writing it
//! atomically. It sits above `model` and `report`, since a model directory
//! holds both the artifact and its report.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::{train::Evaluation, Model};
use crate::report;

/// Writes `out`: `model.json`, `metrics.json`, `importance.csv`,
/// `calibration.csv`, `segments.csv` and `report.html`.
pub fn write(m: &Model, e: &Evaluation, out: &Path, force: bool) -> Result<()> {
    let json = serde_json::to_vec_pretty(m).map_err(|x| Error::Internal(x.to_string()))?;
    write_dir(
        out,
        force,
        &[
            ("model.json", json),
            ("metrics.json", report::metrics_json(e)),
            ("importance.csv", report::importance_csv(m, e)),
            ("calibration.csv", report::calibration_csv(e)),
            ("segments.csv", report::segments_csv(e)),
            ("report.html", report::html(m, e, None).into_bytes()),
        ],
    )
}

/// Writes a model directory atomically: files go to a temporary sibling that
/// is renamed into place; an existing directory is replaced only with `force`.
pub fn write_dir(dir: &Path, force: bool, files: &[(&str, Vec<u8>)]) -> Result<()> {
    if dir.exists() && !force {
        return Err(Error::Exists {
            path: dir.to_path_buf(),
        });
    }
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("model");
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    for (f, bytes) in files {
        let p = tmp.join(f);
        std::fs::write(&p, bytes).map_err(|e| Error::io(&p, e))?;
    }
    if dir.exists() {
        let old = parent.join(format!(".{name}.old-{}", std::process::id()));
        std::fs::rename(dir, &old).map_err(|e| Error::io(dir, e))?;
        std::fs::rename(&tmp, dir).map_err(|e| Error::io(dir, e))?;
        std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
    } else {
        std::fs::rename(&tmp, dir).map_err(|e| Error::io(dir, e))?;
    }
    Ok(())
}
