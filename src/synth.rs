//! A synthetic CRM with a planted ground truth, at any size.
//!
//! Accounts (industries with different revenue-per-employee norms,
//! technologies, hiring), 3.5 years of opportunities with real-looking stage
//! names (open ones too), signals (web visits, pricing page, demo requests,
//! webinars, funding, exec changes, competitor renewals, get-back-to-me),
//! and a universe to score. Everything is a function of (seed, account
//! index), so output does not depend on batch size, and the universe and
//! signals stream to parquet in batches (10M+ accounts in bounded memory).
//!
//! # The planted model
//!
//! Each opportunity is won with probability sigmoid(eta), eta computed from
//! the account's true firmographics and the signals recorded before the
//! opportunity's created date (the same definitions as scorebook's features):
//!
//! | feature | coefficient |
//! |---|---|
//! | intercept (after centering log_employees at 5.5) | -0.9 |
//! | log_employees = ln(1 + employees) | 0.25 |
//! | log_rpe_industry_ratio = ln(revenue per employee / industry norm) | 0.8 |
//! | tech_salesforce | 0.7 |
//! | tech_marketo | 0.4 |
//! | tech_dynamics | -0.6 |
//! | signal_demo_request_30d | 0.8 |
//! | signal_pricing_page_30d | 0.35 |
//! | signal_webinar_90d | 0.2 |
//! | signal_funding_round_180d | 0.6 |
//! | days_until_competitor_renewal (capped at 365) | -0.002 |
//! | prior_won_deals | 0.3 |
//!
//! Every other feature has coefficient 0. [`PLANTED`] holds the table.
//! How many opportunities an account opens grows with its buyer intent
//! (Poisson, mean 4 × √intent / E√intent), as the signals do: accounts
//! that show timing convert to opportunities more often.
//!
//! # The planted shapes (`--truth shapes`)
//!
//! Buyer signals as they usually act: presence (the first demo request
//! matters, the fifth adds little), saturation (log counts) and a scheduled
//! event that matters when near. The signals file has no `recorded_date`
//! column, so a competitor renewal is known in advance (PRODUCT.md §4).
//! Firmographics and earlier won deals as above; [`PLANTED_SHAPES`] names
//! each effect by the model term that expresses it:
//!
//! | feature | coefficient |
//! |---|---|
//! | intercept (after centering log_employees at 5.5) | -1.6 |
//! | any demo request in the last 30 days | 1.0 |
//! | ln(1 + web visits in the last 30 days) | 0.4 |
//! | ln(1 + pricing page visits in the last 90 days) | 0.5 |
//! | any funding round in the last 180 days | 0.6 |
//! | a competitor renewal due within 90 days | 0.7 |
//!
//! # The curved truth (`--truth curved`)
//!
//! A sweet spot in company size, a step in revenue per employee against
//! the industry norm, saturating hiring and a fit × timing pair (Salesforce
//! users who requested a demo); [`curved_eta`] has the table.

mod team;

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};
use crate::input::read::parse_date;
use crate::model::sigmoid;

/// (feature, planted coefficient).
pub const PLANTED: &[(&str, f64)] = &[
    ("log_employees", 0.25),
    ("log_rpe_industry_ratio", 0.8),
    ("tech_salesforce", 0.7),
    ("tech_marketo", 0.4),
    ("tech_dynamics", -0.6),
    ("signal_demo_request_30d", 0.8),
    ("signal_pricing_page_30d", 0.35),
    ("signal_webinar_90d", 0.2),
    ("signal_funding_round_180d", 0.6),
    ("days_until_competitor_renewal", -0.002),
    ("prior_won_deals", 0.3),
];
const INTERCEPT: f64 = -0.9;

/// (model term, planted coefficient) of the shapes truth.
pub const PLANTED_SHAPES: &[(&str, f64)] = &[
    ("log_employees", 0.25),
    ("log_rpe_industry_ratio", 0.8),
    ("tech_salesforce", 0.7),
    ("tech_marketo", 0.4),
    ("tech_dynamics", -0.6),
    ("signal_demo_request_30d_any", 1.0),
    ("signal_web_visit_30d_log", 0.4),
    ("signal_pricing_page_90d_log", 0.5),
    ("signal_funding_round_180d_any", 0.6),
    ("days_until_competitor_renewal_within_90d", 0.7),
    ("prior_won_deals", 0.3),
];
const INTERCEPT_SHAPES: f64 = -1.6;
/// E[sqrt(intent)] for intent = exp(0.8 N(0, 1)): exp(0.08).
const MEAN_SQRT_INTENT: f64 = 1.083_287_067_674_958_6;

/// Which planted model decides the deals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Truth {
    /// Linear signal counts, renewals known 180 days ahead ([`PLANTED`]).
    #[default]
    Linear,
    /// Presence, saturation and a near renewal known in advance ([`PLANTED_SHAPES`]).
    Shapes,
    /// Curves no straight line holds: a sweet spot in company size, a step
    /// in revenue per employee against the industry norm, saturating
    /// hiring and a fit × timing pair ([`curved_eta`]).
    Curved,
}

pub const START: &str = "2022-01-01";
pub const END: &str = "2025-06-30";
/// The as-of date to score the synthetic universe at.
pub const AS_OF: &str = "2025-07-01";

const INDUSTRIES: &[(&str, f64, f64)] = &[
    ("Software", 250_000.0, 0.22),
    ("IT Services", 60_000.0, 0.18),
    ("BFSI", 400_000.0, 0.15),
    ("Manufacturing", 300_000.0, 0.15),
    ("Healthcare", 150_000.0, 0.12),
    ("Retail", 200_000.0, 0.12),
    ("Media", 180_000.0, 0.06),
];
/// How fast a won deal's amount grows with the account's size, per
/// industry: the amount is exp(8 + slope * ln(employees) + 0.5 N(0, 1)).
const AMOUNT_SLOPES: &[(&str, f64)] = &[
    ("Software", 0.65),
    ("IT Services", 0.5),
    ("BFSI", 0.7),
    ("Manufacturing", 0.6),
    ("Healthcare", 0.6),
    ("Retail", 0.5),
    ("Media", 0.55),
];

/// The planted mean of ln(amount) of a won deal at an account of
/// `industry` with `employees` (the amount's median; its mean is
/// exp(this + 0.125)).
pub fn planted_log_amount(industry: &str, employees: f64) -> f64 {
    let slope = AMOUNT_SLOPES
        .iter()
        .find(|(i, _)| *i == industry)
        .map_or(0.6, |(_, s)| *s);
    8.0 + slope * employees.ln()
}

const TECHS: &[(&str, f64)] = &[
    ("Salesforce", 0.45),
    ("HubSpot", 0.3),
    ("Marketo", 0.2),
    ("Snowflake", 0.15),
    ("AWS", 0.5),
    ("Azure", 0.3),
    ("Zendesk", 0.2),
    ("Slack", 0.5),
    ("Workday", 0.15),
    ("Dynamics", 0.12),
];
const COUNTRIES: &[&str] = &[
    "United States",
    "United Kingdom",
    "Germany",
    "France",
    "India",
    "Canada",
    "Australia",
    "Japan",
];
/// (signal, events per 30 days, scaled by the account's intent)
const RATES: &[(&str, f64, bool)] = &[
    ("web_visit", 1.0, true),
    ("pricing_page", 0.25, true),
    ("demo_request", 0.06, true),
    ("webinar", 0.12, true),
    ("content_download", 0.25, true),
    ("intent_surge", 0.08, true),
    ("funding_round", 0.015, false),
    ("exec_change", 0.025, false),
    ("champion_joined", 0.012, false),
];

pub struct SynthOptions {
    /// Accounts in the universe.
    pub accounts: usize,
    /// Accounts with CRM history (the first ones of the universe).
    pub history_accounts: usize,
    pub seed: u64,
    pub truth: Truth,
    /// Plant champions who move: a contacts table in which contacts of
    /// deals at some accounts start at others, and a won deal's contact
    /// joining an account raises its deals' odds (`MOVER_EFFECT`).
    pub champions: bool,
}

/// The planted effect of a former contact on a won deal joining an
/// account: its deals created within `MOVER_DAYS` days after the start
/// have this much more log-odds (moves from lost or open deals: none).
pub const MOVER_EFFECT: f64 = 1.2;
pub const MOVER_DAYS: i32 = 180;

#[derive(Debug, Default)]
pub struct SynthSummary {
    pub accounts: usize,
    pub opportunities: usize,
    pub signals: usize,
    pub universe: usize,
}

struct Account {
    id: String,
    name: String,
    domain: String,
    industry: usize,
    country: &'static str,
    employees: f64,
    rpe: f64,
    founded: i64,
    techs: Vec<usize>,
    jobs: i64,
    hires: i64,
    intent: f64,
    show_employees: bool,
    show_revenue: bool,
}

struct Event {
    date: i32,
    recorded: i32,
    kind: &'static str,
}

fn normal(r: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = r.gen::<f64>().max(1e-300);
    let u2: f64 = r.gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn poisson(r: &mut ChaCha8Rng, lambda: f64) -> i64 {
    if lambda <= 0.0 {
        return 0;
    }
    if lambda > 30.0 {
        return (lambda + lambda.sqrt() * normal(r)).round().max(0.0) as i64;
    }
    let l = (-lambda).exp();
    let (mut k, mut p) = (0, 1.0);
    loop {
        p *= r.gen::<f64>();
        if p <= l {
            return k;
        }
        k += 1;
    }
}

fn rng_for(seed: u64, i: usize, stream: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream);
    r.set_word_pos((i as u128) * 4096);
    ChaCha8Rng::seed_from_u64(r.gen())
}

const SYLLABLES: &[&str] = &[
    "ac", "me", "zen", "tri", "co", "lux", "nova", "qua", "dyn", "ex", "pro", "sol", "vir", "tek",
    "mar", "ion", "bel", "cor", "sys", "ver", "al", "bri", "dor", "fen", "gal", "hal", "kin",
    "lor", "mos", "pix", "rad", "sen", "tor", "vel", "wix", "yon",
];
const SUFFIXES: &[&str] = &[
    "Inc.", "LLC", "Ltd", "Corp", "GmbH", "Group", "Systems", "Labs",
];

fn account(seed: u64, i: usize) -> Account {
    let r = &mut rng_for(seed, i, 1);
    let u: f64 = r.gen();
    let mut acc = 0.0;
    let industry = INDUSTRIES.iter().position(|(_, _, s)| {
        acc += s;
        u < acc
    });
    let industry = industry.unwrap_or(INDUSTRIES.len() - 1);
    let employees = (5.5 + 1.3 * normal(r)).exp().round().clamp(5.0, 400_000.0);
    let rpe = INDUSTRIES[industry].1 * (0.45 * normal(r)).exp();
    let g = (0.5 * normal(r)).exp();
    let techs = (0..TECHS.len())
        .filter(|&t| r.gen::<f64>() < TECHS[t].1)
        .collect();
    // every 400th account repeats the previous account's name, spelled differently
    let base_idx = if i % 400 == 399 { i - 1 } else { i };
    let nr = &mut rng_for(seed, base_idx, 2);
    let stem: String = (0..3 + nr.gen_range(0..2))
        .map(|_| SYLLABLES[nr.gen_range(0..SYLLABLES.len())])
        .collect();
    let stem = format!("{}{}", stem[..1].to_uppercase(), &stem[1..]);
    let suffix = SUFFIXES[nr.gen_range(0..SUFFIXES.len())];
    let name = if base_idx != i {
        format!("{}, {}", stem.to_uppercase(), suffix)
    } else {
        format!("{stem} {suffix}")
    };
    Account {
        id: format!("A{:08}", i + 1),
        domain: format!("{}{}.com", stem.to_lowercase(), i + 1),
        name,
        industry,
        country: COUNTRIES[r.gen_range(0..COUNTRIES.len())],
        employees,
        rpe,
        founded: 2024 - (2.8 + 0.7 * normal(r)).exp().round().clamp(1.0, 150.0) as i64,
        techs,
        jobs: poisson(r, employees * 0.01 * g),
        hires: poisson(r, employees * 0.15 * g),
        intent: (0.8 * normal(r)).exp(),
        show_employees: r.gen::<f64>() >= 0.03,
        show_revenue: r.gen::<f64>() >= 0.05,
    }
}

fn events(seed: u64, i: usize, a: &Account, from: i32, to: i32, scale: f64) -> Vec<Event> {
    let r = &mut rng_for(seed, i, 3);
    let days = f64::from(to - from);
    let mut ev = vec![];
    for (kind, rate, by_intent) in RATES {
        let lambda = rate * days / 30.0 * scale * if *by_intent { a.intent } else { 1.0 };
        for _ in 0..poisson(r, lambda) {
            let d = from + r.gen_range(0..(to - from).max(1));
            ev.push(Event {
                date: d,
                recorded: d,
                kind,
            });
        }
    }
    if r.gen::<f64>() < 0.6 {
        // a competitor contract renewing every year on the same day, known 180 days ahead
        let mut d = from + r.gen_range(0..365);
        while d < to + 365 {
            if d - 180 < to {
                ev.push(Event {
                    date: d,
                    recorded: (d - 180).max(from),
                    kind: "competitor_renewal",
                });
            }
            d += 365;
        }
    }
    for _ in 0..poisson(r, 0.02 * days / 30.0 * scale) {
        let rec = from + r.gen_range(0..(to - from).max(1));
        ev.push(Event {
            date: rec + r.gen_range(30..120),
            recorded: rec,
            kind: "get_back_to_me",
        });
    }
    ev.sort_by_key(|e| (e.recorded, e.date, e.kind));
    ev
}

/// The planted linear predictor of an opportunity created on day `d`.
fn planted_eta(truth: Truth, a: &Account, ev: &[Event], d: i32, prior_won: usize) -> f64 {
    // with the shapes truth nothing is recorded: past events count once
    // they happened, scheduled ones are known in advance
    let known = |e: &Event| truth == Truth::Shapes || e.recorded < d;
    let count = |kind: &str, w: i32| {
        ev.iter()
            .filter(|e| e.kind == kind && known(e) && e.date < d && d - e.date <= w)
            .count() as f64
    };
    let until = ev
        .iter()
        .filter(|e| e.kind == "competitor_renewal" && known(e) && e.date >= d)
        .map(|e| f64::from(e.date - d))
        .fold(365.0, f64::min);
    let has = |name: &str| f64::from(u8::from(a.techs.iter().any(|&t| TECHS[t].0 == name)));
    if truth == Truth::Curved {
        return curved_eta(a, &count, has, prior_won);
    }
    let table = if truth == Truth::Linear {
        PLANTED
    } else {
        PLANTED_SHAPES
    };
    let coef = |name: &str| {
        table
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(0.0, |(_, c)| *c)
    };
    let firmographics = coef("log_employees") * ((1.0 + a.employees).ln() - 5.5)
        + coef("log_rpe_industry_ratio") * (a.rpe / INDUSTRIES[a.industry].1).ln()
        + coef("tech_salesforce") * has("Salesforce")
        + coef("tech_marketo") * has("Marketo")
        + coef("tech_dynamics") * has("Dynamics")
        + coef("prior_won_deals") * prior_won as f64;
    let any = |x: f64| f64::from(u8::from(x > 0.0));
    match truth {
        Truth::Linear => {
            INTERCEPT
                + firmographics
                + coef("signal_demo_request_30d") * count("demo_request", 30)
                + coef("signal_pricing_page_30d") * count("pricing_page", 30)
                + coef("signal_webinar_90d") * count("webinar", 90)
                + coef("signal_funding_round_180d") * count("funding_round", 180)
                + coef("days_until_competitor_renewal") * until
        }
        // (the curved truth returned above)
        Truth::Shapes | Truth::Curved => {
            INTERCEPT_SHAPES
                + firmographics
                + coef("signal_demo_request_30d_any") * any(count("demo_request", 30))
                + coef("signal_web_visit_30d_log") * count("web_visit", 30).ln_1p()
                + coef("signal_pricing_page_90d_log") * count("pricing_page", 90).ln_1p()
                + coef("signal_funding_round_180d_any") * any(count("funding_round", 180))
                + coef("days_until_competitor_renewal_within_90d")
                    * f64::from(u8::from(until <= 90.0))
        }
    }
}

/// The planted linear predictor of the curved truth:
///
/// | effect | log-odds |
/// |---|---|
/// | intercept | -1.0 |
/// | company size: -0.5 (ln(1 + employees) - 6.2)², a sweet spot at about 500 employees | ≤ 0 |
/// | revenue per employee at least 1.25× the industry norm (a step) | +0.9 |
/// | jobs posted in 30 days, saturating: 1.2 (1 - e^(-jobs / 3)) | 0 to 1.2 |
/// | uses Salesforce | +0.3 |
/// | uses Dynamics | -0.6 |
/// | any demo request in the last 30 days | +0.6 |
/// | both: uses Salesforce and a demo request (the fit × timing pair) | +1.0 |
/// | ln(1 + web visits in the last 30 days) | +0.3 |
/// | earlier won deals | +0.3 each |
fn curved_eta(
    a: &Account,
    count: &dyn Fn(&str, i32) -> f64,
    has: impl Fn(&str) -> f64,
    prior_won: usize,
) -> f64 {
    let size = (1.0 + a.employees).ln() - 6.2;
    let rpe_step = f64::from(u8::from(a.rpe / INDUSTRIES[a.industry].1 >= 1.25));
    let hiring = 1.0 - (-(a.jobs as f64) / 3.0).exp();
    let demo = f64::from(u8::from(count("demo_request", 30) > 0.0));
    let sf = has("Salesforce");
    -1.0 - 0.5 * size * size + 0.9 * rpe_step + 1.2 * hiring + 0.3 * sf - 0.6 * has("Dynamics")
        + 0.6 * demo
        + 1.0 * sf * demo
        + 0.3 * count("web_visit", 30).ln_1p()
        + 0.3 * prior_won as f64
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn account_schema() -> Arc<Schema> {
    let s = |n: &str| Field::new(n, DataType::Utf8, true);
    let f = |n: &str| Field::new(n, DataType::Float64, true);
    let i = |n: &str| Field::new(n, DataType::Int64, true);
    Arc::new(Schema::new(vec![
        Field::new("account_id", DataType::Utf8, false),
        s("name"),
        s("domain"),
        s("industry"),
        s("country"),
        i("employees"),
        f("annual_revenue"),
        i("founded_year"),
        s("technologies"),
        i("jobs_posted_30d"),
        i("hires_12m"),
    ]))
}

fn account_batch(accs: &[Account]) -> Result<RecordBatch> {
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(
            accs.iter().map(|a| a.id.as_str()),
        )),
        Arc::new(StringArray::from_iter_values(
            accs.iter().map(|a| a.name.as_str()),
        )),
        Arc::new(StringArray::from_iter_values(
            accs.iter().map(|a| a.domain.as_str()),
        )),
        Arc::new(StringArray::from_iter_values(
            accs.iter().map(|a| INDUSTRIES[a.industry].0),
        )),
        Arc::new(StringArray::from_iter_values(
            accs.iter().map(|a| a.country),
        )),
        Arc::new(Int64Array::from_iter(
            accs.iter()
                .map(|a| a.show_employees.then_some(a.employees as i64)),
        )),
        Arc::new(Float64Array::from_iter(accs.iter().map(|a| {
            a.show_revenue.then_some((a.employees * a.rpe).round())
        }))),
        Arc::new(Int64Array::from_iter_values(accs.iter().map(|a| a.founded))),
        Arc::new(StringArray::from_iter_values(accs.iter().map(|a| {
            a.techs
                .iter()
                .map(|&t| TECHS[t].0)
                .collect::<Vec<_>>()
                .join("; ")
        }))),
        Arc::new(Int64Array::from_iter_values(accs.iter().map(|a| a.jobs))),
        Arc::new(Int64Array::from_iter_values(accs.iter().map(|a| a.hires))),
    ];
    Ok(RecordBatch::try_new(account_schema(), cols)?)
}

fn signal_schema(truth: Truth) -> Arc<Schema> {
    let mut fields = vec![
        Field::new("account_id", DataType::Utf8, false),
        Field::new("date", DataType::Date32, false),
        Field::new("recorded_date", DataType::Date32, false),
        Field::new("signal", DataType::Utf8, false),
        Field::new("value", DataType::Float64, false),
    ];
    if truth == Truth::Shapes {
        fields.remove(2);
    }
    Arc::new(Schema::new(fields))
}

fn parquet_writer(path: &Path, schema: Arc<Schema>) -> Result<ArrowWriter<std::fs::File>> {
    let f = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    Ok(ArrowWriter::try_new(f, schema, Some(props))?)
}

fn day(s: &str) -> i32 {
    parse_date(s).unwrap_or_default()
}

/// Writes accounts.csv, opportunities.csv, signals.parquet, universe.parquet,
/// scorebook.toml and truth.csv (planted win probability per closed deal) into `dir`.
pub fn write(dir: &Path, o: &SynthOptions) -> Result<SynthSummary> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let (start, end, as_of) = (day(START), day(END), day(AS_OF));
    let hist = o.history_accounts.min(o.accounts);
    let mut summary = SynthSummary {
        accounts: hist,
        universe: o.accounts,
        ..Default::default()
    };
    let acc_path = dir.join("accounts.csv");
    let opp_path = dir.join("opportunities.csv");
    let mut acc_csv = std::io::BufWriter::new(
        std::fs::File::create(&acc_path).map_err(|e| Error::io(&acc_path, e))?,
    );
    let mut opp_csv = std::io::BufWriter::new(
        std::fs::File::create(&opp_path).map_err(|e| Error::io(&opp_path, e))?,
    );
    let truth_path = dir.join("truth.csv");
    let mut truth = std::io::BufWriter::new(
        std::fs::File::create(&truth_path).map_err(|e| Error::io(&truth_path, e))?,
    );
    writeln!(truth, "opportunity_id,created_date,won,planted_probability")
        .map_err(|e| Error::io(&truth_path, e))?;
    writeln!(acc_csv, "account_id,name,domain,industry,country,employees,annual_revenue,founded_year,technologies,jobs_posted_30d,hires_12m").map_err(|e| Error::io(&acc_path, e))?;
    writeln!(
        opp_csv,
        "opportunity_id,account_id,created_date,close_date,stage,amount"
    )
    .map_err(|e| Error::io(&opp_path, e))?;
    let mut sig = parquet_writer(&dir.join("signals.parquet"), signal_schema(o.truth))?;
    let mut uni = parquet_writer(&dir.join("universe.parquet"), account_schema())?;
    let batch = 100_000;
    let mut opp_no = 0usize;
    let (joined, contacts) = if o.champions {
        plan_movers(o.seed, hist, start, end, o.truth)
    } else {
        (vec![], vec![])
    };
    for lo in (0..o.accounts).step_by(batch) {
        let hi = (lo + batch).min(o.accounts);
        let accs: Vec<Account> = (lo..hi).map(|i| account(o.seed, i)).collect();
        let (mut s_id, mut s_date, mut s_rec, mut s_kind) = (vec![], vec![], vec![], vec![]);
        for (k, a) in accs.iter().enumerate() {
            let i = lo + k;
            let ev = if i < hist {
                events(o.seed, i, a, start, end, 1.0)
            } else {
                events(o.seed, i, a, as_of - 200, end, 0.2)
            };
            if i < hist {
                let emp = if a.show_employees {
                    format!("{}", a.employees as i64)
                } else {
                    String::new()
                };
                let rev = if a.show_revenue {
                    format!("{}", (a.employees * a.rpe).round())
                } else {
                    String::new()
                };
                let techs: Vec<&str> = a.techs.iter().map(|&t| TECHS[t].0).collect();
                writeln!(
                    acc_csv,
                    "{},{},{},{},{},{emp},{rev},{},{},{},{}",
                    a.id,
                    csv_field(&a.name),
                    a.domain,
                    INDUSTRIES[a.industry].0,
                    a.country,
                    a.founded,
                    csv_field(&techs.join("; ")),
                    a.jobs,
                    a.hires
                )
                .map_err(|e| Error::io(&acc_path, e))?;
                opp_no += write_opportunities(
                    &mut opp_csv,
                    &mut truth,
                    o.seed,
                    i,
                    a,
                    &ev,
                    (start, end),
                    opp_no,
                    o.truth,
                    joined.get(i).map_or(&[][..], Vec::as_slice),
                )
                .map_err(|e| Error::io(&opp_path, e))?
                .len();
            }
            // without recorded dates (shapes), scheduled events up to a year
            // ahead are in the export, as a CRM holds renewal dates
            let exported = |e: &Event| match o.truth {
                Truth::Linear | Truth::Curved => e.recorded <= end,
                Truth::Shapes => {
                    e.date <= end || (e.kind == "competitor_renewal" && e.date <= end + 365)
                }
            };
            for e in ev.iter().filter(|e| exported(e)) {
                s_id.push(a.id.clone());
                s_date.push(e.date);
                s_rec.push(e.recorded);
                s_kind.push(e.kind);
            }
        }
        summary.signals += s_id.len();
        let n = s_id.len();
        let mut cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(s_id)),
            Arc::new(Date32Array::from(s_date)),
            Arc::new(Date32Array::from(s_rec)),
            Arc::new(StringArray::from(s_kind)),
            Arc::new(Float64Array::from(vec![1.0; n])),
        ];
        if o.truth == Truth::Shapes {
            cols.remove(2);
        }
        sig.write(&RecordBatch::try_new(signal_schema(o.truth), cols)?)?;
        uni.write(&account_batch(&accs)?)?;
    }
    sig.close()?;
    uni.close()?;
    acc_csv.flush().map_err(|e| Error::io(&acc_path, e))?;
    opp_csv.flush().map_err(|e| Error::io(&opp_path, e))?;
    truth.flush().map_err(|e| Error::io(&truth_path, e))?;
    summary.opportunities = opp_no;
    let mut config = SAMPLE_CONFIG.to_string();
    if o.champions {
        let path = dir.join("contacts.csv");
        let mut text = String::from("contact_id,account_id,email,title,start_date,end_date,role\n");
        for r in &contacts {
            text += r;
            text.push('\n');
        }
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        config = config.replace(
            "signals = \"signals.parquet\"\n",
            "signals = \"signals.parquet\"\ncontacts = \"contacts.csv\"\n",
        );
    }
    let cfg_path = dir.join("scorebook.toml");
    std::fs::write(&cfg_path, config).map_err(|e| Error::io(&cfg_path, e))?;
    team::write(dir, o.seed, o.accounts, as_of)?;
    Ok(summary)
}

/// Writes one account's opportunities, and the planted win probability of
/// each closed one to `truth` (for tests that compare with the oracle).
#[allow(clippy::too_many_arguments)]
fn write_opportunities(
    w: &mut impl Write,
    truth: &mut impl Write,
    seed: u64,
    i: usize,
    a: &Account,
    ev: &[Event],
    (start, end): (i32, i32),
    first_no: usize,
    planted: Truth,
    joined: &[i32],
) -> std::io::Result<Vec<Deal>> {
    let r = &mut rng_for(seed, i, 4);
    // accounts with more buyer intent open more deals (a backtest's
    // conversion follows timing); 4 a year and a half on average
    let n = poisson(r, 4.0 * a.intent.sqrt() / MEAN_SQRT_INTENT) as usize;
    let mut created: Vec<i32> = (0..n).map(|_| r.gen_range(start + 60..end - 30)).collect();
    created.sort_unstable();
    let mut won_closes: Vec<i32> = vec![];
    let mut deals = vec![];
    for (k, &c) in created.iter().enumerate() {
        let close = c + r.gen_range(14..180);
        let amount = (planted_log_amount(INDUSTRIES[a.industry].0, a.employees) + 0.5 * normal(r))
            .exp()
            .round();
        let id = format!("O{:09}", first_no + k + 1);
        if close > end {
            deals.push(Deal { close, won: None });
            let stage =
                ["Prospecting", "Qualification", "Proposal", "Negotiation"][r.gen_range(0..4)];
            writeln!(
                w,
                "{id},{},{},,{stage},{amount}",
                a.id,
                crate::input::read::format_days(c)
            )?;
            continue;
        }
        let prior = won_closes.iter().filter(|x| **x < c).count();
        // a former contact on a won deal joined in the window before
        let mover = joined.iter().any(|&m| m < c && c - m <= MOVER_DAYS);
        let p =
            sigmoid(planted_eta(planted, a, ev, c, prior) + if mover { MOVER_EFFECT } else { 0.0 });
        let won = r.gen::<f64>() < p;
        writeln!(
            truth,
            "{id},{},{},{p}",
            crate::input::read::format_days(c),
            u8::from(won)
        )?;
        if won {
            won_closes.push(close);
        }
        deals.push(Deal {
            close,
            won: Some(won),
        });
        let spelled = r.gen::<f64>() < 0.2;
        let stage = match (won, spelled) {
            (true, false) => "Closed Won",
            (true, true) => "closed-won",
            (false, false) => "Closed Lost",
            (false, true) => "Closed-Lost",
        };
        writeln!(
            w,
            "{id},{},{},{},{stage},{amount}",
            a.id,
            crate::input::read::format_days(c),
            crate::input::read::format_days(close)
        )?;
    }
    Ok(deals)
}

/// A synthetic deal's close day and outcome (None: open at the export).
struct Deal {
    close: i32,
    won: Option<bool>,
}

/// The contacts of a synthetic CRM with champions who move: two people at
/// each even history account (a source), one at each odd one; at a source
/// with a closed deal, the first person moves, with probability 0.7, to an
/// odd history account, 10 to 300 days after the source's first won deal
/// closed (else its first lost one). The moves of won deals' contacts,
/// by destination, for the planted effect; the contacts CSV rows.
fn plan_movers(
    seed: u64,
    hist: usize,
    start: i32,
    end: i32,
    planted: Truth,
) -> (Vec<Vec<i32>>, Vec<String>) {
    let mut joined: Vec<Vec<i32>> = vec![vec![]; hist];
    let mut rows = vec![];
    let day = crate::input::read::format_days;
    let odd = hist / 2;
    for i in (0..hist).step_by(2) {
        let a = account(seed, i);
        let ev = events(seed, i, &a, start, end, 1.0);
        let deals = write_opportunities(
            &mut std::io::sink(),
            &mut std::io::sink(),
            seed,
            i,
            &a,
            &ev,
            (start, end),
            0,
            planted,
            &[],
        )
        .unwrap_or_default();
        let r = &mut rng_for(seed, i, 7);
        let first = |won: bool| {
            deals
                .iter()
                .filter(|d| d.won == Some(won))
                .map(|d| d.close)
                .min()
        };
        let from = first(true)
            .map(|c| (c, true))
            .or_else(|| first(false).map(|c| (c, false)));
        let moves = odd > 0 && r.gen::<f64>() < 0.7;
        for k in 0..2 {
            let id = format!("C{i:08}-{k}");
            let begun = start - r.gen_range(0..700);
            let role = if k == 0 && r.gen::<f64>() < 0.5 {
                "Champion"
            } else {
                "User"
            };
            let moved = match from {
                Some((close, won)) if k == 0 && moves => {
                    let m = close + r.gen_range(10..300);
                    (m < end - 30).then(|| (m, won, 2 * r.gen_range(0..odd) + 1))
                }
                _ => None,
            };
            let end_day = moved.map(|(m, _, _)| day(m - 1)).unwrap_or_default();
            rows.push(format!(
                "{id},{},p{i}.{k}@{},Director,{},{end_day},{role}",
                a.id,
                a.domain,
                day(begun)
            ));
            if let Some((m, won, j)) = moved {
                let b = account(seed, j);
                // one in four new rows lacks the account id: matched by the email's domain
                let acc = if r.gen::<f64>() < 0.25 {
                    String::new()
                } else {
                    b.id.clone()
                };
                rows.push(format!(
                    "{id},{acc},p{i}.{k}@{},VP,{},,User",
                    b.domain,
                    day(m)
                ));
                if won {
                    joined[j].push(m);
                }
            }
        }
    }
    for j in (1..hist).step_by(2) {
        let b = account(seed, j);
        rows.push(format!(
            "C{j:08}-0,{},p{j}.0@{},Manager,{},,User",
            b.id,
            b.domain,
            day(start - 100)
        ));
    }
    (joined, rows)
}

/// The commented sample config `synth` writes beside its data.
pub const SAMPLE_CONFIG: &str = include_str!("synth_sample.toml");
