use crate::cli::ReviewArgs;
use scorebook::error::Result;
use scorebook::model::Model;
use scorebook::model_dir;
use scorebook::review::{self, ReviewInput, Scores};

pub fn run(a: &ReviewArgs) -> Result<()> {
    let (champion_dir, challenger_dir) = (
        model_dir::resolve(&a.champion)?,
        model_dir::resolve(&a.challenger)?,
    );
    let (champion, challenger) = (Model::load(&champion_dir)?, Model::load(&challenger_dir)?);
    let before = a.before.as_deref().map(Scores::read).transpose()?;
    let after = a.after.as_deref().map(Scores::read).transpose()?;
    let cfg = super::config_of(&a.input)?;
    let mut inputs = scorebook::input::files(&cfg)?.all();
    inputs.extend([champion_dir.clone(), challenger_dir.clone()]);
    inputs.extend(a.before.iter().chain(&a.after).cloned());
    scorebook::output::check_not_input("--out", &a.out, &inputs)?;
    if a.out.exists() && !a.force {
        return Err(scorebook::error::Error::Exists {
            path: a.out.clone(),
        });
    }
    scorebook::output::check_replaceable(&a.out, "review", "review.json")?;
    let (ds, q) = scorebook::input::load(&cfg)?;
    for w in &q.warnings {
        eprintln!("warning: {w}");
    }
    q.into_result()?;
    let r = review::review(&ReviewInput {
        champion: (&champion, &champion_dir),
        challenger: (&challenger, &challenger_dir),
        data: &ds,
        before: before.as_ref(),
        after: after.as_ref(),
    })?;
    for w in &r.warnings {
        eprintln!("warning: {w}");
    }
    review::write(&r, &a.out, a.force)?;
    eprintln!("{}: {}", r.recommendation.decision, r.recommendation.reason);
    println!("{}", a.out.join("review.html").display());
    Ok(())
}
