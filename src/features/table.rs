//! A feature table: named, typed columns of equal length. Converts to a
//! Polars `DataFrame` for rules (SQL predicates) and for `features --out`.

use polars::prelude::*;

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    Num(Vec<f64>),
    Bool(Vec<bool>),
    Text(Vec<String>),
}

impl Values {
    pub fn len(&self) -> usize {
        match self {
            Values::Num(v) => v.len(),
            Values::Bool(v) => v.len(),
            Values::Text(v) => v.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The values at `rows`, in that order.
    pub fn take(&self, rows: &[usize]) -> Values {
        fn t<T: Clone>(v: &[T], rows: &[usize]) -> Vec<T> {
            rows.iter().map(|&r| v[r].clone()).collect()
        }
        match self {
            Values::Num(v) => Values::Num(t(v, rows)),
            Values::Bool(v) => Values::Bool(t(v, rows)),
            Values::Text(v) => Values::Text(t(v, rows)),
        }
    }
    /// Numeric view (booleans as 0/1); None for text.
    pub fn num(&self, i: usize) -> Option<f64> {
        match self {
            Values::Num(v) => Some(v[i]),
            Values::Bool(v) => Some(if v[i] { 1.0 } else { 0.0 }),
            Values::Text(_) => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeatureTable {
    pub names: Vec<String>,
    pub columns: Vec<Values>,
}

impl FeatureTable {
    pub fn push(&mut self, name: impl Into<String>, v: Values) {
        self.names.push(name.into());
        self.columns.push(v);
    }
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, Values::len)
    }
    pub fn get(&self, name: &str) -> Option<&Values> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| &self.columns[i])
    }
    pub fn num(&self, name: &str) -> Result<&[f64]> {
        match self.get(name) {
            Some(Values::Num(v)) => Ok(v),
            _ => Err(Error::Internal(format!(
                "numeric feature `{name}` is missing"
            ))),
        }
    }
    pub fn text(&self, name: &str) -> Result<&[String]> {
        match self.get(name) {
            Some(Values::Text(v)) => Ok(v),
            _ => Err(Error::Internal(format!("text feature `{name}` is missing"))),
        }
    }
    /// The rows at `rows`, in that order.
    pub fn take(&self, rows: &[usize]) -> FeatureTable {
        FeatureTable {
            names: self.names.clone(),
            columns: self.columns.iter().map(|c| c.take(rows)).collect(),
        }
    }
    pub fn extend(&mut self, other: FeatureTable) {
        self.names.extend(other.names);
        self.columns.extend(other.columns);
    }
    /// Splits off the rows from `at` on (like `Vec::split_off`).
    pub fn split_off(&mut self, at: usize) -> FeatureTable {
        FeatureTable {
            names: self.names.clone(),
            columns: self
                .columns
                .iter_mut()
                .map(|c| match c {
                    Values::Num(v) => Values::Num(v.split_off(at)),
                    Values::Bool(v) => Values::Bool(v.split_off(at)),
                    Values::Text(v) => Values::Text(v.split_off(at)),
                })
                .collect(),
        }
    }
    /// The column `name`, moved out (its place keeps an empty column).
    pub fn take_column(&mut self, name: &str) -> Option<Values> {
        let i = self.names.iter().position(|n| n == name)?;
        let empty = match &self.columns[i] {
            Values::Num(_) => Values::Num(vec![]),
            Values::Bool(_) => Values::Bool(vec![]),
            Values::Text(_) => Values::Text(vec![]),
        };
        Some(std::mem::replace(&mut self.columns[i], empty))
    }
    /// The features as a DataFrame (hidden `__` columns left out).
    pub fn to_frame(&self) -> Result<DataFrame> {
        self.to_frame_of(|n| !n.starts_with("__"))
    }
    /// The columns whose names pass `keep`, as a DataFrame (of the table's height).
    pub fn to_frame_of(&self, keep: impl Fn(&str) -> bool) -> Result<DataFrame> {
        let cols: Vec<Column> = self
            .names
            .iter()
            .zip(&self.columns)
            .filter(|(n, _)| keep(n))
            .map(|(n, v)| match v {
                Values::Num(v) => Column::new(n.as_str().into(), v),
                Values::Bool(v) => Column::new(n.as_str().into(), v),
                Values::Text(v) => Column::new(n.as_str().into(), v),
            })
            .collect();
        Ok(DataFrame::new(self.rows(), cols)?)
    }
}
