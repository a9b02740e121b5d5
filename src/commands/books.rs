use crate::cli::{BooksArgs, CrmTargetArg};
use scorebook::books::{self, BooksOptions};
use scorebook::config::Config;
use scorebook::crm::Target;
use scorebook::error::{Error, Result};

pub fn run(a: &BooksArgs) -> Result<()> {
    let cfg = match &a.config {
        Some(c) => Config::load(c)?,
        None => Config::default(),
    };
    let mut inputs = vec![a.scores.clone(), a.reps.clone()];
    inputs.extend(
        [
            &a.owners,
            &a.activity,
            &a.opportunities,
            &a.universe,
            &a.previous,
        ]
        .into_iter()
        .flatten()
        .cloned(),
    );
    scorebook::output::check_not_input("--out", &a.out, &inputs)?;
    if a.out.exists() && !a.force {
        return Err(Error::Exists {
            path: a.out.clone(),
        });
    }
    scorebook::output::check_replaceable(&a.out, "books", "books.parquet")?;
    let as_of = a
        .as_of
        .as_deref()
        .map(|s| super::parse_day("--as-of", s))
        .transpose()?;
    let s = books::run(
        &cfg,
        &BooksOptions {
            scores: a.scores.clone(),
            reps: a.reps.clone(),
            owners: a.owners.clone(),
            activity: a.activity.clone(),
            opportunities: a.opportunities.clone(),
            universe: a.universe.clone(),
            previous: a.previous.clone(),
            target: match a.target {
                CrmTargetArg::Salesforce => Target::Salesforce,
                CrmTargetArg::Hubspot => Target::Hubspot,
            },
            as_of,
            out: a.out.clone(),
            force: a.force,
        },
    )?;
    for w in &s.warnings {
        eprintln!("warning: {w}");
    }
    eprintln!("{}", s.coverage.headline);
    println!("{}", a.out.join("coverage.html").display());
    Ok(())
}
