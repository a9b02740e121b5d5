use crate::cli::ExportSqlArgs;
use scorebook::error::Result;
use scorebook::model::{sql, Model};

pub fn run(a: &ExportSqlArgs) -> Result<()> {
    let m = Model::load(&scorebook::model_dir::resolve(&a.model)?)?;
    let as_of = scorebook::input::read::format_days(super::as_of(&a.as_of)?);
    let o = sql::SqlOptions {
        dialect: a.dialect.parse()?,
        as_of: &as_of,
        universe_table: &a.universe_table,
        signals_table: &a.signals_table,
    };
    print!("{}", sql::export(&m, &o)?);
    Ok(())
}
