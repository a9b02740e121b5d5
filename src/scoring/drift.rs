//! What a universe holds against what the model reads, so that a universe
//! that no longer looks like training is never scored silently: the model
//! columns a file lacks (named, and in `status`), columns with no value in
//! any row, list columns whose values match no learned item or are split by
//! another separator, repeated account ids, and signals that stop long
//! before the as-of day.

use std::collections::BTreeMap;

use rustc_hash::FxHashSet;

use crate::input::{Accounts, ColumnMap};
use crate::model::{fnv64, Model};

/// List cells of each batch (part) whose items are checked.
const LIST_SAMPLE: usize = 512;

/// The counts behind the warnings; parts of a batch are counted apart and
/// merged.
#[derive(Debug, Default)]
pub struct Drift {
    /// (file, column): model columns a universe file does not have.
    pub missing: Vec<(String, String)>,
    rows: usize,
    /// Rows with a value, per model column the files have.
    filled: BTreeMap<String, usize>,
    /// Per list column the model reads: (non-empty cells, cells with a
    /// learned item, cells split by `,` or `|` and not `;`).
    lists: BTreeMap<String, [usize; 3]>,
    /// A 64-bit hash of every account id, in file order (8 bytes a row,
    /// sorted once at the end: half the memory of a hash set).
    ids: Vec<u64>,
    duplicates: usize,
    /// The first repeated id, found in the written scores.
    pub first_duplicate: Option<String>,
    /// Whether signals were read, and the days from the newest past one to
    /// the as-of day.
    pub signals: bool,
    pub newest_signal_age: Option<i32>,
}

/// The model columns the file behind `map` does not have.
pub fn missing_columns(model: &Model, map: &ColumnMap) -> Vec<String> {
    model
        .account_inputs()
        .into_iter()
        .filter(|c| map.source(c).is_none())
        .collect()
}

/// The status note of a row read from a file without the columns `missing`.
pub fn status_note(missing: &[String]) -> String {
    let cols: Vec<String> = missing.iter().map(|c| format!("`{c}`")).collect();
    format!(
        "no {} column in the universe (scored as missing)",
        cols.join(", ")
    )
}

/// The values of model column `c` in `acc`: numbers, or text.
enum Column<'a> {
    Numbers(&'a [Option<f64>]),
    Text(&'a [Option<String>]),
}

fn column<'a>(acc: &'a Accounts, c: &str) -> Option<Column<'a>> {
    Some(match c {
        "employees" => Column::Numbers(&acc.employees),
        "annual_revenue" => Column::Numbers(&acc.annual_revenue),
        "founded_year" => Column::Numbers(&acc.founded_year),
        "jobs_posted_30d" => Column::Numbers(&acc.jobs_posted_30d),
        "hires_12m" => Column::Numbers(&acc.hires_12m),
        "industry" => Column::Text(&acc.industry),
        "technologies" => Column::Text(&acc.technologies),
        _ => match acc.extra.iter().find(|(n, _)| n == c) {
            Some((_, v)) => Column::Numbers(v),
            None => Column::Text(&acc.extra_text.iter().find(|(n, _)| n == c)?.1),
        },
    })
}

/// The items the model learned for list column `c` (normalized names).
fn learned_items<'a>(model: &'a Model, c: &str) -> Option<Vec<&'a str>> {
    let items = match c {
        "technologies" => &model.spec.technologies,
        _ => model.spec.extra.lists.get(c)?,
    };
    Some(items.iter().map(|(n, _)| n.as_str()).collect())
}

impl Drift {
    /// The counts of a universe whose files lack `missing` (file, column).
    pub fn missing(missing: Vec<(String, String)>) -> Drift {
        Drift {
            missing,
            ..Default::default()
        }
    }

    /// Counts the values of a batch (or part of one) of accounts.
    pub fn observe(&mut self, model: &Model, acc: &Accounts) {
        self.rows += acc.len();
        for c in model.account_inputs() {
            let Some(values) = column(acc, &c) else {
                continue;
            };
            let filled = match &values {
                Column::Numbers(v) => v.iter().filter(|x| x.is_some_and(f64::is_finite)).count(),
                Column::Text(v) => v.iter().flatten().filter(|t| !t.trim().is_empty()).count(),
            };
            *self.filled.entry(c.clone()).or_default() += filled;
            if let (Column::Text(v), Some(items)) = (values, learned_items(model, &c)) {
                let counts = self.lists.entry(c).or_default();
                // a sample of each batch's cells is enough to tell
                for cell in v
                    .iter()
                    .flatten()
                    .filter(|t| !t.trim().is_empty())
                    .take(LIST_SAMPLE)
                {
                    counts[0] += 1;
                    counts[1] += usize::from(
                        crate::features::tech_tokens(cell)
                            .any(|(n, _)| items.contains(&n.as_str())),
                    );
                    counts[2] += usize::from(!cell.contains(';') && cell.contains([',', '|']));
                }
            }
        }
    }

    /// Adds the counts of another part.
    pub fn merge(&mut self, o: Drift) {
        self.rows += o.rows;
        for (c, n) in o.filled {
            *self.filled.entry(c).or_default() += n;
        }
        for (c, n) in o.lists {
            let e = self.lists.entry(c).or_default();
            for k in 0..3 {
                e[k] += n[k];
            }
        }
    }

    /// Room for the ids of `rows` accounts.
    pub fn reserve(&mut self, rows: usize) {
        self.ids.reserve_exact(rows);
    }

    /// Notes the account ids of a batch, for repeats.
    pub fn ids(&mut self, ids: &[Option<String>]) {
        self.ids
            .extend(ids.iter().flatten().map(|id| fnv64(id.as_bytes())));
    }

    /// Counts the repeated ids and returns their hashes (the memory of the
    /// ids is freed).
    pub fn repeated_ids(&mut self) -> FxHashSet<u64> {
        let mut ids = std::mem::take(&mut self.ids);
        ids.sort_unstable();
        let mut repeated = FxHashSet::default();
        for w in ids.windows(2).filter(|w| w[0] == w[1]) {
            self.duplicates += 1;
            repeated.insert(w[0]);
        }
        repeated
    }

    /// The warnings, in plain sentences (none when the universe reads as
    /// the model expects).
    pub fn warnings(&self, model: &Model, as_of: i32) -> Vec<String> {
        let mut out = vec![];
        for (file, c) in &self.missing {
            out.push(format!(
                "{file} has no column `{c}`, which the model reads: every row is scored as if it were blank (see `status`); rename the column, or map it in [columns.accounts] of the config passed with --config"
            ));
        }
        let absent = |c: &str| self.missing.iter().any(|(_, m)| m == c);
        for (c, n) in &self.filled {
            if *n == 0 && self.rows > 0 && !absent(c) {
                out.push(format!(
                    "column `{c}` has no usable value in any of the {} rows, and the model reads it: every row is scored as if it were blank; check the export",
                    self.rows
                ));
            }
        }
        for (c, [cells, matched, foreign]) in &self.lists {
            if *cells >= 10 && 2 * foreign > *cells {
                out.push(format!(
                    "list column `{c}`: {foreign} of {cells} cells are split by `,` or `|`, and the model reads `;`-separated lists: their items do not match what it learned; export the lists with `;`"
                ));
            } else if *cells >= 20 && *matched == 0 {
                out.push(format!(
                    "list column `{c}`: none of its {cells} non-empty cells holds an item the model learned ({}): check the column's values and separator (`;`)",
                    learned_items(model, c).unwrap_or_default().join(", ")
                ));
            }
        }
        if self.duplicates > 0 {
            out.push(format!(
                "{} row(s) repeat an account id of another row (first: {:?}): each copy is scored and written; remove the duplicates so that a CRM import and the books see each account once",
                self.duplicates,
                self.first_duplicate.as_deref().unwrap_or("")
            ));
        }
        out.extend(self.stale_signals(model, as_of));
        out
    }

    /// Signals that stop long before the as-of day: the timing features
    /// count nothing recent.
    fn stale_signals(&self, model: &Model, as_of: i32) -> Option<String> {
        let shortest = *model.spec.windows.iter().min()? as i32;
        if !self.signals || !model.has_timing() {
            return None;
        }
        let day = crate::input::read::format_days(as_of);
        match self.newest_signal_age {
            Some(age) if age <= shortest.max(30) => None,
            Some(age) => Some(format!(
                "the newest signal is from {}, {age} days before --as-of {day}: every account's recent activity reads as none; pass the current signals, or score --as-of the day they end",
                crate::input::read::format_days(as_of - age)
            )),
            None => Some(format!(
                "no signal falls in the {} days before --as-of {day}: every account's recent activity reads as none; pass the current signals, or score --as-of the day they end",
                model.spec.windows.iter().max().copied().unwrap_or(0).max(model.spec.recency_cap_days)
            )),
        }
    }
}
