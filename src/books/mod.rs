//! `scorebook books`: the week's books from a scored universe (PRODUCT.md
//! §12). The inputs are read and checked (`team`), each account's week is
//! decided (`plan`, with the pool's assignment in `assign`), and the run
//! writes `books.parquet`, the ownership changes as a CRM import
//! (`owners.csv`) and what the books cover (`coverage`), all at once.

pub mod assign;
pub mod coverage;
pub mod plan;
pub mod team;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use polars::prelude::{Column, DataFrame};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::config::Config;
use crate::contract::AS_OF_KEY;
use crate::crm::Target;
use crate::error::{Error, Result};
use crate::input::read::{self, Loc};

use plan::{Accounts, Owner, Situation};
use team::TeamRep;

pub struct BooksOptions {
    pub scores: PathBuf,
    pub reps: PathBuf,
    pub owners: Option<PathBuf>,
    pub activity: Option<PathBuf>,
    /// The CRM's opportunities: accounts with an open deal stay with their owner.
    pub opportunities: Option<PathBuf>,
    /// The accounts' own columns, for segments and `eligible` predicates
    /// over columns the scored file lacks.
    pub universe: Option<PathBuf>,
    /// An earlier run's directory: what changed since.
    pub previous: Option<PathBuf>,
    pub target: Target,
    /// The day the books are made (default: the scores' as-of day).
    pub as_of: Option<i32>,
    pub out: PathBuf,
    pub force: bool,
}

/// A run's result: the coverage (with its headline) and the warnings.
pub struct BooksSummary {
    pub coverage: coverage::Coverage,
    pub warnings: Vec<String>,
}

/// A predicate column's values for the frame the predicates run on.
enum Values {
    Num(Vec<Option<f64>>),
    Text(Vec<Option<String>>),
}

impl Values {
    fn column(self, name: &str) -> Column {
        match self {
            Values::Num(v) => Column::new(name.into(), v),
            Values::Text(v) => Column::new(name.into(), v),
        }
    }

    fn pick(&self, rows: &[Option<usize>]) -> Values {
        match self {
            Values::Num(v) => Values::Num(rows.iter().map(|r| r.and_then(|r| v[r])).collect()),
            Values::Text(v) => {
                Values::Text(rows.iter().map(|r| r.and_then(|r| v[r].clone())).collect())
            }
        }
    }

    fn extend(&mut self, a: &ArrayRef, loc: &Loc) -> Result<()> {
        match self {
            Values::Num(v) => v.extend(read::numbers(a, loc)?),
            Values::Text(v) => v.extend(read::strings(a, loc)?),
        }
        Ok(())
    }
}

/// Columns of `path` read whole: ids (in order) and the named columns,
/// each as numbers where the file's values look like numbers.
fn read_columns(path: &Path, names: &[String]) -> Result<(Vec<Option<String>>, Vec<Values>)> {
    let file = path.display().to_string();
    let mut cols = vec!["account_id".to_string()];
    cols.extend(names.iter().cloned());
    let mut ids = vec![];
    let mut values: Vec<Option<Values>> = names.iter().map(|_| None).collect();
    let mut first_row = 1;
    for b in read::read_batches(path, Some(&cols), 65_536)? {
        let b = b?;
        let loc = |column: &'static str| Loc {
            file: &file,
            column,
            first_row,
            decimal: read::decimal_of(&b),
        };
        ids.extend(read::strings(b.column(0), &loc("account_id"))?);
        for (i, name) in names.iter().enumerate() {
            let a = b.column(i + 1);
            let l = Loc {
                column: name,
                ..loc("")
            };
            let v = values[i].get_or_insert_with(|| match read::looks(a, l.decimal) {
                read::Looks::Number | read::Looks::Boolean => Values::Num(vec![]),
                _ => Values::Text(vec![]),
            });
            v.extend(a, &l)?;
        }
        first_row += b.num_rows();
    }
    let values = values
        .into_iter()
        .map(|v| v.unwrap_or(Values::Num(vec![])))
        .collect();
    Ok((ids, values))
}

/// The scored accounts, one per id (a repeated id's later rows are left
/// out, with a warning), with their eligibility and segments from the
/// predicates' columns (from the scores, else `--universe`).
fn scored(
    o: &BooksOptions,
    cfg: &Config,
    reps: &[TeamRep],
    warnings: &mut Vec<String>,
) -> Result<(Accounts, Vec<String>)> {
    let file = o.scores.display().to_string();
    let have = read::column_names(&o.scores)?;
    for c in ["account_id", "probability", "tier", "quadrant"] {
        if !have.iter().any(|h| h == c) {
            return Err(Error::data(
                &file,
                format!("no `{c}` column: give the file `scorebook score` wrote"),
            ));
        }
    }
    let universe_cols = match &o.universe {
        Some(u) => read::column_names(u)?,
        None => vec![],
    };
    let mut all: Vec<String> = have.clone();
    all.extend(universe_cols.iter().filter(|c| !have.contains(c)).cloned());
    let Predicates {
        eligible_text,
        eligible: eligible_p,
        segments,
        preds,
        needed,
    } = predicates(o, cfg, reps, &all)?;
    let (in_scores, in_universe): (Vec<String>, Vec<String>) =
        needed.iter().cloned().partition(|c| have.contains(c));
    let mut base: Vec<String> = ["probability", "tier", "quadrant"]
        .map(String::from)
        .to_vec();
    let has_value = have.iter().any(|c| c == "expected_value");
    if has_value {
        base.push("expected_value".into());
    }
    let extra: Vec<String> = in_scores
        .iter()
        .filter(|c| !base.contains(c))
        .cloned()
        .collect();
    let mut cols = base.clone();
    cols.extend(extra.iter().cloned());
    let (ids, mut values) = read_columns(&o.scores, &cols)?;
    // one row per account id
    let mut seen: FxHashSet<&str> = FxHashSet::default();
    let (mut keep, mut repeated, mut no_id) = (vec![], 0usize, 0usize);
    for (i, id) in ids.iter().enumerate() {
        match id {
            None => no_id += 1,
            Some(id) if !seen.insert(id) => repeated += 1,
            Some(_) => keep.push(Some(i)),
        }
    }
    if repeated > 0 {
        warnings.push(format!(
            "{file}: {repeated} rows repeat an account id: each account's first row is used"
        ));
    }
    if no_id > 0 {
        warnings.push(format!(
            "{file}: {no_id} rows have no account id and go into no book"
        ));
    }
    let ids: Vec<String> = keep
        .iter()
        .filter_map(|r| r.and_then(|r| ids[r].clone()))
        .collect();
    let mut frame: Vec<Column> = vec![];
    for (name, v) in cols.iter().zip(&values) {
        if needed.contains(name) {
            frame.push(v.pick(&keep).column(name));
        }
    }
    if let Some(u) = o.universe.as_ref().filter(|_| !in_universe.is_empty()) {
        frame.extend(universe_columns(u, &in_universe, &ids, warnings)?);
    }
    let df = DataFrame::new(ids.len(), frame)?;
    let eligible = eligible_p.holds(&df, "[books] eligible")?;
    if !eligible.iter().any(|e| *e) {
        return Err(Error::data(&file, format!("none of its {} accounts may go into a book ([books] eligible: `{}`): score a universe with accounts that are not disqualified, or widen [books] eligible", ids.len(), eligible_text)));
    }
    let mut masks = vec![0u64; ids.len()];
    for (s, p) in preds.iter().enumerate() {
        for (m, h) in masks
            .iter_mut()
            .zip(p.holds(&df, &format!("the segment `{}`", segments[s]))?)
        {
            *m |= u64::from(h) << s;
        }
    }
    let nums = |v: &mut Values| match std::mem::replace(v, Values::Num(vec![])) {
        Values::Num(x) => x
            .into_iter()
            .map(|x| x.unwrap_or(0.0))
            .collect::<Vec<f64>>(),
        Values::Text(_) => vec![],
    };
    let texts = |v: &mut Values| match std::mem::replace(v, Values::Text(vec![])) {
        Values::Text(x) => x
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect::<Vec<String>>(),
        Values::Num(x) => x.iter().map(|_| String::new()).collect(),
    };
    let mut picked: Vec<Values> = values
        .iter_mut()
        .take(base.len())
        .map(|v| v.pick(&keep))
        .collect();
    let acc = Accounts {
        id: ids,
        probability: nums(&mut picked[0]),
        tier: texts(&mut picked[1]),
        quadrant: texts(&mut picked[2]),
        expected_value: has_value.then(|| nums(&mut picked[3])),
        eligible,
        segments: masks,
    };
    values.clear();
    Ok((acc, segments))
}

/// The books' day: `--as-of`, else the scores' as-of day.
fn books_day(o: &BooksOptions) -> Result<i32> {
    match o.as_of {
        Some(d) => Ok(d),
        None => read::parquet_meta(&o.scores, AS_OF_KEY)?
            .and_then(|d| read::parse_date(&d))
            .ok_or_else(|| Error::data(o.scores.display(), "the scores carry no as-of day (a CSV, or not written by `scorebook score`): pass --as-of YYYY-MM-DD")),
    }
}

/// The predicates the books evaluate: `[books] eligible` and each distinct
/// rep segment (at most 64), with the columns they read.
struct Predicates {
    eligible_text: String,
    eligible: crate::model::rules::Predicate,
    segments: Vec<String>,
    preds: Vec<crate::model::rules::Predicate>,
    needed: Vec<String>,
}

fn predicates(
    o: &BooksOptions,
    cfg: &Config,
    reps: &[TeamRep],
    all: &[String],
) -> Result<Predicates> {
    let eligible_text = cfg
        .books
        .eligible
        .clone()
        .unwrap_or_else(|| "tier <> 'Disqualified'".into());
    let eligible = team::predicate(
        "config",
        "[books] eligible: ",
        "eligible",
        &eligible_text,
        all,
    )?;
    let mut segments: Vec<String> = vec![];
    let mut preds = vec![];
    for (row, r) in reps.iter().enumerate() {
        if let Some(s) = &r.segment {
            let at = format!("row {} (rep {}): ", row + 1, r.id);
            let p = team::predicate(&o.reps.display().to_string(), &at, "segment", s, all)?;
            if !segments.contains(s) {
                if segments.len() == 64 {
                    return Err(Error::data(o.reps.display(), format!("{at}more than 64 different segments; give specialists of one segment the same predicate")));
                }
                segments.push(s.clone());
                preds.push(p);
            }
        }
    }
    let mut needed: Vec<String> = vec![];
    for p in std::iter::once(&eligible).chain(&preds) {
        for f in &p.features {
            if !needed.contains(f) {
                needed.push(f.clone());
            }
        }
    }
    Ok(Predicates {
        eligible_text,
        eligible,
        segments,
        preds,
        needed,
    })
}

/// The `names` columns of `--universe` for the scored accounts `ids`
/// (empty where the universe lacks an account, with a warning).
fn universe_columns(
    u: &Path,
    names: &[String],
    ids: &[String],
    warnings: &mut Vec<String>,
) -> Result<Vec<Column>> {
    let (uid, uvals) = read_columns(u, names)?;
    let mut at: FxHashMap<&str, usize> = FxHashMap::default();
    for (i, id) in uid.iter().enumerate() {
        if let Some(id) = id {
            at.entry(id.as_str()).or_insert(i);
        }
    }
    let rows: Vec<Option<usize>> = ids.iter().map(|id| at.get(id.as_str()).copied()).collect();
    let missing = rows.iter().filter(|r| r.is_none()).count();
    if missing > 0 {
        warnings.push(format!(
            "{}: {missing} scored accounts are not in the universe: its columns ({}) are empty for them",
            u.display(),
            names.join(", ")
        ));
    }
    Ok(names
        .iter()
        .zip(&uvals)
        .map(|(name, v)| v.pick(&rows).column(name))
        .collect())
}

/// Each account's owner, last worked day and open deal.
fn situation(
    o: &BooksOptions,
    cfg: &Config,
    acc: &Accounts,
    reps: &[TeamRep],
    as_of: i32,
    warnings: &mut Vec<String>,
) -> Result<Situation> {
    let n = acc.id.len();
    let mut owner = vec![None; n];
    if let Some(path) = &o.owners {
        let mut owners = team::owners(path)?;
        let rep_at: FxHashMap<&str, usize> = reps
            .iter()
            .enumerate()
            .map(|(k, r)| (r.id.as_str(), k))
            .collect();
        let mut unknown: FxHashMap<String, usize> = FxHashMap::default();
        for (a, id) in acc.id.iter().enumerate() {
            if let Some(w) = owners.remove(id) {
                owner[a] = Some(match rep_at.get(w.rep.as_str()) {
                    Some(&k) => Owner::Rep(k, w.since),
                    None => {
                        *unknown.entry(w.rep.clone()).or_default() += 1;
                        Owner::Unknown(w.rep)
                    }
                });
            }
        }
        let mut unknown: Vec<(String, usize)> = unknown.into_iter().collect();
        unknown.sort();
        // one warning, naming the first few
        if let Some((r, c)) = unknown.first() {
            let more = match unknown.len() {
                1 => String::new(),
                n => format!(" (and {} more reps not on the team)", n - 1),
            };
            warnings.push(format!(
                "{}: rep_id \"{r}\" is not in {}: {} it owns count as pool{more}",
                path.display(),
                o.reps.display(),
                coverage::accounts(*c, "")
            ));
        }
        if !owners.is_empty() {
            warnings.push(format!(
                "{}: {} owned accounts are not in the scores and are left as they are",
                path.display(),
                owners.len()
            ));
        }
    }
    let mut last_worked = vec![None; n];
    if let Some(path) = &o.activity {
        let mut last = team::activity(path, cfg, as_of)?;
        for (a, id) in acc.id.iter().enumerate() {
            last_worked[a] = last.remove(id);
        }
    }
    let mut open_deal = vec![false; n];
    if let Some(path) = &o.opportunities {
        let open = team::open_deals(path, cfg)?;
        for (a, id) in acc.id.iter().enumerate() {
            open_deal[a] = open.contains(id);
        }
    }
    Ok(Situation {
        as_of,
        owner,
        last_worked,
        open_deal,
        activity_known: o.activity.is_some(),
    })
}

/// Makes the books and writes the run's directory.
pub fn run(cfg: &Config, o: &BooksOptions) -> Result<BooksSummary> {
    let mut warnings = vec![];
    // the reps' availability dates are read against the scores' day
    let as_of = books_day(o)?;
    let reps = team::reps(&o.reps, cfg, as_of)?;
    let (acc, segments) = scored(o, cfg, &reps, &mut warnings)?;
    let s = situation(o, cfg, &acc, &reps, as_of, &mut warnings)?;
    let by_value =
        acc.expected_value.is_some() && cfg.books.rank_by.as_deref() != Some("probability");
    if cfg.books.rank_by.as_deref() == Some("expected_value") && acc.expected_value.is_none() {
        return Err(Error::config("books", format!("rank_by = \"expected_value\", but {} has no expected_value column (its model has no potential part: its won deals carry no amounts); rank by probability", o.scores.display())));
    }
    let books = plan::plan(&acc, &reps, &segments, &s, &cfg.books, by_value);
    let previous = match &o.previous {
        Some(dir) => Some(coverage::Previous::read(dir)?),
        None => None,
    };
    let cov = coverage::coverage(&coverage::Inputs {
        acc: &acc,
        reps: &reps,
        segments: &segments,
        books: &books,
        situation: &s,
        by_value,
        previous: previous.as_ref(),
        cfg: &cfg.books,
        warnings: &warnings,
    });
    let files = [
        ("books.parquet", books_parquet(&acc, &reps, &books, as_of)?),
        (
            "owners.csv",
            owners_csv(
                cfg,
                o.target,
                o.universe.as_deref(),
                &acc,
                &reps,
                &books,
                &mut warnings,
            )?,
        ),
        (
            "coverage.json",
            serde_json::to_vec_pretty(&cov).map_err(|e| Error::Internal(e.to_string()))?,
        ),
        ("coverage.html", coverage::html(&cov)?.into_bytes()),
    ];
    crate::model_dir::write_dir(&o.out, o.force, "books", &files)?;
    Ok(BooksSummary {
        coverage: cov,
        warnings,
    })
}

/// `books.parquet`: a row per eligible or owned account (PRODUCT.md §12).
fn books_parquet(acc: &Accounts, reps: &[TeamRep], b: &plan::Books, as_of: i32) -> Result<Vec<u8>> {
    let worth = acc.worth(true);
    let mut rank = vec![None; acc.id.len()];
    let mut per_rep: Vec<Vec<usize>> = vec![vec![]; reps.len()];
    for r in &b.rows {
        if let Some(k) = r.rep {
            per_rep[k].push(r.account);
        }
    }
    for list in &mut per_rep {
        list.sort_by(|&x, &y| worth[y].total_cmp(&worth[x]).then(x.cmp(&y)));
        for (i, &a) in list.iter().enumerate() {
            rank[a] = Some(i as i64 + 1);
        }
    }
    let text = |f: &dyn Fn(&plan::Row) -> Option<String>| {
        Arc::new(StringArray::from(b.rows.iter().map(f).collect::<Vec<_>>())) as ArrayRef
    };
    let schema = Arc::new(Schema::new(vec![
        Field::new("account_id", DataType::Utf8, false),
        Field::new("rep_id", DataType::Utf8, true),
        Field::new("previous_rep_id", DataType::Utf8, true),
        Field::new("action", DataType::Utf8, false),
        Field::new("reason", DataType::Utf8, false),
        Field::new("rank", DataType::Int64, true),
        Field::new("since", DataType::Date32, true),
        Field::new("probability", DataType::Float64, false),
        Field::new("expected_value", DataType::Float64, true),
    ]));
    let cols: Vec<ArrayRef> = vec![
        text(&|r| Some(acc.id[r.account].clone())),
        text(&|r| r.rep.map(|k| reps[k].id.clone())),
        text(&|r| r.previous.clone()),
        text(&|r| Some(r.action.name().to_string())),
        text(&|r| Some(r.reason.clone())),
        Arc::new(Int64Array::from(
            b.rows.iter().map(|r| rank[r.account]).collect::<Vec<_>>(),
        )),
        Arc::new(Date32Array::from(
            b.rows.iter().map(|r| r.since).collect::<Vec<_>>(),
        )),
        Arc::new(Float64Array::from(
            b.rows
                .iter()
                .map(|r| acc.probability[r.account])
                .collect::<Vec<_>>(),
        )),
        Arc::new(Float64Array::from(
            b.rows
                .iter()
                .map(|r| acc.expected_value.as_ref().map(|v| v[r.account]))
                .collect::<Vec<_>>(),
        )),
    ];
    let batch = RecordBatch::try_new(schema.clone(), cols)?;
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
        .set_key_value_metadata(Some(vec![parquet::file::metadata::KeyValue::new(
            AS_OF_KEY.to_string(),
            read::format_days(as_of),
        )]))
        .build();
    let mut out = vec![];
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut out, schema, Some(props))?;
    w.write(&batch)?;
    w.close()?;
    Ok(out)
}

/// `owners.csv`: the accounts whose owner changed, as the CRM's import
/// (Salesforce `Id`, `OwnerId`; HubSpot `Record ID`, `hubspot_owner_id`).
/// An account back in the pool gets `[books] pool_owner`, or is left out
/// (with a warning) where none is set: a CRM record needs an owner.
fn owners_csv(
    cfg: &Config,
    target: Target,
    universe: Option<&Path>,
    acc: &Accounts,
    reps: &[TeamRep],
    b: &plan::Books,
    warnings: &mut Vec<String>,
) -> Result<Vec<u8>> {
    let key = target.key(&cfg.crm);
    let owner = match target {
        Target::Salesforce => "OwnerId",
        Target::Hubspot => "hubspot_owner_id",
    };
    // HubSpot keyed by the company's domain: looked up in --universe
    let domains = match (target.by_domain(&key), universe) {
        (false, _) => None,
        (true, Some(u)) => Some(
            crate::input::account_domains(u, &cfg.columns.accounts, true, |_| true)?
                .into_iter()
                .collect::<FxHashMap<String, String>>(),
        ),
        (true, None) => {
            return Err(Error::config(
                "--universe",
                "owners.csv for HubSpot keyed by Company Domain Name looks each account's domain up in the universe: pass --universe (the accounts file with `domain`)",
            ))
        }
    };
    let mut no_domain = 0;
    let mut w = crate::csv_out::CsvOut::new(vec![]);
    w.own_row([key.as_str(), owner])?;
    let mut unowned = 0;
    for r in &b.rows {
        let now = r.rep.map(|k| reps[k].id.as_str());
        // unchanged, or owned by someone off the team and still in no book
        if now == r.previous.as_deref() || r.action == plan::Action::Pool {
            continue;
        }
        let to = match (now, cfg.books.pool_owner.as_deref()) {
            (Some(t), _) => t,
            (None, Some(p)) => p,
            (None, None) => {
                unowned += 1;
                continue;
            }
        };
        let id = &acc.id[r.account];
        let key = match &domains {
            None => id,
            Some(d) => match d.get(id) {
                Some(domain) => domain,
                None => {
                    no_domain += 1;
                    continue;
                }
            },
        };
        w.text(key)?;
        w.text(to)?;
        w.end_row()?;
    }
    if no_domain > 0 {
        warnings.push(format!("owners.csv leaves out {}: keyed by Company Domain Name, and the universe gives no domain", coverage::accounts(no_domain, "whose owner changed")));
    }
    if unowned > 0 {
        warnings.push(format!("owners.csv leaves out {}: set [books] pool_owner to the CRM user (or queue) that holds the pool", coverage::accounts(unowned, "back in the pool")));
    }
    w.into_inner()
}
