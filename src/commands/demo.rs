use std::path::Path;

use crate::cli::DemoArgs;
use scorebook::books;
use scorebook::config::Config;
use scorebook::crm;
use scorebook::error::Result;
use scorebook::input::read::parse_date;
use scorebook::model::Model;
use scorebook::model_dir;
use scorebook::review::{self, ReviewInput, Scores};
use scorebook::scoring::{self, ScoreOptions};
use scorebook::synth::{self, SynthOptions};

/// The day last quarter's model is trained as of.
const LAST_QUARTER: &str = "2025-04-01";

/// The quarterly story on a synthetic CRM: synth -> validate -> features ->
/// last quarter's model (the champion) and this quarter's -> both score the
/// universe -> review -> where everything is.
pub fn run(a: &DemoArgs) -> Result<()> {
    let started = std::time::Instant::now();
    let data = a.dir.join("data");
    eprintln!("1/8 synth: writing a synthetic CRM to {}", data.display());
    let s = synth::write(
        &data,
        &SynthOptions {
            accounts: 20_000,
            history_accounts: 2_500,
            seed: 7,
            truth: synth::Truth::Linear,
            champions: false,
        },
    )?;
    eprintln!(
        "    {} accounts, {} opportunities, {} signals, universe of {}",
        s.accounts, s.opportunities, s.signals, s.universe
    );
    let cfg = Config::load(&data.join("scorebook.toml"))?;
    eprintln!("2/8 validate");
    let (ds, q) = scorebook::input::load(&cfg)?;
    eprint!("{}", q.render());
    q.into_result()?;
    eprintln!("3/8 features");
    let spec = scorebook::features::FeatureSpec::learn(&ds, &cfg);
    let mut df = scorebook::features::training_table(&ds, &spec)?.to_frame()?;
    let feat = a.dir.join("features.parquet");
    super::features::write_frame(&mut df, &feat)?;
    eprintln!(
        "    {}: {} rows x {} columns",
        feat.display(),
        df.height(),
        df.width()
    );
    let models = a.dir.join("models");
    let (last, this) = (models.join("last-quarter"), models.join("this-quarter"));
    let last_day = parse_date(LAST_QUARTER).unwrap_or_default();
    eprintln!("4/8 train last quarter's model (--until {LAST_QUARTER}), the champion");
    // tiers are cut on the universe the models will score
    let universe = super::train::Universe {
        contacts: None,
        accounts: data.join("universe.parquet"),
        signals: Some(data.join("signals.parquet")),
    };
    let (m, e) = super::train::train_loaded(
        &ds.clone().until(last_day),
        &cfg,
        &last,
        true,
        Some(&universe),
    )?;
    super::train::print_summary(&m, &e, &last);
    model_dir::promote(&last)?;
    eprintln!("5/8 train this quarter's model, the challenger");
    let (m, e) = super::train::train_loaded(&ds, &cfg, &this, true, Some(&universe))?;
    super::train::print_summary(&m, &e, &this);
    eprintln!("6/8 score the universe with both; write the CRM import files");
    let before = a.dir.join("scores-last-quarter.parquet");
    let after = a.dir.join("scores.parquet");
    let champion = Model::load(&last)?;
    let challenger = Model::load(&this)?;
    score(&champion, &data, last_day, &before)?;
    score(
        &challenger,
        &data,
        parse_date(synth::AS_OF).unwrap_or_default(),
        &after,
    )?;
    let crm_dir = a.dir.join("crm");
    let mut crm_files = vec![];
    for (target, name) in [
        (crm::Target::Salesforce, "salesforce.csv"),
        (crm::Target::Hubspot, "hubspot.csv"),
    ] {
        std::fs::create_dir_all(&crm_dir).map_err(|e| scorebook::error::Error::io(&crm_dir, e))?;
        let s = crm::export(
            &cfg,
            &crm::CrmOptions {
                scores: after.clone(),
                target,
                out: crm_dir.join(name),
                changed_since: None,
                universe: Some(data.join("universe.parquet")),
            },
        )?;
        crm_files.extend(s.files);
    }
    eprintln!("7/8 review: champion vs challenger, drift, migration, backtest");
    let (b, f) = (Scores::read(&before)?, Scores::read(&after)?);
    let r = review::review(&ReviewInput {
        champion: (&champion, &last),
        challenger: (&challenger, &this),
        data: &ds,
        before: Some(&b),
        after: Some(&f),
    })?;
    let review_dir = a.dir.join("review");
    review::write(&r, &review_dir, true)?;
    eprintln!(
        "    {}: {}",
        r.recommendation.decision, r.recommendation.reason
    );
    eprintln!("8/8 books: the week's books for the synthetic sales team");
    let team = data.join("team");
    let books_dir = a.dir.join("books");
    let bk = books::run(
        &cfg,
        &books::BooksOptions {
            scores: after.clone(),
            reps: team.join("reps.csv"),
            owners: Some(team.join("owners.csv")),
            activity: Some(team.join("activity.csv")),
            opportunities: Some(data.join("opportunities.csv")),
            universe: Some(data.join("universe.parquet")),
            previous: None,
            target: crm::Target::Salesforce,
            as_of: None,
            out: books_dir.clone(),
            force: true,
        },
    )?;
    eprintln!("    {}", bk.coverage.headline);
    println!("data:     {}", data.display());
    println!("features: {}", feat.display());
    println!(
        "model:    {} (champion: {})",
        this.display(),
        last.display()
    );
    println!("report:   {}", this.join("report.html").display());
    println!(
        "scores:   {} (last quarter: {})",
        after.display(),
        before.display()
    );
    let crm_files: Vec<String> = crm_files.iter().map(|f| f.display().to_string()).collect();
    println!("crm:      {}", crm_files.join(", "));
    println!("review:   {}", review_dir.join("review.html").display());
    println!("books:    {}", books_dir.join("coverage.html").display());
    println!("notebooks: notebooks/quarterly_review.ipynb, notebooks/feature_importance.ipynb (see notebooks/README.md)");
    eprintln!("demo finished in {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}

fn score(model: &Model, data: &Path, as_of: i32, out: &Path) -> Result<()> {
    let o = ScoreOptions {
        universe: data.join("universe.parquet"),
        signals: Some(scorebook::input::SignalSource::files(
            &data.join("signals.parquet"),
        )),
        as_of,
        out: out.to_path_buf(),
        batch_size: 65_536,
        shard: None,
        snapshot_accounts: scoring::SNAPSHOT_ACCOUNTS,
    };
    let sm = scoring::score(model, &o)?;
    eprintln!(
        "    {}: {} accounts as of {}",
        out.display(),
        sm.rows,
        scorebook::input::read::format_days(as_of)
    );
    Ok(())
}
