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
    let mut inputs = scorebook::input::files(&cfg)?.all();
    if let Some(u) = &a.universe {
        inputs.extend(scorebook::input::read::expand_inputs(u)?);
    }
    if let (Some(out), Some(moves)) = (&a.out, &a.moves) {
        if std::path::absolute(out).ok() == std::path::absolute(moves).ok() {
            return Err(Error::config(
                "--moves",
                format!(
                    "is the same file as --out ({}): one would overwrite the other; name two files",
                    out.display()
                ),
            ));
        }
    }
    if let Some(moves) = &a.moves {
        scorebook::output::check_not_input("--moves", moves, &inputs)?;
        let Some(contacts) = &ds.files.contacts else {
            return Err(Error::config(
                "--moves",
                "the config has no [input] contacts (nor a contacts file in the data folder): no move can be derived",
            ));
        };
        let signals = universe_moves(&ds, &cfg, contacts, a.universe.as_deref())?;
        let mut df = move_frame(&signals)?;
        write_frame(&mut df, moves)?;
        eprintln!("wrote {}: {} move signals", moves.display(), df.height());
    }
    let Some(out) = a.out.as_deref() else {
        return Ok(());
    };
    scorebook::output::check_not_input("--out", out, &inputs)?;
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

/// The moves of the contacts into any account, as `score --contacts`
/// derives them: an account id as given, else the email's domain among the
/// universe's accounts (when given), then the training accounts'.
fn universe_moves(
    ds: &scorebook::input::Dataset,
    cfg: &scorebook::config::Config,
    contacts: &Path,
    universe: Option<&Path>,
) -> Result<scorebook::input::SignalTable> {
    use scorebook::features::movers;
    use scorebook::input::{account_domains, Domains};
    let c = scorebook::input::tables::Contacts::read(contacts, &cfg.columns.contacts)?;
    let mut domains = match universe {
        Some(u) => Domains::of(account_domains(u, &cfg.columns.accounts, false, |_| true)?),
        None => Domains::default(),
    };
    domains.fill_from(&ds.domains);
    let deals = movers::deal_history(&ds.opportunities);
    let (moves, r) = movers::moves(&c, &|_| true, &domains, &deals);
    for w in r.warnings(
        &contacts.display().to_string(),
        "the universe or the accounts table",
    ) {
        eprintln!("warning: {w}");
    }
    let mut t = scorebook::input::SignalTable::default();
    t.extend(&moves, |_| true);
    Ok(t)
}

/// The champion-move signals of a signal table, in the signals contract's columns.
fn move_frame(t: &scorebook::input::SignalTable) -> Result<DataFrame> {
    let kinds = scorebook::features::movers::KINDS;
    let rows: Vec<usize> = (0..t.len())
        .filter(|&i| kinds.contains(&t.types[t.kind[i] as usize].as_str()))
        .collect();
    let dates = |name: &str, of: &dyn Fn(usize) -> i32| -> Result<Column> {
        Ok(Column::new(
            name.into(),
            rows.iter().map(|&i| of(i)).collect::<Vec<i32>>(),
        )
        .cast(&DataType::Date)?)
    };
    Ok(DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                "account_id".into(),
                rows.iter()
                    .map(|&i| t.accounts[t.account[i] as usize].clone())
                    .collect::<Vec<_>>(),
            ),
            dates("date", &|i| t.date[i])?,
            dates("recorded_date", &|i| t.recorded[i])?,
            Column::new(
                "signal".into(),
                rows.iter()
                    .map(|&i| t.types[t.kind[i] as usize].clone())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "value".into(),
                rows.iter().map(|&i| t.value[i]).collect::<Vec<_>>(),
            ),
        ],
    )?)
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
