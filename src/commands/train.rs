use std::path::Path;

use crate::cli::TrainArgs;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::input::Dataset;
use crate::model::{self, train::Evaluation, Model};
use crate::report;

pub fn run(a: &TrainArgs) -> Result<()> {
    let cfg = super::config_of(&a.input)?;
    let (m, e) = train_to(&cfg, &a.out, a.force)?;
    print_summary(&m, &e, &a.out);
    Ok(())
}

/// Loads and checks data, trains, and writes the model directory.
pub fn train_to(cfg: &Config, out: &Path, force: bool) -> Result<(Model, Evaluation)> {
    if out.exists() && !force {
        return Err(Error::Exists {
            path: out.to_path_buf(),
        });
    }
    let (ds, q) = crate::input::load(cfg)?;
    for w in &q.warnings {
        eprintln!("warning: {w}");
    }
    q.into_result()?;
    train_loaded(&ds, cfg, out, force)
}

/// Trains on already checked data and writes the model directory.
pub fn train_loaded(
    ds: &Dataset,
    cfg: &Config,
    out: &Path,
    force: bool,
) -> Result<(Model, Evaluation)> {
    let name = out.file_name().and_then(|n| n.to_str()).unwrap_or("model");
    let started = std::time::Instant::now();
    let (m, e) = model::train::train(ds, cfg, name)?;
    for u in &e.unused_signals {
        eprintln!("warning: {u}");
    }
    tracing::info!(seconds = started.elapsed().as_secs_f64(), "trained");
    write_model(&m, &e, out, force)?;
    Ok((m, e))
}

pub fn write_model(m: &Model, e: &Evaluation, out: &Path, force: bool) -> Result<()> {
    let json = serde_json::to_vec_pretty(m).map_err(|x| Error::Internal(x.to_string()))?;
    model::write_dir(
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

pub fn print_summary(m: &Model, e: &Evaluation, out: &Path) {
    eprintln!("model {} written to {}", m.model_version, out.display());
    eprintln!(
        "held-out ({} deals):   AUC    log loss  Brier",
        e.hybrid.rows
    );
    for (n, x) in [
        ("rules", &e.rules),
        ("model", &e.model),
        ("hybrid", &e.hybrid),
    ] {
        eprintln!(
            "  {n:<8}             {:.3}  {:.4}    {:.4}",
            x.auc, x.log_loss, x.brier
        );
    }
}
