use std::path::Path;

use crate::cli::ReportArgs;
use scorebook::error::{Error, Result};
use scorebook::model::{train::Evaluation, Model};

fn load(dir: &Path) -> Result<(Model, Evaluation)> {
    let dir = &scorebook::model_dir::resolve(dir)?;
    let m = Model::load(dir)?;
    let p = dir.join("metrics.json");
    let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
    let e = serde_json::from_str(&text)
        .map_err(|e| Error::data(p.display(), format!("corrupt metrics file: {e}")))?;
    Ok((m, e))
}

/// Re-renders `report.html` in the model directory.
pub fn run(a: &ReportArgs) -> Result<()> {
    let dir = scorebook::model_dir::resolve(&a.model)?;
    let (m, e) = load(&dir)?;
    let other = a.compare.as_deref().map(load).transpose()?;
    let html = scorebook::report::html(&m, &e, other.as_ref().map(|(m, e)| (m, e)))?;
    let out = dir.join("report.html");
    let tmp = scorebook::output::tmp_path(&out);
    if let Err(e) = std::fs::write(&tmp, html) {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(&out, e));
    }
    scorebook::output::persist(&tmp, &out)?;
    println!("{}", out.display());
    Ok(())
}
