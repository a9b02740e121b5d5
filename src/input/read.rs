//! Reading CSV and Parquet files in bounded batches with arrow-rs, and turning
//! arrow columns into typed vectors with errors that name file, column and row.
//!
//! CSV is read with every column as text and parsed here, so a dirty value
//! ("n/a" in `employees`) is reported with its row instead of silently
//! changing the whole column's inferred type.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;

use super::conventions::{self, Decimal, NotANumber};
use crate::error::{Error, Result};

pub type BatchIter = Box<dyn Iterator<Item = Result<RecordBatch>> + Send>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
}

pub fn format_of(path: &Path) -> Result<Format> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
    {
        Some(e) if e == "csv" => Ok(Format::Csv),
        Some(e) if e == "parquet" || e == "pq" => Ok(Format::Parquet),
        _ => Err(Error::data(
            path.display(),
            "unknown file type: expected a .csv or .parquet extension",
        )),
    }
}

/// Hive-style partition columns of a file: each `key=value` directory on
/// its path (`universe/region=eu/part-0.parquet` has `region` = `eu`), as
/// text; `__HIVE_DEFAULT_PARTITION__` is a null. A column the file itself
/// has wins over its partition directory.
fn partitions(path: &Path) -> Vec<(String, Option<String>)> {
    let mut v: Vec<(String, Option<String>)> = vec![];
    for c in path.parent().into_iter().flat_map(Path::components) {
        let Some((k, val)) = c.as_os_str().to_str().and_then(|s| s.split_once('=')) else {
            continue;
        };
        if k.is_empty() {
            continue;
        }
        let val = (val != "__HIVE_DEFAULT_PARTITION__" && !val.is_empty()).then(|| val.to_string());
        v.retain(|(key, _)| key != k); // the deepest directory wins
        v.push((k.to_string(), val));
    }
    v
}

/// The column names of a table, in file order.
pub fn column_names(path: &Path) -> Result<Vec<String>> {
    Ok(schema_of(path)?
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect())
}

/// The delimiter of a CSV file, from its header line: whichever of `,` `;`
/// tab `|` occurs most often outside quotes (`,` when none does). European
/// exports use `;`, warehouse dumps tabs or `|`.
pub fn csv_delimiter(path: &Path) -> Result<u8> {
    use std::io::Read;
    if let Some(d) = conventions::current().delimiter {
        return Ok(d);
    }
    let mut head = vec![0u8; 64 * 1024];
    let mut f = open(path)?;
    let n = f.read(&mut head).map_err(|e| Error::io(path, e))?;
    let line = head[..n].split(|b| *b == b'\n').next().unwrap_or_default();
    let mut counts = [0usize; 4];
    let mut quoted = false;
    for b in line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            b'|' if !quoted => counts[3] += 1,
            _ => {}
        }
    }
    let best = (0..4)
        .max_by_key(|&k| (counts[k], usize::from(k == 0)))
        .unwrap_or(0);
    Ok([b',', b';', b'\t', b'|'][if counts[best] == 0 { 0 } else { best }])
}

/// A parquet reader builder over `path`: a damaged footer is an error
/// naming the file (the decoder can panic on one; that panic is caught).
pub fn parquet_builder(path: &Path) -> Result<ParquetRecordBatchReaderBuilder<File>> {
    let f = open(path)?;
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ParquetRecordBatchReaderBuilder::try_new(f)
    }));
    match built {
        Ok(Ok(b)) => Ok(b),
        Ok(Err(e)) => Err(Error::data(
            path.display(),
            format!("not a readable parquet file: {e}"),
        )),
        Err(_) => Err(Error::data(
            path.display(),
            "not a readable parquet file: its footer is damaged; export it again",
        )),
    }
}

/// A parquet file's key-value metadata entry `key` (None for CSV or when absent).
pub fn parquet_meta(path: &Path, key: &str) -> Result<Option<String>> {
    if format_of(path)? != Format::Parquet {
        return Ok(None);
    }
    let b = parquet_builder(path)?;
    let kv = b.metadata().file_metadata().key_value_metadata();
    Ok(kv
        .and_then(|kv| kv.iter().find(|e| e.key == key))
        .and_then(|e| e.value.clone()))
}

fn open(path: &Path) -> Result<File> {
    File::open(path).map_err(|e| Error::io(path, e))
}

/// The number of rows of a parquet file from its footer (None for CSV).
pub fn parquet_rows(path: &Path) -> Option<usize> {
    let b = parquet_builder(path).ok()?;
    usize::try_from(b.metadata().file_metadata().num_rows()).ok()
}

/// The file's schema plus its partition columns (text).
fn schema_of(path: &Path) -> Result<SchemaRef> {
    let file = file_schema(path)?;
    let extra: Vec<Field> = partitions(path)
        .into_iter()
        .filter(|(k, _)| file.index_of(k).is_err())
        .map(|(k, _)| Field::new(k, DataType::Utf8, true))
        .collect();
    if extra.is_empty() {
        return Ok(file);
    }
    let fields: Vec<Field> = file
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .chain(extra)
        .collect();
    Ok(Arc::new(Schema::new(fields)))
}

fn file_schema(path: &Path) -> Result<SchemaRef> {
    let schema = file_schema_unchecked(path)?;
    // a repeated name would make "the column `x`" ambiguous: refuse it
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    for (i, n) in names.iter().enumerate() {
        if let Some(j) = names[i + 1..].iter().position(|m| m == n) {
            return Err(Error::data(
                path.display(),
                format!(
                    "column `{n}` appears twice (columns {} and {}); rename one in the export",
                    i + 1,
                    i + j + 2
                ),
            ));
        }
    }
    Ok(schema)
}

fn file_schema_unchecked(path: &Path) -> Result<SchemaRef> {
    match format_of(path)? {
        Format::Parquet => {
            let b = parquet_builder(path)?;
            Ok(b.schema().clone())
        }
        Format::Csv => {
            let delimiter = csv_delimiter(path)?;
            let mut f = open(path)?;
            let fmt = arrow::csv::reader::Format::default()
                .with_header(true)
                .with_delimiter(delimiter);
            let (schema, _) = fmt.infer_schema(&mut f, Some(0)).map_err(|e| {
                Error::data(path.display(), format!("cannot read the CSV header: {e}"))
            })?;
            let fields: Vec<Field> = schema
                .fields()
                .iter()
                // a byte-order mark (Excel's UTF-8 CSV) is not part of the first name
                .map(|f| Field::new(header_name(f.name()), DataType::Utf8, true))
                .collect();
            Ok(Arc::new(Schema::new(fields)))
        }
    }
}

/// A CSV header cell as its name: trimmed, and after a byte-order mark
/// (Excel's UTF-8 CSV, where the reader does not see the first cell's
/// quotes) unquoted as RFC 4180 quotes (`"Partner ""Tier"""`).
fn header_name(cell: &str) -> String {
    match cell.strip_prefix('\u{feff}').map(str::trim) {
        Some(q) if q.len() >= 2 && q.starts_with('"') && q.ends_with('"') => {
            q[1..q.len() - 1].replace("\"\"", "\"")
        }
        Some(rest) => rest.to_string(),
        None => cell.trim().to_string(),
    }
}

/// Batches of the named columns (all columns when `columns` is None).
pub fn read_batches(
    path: &Path,
    columns: Option<&[String]>,
    batch_size: usize,
) -> Result<BatchIter> {
    let schema = file_schema(path)?;
    // partition columns asked for (and not in the file) are added to each batch
    let mut constants: Vec<(String, Option<String>)> = vec![];
    let mut indices: Vec<usize> = vec![];
    let parts = partitions(path);
    for c in columns.map_or_else(
        || schema.fields().iter().map(|f| f.name().clone()).collect(),
        <[String]>::to_vec,
    ) {
        match (schema.index_of(&c), parts.iter().find(|(k, _)| *k == c)) {
            (Ok(i), _) => indices.push(i),
            (Err(_), Some(p)) => constants.push(p.clone()),
            (Err(_), None) => {
                return Err(Error::data(path.display(), format!("missing column `{c}`")))
            }
        }
    }
    if columns.is_none() {
        constants = parts
            .into_iter()
            .filter(|(k, _)| schema.index_of(k).is_err())
            .collect();
    }
    let batches = file_batches(path, schema, indices, batch_size)?;
    if constants.is_empty() {
        return Ok(batches);
    }
    Ok(Box::new(batches.map(move |b| {
        let b = b?;
        let mut fields: Vec<Field> = b
            .schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        let mut cols = b.columns().to_vec();
        for (k, v) in &constants {
            fields.push(Field::new(k, DataType::Utf8, true));
            cols.push(Arc::new(arrow::array::StringArray::from(vec![
                v.as_deref();
                b.num_rows()
            ])) as ArrayRef);
        }
        Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?)
    })))
}

fn file_batches(
    path: &Path,
    schema: SchemaRef,
    indices: Vec<usize>,
    batch_size: usize,
) -> Result<BatchIter> {
    let file_name = path.display().to_string();
    let unreadable = |e: &dyn std::fmt::Display| {
        Error::data(path.display(), format!("not a readable file: {e}"))
    };
    let inner: BatchIter = match format_of(path)? {
        Format::Parquet => {
            let b = parquet_builder(path)?;
            let mask = ProjectionMask::roots(b.parquet_schema(), indices.clone());
            let reader = b
                .with_projection(mask)
                .with_batch_size(batch_size)
                .build()
                .map_err(|e| unreadable(&e))?;
            let file = file_name.clone();
            Box::new(reader.map(move |r| {
                r.map_err(|e| Error::data(&file, format!("cannot read parquet data: {e}")))
            }))
        }
        Format::Csv => {
            let delimiter = csv_delimiter(path)?;
            let decimal = csv_decimal(path, &schema, delimiter, &indices)?;
            let reader = arrow::csv::ReaderBuilder::new(schema)
                .with_header(true)
                .with_delimiter(delimiter)
                .with_batch_size(batch_size)
                .with_projection(indices)
                .build(open(path)?)
                .map_err(|e| unreadable(&e))?;
            let file = file_name.clone();
            // each batch carries the file's decimal separator to the parsers
            Box::new(reader.map(move |r| {
                let b = r.map_err(|e| Error::data(&file, format!("cannot read CSV data: {e}")))?;
                let mut meta = b.schema().metadata().clone();
                meta.insert(
                    conventions::DECIMAL_KEY.into(),
                    conventions::decimal_tag(decimal).into(),
                );
                let schema = Arc::new(b.schema().as_ref().clone().with_metadata(meta));
                Ok(b.with_schema(schema)?)
            }))
        }
    };
    Ok(Box::new(Guarded {
        inner,
        file: file_name,
        done: false,
    }))
}

/// Rows of a CSV file its decimal separator is detected from.
const DECIMAL_SAMPLE_ROWS: usize = 50_000;

/// The decimal separator of a CSV file: `[input] decimal`, or what the
/// cells of its first rows show in the columns read (`indices`;
/// `conventions::detect_decimal`), stated on stderr when it is a comma.
/// Detected once per file and process.
fn csv_decimal(
    path: &Path,
    schema: &SchemaRef,
    delimiter: u8,
    indices: &[usize],
) -> Result<Option<Decimal>> {
    type Seen = Vec<(PathBuf, Option<Decimal>)>;
    static SEEN: std::sync::Mutex<Seen> = std::sync::Mutex::new(vec![]);
    if let Some(d) = conventions::current().decimal {
        return Ok(Some(d));
    }
    let key = absolute_key(path);
    if let Some((_, d)) = SEEN
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .find(|(p, _)| *p == key)
    {
        return Ok(*d);
    }
    let sample = arrow::csv::ReaderBuilder::new(schema.clone())
        .with_header(true)
        .with_delimiter(delimiter)
        .with_batch_size(DECIMAL_SAMPLE_ROWS)
        .with_projection(indices.to_vec())
        .build(open(path)?)
        .map_err(|e| Error::data(path.display(), format!("not a readable file: {e}")))?
        .next()
        .transpose()
        .map_err(|e| Error::data(path.display(), format!("cannot read CSV data: {e}")))?;
    let (decimal, example) = match &sample {
        Some(b) => {
            let cells = b
                .columns()
                .iter()
                .filter_map(|c| text_values(c))
                .flat_map(|v| v.into_iter().flatten());
            conventions::detect_decimal(delimiter, cells)
        }
        None => (Some(Decimal::Dot), None),
    };
    if let Some(e) = example {
        eprintln!(
            "note: {}: numbers are read with a decimal comma (values such as {e:?}); set [input] decimal = \".\" if they are not",
            path.display()
        );
    }
    SEEN.lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((key, decimal));
    Ok(decimal)
}

fn absolute_key(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// A batch iterator whose decoder panics (a damaged page can make the
/// parquet decoder panic) become an error naming the file, after which it
/// ends.
struct Guarded {
    inner: BatchIter,
    file: String,
    done: bool,
}

impl Iterator for Guarded {
    type Item = Result<RecordBatch>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.inner.next())) {
            Ok(x) => x,
            Err(payload) => {
                self.done = true;
                let msg = payload
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| payload.downcast_ref::<&str>().copied())
                    .unwrap_or("the decoder failed");
                Some(Err(Error::data(
                    &self.file,
                    format!("the file is damaged ({msg}); export it again"),
                )))
            }
        }
    }
}

/// Reads a whole (training-sized) table into one batch.
pub fn read_all(path: &Path) -> Result<RecordBatch> {
    let batches: Vec<RecordBatch> = read_batches(path, None, 65_536)?.collect::<Result<_>>()?;
    // the batches' schema: it carries a CSV file's decimal separator
    let schema = match batches.first() {
        Some(b) => b.schema(),
        None => schema_of(path)?,
    };
    arrow::compute::concat_batches(&schema, &batches)
        .map_err(|e| Error::data(path.display(), format!("cannot read the file's rows: {e}")))
}

/// Where a value sits, for error messages, and how its file writes numbers.
pub struct Loc<'a> {
    pub file: &'a str,
    pub column: &'a str,
    /// Row number (1-based, header excluded) of the first row of the array.
    pub first_row: usize,
    /// The decimal separator of numbers written as text (None: undecided,
    /// each value read by its own separators).
    pub decimal: Option<Decimal>,
}

impl Loc<'_> {
    fn err(&self, i: usize, msg: String) -> Error {
        Error::data(
            self.file,
            format!(
                "column `{}`, row {}: {msg}",
                self.column,
                self.first_row + i
            ),
        )
    }
}

/// The decimal separator a batch's numbers are written with (a CSV
/// batch carries its file's; other text, a dot unless `[input] decimal`).
pub fn decimal_of(b: &RecordBatch) -> Option<Decimal> {
    match b.schema().metadata().get(conventions::DECIMAL_KEY) {
        Some(t) => conventions::decimal_from_tag(t).flatten(),
        None => Some(conventions::current().decimal.unwrap_or(Decimal::Dot)),
    }
}

fn text_values(a: &ArrayRef) -> Option<Vec<Option<&str>>> {
    match a.data_type() {
        DataType::Utf8 => Some(a.as_string::<i32>().iter().collect()),
        DataType::LargeUtf8 => Some(a.as_string::<i64>().iter().collect()),
        DataType::Utf8View => Some(a.as_string_view().iter().collect()),
        _ => None,
    }
}

/// Dictionary-encoded text (what pandas writes for a `category`) as plain
/// text, so both read the same; other arrays as they are.
fn plain(a: &ArrayRef) -> Result<ArrayRef> {
    match a.data_type() {
        DataType::Dictionary(_, v)
            if matches!(
                v.as_ref(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            ) =>
        {
            arrow::compute::cast(a, &DataType::Utf8)
                .map_err(|e| Error::Internal(format!("dictionary text cannot be decoded: {e}")))
        }
        _ => Ok(a.clone()),
    }
}

/// The cells of a column as text, to `f`: trimmed, empty or one of
/// `[input] missing_values` as missing; other types rendered as text.
fn text_cells<T>(
    a: &ArrayRef,
    loc: &Loc,
    f: impl FnOnce(&mut dyn Iterator<Item = Option<&str>>) -> T,
) -> Result<T> {
    let conv = conventions::current();
    let a = plain(a)?;
    let cast;
    let v = match text_values(&a) {
        Some(v) => v,
        None => {
            cast = arrow::compute::cast(&a, &DataType::Utf8).map_err(|e| {
                Error::data(
                    loc.file,
                    format!("column `{}` cannot be read as text: {e}", loc.column),
                )
            })?;
            cast.as_string::<i32>().iter().collect()
        }
    };
    Ok(f(&mut v.into_iter().map(|s| {
        s.map(str::trim)
            .filter(|s| !s.is_empty() && !conventions::is_listed_missing(s, &conv))
    })))
}

/// Strings (ids, names): other types are rendered as text.
pub fn strings(a: &ArrayRef, loc: &Loc) -> Result<Vec<Option<String>>> {
    text_cells(a, loc, |cells| cells.map(|s| s.map(String::from)).collect())
}

/// `strings`, as one Polars column named `name`.
pub fn text(a: &ArrayRef, name: &str, loc: &Loc) -> Result<polars::prelude::StringChunked> {
    use polars::prelude::NewChunkedArray;
    text_cells(a, loc, |cells| {
        polars::prelude::StringChunked::from_iter_options(name.into(), cells)
    })
}

/// The type a column of a training table has, as it looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Looks {
    /// Every value a boolean word (`yes`, `false`, ...) or 0/1.
    Boolean,
    /// Nearly every value digits (the few others then reported by
    /// `numbers` as typos, row by row), or a numeric type.
    Number,
    /// Anything else: a category, or a `;`-list.
    Text,
}

/// How column `a` looks: boolean only when every non-blank value is a
/// boolean word or 0/1 (`Yes`/`No`/`Unknown` is text: `Unknown` is an
/// answer, not a typo); numeric when at least 95% of its values are
/// numbers written with digits; otherwise text.
pub fn looks(a: &ArrayRef, decimal: Option<Decimal>) -> Looks {
    let Ok(a) = plain(a) else { return Looks::Text };
    let Some(v) = text_values(&a) else {
        return if *a.data_type() == DataType::Boolean {
            Looks::Boolean
        } else if a.data_type().is_numeric() || *a.data_type() == DataType::Null {
            Looks::Number
        } else {
            Looks::Text
        };
    };
    let conv = conventions::current();
    let (mut cells, mut numbers, mut booleans) = (0usize, 0usize, 0usize);
    for s in v
        .into_iter()
        .flatten()
        .filter(|s| !conventions::is_missing(s, &conv))
    {
        cells += 1;
        if conventions::boolean(s).is_some() {
            booleans += 1;
        }
        // digits that only the decimal setting can read are numbers still
        numbers += usize::from(matches!(
            conventions::number(s, decimal),
            Ok(_) | Err(NotANumber::Ambiguous)
        ));
    }
    if cells == 0 {
        Looks::Number
    } else if booleans == cells {
        Looks::Boolean
    } else if numbers * 100 >= cells * 95 && numbers > 0 {
        Looks::Number
    } else {
        Looks::Text
    }
}

/// Numbers (and booleans as 0/1).
pub fn numbers(a: &ArrayRef, loc: &Loc) -> Result<Vec<Option<f64>>> {
    let a = plain(a)?;
    if let Some(v) = text_values(&a) {
        let conv = conventions::current();
        return v
            .into_iter()
            .enumerate()
            .map(|(i, s)| match s {
                None => Ok(None),
                Some(s) if conventions::is_missing(s, &conv) => Ok(None),
                Some(s) => match conventions::boolean(s).map_or_else(|| conventions::number(s, loc.decimal), Ok) {
                    Ok(x) if x.abs() <= MAX_ABS => Ok(Some(x)),
                    Ok(_) => Err(loc.err(
                        i,
                        format!("{s} is beyond \u{b1}{MAX_ABS:e}; fix the value or leave it empty"),
                    )),
                    Err(NotANumber::Ambiguous) => Err(loc.err(i, conventions::ambiguous(s))),
                    Err(NotANumber::Separators(why)) => Err(loc.err(
                        i,
                        format!("cannot read {s:?} as a number: {why}; set [input] decimal = \",\" or \".\" to the export's decimal separator, or fix the value"),
                    )),
                    Err(NotANumber::Text) => Err(loc.err(
                        i,
                        format!("cannot read {s:?} as a number; fix the value or leave it empty (a spelling of a missing value, such as \"Unknown\", goes in [input] missing_values)"),
                    )),
                },
            })
            .collect();
    }
    let dt = a.data_type();
    if !(dt.is_numeric() || *dt == DataType::Boolean || *dt == DataType::Null) {
        return Err(Error::data(
            loc.file,
            format!("column `{}` has type {dt}, expected a number", loc.column),
        ));
    }
    let cast = arrow::compute::cast(&a, &DataType::Float64).map_err(|e| {
        Error::data(
            loc.file,
            format!("column `{}` cannot be read as numbers: {e}", loc.column),
        )
    })?;
    let v = cast.as_primitive::<arrow::datatypes::Float64Type>();
    // NaN is a missing value (pandas writes them so); infinities and absurd magnitudes are errors
    v.iter()
        .enumerate()
        .map(|(i, x)| match x {
            Some(x) if x.is_nan() => Ok(None),
            Some(x) if x.abs() > MAX_ABS => Err(loc.err(
                i,
                format!("{x} is not finite or beyond \u{b1}{MAX_ABS:e}; fix the value or leave it empty"),
            )),
            x => Ok(x),
        })
        .collect()
}

/// The largest magnitude a number in an input may have: beyond it a value
/// is a unit or export error, and sums of such values overflow.
pub const MAX_ABS: f64 = 1e15;

/// Dates are read only within these days (1900-01-01 to 2199-12-31): beyond
/// them a value is an export error, and date arithmetic would overflow.
pub const FIRST_DAY: i32 = -25_567;
pub const LAST_DAY: i32 = 84_005;

/// Dates as days since 1970-01-01: ISO text always, `DD/MM/YYYY` or
/// `MM/DD/YYYY` in the order `[input] date_format` gives or the column's
/// values show; date and timestamp types (a time zone's timestamps on
/// their local day there).
pub fn dates(a: &ArrayRef, loc: &Loc) -> Result<Vec<Option<i32>>> {
    let a = plain(a)?;
    if let Some(v) = text_values(&a) {
        let conv = conventions::current();
        let order = match conv.day_month {
            Some(o) => Some(o),
            None => conventions::detect_day_month(
                v.iter()
                    .flatten()
                    .copied()
                    .filter(|s| !conventions::is_missing(s, &conv)),
            )
            .map_err(|e| Error::data(loc.file, format!("column `{}`: {e}", loc.column)))?,
        };
        return v
            .into_iter()
            .enumerate()
            .map(|(i, s)| match s {
                None => Ok(None),
                Some(s) if conventions::is_missing(s, &conv) => Ok(None),
                Some(s) => match conventions::date(s, order) {
                    Some(d) if (FIRST_DAY..=LAST_DAY).contains(&d) => Ok(Some(d)),
                    Some(_) => Err(loc.err(
                        i,
                        format!("{s:?} is outside 1900-01-01 to 2199-12-31; fix the date"),
                    )),
                    None => Err(loc.err(i, format!("cannot read {s:?} as a date; use YYYY-MM-DD (or DD/MM/YYYY, MM/DD/YYYY with [input] date_format)"))),
                },
            })
            .collect();
    }
    let cast = match a.data_type() {
        DataType::Date32 => a.clone(),
        DataType::Date64 | DataType::Timestamp(_, None) => {
            arrow::compute::cast(&a, &DataType::Date32).map_err(|e| {
                Error::data(
                    loc.file,
                    format!("column `{}` cannot be read as dates: {e}", loc.column),
                )
            })?
        }
        DataType::Timestamp(unit, Some(tz)) => zoned_days(&a, *unit, tz, loc)?,
        dt => {
            return Err(Error::data(
                loc.file,
                format!("column `{}` has type {dt}, expected a date", loc.column),
            ))
        }
    };
    cast.as_primitive::<arrow::datatypes::Date32Type>()
        .iter()
        .enumerate()
        .map(|(i, d)| match d {
            Some(d) if !(FIRST_DAY..=LAST_DAY).contains(&d) => Err(loc.err(
                i,
                format!(
                    "{d} days since 1970-01-01 is outside 1900-01-01 to 2199-12-31; fix the date"
                ),
            )),
            d => Ok(d),
        })
        .collect()
}

/// Timestamps of time zone `tz` (a name such as `UTC` or `Europe/Paris`,
/// or an offset such as `+02:00`) as the days they fall on there.
fn zoned_days(
    a: &ArrayRef,
    unit: arrow::datatypes::TimeUnit,
    tz: &str,
    loc: &Loc,
) -> Result<ArrayRef> {
    use arrow::datatypes::TimeUnit;
    use chrono::{Offset, TimeZone};
    let bad_zone = || {
        Error::data(
            loc.file,
            format!("column `{}` has the time zone {tz:?}, which is not a zone name (such as UTC or Europe/Paris) or an offset (+02:00)", loc.column),
        )
    };
    let fixed = |s: &str| -> Option<chrono::FixedOffset> {
        let t = s.trim();
        if matches!(
            t.to_ascii_uppercase().as_str(),
            "Z" | "UTC" | "GMT" | "ETC/UTC"
        ) {
            return chrono::FixedOffset::east_opt(0);
        }
        let sign = match t.chars().next()? {
            '+' => 1,
            '-' => -1,
            _ => return None,
        };
        let digits: String = t[1..].chars().filter(|c| c.is_ascii_digit()).collect();
        let (h, m) = match digits.len() {
            2 => (digits.parse::<i32>().ok()?, 0),
            4 => (
                digits[..2].parse::<i32>().ok()?,
                digits[2..].parse::<i32>().ok()?,
            ),
            _ => return None,
        };
        chrono::FixedOffset::east_opt(sign * (h * 3600 + m * 60))
    };
    enum Zone {
        Fixed(chrono::FixedOffset),
        Named(chrono_tz::Tz),
    }
    let zone = match fixed(tz) {
        Some(f) => Zone::Fixed(f),
        None => Zone::Named(tz.parse::<chrono_tz::Tz>().map_err(|_| bad_zone())?),
    };
    let raw = arrow::compute::cast(a, &DataType::Int64).map_err(|e| {
        Error::data(
            loc.file,
            format!("column `{}` cannot be read as dates: {e}", loc.column),
        )
    })?;
    let per_second: i64 = match unit {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    };
    let days: arrow::array::Date32Array = raw
        .as_primitive::<arrow::datatypes::Int64Type>()
        .iter()
        .map(|v| {
            let v = v?;
            let secs = v.div_euclid(per_second);
            let utc = chrono::DateTime::from_timestamp(secs, 0)?.naive_utc();
            let offset = match &zone {
                Zone::Fixed(f) => f.local_minus_utc(),
                Zone::Named(z) => z.offset_from_utc_datetime(&utc).fix().local_minus_utc(),
            };
            let local = utc + chrono::Duration::seconds(i64::from(offset));
            Some(days_from_date(local.date()))
        })
        .collect();
    Ok(Arc::new(days))
}

/// Parses an ISO date, `YYYY-MM-DD` (or `YYYY/MM/DD`), optionally
/// followed by a time (`T` or space): the form of flags and settings.
pub fn parse_date(s: &str) -> Option<i32> {
    conventions::date(s, None)
}

pub use crate::conventions::days_from_date;

/// The date of a day number; days beyond chrono's range saturate (inputs
/// are checked to lie within `FIRST_DAY..=LAST_DAY`, so only a corrupt
/// model file could get here).
pub fn date_from_days(days: i32) -> chrono::NaiveDate {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
    epoch
        .checked_add_signed(chrono::Duration::days(i64::from(days)))
        .unwrap_or(if days < 0 {
            chrono::NaiveDate::MIN
        } else {
            chrono::NaiveDate::MAX
        })
}

pub fn format_days(days: i32) -> String {
    date_from_days(days).format("%Y-%m-%d").to_string()
}

/// Expands a universe argument (file, directory, or glob) to its files, sorted.
pub fn expand_inputs(arg: &Path) -> Result<Vec<PathBuf>> {
    let s = arg.to_string_lossy();
    let mut files: Vec<PathBuf> = if s.contains(['*', '?', '[']) {
        glob::glob(&s)
            .map_err(|e| Error::data(&s, format!("bad glob pattern: {e}")))?
            .filter_map(|p| p.ok())
            .filter(|p| p.is_file())
            .collect()
    } else if arg.is_dir() {
        let mut out = vec![];
        collect_dir(arg, &mut out)?;
        out
    } else if arg.is_file() {
        vec![arg.to_path_buf()]
    } else {
        return Err(Error::data(&s, "no such file or directory"));
    };
    files.retain(|p| format_of(p).is_ok());
    files.sort();
    if files.is_empty() {
        return Err(Error::data(&s, "no .csv or .parquet files found"));
    }
    Ok(files)
}

fn collect_dir(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let p = e.map_err(|e| Error::io(dir, e))?.path();
        let hidden = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.') || n.starts_with('_'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            collect_dir(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
