//! The signal features as the scorer reads them: where a plan's signals
//! come from (`Timing`), and `Snapshot`, every account's timing features
//! as of one day, computed once and looked up per universe batch.

use super::*;

/// Where a plan's signals come from.
#[allow(clippy::large_enum_variant)] // one per batch, moved once
#[derive(Clone)]
pub enum Timing {
    /// No signals: every row has the defaults.
    None,
    /// Raw signals (`account_id`, `signal`, `date`, `recorded`, `value`)
    /// and the role of each signal type.
    Signals {
        signals: LazyFrame,
        types: LazyFrame,
    },
    /// Signal features already computed per account as of the rows'
    /// single as-of day (`Snapshot`), in one or more snapshots of disjoint
    /// accounts.
    Snapshot(Vec<std::sync::Arc<Snapshot>>),
}

impl Timing {
    /// Raw signals whose types are (normalized) names.
    pub fn named(signals: LazyFrame, spec: &FeatureSpec) -> Result<Timing> {
        Ok(Timing::Signals {
            signals,
            types: named_types(spec)?,
        })
    }
}

/// The signal features of a set of accounts as of one day: a row per
/// account with a signal able to change one. The
/// scorer's form of the signals, computed once and looked up per universe
/// batch (as `timing_in_chunks` computes them for each row).
pub struct Snapshot {
    /// The feature columns (`wide`) of the accounts numbered from
    /// k·`part` on, part k; whole-number columns as f32.
    pub(super) parts: Vec<DataFrame>,
    part: usize,
    /// Each account's row.
    index: Index,
    /// Days from the newest past signal it holds to the as-of day.
    newest_age: Option<i32>,
}

/// Accounts numbered in order of appearance.
type Index = rustc_hash::FxHashMap<String, IdxSize>;

/// `frame` with its `account_id` replaced by the account's number in
/// `index` (`ROW`), new accounts numbered on.
pub(super) fn number(frame: DataFrame, index: &mut Index) -> Result<DataFrame> {
    let ids = frame.column("account_id")?.str()?;
    let mut code: Vec<IdxSize> = Vec::with_capacity(ids.len());
    for id in ids.iter() {
        let id = id.unwrap_or("");
        let next = index.len() as IdxSize;
        code.push(match index.get(id) {
            Some(c) => *c,
            None => {
                index.insert(id.to_string(), next);
                next
            }
        });
    }
    let mut numbered = frame.drop("account_id")?;
    numbered.with_column(Column::new(ROW.into(), code))?;
    Ok(numbered)
}

/// Days from the newest past event among relevant signals to the as-of day.
pub(super) fn newest_age(relevant: &DataFrame, spec: &FeatureSpec) -> Result<Option<i32>> {
    let n_past = spec.signal_types.len() as u32;
    let ages = relevant.column("__age")?.i32()?;
    let types = relevant.column(TYPE)?.u32()?;
    Ok(ages
        .iter()
        .zip(types.iter())
        .filter_map(|(a, t)| a.filter(|a| *a > 0 && t.is_some_and(|t| t < n_past)))
        .min())
}

/// The smaller of two ages (the newer signal), either possibly absent.
pub fn youngest(a: Option<i32>, b: Option<i32>) -> Option<i32> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Relevant signal rows held before they are summed (about 30 bytes each).
pub(super) const PENDING_ROWS: usize = 8_000_000;
/// Accounts per part of a snapshot.
pub(super) const PART_ACCOUNTS: usize = 1 << 18;

impl Snapshot {
    /// The snapshot of every account in `batches`. Each batch keeps the
    /// signals able to change a feature; past `PENDING_ROWS` of those, they
    /// are summed per (account, type), and the sums are summed again at the
    /// end (`combine` is associative), so memory is bounded by the accounts,
    /// not the signals.
    pub fn build(
        batches: impl Iterator<Item = Result<Signals>>,
        as_of: i32,
        spec: &FeatureSpec,
    ) -> Result<Snapshot> {
        let mut index = Default::default();
        let mut sums: Option<DataFrame> = None;
        let (mut pending, mut pending_rows): (Vec<LazyFrame>, usize) = (vec![], 0);
        let fold = |sums: &mut Option<DataFrame>, pending: &mut Vec<LazyFrame>| -> Result<()> {
            let relevant = concat(std::mem::take(pending), UnionArgs::default())?;
            let mut parts = vec![contributions(relevant, spec, ROW)];
            parts.extend(sums.take().map(DataFrame::lazy));
            let all = concat(parts, UnionArgs::default())?;
            *sums = Some(combine(all, spec).collect()?);
            Ok(())
        };
        let mut newest = None;
        for s in batches {
            let relevant = number(relevant_signals(&s?, as_of, spec)?, &mut index)?;
            newest = youngest(newest, newest_age(&relevant, spec)?);
            pending_rows += relevant.height();
            pending.push(relevant.lazy());
            if pending_rows >= PENDING_ROWS {
                fold(&mut sums, &mut pending)?;
                pending_rows = 0;
            }
        }
        let relevant = match pending.len() {
            0 => None,
            _ => Some(concat(pending, UnionArgs::default())?),
        };
        let mut snapshot = Snapshot::finish(relevant, sums, index, spec, PART_ACCOUNTS)?;
        snapshot.newest_age = newest;
        Ok(snapshot)
    }

    /// The snapshot of the accounts of `relevant_signals` frames.
    pub fn from_relevant(relevant: DataFrame, spec: &FeatureSpec) -> Result<Snapshot> {
        Snapshot::from_relevant_in_parts(relevant, spec, PART_ACCOUNTS)
    }

    pub(super) fn from_relevant_in_parts(
        relevant: DataFrame,
        spec: &FeatureSpec,
        part: usize,
    ) -> Result<Snapshot> {
        let mut index = Default::default();
        let newest = newest_age(&relevant, spec)?;
        let relevant = number(relevant, &mut index)?;
        let mut snapshot = Snapshot::finish(Some(relevant.lazy()), None, index, spec, part)?;
        snapshot.newest_age = newest;
        Ok(snapshot)
    }

    /// From relevant signals and sums of them per (`ROW`, type), `ROW`
    /// numbering the accounts of `index`: a part of `part` accounts at a
    /// time (so memory holds one part's sums), each part's rows in order
    /// of their number (as `wide` returns them).
    fn finish(
        relevant: Option<LazyFrame>,
        sums: Option<DataFrame>,
        index: Index,
        spec: &FeatureSpec,
        part: usize,
    ) -> Result<Snapshot> {
        let mut parts = vec![];
        for lo in (0..index.len()).step_by(part) {
            let hi = (lo + part).min(index.len());
            let in_part = |f: LazyFrame| {
                f.filter(
                    col(ROW)
                        .gt_eq(lit(lo as IdxSize))
                        .and(col(ROW).lt(lit(hi as IdxSize))),
                )
            };
            let mut inputs = vec![];
            inputs.extend(
                relevant
                    .clone()
                    .map(|r| contributions(in_part(r), spec, ROW)),
            );
            inputs.extend(sums.clone().map(|s| in_part(s.lazy())));
            let combined = combine(concat(inputs, UnionArgs::default())?, spec).collect()?;
            let wide = wide(combined, spec)?;
            let wide = wide.drop(ROW)?;
            if wide.height() != hi - lo {
                return Err(crate::error::Error::Internal(format!(
                    "a snapshot part has {} rows for {} accounts",
                    wide.height(),
                    hi - lo
                )));
            }
            // counts and days are whole numbers: f32 holds them exactly, in half the memory
            let mut columns = vec![];
            for c in wide.columns() {
                let exact = c.f64()?.iter().flatten().all(|v| f64::from(v as f32) == v);
                columns.push(if exact {
                    c.cast(&DataType::Float32)?
                } else {
                    c.clone()
                });
            }
            parts.push(DataFrame::new(wide.height(), columns)?);
        }
        Ok(Snapshot {
            parts,
            part,
            index,
            newest_age: None,
        })
    }

    /// The snapshot of no account.
    pub fn empty() -> Snapshot {
        Snapshot {
            parts: vec![],
            part: PART_ACCOUNTS,
            index: Default::default(),
            newest_age: None,
        }
    }

    /// Days from the newest past signal in the snapshot to its as-of day
    /// (None when it holds none).
    pub fn newest_age(&self) -> Option<i32> {
        self.newest_age
    }

    /// The accounts with a signal able to change a feature.
    pub fn accounts(&self) -> usize {
        self.index.len()
    }

    /// Where each id's row is (part, row in the part), None when absent.
    fn locate(&self, id: &str) -> Option<(usize, usize)> {
        let at = *self.index.get(id)? as usize;
        Some((at / self.part, at % self.part))
    }
}

/// The timing features `names` of each of `ids`, from snapshots of
/// disjoint accounts: a gather of each account's snapshot row, aligned to
/// `ids`, with the plan's defaults (`default_of`) where an account has no
/// signal able to change a feature or a feature no value.
pub(super) fn snapshot_columns(
    list: &[std::sync::Arc<Snapshot>],
    ids: &StringChunked,
    names: &[String],
    spec: &FeatureSpec,
) -> Result<Vec<Vec<f64>>> {
    // (snapshot, part) -> (row, row in the part)
    let mut hits: rustc_hash::FxHashMap<(usize, usize), Vec<(usize, usize)>> = Default::default();
    for (r, id) in ids.iter().enumerate() {
        let Some(id) = id else { continue };
        if let Some((s, (p, at))) = list
            .iter()
            .enumerate()
            .find_map(|(s, snap)| snap.locate(id).map(|l| (s, l)))
        {
            hits.entry((s, p)).or_default().push((r, at));
        }
    }
    let mut out = vec![];
    for name in names {
        let mut values = vec![default_of(name, spec); ids.len()];
        for (&(s, p), rows) in &hits {
            let c = list[s].parts[p].column(name)?.as_materialized_series();
            match c.dtype() {
                DataType::Float32 => gather_into(&mut values, rows, c.f32()?),
                _ => gather_into(&mut values, rows, c.f64()?),
            }
        }
        out.push(values);
    }
    Ok(out)
}

/// `values[row] = from[at]` for each (row, at) where `from` has a value.
pub(super) fn gather_into<T>(values: &mut [f64], rows: &[(usize, usize)], from: &ChunkedArray<T>)
where
    T: PolarsNumericType,
    T::Native: Into<f64>,
{
    let from = from.rechunk();
    let from = from.downcast_as_array();
    let v = from.values().as_slice();
    match from.validity() {
        None => rows.iter().for_each(|&(r, at)| values[r] = v[at].into()),
        Some(valid) => rows.iter().for_each(|&(r, at)| {
            if valid.get_bit(at) {
                values[r] = v[at].into();
            }
        }),
    }
}

/// A timing feature's value for a row without its signals: the recency
/// cap for days since and until, else 0.
pub(super) fn default_of(name: &str, spec: &FeatureSpec) -> f64 {
    signals::find(spec, name).map_or(0.0, |s| s.default_value(spec))
}
