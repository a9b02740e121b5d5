//! `export-crm`: a scored parquet written as the file a CRM imports, so
//! that sellers see the score, tier, quadrant and reasons on the account
//! (or on the deal: a file of `score --opportunities` is keyed by
//! `opportunity_id`, for an Opportunity or deal import).
//!
//! - Salesforce (Bulk API 2.0 ingest or Data Loader upsert): UTF-8 without
//!   a BOM, LF line endings, a header of field API names, the match key
//!   (`Id` or an External ID field) first, dates as `YYYY-MM-DDThh:mm:ssZ`,
//!   `#N/A` for a blank only where `[crm] clear_blanks` asks (Salesforce
//!   clears the field; a blank leaves it), files split under 100 MB.
//! - HubSpot (company import): `Record ID` or `Company Domain Name` as the
//!   key, lower-case internal property names, the date as `YYYY-MM-DD` (a
//!   date property), files under 512 MB and 1,048,576 rows.
//!
//! `--changed-since` keeps only the accounts whose tier, quadrant or score
//! band moved against an earlier scored file (or that are new), so that a
//! nightly sync stays small.

use std::io::Write;
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type};
use rustc_hash::FxHashMap;

use crate::config::{Config, CrmConfig, CrmTarget};
use crate::csv_out::CsvOut;
use crate::error::{Error, Result};
use crate::input::read;
use crate::model::fnv64;

use crate::contract::{AS_OF_KEY, MODEL_VERSION_KEY, SCORED_AT_KEY};

/// The fields written by default, in order (each CRM's names below).
const DEFAULT_FIELDS: [&str; 7] = [
    "score",
    "probability",
    "tier",
    "quadrant",
    "reasons",
    "model_version",
    "scored_at",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Salesforce,
    Hubspot,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Salesforce => "salesforce",
            Target::Hubspot => "hubspot",
        }
    }

    fn settings(self, c: &CrmConfig) -> &CrmTarget {
        match self {
            Target::Salesforce => &c.salesforce,
            Target::Hubspot => &c.hubspot,
        }
    }

    /// The match key's header for this CRM: `[crm.*] key`, else the default.
    pub fn key(self, c: &CrmConfig) -> String {
        self.settings(c)
            .key
            .clone()
            .unwrap_or_else(|| self.default_key().to_string())
    }

    /// Keyed by the company's domain (HubSpot's `Company Domain Name`).
    pub fn by_domain(self, key: &str) -> bool {
        self == Target::Hubspot && key.eq_ignore_ascii_case("Company Domain Name")
    }

    fn default_key(self) -> &'static str {
        match self {
            Target::Salesforce => "Id",
            Target::Hubspot => "Record ID",
        }
    }

    /// A default field's name in this CRM.
    fn default_field(self, source: &str) -> String {
        let base = match source {
            "probability" => "win_probability",
            s => s,
        };
        match self {
            Target::Salesforce => {
                let words: Vec<String> = base.split('_').map(crate::config::capitalize).collect();
                format!("Scorebook_{}__c", words.join("_"))
            }
            Target::Hubspot => format!("scorebook_{base}"),
        }
    }

    /// The largest file in bytes, and rows per file (HubSpot's import
    /// takes at most 1,048,576).
    fn limits(self, t: &CrmTarget) -> (u64, Option<usize>) {
        let (mb, rows) = match self {
            Target::Salesforce => (100.0, None),
            Target::Hubspot => (512.0, Some(1_048_576)),
        };
        ((t.max_file_mb.unwrap_or(mb) * 1e6) as u64, rows)
    }
}

pub struct CrmOptions {
    pub scores: PathBuf,
    pub target: Target,
    pub out: PathBuf,
    /// An earlier scored file: only accounts changed since are written.
    pub changed_since: Option<PathBuf>,
    /// The accounts, for a HubSpot export keyed by company domain.
    pub universe: Option<PathBuf>,
}

/// What was written, and what was left out and why.
#[derive(Debug, Default)]
pub struct CrmSummary {
    pub rows: usize,
    pub written: usize,
    pub files: Vec<PathBuf>,
    /// Rows without a key value (no account id, or no domain): a CRM
    /// cannot match them, so they are not written.
    pub no_key: usize,
    pub first_no_key: Option<String>,
    /// Keys that do not look like the CRM's record ids.
    pub odd_keys: usize,
    pub first_odd_key: Option<String>,
    /// Keys that cannot be what they claim (a formula, a domain that is no
    /// domain): not written.
    pub bad_keys: usize,
    pub first_bad_key: Option<String>,
    /// Rows whose key an earlier row already took (two accounts sharing a
    /// domain, a repeated id): a CRM import refuses or merges them, so only
    /// the first is written.
    pub duplicate_keys: usize,
    pub first_duplicate: Option<String>,
    /// With `--changed-since`: why rows were kept (new, tier, quadrant,
    /// score band) and how many were unchanged.
    pub changes: Option<[usize; 4]>,
    pub unchanged: usize,
}

/// One field of the export: its header and where its value comes from.
struct Field {
    header: String,
    source: String,
}

/// The export's fields: the defaults under their configured names, then
/// the added columns.
fn fields(target: Target, t: &CrmTarget) -> Result<Vec<Field>> {
    let mut out: Vec<Field> = DEFAULT_FIELDS
        .iter()
        .map(|s| Field {
            header: t
                .fields
                .get(*s)
                .cloned()
                .unwrap_or_else(|| target.default_field(s)),
            source: s.to_string(),
        })
        .collect();
    for (source, header) in &t.fields {
        if !DEFAULT_FIELDS.contains(&source.as_str()) {
            out.push(Field {
                header: header.clone(),
                source: source.clone(),
            });
        }
    }
    if target == Target::Hubspot {
        if let Some(f) = out.iter().find(|f| f.header != f.header.to_lowercase()) {
            return Err(Error::config(
                "[crm.hubspot] fields",
                format!(
                    "{:?} is not a HubSpot internal name: internal property names are lower-case (e.g. {:?})",
                    f.header,
                    f.header.to_lowercase()
                ),
            ));
        }
    }
    Ok(out)
}

/// A score band, for `--changed-since` (a score that is not a number has a band of its own).
fn band(score: f64, width: f64) -> i64 {
    if score.is_finite() {
        (score / width).floor() as i64
    } else {
        i64::MIN
    }
}

/// The columns of a scored file that the export reads, checked present.
fn scored_columns(path: &Path, want: &[&str]) -> Result<Vec<String>> {
    let names = read::column_names(path)?;
    for c in want {
        if !names.iter().any(|n| n == c) {
            return Err(Error::data(
                path.display(),
                format!("has no column `{c}`: pass a file written by `scorebook score`"),
            ));
        }
    }
    Ok(want.iter().map(|c| c.to_string()).collect())
}

/// The scored file's time of scoring, from its metadata (a file scored
/// before it was recorded: its as-of day at midnight UTC).
fn scored_at(path: &Path) -> Result<chrono::DateTime<chrono::Utc>> {
    if let Some(t) = read::parquet_meta(path, SCORED_AT_KEY)? {
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(&t) {
            return Ok(t.with_timezone(&chrono::Utc));
        }
    }
    match read::parquet_meta(path, AS_OF_KEY)?.and_then(|d| read::parse_date(&d)) {
        Some(d) => Ok(read::date_from_days(d)
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or_default()),
        None => Err(Error::data(
            path.display(),
            "has no scorebook metadata (scored at, as of): pass a file written by `scorebook score`",
        )),
    }
}

/// A warning when the scored file `path` was scored by another model than
/// `model` (whose config then names the fields).
pub fn other_model_warning(path: &Path, model: &crate::model::Model) -> Result<Option<String>> {
    Ok(read::parquet_meta(path, MODEL_VERSION_KEY)?
        .filter(|v| *v != model.model_version)
        .map(|v| {
            format!(
                "{} was scored by model {v}, not by --model ({}): its scores are exported as they are, under this model's field settings; score with the model you meant, or pass that model",
                path.display(),
                model.model_version
            )
        }))
}

/// A batch's column as the export reads it: text, or numbers (nulls as NaN).
enum Cells {
    Text(arrow::array::StringArray),
    Numbers(arrow::array::Float64Array),
}

impl Cells {
    fn of(b: &RecordBatch, name: &str) -> Result<Cells> {
        let a = b
            .column_by_name(name)
            .ok_or_else(|| Error::Internal(format!("column `{name}` was not read")))?;
        Ok(if a.data_type().is_numeric() {
            Cells::Numbers(
                arrow::compute::cast(a, &DataType::Float64)?
                    .as_primitive::<Float64Type>()
                    .clone(),
            )
        } else {
            Cells::Text(
                arrow::compute::cast(a, &DataType::Utf8)?
                    .as_string::<i32>()
                    .clone(),
            )
        })
    }

    fn text(&self, r: usize) -> Option<&str> {
        match self {
            Cells::Text(a) => (!a.is_null(r)).then(|| a.value(r)),
            Cells::Numbers(_) => None,
        }
    }

    fn number(&self, r: usize) -> f64 {
        match self {
            Cells::Numbers(a) if !a.is_null(r) => a.value(r),
            _ => f64::NAN,
        }
    }
}

/// Each record's (tier, quadrant, score band) in an earlier scored file,
/// by a 64-bit hash of its id (`id`: account_id, or opportunity_id for
/// scored deals; 10M accounts in about 300 MB).
fn earlier(path: &Path, width: f64, id: &str) -> Result<FxHashMap<u64, (u64, u64, i64)>> {
    let cols = scored_columns(path, &[id, "tier", "quadrant", "score"])?;
    let mut out = FxHashMap::default();
    for b in read::read_batches(path, Some(&cols), 65_536)? {
        let b = b?;
        let (ids, tiers, quads, scores) = (
            Cells::of(&b, id)?,
            Cells::of(&b, "tier")?,
            Cells::of(&b, "quadrant")?,
            Cells::of(&b, "score")?,
        );
        let h = |c: &Cells, r: usize| fnv64(c.text(r).unwrap_or("").as_bytes());
        for r in 0..b.num_rows() {
            if let Some(i) = ids.text(r) {
                out.insert(
                    fnv64(i.as_bytes()),
                    (h(&tiers, r), h(&quads, r), band(scores.number(r), width)),
                );
            }
        }
    }
    Ok(out)
}

/// Whether a key looks like a record id of the CRM (Salesforce: 15 or 18
/// letters and digits; HubSpot: digits).
fn looks_like_id(target: Target, key: &str, k: &str) -> bool {
    match (target, key) {
        (Target::Salesforce, "Id") => {
            matches!(k.len(), 15 | 18) && k.bytes().all(|b| b.is_ascii_alphanumeric())
        }
        (Target::Hubspot, "Record ID") => !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()),
        _ => true,
    }
}

/// `s` cut to at most `n` characters as Salesforce and HubSpot count them
/// (UTF-16 code units: an emoji is two), ending in `…` when cut, never
/// inside a character or a grapheme (a flag, a family emoji).
fn cut(s: &mut String, n: usize) {
    use unicode_segmentation::UnicodeSegmentation;
    let units = |t: &str| t.encode_utf16().count();
    if units(s) <= n {
        return;
    }
    // the graphemes that fit in n - 1 units, then the ellipsis (one unit)
    let (mut keep, mut used) = (0, 0);
    for (at, g) in s.grapheme_indices(true) {
        used += units(g);
        if used > n.saturating_sub(1) {
            break;
        }
        keep = at + g.len();
    }
    s.truncate(keep);
    s.push('\u{2026}');
}

/// Why a key value cannot be the key it claims to be, if it cannot.
fn bad_key(value: &str, by_domain: bool) -> Option<&'static str> {
    if by_domain && !crate::input::is_domain(value) {
        Some("is not a domain name")
    } else if crate::csv_out::is_live(value) {
        Some("starts like a spreadsheet formula")
    } else {
        None
    }
}

/// The export's files: parts written to temporaries, each with the header,
/// a new one begun before a row would pass the size or row limit; named
/// `F` when one part, else `F-1`, `F-2`, ... (stem-N.ext), renamed into
/// place at the end.
struct Parts {
    out: PathBuf,
    header: Vec<u8>,
    max_bytes: u64,
    max_rows: Option<usize>,
    done: Vec<PathBuf>,
    current: Option<(std::io::BufWriter<std::fs::File>, PathBuf, u64, usize)>,
}

impl Parts {
    fn tmp(&self, k: usize) -> PathBuf {
        let name = self
            .out
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("crm.csv");
        crate::output::parent_of(&self.out).join(format!(".{name}.tmp-{}-{k}", std::process::id()))
    }

    fn begin(&mut self) -> Result<()> {
        self.finish_part()?;
        let tmp = self.tmp(self.done.len() + 1);
        let f = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        w.write_all(&self.header)
            .map_err(|e| crate::output::write_error(&self.out, e))?;
        self.current = Some((w, tmp, self.header.len() as u64, 0));
        Ok(())
    }

    fn row(&mut self, bytes: &[u8]) -> Result<()> {
        let full = match &self.current {
            None => true,
            Some((_, _, size, rows)) => {
                *rows > 0
                    && (size + bytes.len() as u64 >= self.max_bytes
                        || self.max_rows.is_some_and(|m| *rows >= m))
            }
        };
        if full {
            self.begin()?;
        }
        let (w, _, size, rows) = self.current.as_mut().expect("a part was begun");
        w.write_all(bytes)
            .map_err(|e| crate::output::write_error(&self.out, e))?;
        *size += bytes.len() as u64;
        *rows += 1;
        Ok(())
    }

    fn finish_part(&mut self) -> Result<()> {
        if let Some((w, tmp, _, _)) = self.current.take() {
            let f = w
                .into_inner()
                .map_err(|e| crate::output::write_error(&self.out, e.error()))?;
            f.sync_all()
                .map_err(|e| crate::output::write_error(&self.out, e))?;
            self.done.push(tmp);
        }
        Ok(())
    }

    /// The final names of `n` parts.
    fn names(out: &Path, n: usize) -> Vec<PathBuf> {
        if n == 1 {
            return vec![out.to_path_buf()];
        }
        (1..=n).map(|k| part_name(out, k)).collect()
    }

    /// Renames the parts into place (a header-only file when nothing was written).
    fn close(mut self) -> Result<Vec<PathBuf>> {
        if self.current.is_none() && self.done.is_empty() {
            self.begin()?;
        }
        self.finish_part()?;
        let names = Parts::names(&self.out, self.done.len());
        for (tmp, name) in self.done.iter().zip(&names) {
            crate::output::persist(tmp, name)?;
        }
        self.done.clear();
        Ok(names)
    }
}

impl Drop for Parts {
    fn drop(&mut self) {
        if let Some((_, tmp, _, _)) = self.current.take() {
            let _ = std::fs::remove_file(tmp);
        }
        for tmp in &self.done {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// The files an export to `out` may write (itself, and its numbered
/// parts already on disk), for the overwrite check.
pub fn existing_outputs(out: &Path) -> Vec<PathBuf> {
    let parts = (1..).map(|k| part_name(out, k)).take_while(|p| p.exists());
    std::iter::once(out.to_path_buf())
        .filter(|o| o.exists())
        .chain(parts)
        .collect()
}

/// Part `k` of a split export to `out`: `stem-k.ext`.
fn part_name(out: &Path, k: usize) -> PathBuf {
    let stem = out.file_stem().and_then(|s| s.to_str()).unwrap_or("crm");
    let ext = out
        .extension()
        .and_then(|s| s.to_str())
        .map(|e| format!(".{e}"))
        .unwrap_or_default();
    out.with_file_name(format!("{stem}-{k}{ext}"))
}

/// What an export reads and writes, settled before the first row.
struct Plan<'a> {
    settings: &'a CrmTarget,
    key: String,
    fields: Vec<Field>,
    /// `account_id`, or `opportunity_id` for a file of scored deals.
    id_col: &'static str,
    by_domain: bool,
    /// Each account's domain, for a HubSpot export keyed by domain.
    domains: Option<FxHashMap<String, String>>,
    /// `scored_at` as the CRM takes it.
    stamp: String,
    earlier: Option<FxHashMap<u64, (u64, u64, i64)>>,
    score_band: f64,
    /// The columns read: the key, the change test's, then each field's.
    want: Vec<String>,
    /// A blank field's value.
    blank: &'static str,
    reasons_length: usize,
}

fn plan<'a>(cfg: &'a Config, o: &CrmOptions) -> Result<Plan<'a>> {
    let crm = &cfg.crm;
    let settings = o.target.settings(crm);
    let key = o.target.key(&cfg.crm);
    let fields = fields(o.target, settings)?;
    // a file of scored deals (`score --opportunities`) updates the deals
    let deals = is_deals_file(&o.scores)?;
    let id_col = if deals {
        "opportunity_id"
    } else {
        "account_id"
    };
    let by_domain = o.target.by_domain(&key);
    if deals && by_domain {
        return Err(Error::config(
            "[crm.hubspot] key",
            "a file of scored deals updates HubSpot deals, which have no company domain: key them by Record ID (the opportunity_id)",
        ));
    }
    let domains = match (&o.universe, by_domain) {
        (Some(u), true) => Some(
            crate::input::account_domains(u, &cfg.columns.accounts, true, |_| true)?
                .into_iter()
                .collect::<FxHashMap<String, String>>(),
        ),
        (None, true) => {
            return Err(Error::config(
                "--universe",
                "a HubSpot export keyed by Company Domain Name looks each account's domain up in the universe: pass --universe (the accounts file with `domain`)",
            ))
        }
        _ => None,
    };
    let scored_at = scored_at(&o.scores)?;
    let stamp = match o.target {
        Target::Salesforce => scored_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Target::Hubspot => scored_at.format("%Y-%m-%d").to_string(),
    };
    let earlier = match &o.changed_since {
        Some(p) => {
            same_kind(p, deals)?;
            Some(earlier(p, crm.score_band, id_col)?)
        }
        None => None,
    };
    let mut want: Vec<&str> = vec![id_col, "tier", "quadrant", "score"];
    for f in &fields {
        let cols: &[&str] = match f.source.as_str() {
            "reasons" => &["reason_1", "reason_2", "reason_3"],
            "scored_at" => &[],
            s => &[s][..],
        };
        for c in cols {
            if !want.contains(c) {
                want.push(c);
            }
        }
    }
    let want = scored_columns(&o.scores, &want)?;
    let blank = if crm.clear_blanks && o.target == Target::Salesforce {
        "#N/A"
    } else {
        ""
    };
    Ok(Plan {
        settings,
        key,
        fields,
        id_col,
        by_domain,
        domains,
        stamp,
        earlier,
        score_band: crm.score_band,
        want,
        blank,
        reasons_length: crm.reasons_length,
    })
}

/// Whether a scored file holds scored deals (`score --opportunities`).
fn is_deals_file(path: &Path) -> Result<bool> {
    Ok(read::column_names(path)?
        .iter()
        .any(|c| c == "opportunity_id"))
}

/// Refuses an earlier file of the other kind (scored deals against scored
/// accounts): its ids are not the same records.
fn same_kind(earlier: &Path, deals: bool) -> Result<()> {
    if is_deals_file(earlier)? == deals {
        return Ok(());
    }
    let (this, that) = if deals {
        ("scored deals", "scored accounts")
    } else {
        ("scored accounts", "scored deals (it has `opportunity_id`)")
    };
    Err(Error::data(
        earlier.display(),
        format!("--changed-since is a file of {that}, but the scores are {this}: pass an earlier file of {this}, written by the same kind of `scorebook score` run"),
    ))
}

/// One batch of the scored file, by column.
struct Batch<'a> {
    want: &'a [String],
    cells: Vec<Cells>,
}

impl Batch<'_> {
    fn at(&self, c: &str) -> &Cells {
        &self.cells[self.want.iter().position(|w| w == c).unwrap_or(0)]
    }
}

pub fn export(cfg: &Config, o: &CrmOptions) -> Result<CrmSummary> {
    let p = plan(cfg, o)?;
    let mut header = CsvOut::new(Vec::new());
    header.own_row(
        std::iter::once(p.key.as_str()).chain(p.fields.iter().map(|f| f.header.as_str())),
    )?;
    let (max_bytes, max_rows) = o.target.limits(p.settings);
    let mut parts = Parts {
        out: o.out.clone(),
        header: header.into_inner()?,
        max_bytes,
        max_rows,
        done: vec![],
        current: None,
    };
    let mut s = CrmSummary {
        changes: p.earlier.as_ref().map(|_| [0; 4]),
        ..Default::default()
    };
    // the row each key was first written for (by a 64-bit hash of the key)
    let mut taken: FxHashMap<u64, usize> = FxHashMap::default();
    // one CSV writer into a shared buffer, handed to the parts a row at a time
    let row = Shared::default();
    let mut w = CsvOut::new(row.clone());
    for b in read::read_batches(&o.scores, Some(&p.want), 65_536)? {
        let b = b?;
        let batch = Batch {
            want: &p.want,
            cells: p
                .want
                .iter()
                .map(|c| Cells::of(&b, c))
                .collect::<Result<_>>()?,
        };
        for r in 0..b.num_rows() {
            s.rows += 1;
            let id = batch.at(p.id_col).text(r);
            let Some(key_value) = p.key_of(id, &mut s) else {
                continue;
            };
            if !p.changed(&batch, r, id, &mut s) {
                continue;
            }
            if let Some(why) = bad_key(key_value, p.by_domain) {
                s.bad_keys += 1;
                s.first_bad_key
                    .get_or_insert_with(|| format!("{key_value:?} (row {}) {why}", s.rows));
                continue;
            }
            if let Some(first) = taken.get(&fnv64(key_value.as_bytes())) {
                s.duplicate_keys += 1;
                s.first_duplicate.get_or_insert_with(|| {
                    format!(
                        "{key_value:?} of row {} was already written for row {first}",
                        s.rows
                    )
                });
                continue;
            }
            taken.insert(fnv64(key_value.as_bytes()), s.rows);
            if !looks_like_id(o.target, &p.key, key_value) {
                s.odd_keys += 1;
                s.first_odd_key.get_or_insert_with(|| key_value.to_string());
            }
            p.write_row(&mut w, key_value, &batch, r)?;
            parts.row(&row.0.borrow())?;
            row.0.borrow_mut().clear();
            s.written += 1;
        }
    }
    s.files = parts.close()?;
    Ok(s)
}

impl Plan<'_> {
    /// The key of the record with id `id` (its domain, when keyed by
    /// domain), or None, counted in `s`, when it has none.
    fn key_of<'b>(&'b self, id: Option<&'b str>, s: &mut CrmSummary) -> Option<&'b str> {
        let value = match (&self.domains, id) {
            (_, None) => None,
            (Some(d), Some(id)) => d.get(id).map(String::as_str),
            (None, Some(id)) => Some(id),
        };
        let found = value.map(str::trim).filter(|k| !k.is_empty());
        if found.is_none() {
            s.no_key += 1;
            if s.first_no_key.is_none() {
                s.first_no_key = Some(match id {
                    Some(id) => format!(
                        "account {id} (row {}) has no domain in the universe",
                        s.rows
                    ),
                    None => format!("row {} has no {}", s.rows, self.id_col),
                });
            }
        }
        found
    }

    /// Whether row `r` is written under `--changed-since` (new, or moved
    /// tier, quadrant or score band), counted in `s`.
    fn changed(&self, b: &Batch, r: usize, id: Option<&str>, s: &mut CrmSummary) -> bool {
        let (Some(e), Some(changes), Some(id)) = (&self.earlier, s.changes.as_mut(), id) else {
            return true;
        };
        let h = |c: &Cells| fnv64(c.text(r).unwrap_or("").as_bytes());
        let why = match e.get(&fnv64(id.as_bytes())) {
            None => Some(0),
            Some((t, q, bd)) => {
                if *t != h(b.at("tier")) {
                    Some(1)
                } else if *q != h(b.at("quadrant")) {
                    Some(2)
                } else if *bd != band(b.at("score").number(r), self.score_band) {
                    Some(3)
                } else {
                    None
                }
            }
        };
        match why {
            Some(k) => changes[k] += 1,
            None => s.unchanged += 1,
        }
        why.is_some()
    }

    /// Row `r` under `key`: numbers and dates as the CRM takes them, text
    /// from the data neutralized, the reasons joined and cut to the
    /// field's length.
    fn write_row<W: Write>(&self, w: &mut CsvOut<W>, key: &str, b: &Batch, r: usize) -> Result<()> {
        w.own(key)?;
        let mut text = String::new();
        for f in &self.fields {
            text.clear();
            let data = match f.source.as_str() {
                "scored_at" => {
                    text.push_str(&self.stamp);
                    false
                }
                "reasons" => {
                    for c in ["reason_1", "reason_2", "reason_3"] {
                        match b.at(c).text(r) {
                            Some(t) if !t.is_empty() => {
                                if !text.is_empty() {
                                    text.push_str("; ");
                                }
                                text.push_str(t);
                            }
                            _ => {}
                        }
                    }
                    // room for the `'` that neutralizes a formula
                    let room = self.reasons_length - usize::from(crate::csv_out::is_live(&text));
                    cut(&mut text, room);
                    true
                }
                c => match b.at(c) {
                    cells @ Cells::Numbers(_) => {
                        number(&mut text, c, cells.number(r));
                        false
                    }
                    cells => {
                        text.push_str(cells.text(r).unwrap_or(""));
                        true
                    }
                },
            };
            match (text.is_empty(), data) {
                (true, _) => w.own(self.blank)?,
                (false, true) => w.text(&text)?,
                (false, false) => w.own(&text)?,
            }
        }
        w.end_row()
    }
}

/// A number as the CRM field takes it, appended to `out`: scores with two
/// decimals, a probability with four, others as they are; nothing when
/// not a number.
fn number(out: &mut String, column: &str, x: f64) {
    use std::fmt::Write;
    if !x.is_finite() {
        return;
    }
    let _ = match column {
        "score" | "fit_score" | "timing_score" => write!(out, "{x:.2}"),
        "probability" | "model_probability" => write!(out, "{x:.4}"),
        _ => write!(out, "{x}"),
    };
}

/// A byte buffer the CSV writer writes into while the export reads it.
#[derive(Clone, Default)]
struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
