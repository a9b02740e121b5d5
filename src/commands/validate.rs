use crate::cli::InputArgs;
use scorebook::error::{Error, Result};

/// Prints the data-quality report on stdout; exit 1 when it has errors.
pub fn run(a: &InputArgs) -> Result<()> {
    let cfg = super::config_of(a)?;
    let (_, q) = scorebook::input::load(&cfg)?;
    print!("{}", q.render());
    if q.errors.is_empty() {
        Ok(())
    } else {
        Err(Error::data(
            "input data",
            format!("{} error(s) found; see the report above", q.errors.len()),
        ))
    }
}
