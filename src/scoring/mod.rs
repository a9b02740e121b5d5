//! The streaming batch scorer: reads the universe (file, directory or glob)
//! in bounded batches of only the columns the model needs, scores each batch
//! with `Model::score_table`, and writes parquet row groups as it goes, to a
//! temporary file renamed into place at the end. The signal features come
//! from `plan::Snapshot`s, computed once per account as of `--as-of`: one
//! of every account when it is small (or the universe is not sorted), else,
//! for a universe sorted by account id, one per range of accounts, written
//! to disk in one pass over the signals in any order (`ranges`), so memory
//! is bounded by a range and the batch size, not the universe.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use crate::error::{Error, Result};
use crate::features::{self, plan, FeatureTable, Values};
use crate::input::{read, tables, Accounts, ColumnMap, SignalSource};
use crate::model::train::UniverseScores;
use crate::model::{fnv64, Model};

pub mod drift;
mod opportunities;
mod ranges;

pub use opportunities::{score_opportunities, OpportunityOptions};

pub struct ScoreOptions {
    pub universe: PathBuf,
    /// Signal files and derived signals (champions who move), if any.
    pub signals: Option<SignalSource>,
    pub as_of: i32,
    pub out: PathBuf,
    pub batch_size: usize,
    /// (index, count): score only this shard.
    pub shard: Option<(usize, usize)>,
    /// Hold every account's timing features in memory up to this many
    /// accounts (universe or signal rows), else, with a universe sorted by
    /// account id, a range of accounts at a time.
    pub snapshot_accounts: usize,
}

#[derive(Debug, Default)]
pub struct Summary {
    pub files: usize,
    pub rows: usize,
    pub tiers: std::collections::BTreeMap<String, usize>,
    pub not_ok: usize,
    /// Rows with employees and revenue, and those of them under $1,000 of
    /// revenue per employee (a revenue column in thousands or millions).
    pub revenue_rows: usize,
    pub revenue_implausible: usize,
    /// Whether one shard of the universe was scored (its shares are not the universe's).
    pub shard: bool,
    /// Scored open deals (`score --opportunities`): the wins they should bring.
    pub expected: Option<crate::expected::Expected>,
    /// The universe against what the model reads.
    pub drift: drift::Drift,
}

impl Summary {
    /// A warning when the scored universe's tier shares miss the configured
    /// ones by more than a third (cut-offs set on other accounts): says
    /// where the cut-offs were set and how to set them on this universe.
    ///
    /// Scoring the very universe the cut-offs were set on (`same`), the
    /// shares must come out as they did there, within half a point: when
    /// they do not, the timing inputs (signals, contacts) differ from those
    /// `train --universe` read.
    pub fn tier_warning(&self, model: &Model, same: bool) -> Option<String> {
        if model.config.tiers.cutoffs.is_some() || self.shard {
            return None;
        }
        let count = |t: &str| self.tiers.get(t).copied().unwrap_or(0);
        let eligible = self.rows - count("Disqualified");
        if eligible < 100 {
            return None;
        }
        let shares = &model.config.tiers.shares;
        for (k, tier) in ["Tier 1", "Tier 2"].iter().enumerate() {
            let share = count(tier) as f64 / eligible as f64;
            let want = shares[k];
            let there = model.training.cutoff_shares[k];
            if same && there > 0.0 && (share - there).abs() > 0.005 {
                return Some(format!(
                    "{tier} holds {:.1}% of this universe where it held {:.1}% when the cut-offs were set on this very universe ({}): its signals or contacts differ from those `train --universe` read; pass the same --universe-signals and --universe-contacts to train as to score",
                    100.0 * share,
                    100.0 * there,
                    model.training.cutoffs_set_on
                ));
            }
            if (share - want).abs() > want / 3.0 {
                let on = if model.training.cutoffs_set_on.is_empty() {
                    format!(
                        "the {} accounts of the training export",
                        model.training.universe_accounts
                    )
                } else {
                    model.training.cutoffs_set_on.clone()
                };
                return Some(format!(
                    "{tier} holds {:.1}% of this universe where {:.0}% was configured: the cut-offs were set on {on}; retrain with --universe (the universe you score) to cut the tiers on it",
                    100.0 * share,
                    100.0 * want
                ));
            }
        }
        None
    }

    /// A warning when most rows' revenue per employee is implausibly low.
    pub fn unit_warning(&self) -> Option<String> {
        (self.revenue_rows >= 10 && 2 * self.revenue_implausible > self.revenue_rows).then(|| {
            format!(
                "{} of {} accounts have under $1,000 of revenue per employee: `annual_revenue` looks like it is in thousands or millions, not USD; set [input] revenue_multiplier in the model's config (or pass --config) and score again",
                self.revenue_implausible, self.revenue_rows
            )
        })
    }
}

pub use crate::contract::{AS_OF_KEY, MODEL_VERSION_KEY, OUTPUT_COLUMNS};

/// The scored file's schema for `model` (`contract::output_columns`).
fn schema(model: &Model) -> Arc<Schema> {
    Arc::new(Schema::new(
        crate::contract::output_columns(model.potential.is_some())
            .iter()
            .map(|c| {
                let numeric = matches!(
                    *c,
                    "score"
                        | "probability"
                        | "model_probability"
                        | "rule_points"
                        | "fit_score"
                        | "timing_score"
                        | "expected_amount"
                        | "expected_value"
                );
                let nullable = *c == "account_id";
                Field::new(
                    *c,
                    if numeric {
                        DataType::Float64
                    } else {
                        DataType::Utf8
                    },
                    nullable,
                )
            })
            .collect::<Vec<_>>(),
    ))
}

/// One universe file: its column mapping (checked up front) and the
/// columns to read.
struct Plan<'a> {
    path: PathBuf,
    map: ColumnMap<'a>,
    cols: Vec<String>,
    /// The model columns the file lacks.
    missing: Vec<String>,
}

/// Which files, and which rows of a single file, belong to a shard.
fn shard_files(
    files: Vec<PathBuf>,
    shard: Option<(usize, usize)>,
) -> (Vec<PathBuf>, Option<(usize, usize)>) {
    match shard {
        Some((i, n)) if files.len() > 1 => (
            files
                .into_iter()
                .enumerate()
                .filter(|(k, _)| k % n == i)
                .map(|(_, f)| f)
                .collect(),
            None,
        ),
        other => (files, other),
    }
}

pub fn score(model: &Model, o: &ScoreOptions) -> Result<Summary> {
    crate::input::conventions::set(model.config.input.conventions()?);
    let files = read::expand_inputs(&o.universe)?;
    let (files, row_shard) = shard_files(files, o.shard);
    let plans = plans(model, files)?;
    let tmp = crate::output::tmp_path(&o.out);
    let write = |timing: &mut Timing| write_scores(model, o, &plans, row_shard, timing, &tmp);
    let result = match &o.signals {
        None => write(&mut Timing::Whole(None)),
        Some(p) => score_with_signals(model, o, &plans, p, write),
    };
    match result {
        Ok(mut s) => {
            crate::output::persist(&tmp, &o.out)?;
            let repeated = s.drift.repeated_ids();
            if !repeated.is_empty() {
                s.drift.first_duplicate = first_of(&o.out, &repeated)?;
            }
            Ok(s)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// The first account id of the scored file `path` whose hash is in `set`.
fn first_of(path: &Path, set: &rustc_hash::FxHashSet<u64>) -> Result<Option<String>> {
    for b in read::read_batches(path, Some(&["account_id".to_string()]), 65_536)? {
        let b = b?;
        let ids = read::strings(
            &b.columns()[0],
            &read::Loc {
                file: &path.display().to_string(),
                column: "account_id",
                first_row: 1,
                decimal: None,
            },
        )?;
        if let Some(id) = ids
            .into_iter()
            .flatten()
            .find(|id| set.contains(&fnv64(id.as_bytes())))
        {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// The signals a scoring run reads, and what was said of the contacts.
#[derive(Default)]
pub struct Sourced {
    pub source: Option<SignalSource>,
    /// How the contact rows were matched (one line), and the warnings.
    pub facts: Vec<String>,
    pub warnings: Vec<String>,
}

/// The signals a scoring run reads: the files at `signals`, and the moves
/// of the people in the contacts table at `contacts` (champions who move,
/// `features::movers`), judged by the deal history the model was trained
/// on. A contact without an account id is matched by its email's domain to
/// an account of `universe`, else to an account of the deal history (as
/// `train` matched it); a domain several accounts share places nobody.
/// Rows `train` refuses are refused.
pub fn signal_source(
    model: &Model,
    signals: Option<&Path>,
    contacts: Option<&Path>,
    universe: Option<&Path>,
) -> Result<Sourced> {
    use crate::features::movers;
    let Some(c) = contacts else {
        return Ok(Sourced {
            source: signals.map(SignalSource::files),
            ..Default::default()
        });
    };
    if !model.has_moves() {
        return Err(Error::data(
            c.display(),
            "the model has no champion-move features (trained without contacts, or its contacts gave no move): retrain with [input] contacts, or score without --contacts",
        ));
    }
    let file = c.display().to_string();
    let contacts = tables::Contacts::read(c, &model.config.columns.contacts)?;
    if let Some(e) = movers::contact_errors(&contacts).into_iter().next() {
        return Err(Error::data(&file, e));
    }
    // the domains of the rows without an account id, looked up in the universe
    let wanted: rustc_hash::FxHashSet<String> = (0..contacts.len())
        .filter(|&i| contacts.account_id[i].is_none())
        .filter_map(|i| contacts.email[i].as_deref().and_then(movers::email_domain))
        .collect();
    let mut domains = match (universe, wanted.is_empty()) {
        (Some(u), false) => crate::input::Domains::of(crate::input::account_domains(
            u,
            &model.config.columns.accounts,
            false,
            |d| wanted.contains(d),
        )?),
        _ => crate::input::Domains::default(),
    };
    domains.fill_from(&crate::input::Domains::of(
        model
            .history_domains
            .iter()
            .map(|(d, id)| (id.clone(), d.clone())),
    ));
    let (derived, r) = movers::moves(&contacts, &|_| true, &domains, &model.deal_history);
    Ok(Sourced {
        source: Some(SignalSource {
            files: signals.map(Path::to_path_buf),
            derived,
        }),
        facts: vec![r.fact(&file, contacts.len())],
        warnings: r.warnings(&file, "the universe or the accounts with deals"),
    })
}

/// How the universe that set a model's cut-offs is named (`train
/// --universe`), so that scoring the same one can tell.
pub fn universe_source(accounts: usize, universe: &Path, as_of: i32) -> String {
    format!(
        "the {accounts} accounts of the universe {} as of {}",
        universe.display(),
        read::format_days(as_of)
    )
}

/// (file, column) of every model column a universe file lacks.
fn missing_of(plans: &[Plan]) -> Vec<(String, String)> {
    plans
        .iter()
        .flat_map(|p| {
            p.missing
                .iter()
                .map(|c| (p.path.display().to_string(), c.clone()))
        })
        .collect()
}

/// Each universe file's column mapping, checked before anything is written.
fn plans(model: &Model, files: Vec<PathBuf>) -> Result<Vec<Plan<'_>>> {
    let cfg = &model.config;
    let mut plans = vec![];
    for path in files {
        let map = ColumnMap::new(
            "universe",
            path.display().to_string(),
            &cfg.columns.accounts,
            read::column_names(&path)?,
        );
        let cols = tables::account_sources(&map, tables::ACCOUNT_SCORED_TEXT, &cfg.features.extra)?;
        let missing = drift::missing_columns(model, &map);
        plans.push(Plan {
            path,
            map,
            cols,
            missing,
        });
    }
    Ok(plans)
}

/// The universe `o` names scored by `model` through the scorer's own
/// reading and timing path, kept as `train --universe` needs it: every
/// account's fit and timing parts, and the probabilities of those not
/// disqualified (nothing is written).
pub fn universe_scores(model: &Model, o: &ScoreOptions) -> Result<UniverseScores> {
    crate::input::conventions::set(model.config.input.conventions()?);
    let plans = &plans(model, read::expand_inputs(&o.universe)?)?;
    let collect = |timing: &mut Timing| -> Result<UniverseScores> {
        let mut out = UniverseScores::default();
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        std::thread::scope(|scope| {
            scope.spawn(move || {
                if let Err(e) = read_accounts(model, o, plans, None, timing, &tx) {
                    let _ = tx.send(Err(e));
                }
            });
            for batch in rx {
                let (_, table, _) = batch?;
                out.add(&model.predict(&table)?);
            }
            Ok::<(), Error>(())
        })?;
        Ok(out)
    };
    let mut out = match &o.signals {
        None => collect(&mut Timing::Whole(None))?,
        Some(p) => score_with_signals(model, o, plans, p, collect)?,
    };
    out.source = universe_source(out.fit.len(), &o.universe, o.as_of);
    out.warnings = drift::Drift::missing(missing_of(plans)).warnings(model, o.as_of);
    Ok(out)
}

/// `write` with the timing features of the signals at `p`: one snapshot
/// of every account, or, for a sorted universe too large for one, the
/// ranges' snapshots, each built a step ahead on a thread of its own.
fn score_with_signals<T>(
    model: &Model,
    o: &ScoreOptions,
    plans: &[Plan],
    p: &SignalSource,
    write: impl FnOnce(&mut Timing) -> Result<T>,
) -> Result<T> {
    let cfg = &model.config;
    let universe: Vec<(&Path, String)> = plans
        .iter()
        .map(|p| Ok((p.path.as_path(), p.map.require("account_id")?)))
        .collect::<Result<_>>()?;
    let signal_rows: Option<usize> = p.rows()?;
    let universe_rows: Option<usize> = universe.iter().map(|(f, _)| read::parquet_rows(f)).sum();
    let fits = match (universe_rows, signal_rows) {
        (Some(u), Some(s)) => u.min(s) <= o.snapshot_accounts,
        (Some(n), None) | (None, Some(n)) => n <= o.snapshot_accounts,
        (None, None) => false,
    };
    let started = std::time::Instant::now();
    let sample = if fits {
        None
    } else {
        sorted_sample(&universe)?
    };
    tracing::info!(
        sorted = sample.is_some(),
        secs = started.elapsed().as_secs_f64(),
        "universe order checked"
    );
    let Some(sample) = sample else {
        let batches = tables::signal_batches(p, &cfg.columns.signals, SNAPSHOT_BATCH)?;
        let snapshot = read_ahead(batches, |batches| {
            plan::Snapshot::build(batches, o.as_of, &model.spec)
        })?;
        tracing::info!(accounts = snapshot.accounts(), "signal snapshot");
        return write(&mut Timing::Whole(Some(Arc::new(snapshot))));
    };
    // a sorted universe too large for one snapshot: ranges
    let parts = signal_rows
        .unwrap_or(usize::MAX)
        .div_ceil(ranges::RANGE_SIGNALS)
        .clamp(1, sample.len().max(1));
    let bounds = bounds(&sample, parts);
    let name = o
        .out
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("scores");
    let dir = crate::output::tmp_path(&o.out.with_file_name(format!("{name}.signals")));
    // the ranges' files (removed when dropped) live as long as the scoring
    let ranges = ranges::Ranges::write(p, &cfg.columns.signals, o.as_of, &model.spec, bounds, dir)?;
    read_ahead(ranges.snapshots(&model.spec), |source| {
        write(&mut Timing::Ranges {
            source: Box::new(source),
            loaded: Default::default(),
        })
    })
}

/// `f` over `items`, each read and parsed a step ahead on a thread of its
/// own.
fn read_ahead<T: Send, R>(
    items: impl Iterator<Item = Result<T>> + Send,
    f: impl FnOnce(&mut (dyn Iterator<Item = Result<T>> + Send)) -> Result<R>,
) -> Result<R> {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel(0);
        scope.spawn(move || {
            for item in items {
                let stop = item.is_err();
                if tx.send(item).is_err() || stop {
                    return;
                }
            }
        });
        f(&mut rx.into_iter())
    })
}

/// Signal rows per batch of the snapshot.
const SNAPSHOT_BATCH: usize = 1 << 20;

/// The default of `ScoreOptions::snapshot_accounts`. A snapshot costs
/// about 300 bytes per account while built and held: measured, 1M
/// accounts peak at 931 MiB, 2M at 1,129 MiB (ranges: 858 MiB, 9.5 s
/// against 9.7 s).
pub const SNAPSHOT_ACCOUNTS: usize = 1_000_000;

/// Every `SAMPLE_EVERY`-th account id of a sorted universe, from which
/// the ranges' bounds are chosen.
const SAMPLE_EVERY: usize = 64;

/// Every `SAMPLE_EVERY`-th id of the files, read in order, if their ids
/// never decrease; None if they do.
fn sorted_sample(files: &[(&Path, String)]) -> Result<Option<Vec<String>>> {
    let mut last = String::new();
    let mut sample = vec![];
    let mut n = 0usize;
    for (f, col) in files {
        for b in read::read_batches(f, Some(std::slice::from_ref(col)), 262_144)? {
            let b = b?;
            let a = arrow::compute::cast(b.column(0), &DataType::Utf8)?;
            let ids = a
                .as_any()
                .downcast_ref::<StringArray>()
                .ok_or_else(|| Error::Internal("account ids are not text".into()))?;
            for id in ids.iter() {
                let id = id.unwrap_or("");
                if n > 0 && id < last.as_str() {
                    return Ok(None);
                }
                if n.is_multiple_of(SAMPLE_EVERY) {
                    sample.push(id.to_string());
                }
                last.clear();
                last.push_str(id);
                n += 1;
            }
        }
    }
    Ok(Some(sample))
}

/// The first ids of `parts` ranges of about equal numbers of accounts
/// (the first range's start is implicit), from a sorted sample.
fn bounds(sample: &[String], parts: usize) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for k in 1..parts {
        let id = &sample[k * sample.len() / parts];
        if out.last().is_none_or(|l| l < id) && id > &sample[0] {
            out.push(id.clone());
        }
    }
    out
}

/// Where a batch's timing features come from: no signals, one snapshot of
/// every account, or (a universe sorted by account id) the snapshots of
/// consecutive ranges of accounts, loaded as the batches reach them.
enum Timing<'a> {
    Whole(Option<std::sync::Arc<plan::Snapshot>>),
    Ranges {
        /// Each range's end (exclusive; None for the last) and snapshot.
        #[allow(clippy::type_complexity)]
        source: Box<
            dyn Iterator<Item = Result<(Option<String>, std::sync::Arc<plan::Snapshot>)>>
                + Send
                + 'a,
        >,
        /// The ranges a batch may need, in order.
        loaded: std::collections::VecDeque<(Option<String>, std::sync::Arc<plan::Snapshot>)>,
    },
}

impl Timing<'_> {
    /// The signal features of a batch of accounts (ids ascending across
    /// batches when in ranges).
    fn lookup(&mut self, ids: &[Option<String>]) -> Result<plan::Timing> {
        let (source, loaded) = match self {
            Timing::Whole(None) => return Ok(plan::Timing::None),
            Timing::Whole(Some(s)) => return Ok(plan::Timing::Snapshot(vec![s.clone()])),
            Timing::Ranges { source, loaded } => (source, loaded),
        };
        let min = ids
            .iter()
            .map(|i| i.as_deref().unwrap_or(""))
            .min()
            .unwrap_or("");
        let max = ids
            .iter()
            .map(|i| i.as_deref().unwrap_or(""))
            .max()
            .unwrap_or("");
        // ranges wholly below the batch are done
        while loaded
            .front()
            .is_some_and(|(end, _)| end.as_deref().is_some_and(|e| e <= min))
        {
            loaded.pop_front();
        }
        // load until a range reaches past the batch
        while loaded
            .back()
            .is_none_or(|(end, _)| end.as_deref().is_some_and(|e| e <= max))
        {
            match source.next() {
                Some(r) => {
                    let (end, s) = r?;
                    if end.as_deref().is_none_or(|e| e > min) {
                        loaded.push_back((end, s));
                    }
                }
                None => break,
            }
        }
        Ok(plan::Timing::Snapshot(
            loaded.iter().map(|(_, s)| s.clone()).collect(),
        ))
    }
}

/// The scored file's parquet properties: zstd, and the model version, its
/// fingerprint, the as-of day and the time of scoring (UTC, the CRM's
/// "scored at") in the key-value metadata.
fn writer_properties(model: &Model, as_of: i32) -> Result<WriterProperties> {
    let model_json = serde_json::to_vec(model).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_key_value_metadata(Some(vec![
            KeyValue::new(MODEL_VERSION_KEY.to_string(), model.model_version.clone()),
            KeyValue::new(
                "scorebook.model_fingerprint".to_string(),
                format!("{:016x}", fnv64(&model_json)),
            ),
            KeyValue::new(AS_OF_KEY.to_string(), read::format_days(as_of)),
            KeyValue::new(
                crate::contract::SCORED_AT_KEY.to_string(),
                chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            ),
        ]))
        .build())
}

fn write_scores(
    model: &Model,
    o: &ScoreOptions,
    plans: &[Plan],
    row_shard: Option<(usize, usize)>,
    timing: &mut Timing,
    tmp: &Path,
) -> Result<Summary> {
    if let Some(parent) = o.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let file = File::create(tmp).map_err(|e| Error::io(tmp, e))?;
    let schema = schema(model);
    let mut writer = ArrowWriter::try_new(
        file,
        schema.clone(),
        Some(writer_properties(model, o.as_of)?),
    )?;
    // a bar with rate and ETA on a terminal (indicatif draws nothing otherwise)
    let total: Option<usize> = plans.iter().map(|p| read::parquet_rows(&p.path)).sum();
    let progress = match total {
        Some(t) if row_shard.is_none() => indicatif::ProgressBar::new(t as u64).with_style(
            indicatif::ProgressStyle::with_template(
                "{bar:30} {human_pos}/{human_len} accounts ({per_sec}, ETA {eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        ),
        _ => indicatif::ProgressBar::new_spinner().with_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} scored {human_pos} accounts ({per_sec}) {elapsed}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        ),
    };
    let mut summary = Summary {
        files: plans.len(),
        shard: o.shard.is_some(),
        ..Default::default()
    };
    summary.drift = drift::Drift::missing(missing_of(plans));
    summary.drift.reserve(total.unwrap_or(0));
    summary.drift.signals = !matches!(timing, Timing::Whole(None));
    // three stages on their own threads, a batch in flight between them:
    // read + parse + timing lookup, score (chunks in parallel), compress + write
    let (read_tx, read_rx) =
        std::sync::mpsc::sync_channel::<Result<(Accounts, FeatureTable, Vec<String>)>>(1);
    let (write_tx, write_rx) = std::sync::mpsc::sync_channel::<RecordBatch>(1);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            match read_accounts(model, o, plans, row_shard, timing, &read_tx) {
                Ok(newest) => newest,
                Err(e) => {
                    let _ = read_tx.send(Err(e));
                    None
                }
            }
        });
        let written = scope.spawn(move || -> Result<()> {
            for b in write_rx {
                writer
                    .write(&b)
                    .map_err(|e| crate::output::write_error(&o.out, e))?;
            }
            writer
                .close()
                .map_err(|e| crate::output::write_error(&o.out, e))?;
            Ok(())
        });
        let scored = (|| -> Result<()> {
            for batch in read_rx {
                let (mut acc, mut table, mut status) = batch?;
                let rows = acc.len();
                summary.drift.ids(&acc.account_id);
                // both cores: the batch is scored in chunks in parallel, written in order
                let chunk = rows.div_ceil(rayon::current_num_threads()).max(1024);
                let mut parts = vec![];
                for start in (0..rows).step_by(chunk).rev() {
                    parts.push((
                        acc.split_off(start),
                        table.split_off(start),
                        status.split_off(start),
                    ));
                }
                parts.reverse();
                let scored: Vec<Result<(Vec<ArrayRef>, Summary)>> = parts
                    .into_par_iter()
                    .map(|(acc, table, status)| {
                        let mut part = Summary::default();
                        let out = score_accounts(model, acc, table, status, &mut part)?;
                        Ok((out, part))
                    })
                    .collect();
                for r in scored {
                    let (out, part) = r?;
                    let batch = RecordBatch::try_new(schema.clone(), out)?;
                    if write_tx.send(batch).is_err() {
                        return Ok(()); // the writer failed: its error is reported below
                    }
                    summary.rows += part.rows;
                    summary.not_ok += part.not_ok;
                    summary.revenue_rows += part.revenue_rows;
                    summary.revenue_implausible += part.revenue_implausible;
                    for (t, c) in part.tiers {
                        *summary.tiers.entry(t).or_default() += c;
                    }
                    summary.drift.merge(part.drift);
                }
                progress.inc(rows as u64);
            }
            Ok(())
        })();
        drop(write_tx);
        summary.drift.newest_signal_age = reader.join().unwrap_or(None);
        let written = written
            .join()
            .unwrap_or_else(|_| Err(Error::Internal("the parquet writer panicked".into())));
        scored.and(written)
    })?;
    progress.finish_and_clear();
    Ok(summary)
}

/// The reading stage: each batch of the universe files parsed, sharded and
/// joined to its timing features, sent on in order.
fn read_accounts(
    model: &Model,
    o: &ScoreOptions,
    plans: &[Plan],
    row_shard: Option<(usize, usize)>,
    timing: &mut Timing,
    tx: &std::sync::mpsc::SyncSender<Result<(Accounts, FeatureTable, Vec<String>)>>,
) -> Result<Option<i32>> {
    let won = plan::won_frame(&model.won_history)?;
    let text_extras = model.spec.extra.text_columns();
    let mut newest = None;
    for p in plans {
        let note = (!p.missing.is_empty()).then(|| drift::status_note(&p.missing));
        let mut first_row = 1;
        for batch in read::read_batches(&p.path, Some(&p.cols), o.batch_size)? {
            let batch = batch?;
            let n = batch.num_rows();
            let mut acc = Accounts::from_batch(
                &batch,
                &p.map,
                &model.config,
                tables::ExtraKinds::Text(&text_extras),
                first_row,
            )?;
            first_row += n;
            if let Some((i, k)) = row_shard {
                let keep: Vec<usize> = (0..n)
                    .filter(|&r| shard_of(acc.account_id[r].as_deref(), k) == i)
                    .collect();
                acc = features::take_accounts(&acc, &keep);
            }
            if acc.is_empty() {
                continue;
            }
            let signals = timing.lookup(&acc.account_id)?;
            if let plan::Timing::Snapshot(s) = &signals {
                for s in s {
                    newest = plan::youngest(newest, s.newest_age());
                }
            }
            let (table, mut status) =
                features::as_of_features(&acc, o.as_of, signals, &model.spec, won.clone())?;
            if let Some(note) = &note {
                for s in &mut status {
                    *s = if s.is_empty() {
                        note.clone()
                    } else {
                        format!("{s}; {note}")
                    };
                }
            }
            if tx.send(Ok((acc, table, status))).is_err() {
                return Ok(newest); // scoring stopped on an error of its own
            }
        }
    }
    Ok(newest)
}

/// The shard of an account id (FNV-1a of its bytes).
pub fn shard_of(id: Option<&str>, n: usize) -> usize {
    (fnv64(id.unwrap_or("").as_bytes()) % n as u64) as usize
}

fn score_accounts(
    model: &Model,
    acc: Accounts,
    mut table: FeatureTable,
    status: Vec<String>,
    summary: &mut Summary,
) -> Result<Vec<ArrayRef>> {
    let n = acc.len();
    let mut s = model.score_table(&table)?;
    let status: Vec<String> = status
        .into_iter()
        .zip(&s.notes)
        .map(|(a, b)| match (a.is_empty(), b.is_empty()) {
            (true, true) => "ok".to_string(),
            (false, true) => a,
            (true, false) => b.clone(),
            (false, false) => format!("{a}; {b}"),
        })
        .collect();
    summary.rows += n;
    summary.drift.observe(model, &acc);
    for (e, r) in acc.employees.iter().zip(&acc.annual_revenue) {
        if let (Some(e), Some(r)) = (e, r) {
            if *e > 0.0 && *r > 0.0 {
                summary.revenue_rows += 1;
                summary.revenue_implausible += usize::from(r / e < 1_000.0);
            }
        }
    }
    summary.not_ok += status.iter().filter(|s| *s != "ok").count();
    for t in &s.tier {
        match summary.tiers.get_mut(*t) {
            Some(c) => *c += 1,
            None => {
                summary.tiers.insert(t.to_string(), 1);
            }
        }
    }
    let text = |v: &[&str]| Arc::new(StringArray::from_iter_values(v)) as ArrayRef;
    let nums = |v: Vec<f64>| Arc::new(Float64Array::from(v)) as ArrayRef;
    let reason = |k: usize| {
        Arc::new(StringArray::from_iter_values(
            s.reasons.iter().map(|r| &r[k]),
        )) as ArrayRef
    };
    let potential = s.expected_amount.take();
    let Some(Values::Text(segment)) = table.take_column("segment") else {
        return Err(Error::Internal("text feature `segment` is missing".into()));
    };
    let value: Option<Vec<f64>> = potential
        .as_ref()
        .map(|a| a.iter().zip(&s.probability).map(|(a, p)| a * p).collect());
    let mut columns = vec![
        Arc::new(StringArray::from(acc.account_id)) as ArrayRef,
        nums(s.score),
        nums(s.probability),
        nums(s.model_probability),
        nums(s.rule_points),
        nums(s.fit_score),
        nums(s.timing_score),
        text(&s.tier),
        text(&s.quadrant),
        Arc::new(StringArray::from(segment)) as ArrayRef,
        reason(0),
        reason(1),
        reason(2),
        Arc::new(StringArray::from_iter_values(status)) as ArrayRef,
        Arc::new(StringArray::from_iter_values(std::iter::repeat_n(
            model.model_version.as_str(),
            n,
        ))) as ArrayRef,
    ];
    columns.extend(potential.into_iter().chain(value).map(nums));
    Ok(columns)
}
