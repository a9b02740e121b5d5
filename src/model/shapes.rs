//! The fitted shapes as the report draws them: each numeric source's
//! effect on the log-odds against its value over the training
//! distribution, and each pair's table of cells.

use serde::{Deserialize, Serialize};

use crate::features::FeatureTable;
use crate::model::terms::{pair::Side, Kind, Term};
use crate::model::Model;

/// One source's effect (log-odds, 0 = the average fitted deal) at values
/// spanning its training distribution.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Curve {
    pub source: String,
    /// (value, effect), by value.
    pub points: Vec<(f64, f64)>,
}

/// A pair's interaction in log-odds: rows are the first source's bins,
/// columns the second's; the first row and column are the reference (0).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PairTable {
    pub source: String,
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    pub cells: Vec<Vec<f64>>,
}

/// Rows the curves' averages read at most.
const SAMPLE: usize = 50_000;

/// The curve of every numeric source with more than two values among the
/// fitted `rows`: at its 2% quantiles, cuts and exact values, centred on
/// the fitted deals' average.
pub fn curves(model: &Model, table: &FeatureTable, rows: &[usize]) -> Vec<Curve> {
    curves_of(&model.terms, table, rows)
}

/// `curves` of any terms (the win model's, or the potential part's, whose
/// effects are on the log amount).
pub fn curves_of(all: &[Term], table: &FeatureTable, rows: &[usize]) -> Vec<Curve> {
    let mut out = vec![];
    let mut sources: Vec<&str> = vec![];
    for t in all {
        if t.at(0.0).is_some() && !sources.contains(&t.source.as_str()) {
            sources.push(&t.source);
        }
    }
    let step = rows.len().div_ceil(SAMPLE).max(1);
    for src in sources {
        let Some(v) = table.get(src) else { continue };
        let terms: Vec<&Term> = all.iter().filter(|t| t.source == src).collect();
        let effect = |x: f64| terms.iter().map(|t| t.effect_at(x)).sum::<f64>();
        let mut x: Vec<f64> = rows
            .iter()
            .step_by(step)
            .filter_map(|&r| v.num(r))
            .filter(|x| x.is_finite())
            .collect();
        x.sort_by(|a, b| a.total_cmp(b));
        if x.is_empty() {
            continue;
        }
        let mean = x.iter().map(|v| effect(*v)).sum::<f64>() / x.len() as f64;
        let (lo, hi) = (x[0], x[x.len() - 1]);
        let mut grid: Vec<f64> = (0..=50)
            .map(|k| x[((k as f64 / 50.0) * (x.len() - 1) as f64).round() as usize])
            .collect();
        for t in &terms {
            match &t.kind {
                Kind::Step(s) if s.at > lo && s.at <= hi => grid.push(s.at),
                Kind::Exact(e) if e.value >= lo && e.value <= hi => grid.push(e.value),
                _ => {}
            }
        }
        grid.sort_by(|a, b| a.total_cmp(b));
        grid.dedup();
        if grid.len() < 3 {
            continue;
        }
        out.push(Curve {
            source: src.to_string(),
            points: grid.iter().map(|g| (*g, effect(*g) - mean)).collect(),
        });
    }
    out
}

/// The table of every pair in the model.
pub fn pair_tables(model: &Model) -> Vec<PairTable> {
    let mut out: Vec<PairTable> = vec![];
    for t in &model.terms {
        let Kind::Pair(p) = &t.kind else { continue };
        let (a, b) = (p.a.label(), p.b.label());
        let k = match out.iter().position(|x| x.source == t.source) {
            Some(k) => k,
            None => {
                out.push(PairTable {
                    source: t.source.clone(),
                    rows: vec![reference(&p.a)],
                    columns: vec![reference(&p.b)],
                    cells: vec![],
                });
                out.len() - 1
            }
        };
        let table = &mut out[k];
        if !table.rows.contains(&a) {
            table.rows.push(a.clone());
        }
        if !table.columns.contains(&b) {
            table.columns.push(b.clone());
        }
        let (i, j) = (
            table.rows.iter().position(|r| *r == a).unwrap_or(0),
            table.columns.iter().position(|c| *c == b).unwrap_or(0),
        );
        while table.cells.len() < table.rows.len() {
            table.cells.push(vec![]);
        }
        for row in &mut table.cells {
            row.resize(table.columns.len(), 0.0);
        }
        table.cells[i][j] = t.coef_original();
    }
    out
}

/// The label of a side's reference bin (the first, which has no cell terms).
fn reference(s: &Side) -> String {
    match s {
        Side::Range { .. } => "the lowest bin".into(),
        _ => "the most common level".into(),
    }
}
