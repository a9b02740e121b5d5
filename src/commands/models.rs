use crate::cli::{ModelsArgs, PromoteArgs};
use scorebook::error::Result;
use scorebook::model_dir;

/// Lists the models of a folder on stdout, the champion marked.
pub fn run(a: &ModelsArgs) -> Result<()> {
    let listing = model_dir::list(&a.dir)?;
    if let Some(p) = &listing.champion_problem {
        eprintln!("warning: {p}");
    }
    let entries = listing.entries;
    if entries.is_empty() {
        eprintln!(
            "no models in {} (train one with `scorebook train --out {}/NAME`)",
            a.dir.display(),
            a.dir.display()
        );
        return Ok(());
    }
    println!(
        "{:<1} {:<16} {:<24} {:<10} {:<23} {:>8} {:>7} {:>9}",
        "", "name", "version", "trained", "window (deal created)", "deals", "AUC", "log loss"
    );
    let num =
        |v: Option<f64>, digits: usize| v.map_or("-".to_string(), |v| format!("{v:.digits$}"));
    for e in entries {
        if let Some(why) = &e.broken {
            println!(
                "{:<1} {:<16} cannot be read: {why}",
                if e.champion { "*" } else { "" },
                e.name
            );
            continue;
        }
        println!(
            "{:<1} {:<16} {:<24} {:<10} {:<23} {:>8} {:>7} {:>9}",
            if e.champion { "*" } else { "" },
            e.name,
            e.version,
            e.trained_at.get(..10).unwrap_or(&e.trained_at),
            format!("{} to {}", e.window.0, e.window.1),
            e.closed_deals,
            num(e.auc, 3),
            num(e.log_loss, 4),
        );
    }
    Ok(())
}

/// Makes a model its folder's champion.
pub fn promote(a: &PromoteArgs) -> Result<()> {
    let name = model_dir::promote(&a.model)?;
    eprintln!(
        "{name} is now the champion: `--model {}` finds it",
        a.model.with_file_name("champion").display()
    );
    Ok(())
}
