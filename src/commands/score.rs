use crate::cli::ScoreArgs;
use scorebook::error::{Error, Result};
use scorebook::model::Model;
use scorebook::scoring::{self, OpportunityOptions, ScoreOptions};

fn parse_shard(s: &str) -> Result<(usize, usize)> {
    let bad = || Error::config("--shard", format!("{s:?} is not I/N with 0 <= I < N"));
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (i, n): (usize, usize) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || i >= n {
        return Err(bad());
    }
    Ok((i, n))
}

pub fn run(a: &ScoreArgs) -> Result<()> {
    let model_dir = scorebook::model_dir::resolve(&a.model)?;
    let mut inputs = vec![];
    for p in [&a.universe, &a.signals, &a.opportunities, &a.contacts]
        .into_iter()
        .flatten()
    {
        inputs.extend(scorebook::input::read::expand_inputs(p)?);
    }
    inputs.push(model_dir.clone());
    scorebook::output::check_not_input("--out", &a.out, &inputs)?;
    if a.out.is_dir() {
        return Err(Error::data(
            a.out.display(),
            "this --out is a directory: name a file (e.g. scores.parquet); --force never replaces a folder",
        ));
    }
    if a.out.exists() && !a.force {
        return Err(Error::Exists {
            path: a.out.clone(),
        });
    }
    let mut model = Model::load(&model_dir)?;
    if let Some(c) = &a.config {
        // another export of the same data: its names and reading settings
        let other = scorebook::config::Config::load(c)?;
        model.config.columns = other.columns;
        model.config.input = other.input;
    }
    if a.batch_size == 0 {
        return Err(Error::config("--batch-size", "must be at least 1"));
    }
    let as_of = super::as_of(&a.as_of)?;
    let started = std::time::Instant::now();
    if model.has_moves() && a.contacts.is_none() {
        eprintln!("note: the model has champion-move features (trained with contacts): pass --contacts to score them; without it no account has a move");
    }
    let sourced = scoring::signal_source(
        &model,
        a.signals.as_deref(),
        a.contacts.as_deref(),
        a.universe.as_deref(),
    )?;
    for f in &sourced.facts {
        eprintln!("{f}");
    }
    for w in &sourced.warnings {
        eprintln!("warning: {w}");
    }
    let signals = sourced.source;
    if let Some(opportunities) = &a.opportunities {
        let s = scoring::score_opportunities(
            &model,
            &OpportunityOptions {
                opportunities: opportunities.clone(),
                universe: a.universe.clone(),
                signals: signals.clone(),
                as_of,
                out: a.out.clone(),
            },
        )?;
        eprintln!(
            "scored {} opportunities in {:.1}s -> {}",
            s.rows,
            started.elapsed().as_secs_f64(),
            a.out.display()
        );
        for w in s.drift.warnings(&model, as_of) {
            eprintln!("warning: {w}");
        }
        if let Some(e) = &s.expected {
            eprintln!(
                "  if the probabilities are right, the {} open deals bring {:.0} wins (95% interval {}-{}):",
                e.total.opportunities, e.total.expected_won, e.total.ci_low, e.total.ci_high
            );
            for g in e.tiers.iter().chain(&e.quadrants) {
                eprintln!("  {}", g.sentence());
            }
        }
        return Ok(());
    }
    let Some(universe) = &a.universe else {
        return Err(Error::config("--universe", "pass the universe to score"));
    };
    if !model.spec.deal.is_empty() {
        eprintln!(
            "note: the model has deal features ({}); accounts score with them missing: score open deals with --opportunities",
            model.spec.deal.columns().join(", ")
        );
    }
    let o = ScoreOptions {
        universe: universe.clone(),
        signals,
        as_of,
        out: a.out.clone(),
        batch_size: a.batch_size,
        shard: a.shard.as_deref().map(parse_shard).transpose()?,
        snapshot_accounts: a.snapshot_accounts,
    };
    let s = scoring::score(&model, &o)?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "scored {} accounts from {} file(s) in {secs:.1}s ({:.0} rows/s) -> {}",
        s.rows,
        s.files,
        s.rows as f64 / secs.max(1e-9),
        a.out.display()
    );
    for w in s.drift.warnings(&model, as_of) {
        eprintln!("warning: {w}");
    }
    if let Some(w) = s.unit_warning() {
        eprintln!("warning: {w}");
    }
    let same = model.training.cutoffs_set_on == scoring::universe_source(s.rows, universe, as_of);
    if let Some(w) = s.tier_warning(&model, same) {
        eprintln!("warning: {w}");
    }
    let tiers: Vec<String> = s.tiers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    eprintln!(
        "  {}; {} rows not fully scored (see `status`)",
        tiers.join(", "),
        s.not_ok
    );
    Ok(())
}
