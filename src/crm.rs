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
use crate::error::{Error, Result};
use crate::input::read;
use crate::model::fnv64;

/// The scored file's key-value metadata entry with the time it was scored.
pub const SCORED_AT_KEY: &str = "scorebook.scored_at";

/// What a CRM field can take its value from: a scored column (but the
/// account id, the key, and the three reasons, which are one field),
/// `reasons` (the three joined with `; `) or `scored_at`.
pub fn field_sources() -> Vec<&'static str> {
    crate::scoring::OUTPUT_COLUMNS
        .iter()
        .copied()
        .filter(|c| *c != "account_id" && !c.starts_with("reason_"))
        .chain(["reasons", "scored_at"])
        .collect()
}

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
                let words: Vec<String> = base
                    .split('_')
                    .map(crate::model::explain::capitalize)
                    .collect();
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
    let meta = read::parquet_builder(path)?;
    let kv = meta.metadata().file_metadata().key_value_metadata();
    let get = |k: &str| {
        kv.and_then(|kv| kv.iter().find(|e| e.key == k))
            .and_then(|e| e.value.clone())
    };
    if let Some(t) = get(SCORED_AT_KEY) {
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(&t) {
            return Ok(t.with_timezone(&chrono::Utc));
        }
    }
    match get("scorebook.as_of").and_then(|d| read::parse_date(&d)) {
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

/// Text cells of a column (numbers and others rendered as text).
fn texts(b: &RecordBatch, i: usize) -> Result<Vec<Option<String>>> {
    let a = arrow::compute::cast(b.column(i), &DataType::Utf8)?;
    Ok(a.as_string::<i32>()
        .iter()
        .map(|s| s.map(String::from))
        .collect())
}

fn numbers(b: &RecordBatch, i: usize) -> Result<Vec<f64>> {
    let a = arrow::compute::cast(b.column(i), &DataType::Float64)?;
    let a = a.as_primitive::<Float64Type>();
    Ok((0..a.len())
        .map(|r| if a.is_null(r) { f64::NAN } else { a.value(r) })
        .collect())
}

/// Each record's (tier, quadrant, score band) in an earlier scored file,
/// by a 64-bit hash of its id (`id`: account_id, or opportunity_id for
/// scored deals; 10M accounts in about 300 MB).
fn earlier(path: &Path, width: f64, id: &str) -> Result<FxHashMap<u64, (u64, u64, i64)>> {
    let cols = scored_columns(path, &[id, "tier", "quadrant", "score"])?;
    let mut out = FxHashMap::default();
    for b in read::read_batches(path, Some(&cols), 65_536)? {
        let b = b?;
        let at = |c: &str| b.schema().index_of(c).unwrap_or(0);
        let (ids, tiers, quads, scores) = (
            texts(&b, at(id))?,
            texts(&b, at("tier"))?,
            texts(&b, at("quadrant"))?,
            numbers(&b, at("score"))?,
        );
        for r in 0..b.num_rows() {
            if let Some(id) = &ids[r] {
                let h = |s: &Option<String>| fnv64(s.as_deref().unwrap_or("").as_bytes());
                out.insert(
                    fnv64(id.as_bytes()),
                    (h(&tiers[r]), h(&quads[r]), band(scores[r], width)),
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

/// `s` cut to at most `n` characters, ending in `…` when cut.
fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
    out.push('\u{2026}');
    out
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
        let stem = out.file_stem().and_then(|s| s.to_str()).unwrap_or("crm");
        let ext = out
            .extension()
            .and_then(|s| s.to_str())
            .map(|e| format!(".{e}"))
            .unwrap_or_default();
        (1..=n)
            .map(|k| out.with_file_name(format!("{stem}-{k}{ext}")))
            .collect()
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
    let mut found: Vec<PathBuf> = vec![];
    if out.exists() {
        found.push(out.to_path_buf());
    }
    for k in 1.. {
        let p = &Parts::names(out, k.max(2))[k - 1];
        if !p.exists() {
            break;
        }
        found.push(p.clone());
    }
    found
}

pub fn export(cfg: &Config, o: &CrmOptions) -> Result<CrmSummary> {
    let crm = &cfg.crm;
    let settings = o.target.settings(crm);
    let key = settings
        .key
        .clone()
        .unwrap_or_else(|| o.target.default_key().to_string());
    let fields = fields(o.target, settings)?;
    // a file of scored deals (`score --opportunities`) updates the deals
    let deals = read::column_names(&o.scores)?
        .iter()
        .any(|c| c == "opportunity_id");
    let id_col = if deals {
        "opportunity_id"
    } else {
        "account_id"
    };
    let by_domain = o.target == Target::Hubspot && key.eq_ignore_ascii_case("Company Domain Name");
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
    let earlier = o
        .changed_since
        .as_deref()
        .map(|p| earlier(p, crm.score_band, id_col))
        .transpose()?;
    // the columns read: the key, the change test's, then each field's
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
    let cols = scored_columns(&o.scores, &want)?;
    let mut header = csv_writer(Vec::new());
    header.write_record(
        std::iter::once(key.as_str()).chain(fields.iter().map(|f| f.header.as_str())),
    )?;
    let (max_bytes, max_rows) = o.target.limits(settings);
    let mut parts = Parts {
        out: o.out.clone(),
        header: header
            .into_inner()
            .map_err(|e| Error::Internal(e.to_string()))?,
        max_bytes,
        max_rows,
        done: vec![],
        current: None,
    };
    let blank = if crm.clear_blanks && o.target == Target::Salesforce {
        "#N/A"
    } else {
        ""
    };
    let mut s = CrmSummary {
        changes: earlier.as_ref().map(|_| [0; 4]),
        ..Default::default()
    };
    let mut row: Vec<u8> = vec![];
    let mut record: Vec<String> = vec![];
    for b in read::read_batches(&o.scores, Some(&cols), 65_536)? {
        let b = b?;
        // the batch's columns come in the file's order
        let names: Vec<String> = b
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let at = |c: &str| names.iter().position(|n| n == c).unwrap_or(0);
        let mut text = vec![None; want.len()];
        let mut nums = vec![None; want.len()];
        for (i, f) in b.schema().fields().iter().enumerate() {
            if f.data_type().is_numeric() {
                nums[i] = Some(numbers(&b, i)?);
            } else {
                text[i] = Some(texts(&b, i)?);
            }
        }
        let cell =
            |i: usize, r: usize| -> Option<&str> { text[i].as_ref().and_then(|c| c[r].as_deref()) };
        for r in 0..b.num_rows() {
            s.rows += 1;
            let id = cell(at(id_col), r);
            let key_value = match (&domains, id) {
                (_, None) => None,
                (Some(d), Some(id)) => d.get(id).map(String::as_str),
                (None, Some(id)) => Some(id),
            };
            let Some(key_value) = key_value.map(str::trim).filter(|k| !k.is_empty()) else {
                s.no_key += 1;
                if s.first_no_key.is_none() {
                    s.first_no_key = Some(match id {
                        Some(id) => format!(
                            "account {id} (row {}) has no domain in the universe",
                            s.rows
                        ),
                        None => format!("row {} has no {id_col}", s.rows),
                    });
                }
                continue;
            };
            if let (Some(e), Some(changes), Some(id)) = (&earlier, s.changes.as_mut(), id) {
                let h = |c: &str| fnv64(cell(at(c), r).unwrap_or("").as_bytes());
                let score = nums[at("score")].as_ref().map_or(f64::NAN, |v| v[r]);
                let why = match e.get(&fnv64(id.as_bytes())) {
                    None => Some(0),
                    Some((t, q, bd)) => {
                        if *t != h("tier") {
                            Some(1)
                        } else if *q != h("quadrant") {
                            Some(2)
                        } else if *bd != band(score, crm.score_band) {
                            Some(3)
                        } else {
                            None
                        }
                    }
                };
                match why {
                    Some(k) => changes[k] += 1,
                    None => {
                        s.unchanged += 1;
                        continue;
                    }
                }
            }
            if !looks_like_id(o.target, &key, key_value) {
                s.odd_keys += 1;
                s.first_odd_key.get_or_insert_with(|| key_value.to_string());
            }
            record.clear();
            record.push(key_value.to_string());
            for f in &fields {
                let v = match f.source.as_str() {
                    "scored_at" => stamp.clone(),
                    "reasons" => {
                        let joined: Vec<&str> = ["reason_1", "reason_2", "reason_3"]
                            .iter()
                            .filter_map(|c| cell(at(c), r))
                            .filter(|t| !t.is_empty())
                            .collect();
                        cut(&joined.join("; "), crm.reasons_length)
                    }
                    c => match &nums[at(c)] {
                        Some(v) => number(c, v[r]),
                        None => cell(at(c), r).unwrap_or("").to_string(),
                    },
                };
                record.push(if v.is_empty() { blank.to_string() } else { v });
            }
            row.clear();
            let mut w = csv_writer(&mut row);
            w.write_record(&record)?;
            drop(w);
            parts.row(&row)?;
            s.written += 1;
        }
    }
    s.files = parts.close()?;
    Ok(s)
}

/// A number as the CRM field takes it: scores with two decimals, a
/// probability with four, others as they are; blank when not a number.
fn number(column: &str, x: f64) -> String {
    if !x.is_finite() {
        return String::new();
    }
    match column {
        "score" | "fit_score" | "timing_score" => format!("{x:.2}"),
        "probability" | "model_probability" => format!("{x:.4}"),
        _ => format!("{x}"),
    }
}

/// RFC 4180 CSV with LF line endings, quoting only where needed.
fn csv_writer<W: Write>(w: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .buffer_capacity(4096)
        .terminator(csv::Terminator::Any(b'\n'))
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(w)
}

impl From<csv::Error> for Error {
    fn from(e: csv::Error) -> Self {
        Error::Internal(format!("writing CSV: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_field_names() {
        assert_eq!(
            Target::Salesforce.default_field("probability"),
            "Scorebook_Win_Probability__c"
        );
        assert_eq!(
            Target::Salesforce.default_field("model_version"),
            "Scorebook_Model_Version__c"
        );
        assert_eq!(
            Target::Hubspot.default_field("scored_at"),
            "scorebook_scored_at"
        );
    }

    #[test]
    fn cuts_on_characters() {
        assert_eq!(cut("héllo wörld", 5), "héll\u{2026}");
        assert_eq!(cut("short", 5), "short");
    }

    #[test]
    fn domains_as_hubspot_matches_them() {
        use crate::input::normalize_domain;
        assert_eq!(normalize_domain(" https://www.Acme.com/about "), "acme.com");
        assert_eq!(normalize_domain("acme.io"), "acme.io");
    }

    #[test]
    fn part_names() {
        let out = Path::new("/x/sf.csv");
        assert_eq!(Parts::names(out, 1), vec![PathBuf::from("/x/sf.csv")]);
        assert_eq!(
            Parts::names(out, 2),
            vec![PathBuf::from("/x/sf-1.csv"), PathBuf::from("/x/sf-2.csv")]
        );
    }
}
