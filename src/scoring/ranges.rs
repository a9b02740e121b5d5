//! Signals for a universe sorted by account id that is too large for one
//! snapshot. The accounts are cut into ranges (a range per
//! `RANGE_SIGNALS` signals, cut at ids sampled from the universe, so about
//! as many accounts in each). One pass writes each signal able to change a
//! feature as of the scoring day into its range's file (lz4 parquet in a
//! temporary folder beside the output), and each range becomes one
//! `plan::Snapshot` when the universe batches reach it (built a step ahead,
//! on a thread of its own). Memory holds a batch of signals while writing
//! and a few ranges while scoring (one or two in use, the next one built),
//! not every account's features at once. The signals may come in any order.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::features::{plan, FeatureSpec};
use crate::input::tables;

/// Signal rows per range (at most, if every one can change a feature).
/// Measured at 10M accounts: ranges of 1M signals peak at 1,011 MiB with
/// the next range built ahead, of 500k at 868 MiB, in the same time.
pub const RANGE_SIGNALS: usize = 500_000;
/// Signal rows read at a time.
const READ_ROWS: usize = 1 << 20;

/// The ranges' files, in account order, with each range's end (the first
/// id of the next range; None for the last). The folder is removed when
/// dropped, on success and on every error.
pub struct Ranges {
    dir: PathBuf,
    files: Vec<PathBuf>,
    ends: Vec<Option<String>>,
}

impl Drop for Ranges {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The range of an account id: the number of range starts at or below it.
fn range_of(bounds: &[String], id: &str) -> usize {
    bounds.partition_point(|b| b.as_str() <= id)
}

/// The range of each id; an id in the previous one's range (a sorted
/// run) is placed without a search.
fn ranges_of<'a>(bounds: &[String], ids: impl Iterator<Item = &'a str>) -> Vec<u32> {
    let mut k = 0usize;
    ids.map(|id| {
        let in_k = (k == 0 || bounds[k - 1].as_str() <= id)
            && bounds.get(k).is_none_or(|b| id < b.as_str());
        if !in_k {
            k = range_of(bounds, id);
        }
        k as u32
    })
    .collect()
}

impl Ranges {
    /// Writes the signals of `path` that can change a feature as of
    /// `as_of` into the files of the ranges starting at `bounds`
    /// (ascending), in `dir` (cleared first: a killed run may have left it).
    pub fn write(
        source: &crate::input::SignalSource,
        map: &std::collections::BTreeMap<String, String>,
        as_of: i32,
        spec: &FeatureSpec,
        bounds: Vec<String>,
        dir: PathBuf,
    ) -> Result<Ranges> {
        let started = std::time::Instant::now();
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let files: Vec<PathBuf> = (0..=bounds.len())
            .map(|k| dir.join(format!("range-{k}.parquet")))
            .collect();
        let mut ends: Vec<Option<String>> = bounds.iter().cloned().map(Some).collect();
        ends.push(None);
        let ranges = Ranges { dir, files, ends };
        let mut writers: Vec<Option<Writer>> = (0..ranges.files.len()).map(|_| None).collect();
        let batches = tables::signal_batches(source, map, READ_ROWS)?;
        super::read_ahead(batches, |batches| -> Result<()> {
            for s in batches {
                let relevant = plan::relevant_signals(&s?, as_of, spec)?;
                // the rows in order of their range (one gather), then a slice per range
                let ids = relevant.column("account_id")?.str()?;
                let range = ranges_of(&bounds, ids.iter().map(|id| id.unwrap_or("")));
                let mut start = vec![0usize; ranges.files.len() + 1];
                for &k in &range {
                    start[k as usize + 1] += 1;
                }
                for k in 1..start.len() {
                    start[k] += start[k - 1];
                }
                // signals sorted by account come in range order already
                let sorted = if range.is_sorted() {
                    relevant
                } else {
                    let mut order = vec![0 as IdxSize; range.len()];
                    let mut next = start.clone();
                    for (i, &k) in range.iter().enumerate() {
                        order[next[k as usize]] = i as IdxSize;
                        next[k as usize] += 1;
                    }
                    relevant.take(&IdxCa::from_vec("order".into(), order))?
                };
                for k in 0..ranges.files.len() {
                    let len = start[k + 1] - start[k];
                    if len == 0 {
                        continue;
                    }
                    let part = sorted.slice(start[k] as i64, len);
                    let w = match &mut writers[k] {
                        Some(w) => w,
                        slot => slot.insert(create(&ranges.files[k], part.schema())?),
                    };
                    w.write_batch(&part)?;
                }
            }
            Ok(())
        })?;
        for w in writers.into_iter().flatten() {
            w.finish()?;
        }
        tracing::info!(
            ranges = ranges.files.len(),
            secs = started.elapsed().as_secs_f64(),
            "signals written into ranges of accounts"
        );
        Ok(ranges)
    }

    /// Each range's end and snapshot, in account order.
    pub fn snapshots<'a>(
        &'a self,
        spec: &'a FeatureSpec,
    ) -> impl Iterator<Item = Result<(Option<String>, Arc<plan::Snapshot>)>> + Send + 'a {
        self.files.iter().zip(&self.ends).map(move |(f, end)| {
            let snapshot = if f.exists() {
                let file = File::open(f).map_err(|e| Error::io(f, e))?;
                let df = ParquetReader::new(file).finish()?;
                plan::Snapshot::from_relevant(df, spec)?
            } else {
                plan::Snapshot::empty()
            };
            Ok((end.clone(), Arc::new(snapshot)))
        })
    }
}

type Writer = polars::io::parquet::write::BatchedWriter<File>;

fn create(path: &Path, schema: &Schema) -> Result<Writer> {
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    Ok(ParquetWriter::new(file)
        .with_compression(ParquetCompression::Lz4Raw)
        .batched(schema)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_fall_in_the_range_that_starts_at_or_below_them() {
        let bounds = vec!["b".to_string(), "d".to_string()];
        let ranges: Vec<usize> = ["", "a", "b", "bz", "c", "d", "e"]
            .iter()
            .map(|id| range_of(&bounds, id))
            .collect();
        assert_eq!(ranges, [0, 0, 1, 1, 1, 2, 2]);
        // in runs or not, the same ranges as the search
        let ids = ["e", "a", "a", "b", "d", "c", "", "bz", "d", "d"];
        let searched: Vec<u32> = ids.iter().map(|id| range_of(&bounds, id) as u32).collect();
        assert_eq!(ranges_of(&bounds, ids.into_iter()), searched);
        assert_eq!(ranges_of(&[], ids.into_iter()), vec![0; ids.len()]);
    }
}
