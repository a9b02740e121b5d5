//! Signals sorted by account id on disk, for a universe sorted by account
//! id whose signals are not (an unsorted glob of export files): the signals
//! stream once into sorted runs of at most `RUN_ROWS` rows (uncompressed
//! parquet in a temporary folder beside the output), and a k-way merge of
//! the runs feeds the scorer's merge path. Memory holds one run while
//! sorting and one small batch per run while merging, not every account's
//! timing features at once.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, Date32Array, Float64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};

use crate::error::{Error, Result};
use crate::input::{tables, Signals};

/// Signal rows per sorted run (about 100 bytes each while sorting; two
/// runs are in memory, one read while the other is sorted and written).
pub const RUN_ROWS: usize = 1_000_000;
/// Rows read from each run at a time while merging.
const MERGE_ROWS: usize = 4_096;

/// The runs' folder, removed when dropped (on success and on every error).
pub struct Runs {
    dir: PathBuf,
}

impl Drop for Runs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("account_id", DataType::Utf8, false),
        Field::new("date", DataType::Date32, false),
        Field::new("recorded_date", DataType::Date32, true),
        Field::new("signal", DataType::Utf8, false),
        Field::new("value", DataType::Float64, true),
    ]))
}

/// Writes the rows of `buf`, sorted by account id (stable: equal ids keep
/// their file order), as run `k`.
fn write_run(buf: Signals, dir: &Path, k: usize) -> Result<PathBuf> {
    use rayon::slice::ParallelSliceMut;
    let mut idx: Vec<usize> = (0..buf.len()).collect();
    idx.par_sort_by(|&a, &b| buf.account_id[a].cmp(&buf.account_id[b]));
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(
            idx.iter()
                .map(|&i| buf.account_id[i].as_deref().unwrap_or_default()),
        )),
        Arc::new(Date32Array::from_iter_values(
            idx.iter().map(|&i| buf.date[i].unwrap_or_default()),
        )),
        Arc::new(Date32Array::from_iter(
            idx.iter().map(|&i| buf.recorded_date[i]),
        )),
        Arc::new(StringArray::from_iter_values(
            idx.iter()
                .map(|&i| buf.signal[i].as_deref().unwrap_or_default()),
        )),
        Arc::new(Float64Array::from_iter(idx.iter().map(|&i| buf.value[i]))),
    ];
    let path = dir.join(format!("run-{k:05}.parquet"));
    let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
    let batch = RecordBatch::try_new(schema(), cols)?;
    let mut w = parquet::arrow::ArrowWriter::try_new(file, schema(), None)?;
    w.write(&batch)?;
    w.close()?;
    Ok(path)
}

/// Moves the complete rows of `s` (account, date and type) to `out`.
fn append_complete(out: &mut Signals, s: Signals) {
    let rows = s
        .account_id
        .into_iter()
        .zip(s.date)
        .zip(s.recorded_date)
        .zip(s.signal)
        .zip(s.value);
    for ((((id, date), recorded), signal), value) in rows {
        if id.is_some() && date.is_some() && signal.is_some() {
            out.account_id.push(id);
            out.date.push(date);
            out.recorded_date.push(recorded);
            out.signal.push(signal);
            out.value.push(value);
        }
    }
}

/// The signals of `path` (file, folder or glob) as batches of about
/// `batch_size` rows in ascending account id, through sorted runs of
/// `run_rows` rows in `dir`. Rows without an account, date or type are
/// dropped here (they change no feature).
pub fn sorted(
    path: &Path,
    map: &BTreeMap<String, String>,
    batch_size: usize,
    run_rows: usize,
    dir: PathBuf,
) -> Result<(Runs, Merge)> {
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let runs = Runs { dir };
    // a run is sorted and written on another thread while the next is read
    let mut files = vec![];
    let mut buf = Signals::default();
    std::thread::scope(|scope| -> Result<()> {
        let mut writing: Option<std::thread::ScopedJoinHandle<Result<PathBuf>>> = None;
        let mut finish = |w: Option<std::thread::ScopedJoinHandle<Result<PathBuf>>>| -> Result<()> {
            if let Some(w) = w {
                let path = w.join().unwrap_or_else(|_| {
                    Err(Error::Internal("writing a sorted run panicked".into()))
                })?;
                files.push(path);
            }
            Ok(())
        };
        let mut k = 0;
        for s in tables::signal_batches(path, map, batch_size)? {
            append_complete(&mut buf, s?);
            if buf.len() >= run_rows {
                finish(writing.take())?;
                let (full, dir) = (std::mem::take(&mut buf), &runs.dir);
                writing = Some(scope.spawn(move || write_run(full, dir, k)));
                k += 1;
            }
        }
        finish(writing.take())?;
        if !buf.is_empty() {
            files.push(write_run(std::mem::take(&mut buf), &runs.dir, k)?);
        }
        Ok(())
    })?;
    tracing::info!(runs = files.len(), "signals sorted into runs");
    // the runs carry the contract's column names
    static NO_MAP: BTreeMap<String, String> = BTreeMap::new();
    let mut cursors = vec![];
    for f in &files {
        cursors.push(Cursor {
            batches: Box::new(tables::signal_batches(f, &NO_MAP, MERGE_ROWS)?),
            current: Signals::default(),
            pos: 0,
        });
    }
    let mut merge = Merge {
        cursors,
        heap: BinaryHeap::new(),
        out_rows: batch_size.max(1),
        failed: false,
    };
    for k in 0..merge.cursors.len() {
        if let Some(Err(e)) = merge.advance(k) {
            return Err(e);
        }
    }
    Ok((runs, merge))
}

struct Cursor {
    batches: Box<dyn Iterator<Item = Result<Signals>> + Send>,
    current: Signals,
    pos: usize,
}

/// The k-way merge of sorted runs.
pub struct Merge {
    cursors: Vec<Cursor>,
    /// (account id of the run's next row, run).
    heap: BinaryHeap<Reverse<(String, usize)>>,
    out_rows: usize,
    failed: bool,
}

impl Merge {
    /// Moves run `k` to its next row, loading its next batch when needed,
    /// and queues that row; an error of the run's reader is returned.
    fn advance(&mut self, k: usize) -> Option<Result<()>> {
        let c = &mut self.cursors[k];
        while c.pos >= c.current.len() {
            match c.batches.next() {
                Some(Ok(b)) => {
                    c.current = b;
                    c.pos = 0;
                }
                Some(Err(e)) => return Some(Err(e)),
                None => return None,
            }
        }
        let id = c.current.account_id[c.pos].clone().unwrap_or_default();
        self.heap.push(Reverse((id, k)));
        Some(Ok(()))
    }
}

impl Iterator for Merge {
    type Item = Result<Signals>;

    fn next(&mut self) -> Option<Result<Signals>> {
        if self.failed {
            return None;
        }
        let mut out = Signals::default();
        while out.len() < self.out_rows {
            let Some(Reverse((_, k))) = self.heap.pop() else {
                break;
            };
            let c = &mut self.cursors[k];
            // the row is moved out: the cursor only reads on from it
            let (cur, i) = (&mut c.current, c.pos);
            out.account_id.push(cur.account_id[i].take());
            out.date.push(cur.date[i]);
            out.recorded_date.push(cur.recorded_date[i]);
            out.signal.push(cur.signal[i].take());
            out.value.push(cur.value[i]);
            c.pos += 1;
            if let Some(Err(e)) = self.advance(k) {
                self.failed = true;
                return Some(Err(e));
            }
        }
        (!out.is_empty()).then_some(Ok(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many small runs merge into one ascending stream holding every
    /// complete row once, equal ids in file order; the folder goes away.
    #[test]
    fn runs_merge_in_account_order() {
        let t = std::env::temp_dir().join(format!("scorebook-sort-test-{}", std::process::id()));
        std::fs::create_dir_all(&t).unwrap();
        let csv = t.join("signals.csv");
        let mut text = String::from("account_id,date,signal,value\n");
        let ids = [
            "c", "a", "b", "a", "d", "b", "a", "c", "e", "a", "b", "d", "", "a",
        ];
        for (k, id) in ids.iter().enumerate() {
            text += &format!("{id},2025-01-{:02},web,{k}\n", k + 1);
        }
        std::fs::write(&csv, text).unwrap();
        let dir = t.join("runs");
        let (runs, merge) = sorted(&csv, &BTreeMap::new(), 3, 4, dir.clone()).unwrap();
        assert!(
            std::fs::read_dir(&dir).unwrap().count() >= 3,
            "expected several runs"
        );
        let mut got = vec![];
        for b in merge {
            let b = b.unwrap();
            assert!(b.len() <= 3);
            for i in 0..b.len() {
                got.push((
                    b.account_id[i].clone().unwrap(),
                    b.value[i].unwrap() as usize,
                ));
            }
        }
        let mut want: Vec<(String, usize)> = ids
            .iter()
            .enumerate()
            .filter(|(_, id)| !id.is_empty())
            .map(|(k, id)| (id.to_string(), k))
            .collect();
        want.sort_by(|a, b| a.0.cmp(&b.0));
        // equal ids keep their file order within a run; across runs, runs are in file order
        assert_eq!(got, want);
        drop(runs);
        assert!(!dir.exists(), "the runs folder was left behind");
        std::fs::remove_dir_all(&t).unwrap();
    }
}
