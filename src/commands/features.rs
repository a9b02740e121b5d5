use std::path::Path;

use polars::prelude::*;

use crate::cli::FeaturesArgs;
use scorebook::error::{Error, Result};
use scorebook::features::{training_table, FeatureSpec};

pub fn run(a: &FeaturesArgs) -> Result<()> {
    let cfg = super::config_of(&a.input)?;
    let (ds, q) = scorebook::input::load(&cfg)?;
    eprint!("{}", q.render());
    q.into_result()?;
    let spec = FeatureSpec::learn(&ds, &cfg);
    if a.list {
        for (name, kind) in spec.list() {
            println!("{name}\t{kind}");
        }
        return Ok(());
    }
    let out = a
        .out
        .as_deref()
        .ok_or_else(|| Error::config("arguments", "pass --out FILE"))?;
    scorebook::output::check_not_input("--out", out, &scorebook::input::files(&cfg)?.all())?;
    let tt = training_table(&ds, &spec)?;
    let mut df = tt.to_frame()?;
    write_frame(&mut df, out)?;
    eprintln!(
        "wrote {}: {} closed opportunities x {} columns",
        out.display(),
        df.height(),
        df.width()
    );
    Ok(())
}

/// Writes a frame to .parquet or .csv, atomically.
pub fn write_frame(df: &mut DataFrame, out: &Path) -> Result<()> {
    let fmt = scorebook::input::read::format_of(out)?;
    let tmp = scorebook::output::tmp_path(out);
    let f = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let res = match fmt {
        scorebook::input::read::Format::Parquet => ParquetWriter::new(f).finish(df).map(|_| ()),
        scorebook::input::read::Format::Csv => CsvWriter::new(f).finish(df),
    };
    if let Err(e) = res {
        let _ = std::fs::remove_file(&tmp);
        return Err(scorebook::output::write_error(out, e));
    }
    scorebook::output::persist(&tmp, out)
}
