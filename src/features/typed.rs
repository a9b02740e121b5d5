//! Columns of any type named by the config: `features.extra` (account
//! columns) and `features.deal` (opportunity columns known when the deal is
//! created). Numbers and booleans enter as numbers (imputed by their
//! training median); text is categorical (a level per value seen in enough
//! training rows, rare ones pooled as `Other`, missing its own level
//! `Missing`); a `;`-list is multi-hot, like technologies.

use std::collections::BTreeMap;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::ColumnType;

/// The typed columns of one table, as learned from the training rows.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Typed {
    pub numbers: Vec<String>,
    /// The levels kept per text column.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub text: BTreeMap<String, Vec<String>>,
    /// The items flagged per `;`-list column: (normalized, display).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub lists: BTreeMap<String, Vec<(String, String)>>,
    /// Text and list columns of which no level or item was seen in enough
    /// rows to be learned, with their count of distinct values (training's
    /// note: they are no feature).
    #[serde(skip)]
    pub unlearned: Vec<(String, usize)>,
}

/// Models from before typed extras saved `extra` as a list of numeric columns.
impl<'de> Deserialize<'de> for Typed {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Fields {
            #[serde(default)]
            numbers: Vec<String>,
            #[serde(default)]
            text: BTreeMap<String, Vec<String>>,
            #[serde(default)]
            lists: BTreeMap<String, Vec<(String, String)>>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Numbers(Vec<String>),
            Typed(Fields),
        }
        Ok(match Either::deserialize(d)? {
            Either::Numbers(numbers) => Typed {
                numbers,
                ..Default::default()
            },
            Either::Typed(f) => Typed {
                numbers: f.numbers,
                text: f.text,
                lists: f.lists,
                unlearned: vec![],
            },
        })
    }
}

/// Typed column values as read (`input::tables::extras`).
pub type NumberColumns = Vec<(String, Vec<Option<f64>>)>;
pub type TextColumns = Vec<(String, Vec<Option<String>>)>;

impl Typed {
    /// Learns levels and items from the training rows: a `;` in any value
    /// makes a text column a list (unless `types` says `text`; `list` makes
    /// one without); levels and items need `min_rows` rows, and at most
    /// `top` items of a list are flagged.
    pub fn learn(
        numbers: &NumberColumns,
        text: &TextColumns,
        types: &BTreeMap<String, ColumnType>,
        min_rows: usize,
        top: usize,
    ) -> Typed {
        let mut t = Typed {
            numbers: numbers.iter().map(|(n, _)| n.clone()).collect(),
            ..Default::default()
        };
        for (name, col) in text {
            let list = match types.get(name) {
                Some(ColumnType::List) => true,
                Some(ColumnType::Text) => false,
                _ => col.iter().flatten().any(|v| v.contains(';')),
            };
            let distinct = || {
                col.iter()
                    .flatten()
                    .collect::<std::collections::HashSet<_>>()
                    .len()
            };
            if list {
                let items = super::top_items(col, top, min_rows);
                if items.is_empty() {
                    t.unlearned.push((name.clone(), distinct()));
                }
                t.lists.insert(name.clone(), items);
            } else {
                let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
                for v in col.iter().flatten() {
                    *counts.entry(v.as_str()).or_default() += 1;
                }
                let kept = counts
                    .into_iter()
                    .filter(|(_, c)| *c >= min_rows)
                    .map(|(k, _)| k.to_string())
                    .collect::<Vec<_>>();
                if kept.is_empty() {
                    t.unlearned.push((name.clone(), distinct()));
                }
                t.text.insert(name.clone(), kept);
            }
        }
        t
    }

    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty() && self.text.is_empty() && self.lists.is_empty()
    }

    /// Notes on the columns nothing was learned from (`min_rows`: the
    /// rows a level or item needs).
    pub fn unlearned_notes(&self, min_rows: usize) -> Vec<String> {
        self.unlearned
            .iter()
            .map(|(c, n)| {
                format!(
                    "`{c}` has {n} distinct values and none is in the {min_rows} training rows a level needs: it is no feature (an id or free text?); drop it from the config, or group its values"
                )
            })
            .collect()
    }

    /// Every source column.
    pub fn columns(&self) -> Vec<String> {
        let mut v = self.numbers.clone();
        v.extend(self.text.keys().cloned());
        v.extend(self.lists.keys().cloned());
        v
    }

    /// The columns read as text: categories and lists.
    pub fn text_columns(&self) -> Vec<String> {
        self.text.keys().chain(self.lists.keys()).cloned().collect()
    }

    /// The flag features of a `;`-list column: one per item.
    pub fn item_flags(&self, name: &str) -> Vec<String> {
        self.lists
            .get(name)
            .into_iter()
            .flatten()
            .map(|(t, _)| format!("{name}_{t}"))
            .collect()
    }

    /// Whether `name` is an item flag of a list.
    pub fn is_item_flag(&self, name: &str) -> bool {
        self.lists
            .keys()
            .any(|l| self.item_flags(l).iter().any(|f| f == name))
    }

    /// The feature columns, (name, kind), in table order.
    pub fn features(&self) -> Vec<(String, &'static str)> {
        let mut v: Vec<(String, &'static str)> =
            self.numbers.iter().map(|n| (n.clone(), "number")).collect();
        v.extend(self.text.keys().map(|n| (n.clone(), "text")));
        for n in self.lists.keys() {
            v.extend(self.item_flags(n).into_iter().map(|f| (f, "boolean")));
            v.push((format!("{n}_missing"), "boolean"));
        }
        v
    }

    /// The plan's expressions: the item lists of each list column (a first
    /// step, `__items_<name>`), then every feature column.
    pub fn exprs(&self, impute: &BTreeMap<String, f64>) -> (Vec<Expr>, Vec<Expr>) {
        let (mut first, mut second) = (vec![], vec![]);
        for name in &self.numbers {
            let m = impute.get(name).copied().unwrap_or(0.0);
            second.push(col(name.as_str()).fill_null(lit(m)));
        }
        for (name, levels) in &self.text {
            let levels = Series::new("levels".into(), levels);
            second.push(
                when(col(name.as_str()).is_null())
                    .then(lit("Missing"))
                    .when(col(name.as_str()).is_in(lit(levels).implode(true), false))
                    .then(col(name.as_str()))
                    .otherwise(lit("Other"))
                    .alias(name.as_str()),
            );
        }
        for (name, items) in &self.lists {
            let list = format!("__items_{name}");
            first.push(super::plan::items(col(name.as_str())).alias(list.as_str()));
            for (t, _) in items {
                second.push(
                    col(list.as_str())
                        .list()
                        .contains(lit(t.as_str()), false)
                        .fill_null(lit(false))
                        .alias(format!("{name}_{t}")),
                );
            }
            second.push(
                col(name.as_str())
                    .is_null()
                    .alias(format!("{name}_missing")),
            );
        }
        (first, second)
    }
}
