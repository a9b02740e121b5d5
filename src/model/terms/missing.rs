//! An extra or deal number that was missing in the export (and imputed):
//! its own bin, from the feature table's null mask.

use serde::{Deserialize, Serialize};

use super::{Inputs, Sql, TermKind};
use crate::error::Result;
use crate::features::FeatureSpec;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Missing {}

impl TermKind for Missing {
    fn values(&self, source: &str, inputs: &mut Inputs, out: &mut Vec<f64>) -> Result<()> {
        out.extend_from_slice(&inputs.numbers(&FeatureSpec::null_mask(source))?);
        Ok(())
    }

    fn sql(&self, source: &str, sql: &Sql) -> String {
        Sql::indicator(&sql.ident(&FeatureSpec::null_mask(source)))
    }

    fn at(&self, _: f64) -> Option<f64> {
        None
    }

    fn suffix(&self) -> String {
        "_unknown".into()
    }

    fn label(&self) -> String {
        "unknown".into()
    }
}
