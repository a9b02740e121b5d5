use crate::cli::{CrmTargetArg, ExportCrmArgs};
use scorebook::config::Config;
use scorebook::crm::{self, CrmOptions, Target};
use scorebook::error::{Error, Result};
use scorebook::model::Model;

pub fn run(a: &ExportCrmArgs) -> Result<()> {
    let model = a
        .model
        .as_ref()
        .map(|m| Model::load(&scorebook::model_dir::resolve(m)?))
        .transpose()?;
    let cfg = match (&a.config, &model) {
        (Some(c), _) => Config::load(c)?,
        (None, Some(m)) => m.config.clone(),
        (None, None) => Config::default(),
    };
    if let Some(m) = &model {
        if let Some(w) = crm::other_model_warning(&a.scores, m)? {
            eprintln!("warning: {w}");
        }
    }
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
    if s.bad_keys > 0 {
        eprintln!(
            "warning: {} row(s) left out whose key cannot be a {} key (first: {}); fix the key in the source data (or the universe's `domain`) and export again",
            s.bad_keys,
            if target == Target::Hubspot { "HubSpot" } else { "Salesforce" },
            s.first_bad_key.as_deref().unwrap_or("")
        );
    }
    if s.duplicate_keys > 0 {
        eprintln!(
            "warning: {} row(s) left out whose key an earlier row already took (first: {}); a CRM import refuses or merges repeated keys: give each account its own id or domain",
            s.duplicate_keys,
            s.first_duplicate.as_deref().unwrap_or("")
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
