//! The model directory (PRODUCT.md §7): what goes into it, and writing it
//! atomically. It sits above `model` and `report`, since a model directory
//! holds both the artifact and its report.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::{train::Evaluation, Model};
use crate::output::parent_of;
use crate::report;

/// Writes `out`: `model.json`, `metrics.json`, `importance.csv`,
/// `calibration.csv`, `segments.csv` and `report.html`.
pub fn write(m: &Model, e: &Evaluation, out: &Path, force: bool) -> Result<()> {
    let json = serde_json::to_vec_pretty(m).map_err(|x| Error::Internal(x.to_string()))?;
    write_dir(
        out,
        force,
        "model",
        &[
            ("model.json", json),
            ("metrics.json", report::metrics_json(e)),
            ("importance.csv", report::importance_csv(m, e)),
            ("calibration.csv", report::calibration_csv(e)),
            ("segments.csv", report::segments_csv(e)),
            ("report.html", report::html(m, e, None)?.into_bytes()),
        ],
    )
}

/// Writes a model (or review, `kind`) directory atomically: files go to a
/// temporary sibling that is renamed into place; an existing directory is
/// replaced only with `force`, and only if it is one of that kind (it holds
/// the first file).
pub fn write_dir(dir: &Path, force: bool, kind: &str, files: &[(&str, Vec<u8>)]) -> Result<()> {
    if dir.exists() && !force {
        return Err(Error::Exists {
            path: dir.to_path_buf(),
        });
    }
    let marker = files.first().map_or("model.json", |(f, _)| *f);
    crate::output::check_replaceable(dir, kind, marker)?;
    let parent = parent_of(dir);
    std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("model");
    let tmp = crate::output::tmp_path(dir);
    let _ = std::fs::remove_dir_all(&tmp);
    let written = (|| {
        std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
        for (f, bytes) in files {
            let p = tmp.join(f);
            std::fs::write(&p, bytes).map_err(|e| Error::io(&p, e))?;
        }
        Ok(())
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    // a failed rename leaves the temporary nowhere (and the old directory in place)
    let failed = |e| {
        let _ = std::fs::remove_dir_all(&tmp);
        Error::io(dir, e)
    };
    if dir.exists() {
        let old = parent.join(format!(".{name}.old-{}", std::process::id()));
        std::fs::rename(dir, &old).map_err(failed)?;
        if let Err(e) = std::fs::rename(&tmp, dir) {
            let _ = std::fs::rename(&old, dir);
            return Err(failed(e));
        }
        std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
    } else {
        std::fs::rename(&tmp, dir).map_err(failed)?;
    }
    Ok(())
}

/// The file in a models folder that names its champion.
pub const CHAMPION_FILE: &str = "CHAMPION";

/// One model of a models folder, as `scorebook models` lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    pub name: String,
    pub version: String,
    pub trained_at: String,
    /// First and last created date of the deals it was fitted on.
    pub window: (String, String),
    pub until: Option<String>,
    pub closed_deals: usize,
    pub auc: Option<f64>,
    pub log_loss: Option<f64>,
    pub champion: bool,
    /// Why the model cannot be loaded (then the other fields are blank).
    pub broken: Option<String>,
}

/// A models folder as `scorebook models` lists it: its models (broken
/// ones too, saying why) and what is wrong with its champion, if anything.
pub struct Listing {
    pub entries: Vec<Entry>,
    pub champion_problem: Option<String>,
}

/// The models in `dir` (each subfolder with a `model.json`), by name; one
/// that does not load is listed with why, never failing the others.
pub fn list(dir: &Path) -> Result<Listing> {
    let (champion, mut champion_problem) = match champion_name(dir) {
        Ok(c) => (c, None),
        Err(e) => (None, Some(e.to_string())),
    };
    let mut out = vec![];
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("model.json").is_file())
        .collect();
    paths.sort();
    for p in paths {
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        let champion = champion.as_deref() == Some(name.as_str());
        out.push(match Model::load(&p) {
            Ok(m) => entry(&p, &m, name, champion),
            Err(e) => Entry {
                name,
                version: String::new(),
                trained_at: String::new(),
                window: Default::default(),
                until: None,
                closed_deals: 0,
                auc: None,
                log_loss: None,
                champion,
                broken: Some(e.to_string()),
            },
        });
    }
    if let Some(c) = &champion {
        match out.iter().find(|e| e.name == *c) {
            None => {
                champion_problem = Some(format!(
                    "{} names `{c}`, which is not a model in {}: promote one of the listed models (`scorebook promote {}/NAME`)",
                    dir.join(CHAMPION_FILE).display(),
                    dir.display(),
                    dir.display()
                ))
            }
            Some(e) if e.broken.is_some() => {
                champion_problem = Some(format!(
                    "the champion `{c}` does not load: promote another model or retrain it"
                ))
            }
            _ => {}
        }
    }
    Ok(Listing {
        entries: out,
        champion_problem,
    })
}

/// A model's line in the listing.
fn entry(p: &Path, m: &Model, name: String, champion: bool) -> Entry {
    let metrics: Option<serde_json::Value> = std::fs::read_to_string(p.join("metrics.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    let held = |k: &str| metrics.as_ref().and_then(|v| v["hybrid"][k].as_f64());
    let period = |n: &str| m.training.periods.iter().find(|x| x.name == n);
    Entry {
        champion,
        name,
        version: m.model_version.clone(),
        trained_at: m.training.created_at.clone(),
        window: (
            period("train").map(|x| x.from.clone()).unwrap_or_default(),
            period("validation")
                .map(|x| x.to.clone())
                .unwrap_or_default(),
        ),
        until: m.training.until.clone(),
        closed_deals: m.training.closed_deals,
        auc: held("auc"),
        log_loss: held("log_loss"),
        broken: None,
    }
}

/// The champion's name in a models folder, if one was promoted.
pub fn champion_name(dir: &Path) -> Result<Option<String>> {
    let f = dir.join(CHAMPION_FILE);
    match std::fs::read_to_string(&f) {
        Ok(s) => {
            let name = s.trim();
            // a name in this folder, never a path out of it
            let plain = Path::new(name)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)))
                && Path::new(name).components().count() == 1;
            if !name.is_empty() && !plain {
                return Err(Error::data(
                    f.display(),
                    format!("names {name:?}, which is not a model folder of {}: the champion must be a model in this folder; promote one with `scorebook promote {}/NAME`", dir.display(), dir.display()),
                ));
            }
            Ok(Some(name.to_string()).filter(|s| !s.is_empty()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(&f, e)),
    }
}

/// Makes the model directory `model` its folder's champion (the folder's
/// `CHAMPION` file names it; written atomically). The model must load.
pub fn promote(model: &Path) -> Result<String> {
    Model::load(model)?;
    let name = model
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::data(model.display(), "not a model directory name"))?
        .to_string();
    let dir = parent_of(model);
    let tmp = crate::output::tmp_path(&dir.join(CHAMPION_FILE));
    std::fs::write(&tmp, format!("{name}\n")).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, dir.join(CHAMPION_FILE)).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(dir.join(CHAMPION_FILE), e)
    })?;
    Ok(name)
}

/// A `--model` argument as a model directory: the directory itself, or,
/// for `champion` (`models/champion`, `DIR/champion`), the champion its
/// folder names (`champion` alone means `models/champion`).
pub fn resolve(arg: &Path) -> Result<PathBuf> {
    if arg.join("model.json").is_file() || arg.file_name().is_none_or(|n| n != "champion") {
        return Ok(arg.to_path_buf());
    }
    let dir = if arg.parent().is_none_or(|p| p.as_os_str().is_empty()) {
        PathBuf::from("models")
    } else {
        parent_of(arg)
    };
    match champion_name(&dir)? {
        Some(name) if dir.join(&name).join("model.json").is_file() => Ok(dir.join(name)),
        Some(name) => Err(Error::data(
            dir.join(CHAMPION_FILE).display(),
            format!(
                "names `{name}`, but {} holds no such model (deleted or renamed?): promote an existing model with `scorebook promote {}/NAME`",
                dir.display(),
                dir.display()
            ),
        )),
        None => Err(Error::data(
            dir.display(),
            format!(
                "no champion promoted in this folder; run `scorebook promote {}/NAME` first",
                dir.display()
            ),
        )),
    }
}
