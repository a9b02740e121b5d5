use std::path::Path;

use crate::cli::TrainArgs;
use scorebook::config::Config;
use scorebook::error::{Error, Result};
use scorebook::input::Dataset;
use scorebook::model::{self, train::Evaluation, Model};
use scorebook::model_dir;

pub fn run(a: &TrainArgs) -> Result<()> {
    let cfg = super::config_of(&a.input)?;
    let until = a
        .until
        .as_deref()
        .map(|d| super::parse_day("--until", d))
        .transpose()?;
    let (m, e) = train_to(&cfg, &a.out, a.force, until)?;
    print_summary(&m, &e, &a.out);
    Ok(())
}

/// Loads and checks data, trains, and writes the model directory.
/// With `until`, as the data stood on that day.
pub fn train_to(
    cfg: &Config,
    out: &Path,
    force: bool,
    until: Option<i32>,
) -> Result<(Model, Evaluation)> {
    scorebook::output::check_not_input("--out", out, &scorebook::input::files(cfg)?.all())?;
    if out.exists() && !force {
        return Err(Error::Exists {
            path: out.to_path_buf(),
        });
    }
    let (ds, q) = scorebook::input::load(cfg)?;
    for w in &q.warnings {
        eprintln!("warning: {w}");
    }
    q.into_result()?;
    let ds = match until {
        Some(day) => {
            let ds = ds.until(day);
            let closed = ds.opportunities.label.iter().flatten().count();
            if closed < cfg.model.min_closed_deals {
                return Err(Error::data(
                    "opportunities",
                    format!(
                        "only {closed} deals were created and closed before --until {}; at least {} are needed to train (model.min_closed_deals): choose a later date",
                        scorebook::input::read::format_days(day),
                        cfg.model.min_closed_deals
                    ),
                ));
            }
            ds
        }
        None => ds,
    };
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
    for u in e
        .notes
        .iter()
        .chain(&e.fit_warnings)
        .chain(&e.leakage_warnings)
    {
        eprintln!("warning: {u}");
    }
    tracing::info!(seconds = started.elapsed().as_secs_f64(), "trained");
    model_dir::write(&m, &e, out, force)?;
    Ok((m, e))
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
