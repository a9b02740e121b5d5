//! One module per subcommand: each turns its arguments into library calls.

pub mod books;
pub mod demo;
pub mod export_crm;
pub mod export_sql;
pub mod features;
pub mod models;
pub mod report;
pub mod review;
pub mod score;
pub mod synth;
pub mod train;
pub mod validate;

use crate::cli::InputArgs;
use scorebook::config::Config;
use scorebook::error::{Error, Result};

/// The config from `--config`, `--data`, or both (the config with DIR as input directory).
pub fn config_of(a: &InputArgs) -> Result<Config> {
    let mut cfg = match (&a.config, &a.data) {
        (Some(c), _) => Config::load(c)?,
        (None, Some(d)) => Config::for_data_dir(d),
        (None, None) => {
            return Err(Error::config(
                "arguments",
                "pass --config scorebook.toml or --data DIR",
            ))
        }
    };
    if let Some(d) = &a.data {
        cfg.input.dir = Some(d.clone());
    }
    if scorebook::input::resolve_flat(&mut cfg)? {
        eprintln!("accounts and opportunities are one flat file: one account per deal");
    }
    Ok(cfg)
}

/// Parses a date flag's value.
pub fn parse_day(flag: &str, s: &str) -> Result<i32> {
    scorebook::input::read::parse_date(s)
        .ok_or_else(|| Error::config(flag, format!("{s:?} is not a date; use YYYY-MM-DD")))
}

/// Parses an as-of date, defaulting to today.
pub fn as_of(arg: &Option<String>) -> Result<i32> {
    match arg {
        Some(s) => parse_day("--as-of", s),
        None => Ok(scorebook::input::read::days_from_date(
            chrono::Utc::now().date_naive(),
        )),
    }
}
