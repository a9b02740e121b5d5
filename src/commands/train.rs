use std::path::{Path, PathBuf};

use crate::cli::TrainArgs;
use scorebook::config::Config;
use scorebook::error::{Error, Result};
use scorebook::input::Dataset;
use scorebook::model::{self, train::Evaluation, Model};
use scorebook::model_dir;
use scorebook::scoring::{self, ScoreOptions};

pub fn run(a: &TrainArgs) -> Result<()> {
    let cfg = super::config_of(&a.input)?;
    let until = a
        .until
        .as_deref()
        .map(|d| super::parse_day("--until", d))
        .transpose()?;
    for (flag, given) in [
        ("--universe-signals", a.universe_signals.is_some()),
        ("--universe-contacts", a.universe_contacts.is_some()),
    ] {
        if given && a.universe.is_none() {
            return Err(Error::config(
                flag,
                format!("is a table of --universe: pass --universe too ({flag} without it)"),
            ));
        }
    }
    let universe = a.universe.as_ref().map(|u| Universe {
        accounts: u.clone(),
        signals: a.universe_signals.clone(),
        contacts: a.universe_contacts.clone(),
    });
    let (m, e) = train_to(&cfg, &a.out, a.force, until, universe.as_ref())?;
    print_summary(&m, &e, &a.out);
    Ok(())
}

/// The universe that will be scored (`train --universe`): the tier
/// cut-offs and the fit / timing percentiles are set on it.
pub struct Universe {
    pub accounts: PathBuf,
    pub signals: Option<PathBuf>,
    /// Its contacts (default: the training contacts).
    pub contacts: Option<PathBuf>,
}

/// Loads and checks data, trains, and writes the model directory.
/// With `until`, as the data stood on that day.
pub fn train_to(
    cfg: &Config,
    out: &Path,
    force: bool,
    until: Option<i32>,
    universe: Option<&Universe>,
) -> Result<(Model, Evaluation)> {
    let mut inputs = scorebook::input::files(cfg)?.all();
    if let Some(u) = universe {
        for p in std::iter::once(&u.accounts)
            .chain(&u.signals)
            .chain(&u.contacts)
        {
            inputs.extend(scorebook::input::read::expand_inputs(p)?);
        }
    }
    scorebook::output::check_not_input("--out", out, &inputs)?;
    if out.exists() && !force {
        return Err(Error::Exists {
            path: out.to_path_buf(),
        });
    }
    scorebook::output::check_replaceable(out, "model", "model.json")?;
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
    train_loaded(&ds, cfg, out, force, universe)
}

/// Trains on already checked data and writes the model directory.
pub fn train_loaded(
    ds: &Dataset,
    cfg: &Config,
    out: &Path,
    force: bool,
    universe: Option<&Universe>,
) -> Result<(Model, Evaluation)> {
    let name = out.file_name().and_then(|n| n.to_str()).unwrap_or("model");
    let started = std::time::Instant::now();
    // the universe is scored by the scorer's own path, as of the training date
    let score_universe = universe.map(|u| {
        move |m: &Model| {
            // the moves of the universe's contacts (default: the training
            // contacts') into its accounts too, when any move became a feature
            let contacts = u.contacts.as_deref().or(ds.files.contacts.as_deref());
            let sourced = scoring::signal_source(
                m,
                u.signals.as_deref(),
                contacts.filter(|_| m.has_moves()),
                Some(&u.accounts),
            )?;
            for w in &sourced.warnings {
                eprintln!("warning: --universe: {w}");
            }
            let signals = sourced.source;
            let scores = scoring::universe_scores(
                m,
                &ScoreOptions {
                    universe: u.accounts.clone(),
                    signals,
                    as_of: ds.as_of(),
                    // the signal ranges of a large universe go beside the model
                    out: out.with_file_name(format!("{name}.universe")),
                    batch_size: 65_536,
                    shard: None,
                    snapshot_accounts: scoring::SNAPSHOT_ACCOUNTS,
                },
            )?;
            for w in &scores.warnings {
                eprintln!("warning: --universe: {w}");
            }
            Ok(scores)
        }
    });
    let scorer = score_universe
        .as_ref()
        .map(|f| f as model::train::UniverseScorer);
    let (m, e) = model::train::train_on(ds, cfg, name, scorer)?;
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
    eprintln!("tier cut-offs set on {}", m.training.cutoffs_set_on);
}
