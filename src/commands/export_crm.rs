use crate::cli::{CrmTargetArg, ExportCrmArgs};
use scorebook::config::Config;
use scorebook::crm::{self, CrmOptions, Target};
use scorebook::error::{Error, Result};
use scorebook::model::Model;

pub fn run(a: &ExportCrmArgs) -> Result<()> {
    let cfg = match (&a.config, &a.model) {
        (Some(c), _) => Config::load(c)?,
        (None, Some(m)) => Model::load(&scorebook::model_dir::resolve(m)?)?.config,
        (None, None) => Config::default(),
    };
    let mut inputs = vec![a.scores.clone()];
    inputs.extend(a.changed_since.iter().cloned());
    if let Some(u) = &a.universe {
        inputs.extend(scorebook::input::read::expand_inputs(u)?);
    }
    scorebook::output::check_not_input("--out", &a.out, &inputs)?;
    if a.out.is_dir() {
        return Err(Error::data(
            a.out.display(),
            "this --out is a directory: name a file (e.g. salesforce.csv)",
        ));
    }
    let existing = crm::existing_outputs(&a.out);
    if let Some(first) = existing.first().filter(|_| !a.force) {
        return Err(Error::Exists {
            path: first.clone(),
        });
    }
    let target = match a.target {
        CrmTargetArg::Salesforce => Target::Salesforce,
        CrmTargetArg::Hubspot => Target::Hubspot,
    };
    let s = crm::export(
        &cfg,
        &CrmOptions {
            scores: a.scores.clone(),
            target,
            out: a.out.clone(),
            changed_since: a.changed_since.clone(),
            universe: a.universe.clone(),
        },
    )?;
    // parts of an earlier, larger export that this one did not replace
    for old in existing.iter().filter(|p| !s.files.contains(p)) {
        std::fs::remove_file(old).map_err(|e| Error::io(old, e))?;
    }
    for f in &s.files {
        println!("{}", f.display());
    }
    eprintln!(
        "wrote {} of {} accounts into {} file(s)",
        s.written,
        s.rows,
        s.files.len()
    );
    if let Some([new, tier, quadrant, band]) = s.changes {
        eprintln!(
            "  changed since the earlier scores: {new} new, {tier} changed tier, {quadrant} changed quadrant, {band} changed score band; {} unchanged left out",
            s.unchanged
        );
    }
    if s.no_key > 0 {
        eprintln!(
            "warning: {} row(s) left out with no key to match a CRM record (first: {})",
            s.no_key,
            s.first_no_key.as_deref().unwrap_or("")
        );
    }
    if s.odd_keys > 0 {
        eprintln!(
            "warning: {} key(s) do not look like {} record ids (first: {:?}); if account_id is your own id, name the External ID field (Salesforce) or key by Company Domain Name (HubSpot) in [crm.{}] key",
            s.odd_keys,
            match target {
                Target::Salesforce => "Salesforce",
                Target::Hubspot => "HubSpot",
            },
            s.first_odd_key.as_deref().unwrap_or(""),
            target.name()
        );
    }
    Ok(())
}
