//! One level of a text source (one-hot): 1 on the rows with that value.

use serde::{Deserialize, Serialize};

use super::{Inputs, Sql, TermKind};
use crate::error::Result;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Level {
    pub level: String,
}

impl TermKind for Level {
    fn values(&self, source: &str, inputs: &mut Inputs, out: &mut Vec<f64>) -> Result<()> {
        let (ids, code) = inputs.codes(source)?;
        let want = ids.get(self.level.as_str()).copied().unwrap_or(u32::MAX);
        out.extend(code.iter().map(|c| f64::from(u8::from(*c == want))));
        Ok(())
    }

    fn sql(&self, source: &str, sql: &Sql) -> String {
        Sql::indicator(&format!(
            "{} = {}",
            sql.ident(source),
            sql.text(&self.level)
        ))
    }

    fn at(&self, _: f64) -> Option<f64> {
        None
    }

    fn suffix(&self) -> String {
        format!("_{}", crate::config::normalize_name(&self.level))
    }

    fn label(&self) -> String {
        self.level.clone()
    }

    fn standardized(&self) -> bool {
        true
    }
}
