//! `scorebook.toml`: every setting, with its default, checked once on load.
//!
//! Unknown keys are rejected (serde `deny_unknown_fields`) so a typo never
//! silently falls back to a default. `Config::default()` is the zero-config
//! form used by `--data DIR`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::conventions::{Conventions, Decimal};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub input: InputConfig,
    pub columns: ColumnsConfig,
    pub stages: StagesConfig,
    pub features: FeaturesConfig,
    pub model: ModelConfig,
    pub tiers: TierConfig,
    pub quadrant: QuadrantConfig,
    pub capacity: CapacityConfig,
    pub split: SplitConfig,
    pub crm: CrmConfig,
    pub books: BooksConfig,
    pub rules: Vec<Rule>,
    pub disqualifiers: Vec<Disqualifier>,
}

/// How closed deals are split into train, validation and test periods.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SplitConfig {
    /// `time` (oldest train, newest test; the default) or `random` (seeded),
    /// for exports without usable dates.
    pub method: SplitMethod,
    pub seed: u64,
}

impl Default for SplitConfig {
    fn default() -> Self {
        SplitConfig {
            method: SplitMethod::Time,
            seed: 42,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SplitMethod {
    #[default]
    Time,
    Random,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct InputConfig {
    /// Directory the relative paths below are resolved against (default: the
    /// config file's directory, or `--data DIR`).
    pub dir: Option<PathBuf>,
    pub accounts: Option<PathBuf>,
    pub opportunities: Option<PathBuf>,
    pub signals: Option<PathBuf>,
    /// People at accounts over time (contact_id, account_id, email, title,
    /// start_date, end_date, role): champions who move become a timing
    /// feature of their new account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts: Option<PathBuf>,
    /// Multiplier applied to `annual_revenue` (1e6 when the export is in millions).
    pub revenue_multiplier: f64,
    /// Industry spellings mapped to a canonical name, e.g. `technolgy = "technology"`.
    pub industry_aliases: BTreeMap<String, String>,
    /// The CSV delimiter (`,` `;` `|` or `tab`); by default each file's is
    /// detected from its header line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// The decimal separator of numbers written as text (`"."` or `","`);
    /// by default each CSV file's is detected from its values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimal: Option<Decimal>,
    /// Spellings of a missing value beyond empty, `null`, `na` and `n/a`
    /// (`["Unknown", "Select"]`): cells that say so are missing everywhere;
    /// otherwise a text column keeps them as levels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_values: Vec<String>,
    /// The order of `A/B/YYYY` dates, `"DD/MM/YYYY"` or `"MM/DD/YYYY"`
    /// (needed only when the values cannot tell).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_format: Option<String>,
}

impl InputConfig {
    /// The conventions every read of a command uses.
    pub fn conventions(&self) -> Result<Conventions> {
        Ok(Conventions {
            delimiter: self.delimiter_byte()?,
            decimal: self.decimal,
            missing: self
                .missing_values
                .iter()
                .map(|m| m.trim().to_lowercase())
                .collect(),
            day_month: self
                .date_format
                .as_deref()
                .map(crate::conventions::date_format)
                .transpose()?,
        })
    }

    /// The `delimiter` setting as a byte.
    pub fn delimiter_byte(&self) -> Result<Option<u8>> {
        match self.delimiter.as_deref() {
            None => Ok(None),
            Some(",") => Ok(Some(b',')),
            Some(";") => Ok(Some(b';')),
            Some("|") => Ok(Some(b'|')),
            Some("\t") | Some("tab") => Ok(Some(b'\t')),
            Some(other) => Err(Error::config(
                "input.delimiter",
                format!("{other:?} is not a CSV delimiter: use \",\", \";\", \"|\" or \"tab\""),
            )),
        }
    }
}

impl Default for InputConfig {
    fn default() -> Self {
        InputConfig {
            dir: None,
            accounts: None,
            opportunities: None,
            signals: None,
            contacts: None,
            revenue_multiplier: 1.0,
            industry_aliases: BTreeMap::new(),
            delimiter: None,
            decimal: None,
            missing_values: vec![],
            date_format: None,
        }
    }
}

/// Column mapping per table: contract name = column name in the file.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ColumnsConfig {
    pub accounts: BTreeMap<String, String>,
    pub opportunities: BTreeMap<String, String>,
    pub signals: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub contacts: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StagesConfig {
    /// Stage names counted as won (case-insensitive).
    pub won: Vec<String>,
    /// Stage names counted as lost (case-insensitive).
    pub lost: Vec<String>,
}

impl Default for StagesConfig {
    fn default() -> Self {
        StagesConfig {
            won: vec!["won".into(), "closed won".into(), "closed-won".into()],
            lost: vec!["lost".into(), "closed lost".into(), "closed-lost".into()],
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct FeaturesConfig {
    /// Technologies to flag; empty means the `top_technologies` most common.
    pub technologies: Vec<String>,
    pub top_technologies: usize,
    /// Signal count windows in days.
    pub signal_windows: Vec<u32>,
    /// Signal types whose dates are scheduled events (days-until features).
    pub scheduled_signals: Vec<String>,
    /// Industries with fewer training accounts than this are pooled into `Other`.
    pub min_industry_accounts: usize,
    /// Default size-band cut-offs on employees: small < c0 <= mid < c1 <= large < c2 <= super_large.
    pub size_bands: Vec<f64>,
    /// Industry-specific size-band cut-offs (three ascending numbers each).
    pub industry_size_bands: BTreeMap<String, Vec<f64>>,
    /// Extra account columns used as fit features: numbers, booleans, text
    /// (categorical) or `;`-lists (multi-hot), as each column looks.
    pub extra: Vec<String>,
    /// Opportunity columns known when a deal is created (product, source,
    /// region, amount...) used as fit features, of the same types; a model
    /// with them scores open deals (`score --opportunities`).
    pub deal: Vec<String>,
    /// Categorical `extra` columns that refine the report's segments
    /// (industry / size band / each axis's level): the segment tests,
    /// planning table and `segments.csv` split by them too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segment_axes: Vec<String>,
    /// Cap, in days, of days-since / days-until features when there is no event.
    pub recency_cap_days: u32,
    /// Axis (`fit` or `timing`) of a feature, by feature name, overriding the
    /// default: signal counts, days-since / days-until and distinct signal
    /// types are timing, everything else is fit.
    pub axes: BTreeMap<String, String>,
    /// The forms in which signal counts per window enter the model:
    /// `presence` (any event in the window; for scheduled events, the next
    /// one within the window), `log` (ln(1 + count): saturation) and
    /// `count` (linear). The counts themselves stay features for rules.
    pub signal_shapes: Vec<SignalShape>,
    /// At most this many signal types (the most frequent) become features.
    pub max_signal_types: usize,
    /// The type of an extra or deal column, overriding how it looks
    /// (`Competitors = "text"`, `Employees = "number"`, `Techs = "list"`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub types: BTreeMap<String, ColumnType>,
}

/// A column's type as `[features.types]` sets it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    /// Categorical: a level per value.
    Text,
    /// A number (with a log form).
    Number,
    /// A yes/no flag, as 0/1.
    Boolean,
    /// A `;`-separated list, multi-hot.
    List,
}

/// The solver of the logistic fit (`[model] solver`).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Solver {
    /// Newton's method with a line search (scorebook's own).
    #[default]
    Newton,
    /// linfa-logistic's L-BFGS.
    Lbfgs,
}

/// A form of the signal-window counts in the model (`features.signal_shapes`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum SignalShape {
    Count,
    Presence,
    Log,
}

impl Default for FeaturesConfig {
    fn default() -> Self {
        let mut bands = BTreeMap::new();
        bands.insert("Software".to_string(), vec![100.0, 1000.0, 10000.0]);
        bands.insert("IT Services".to_string(), vec![500.0, 5000.0, 50000.0]);
        bands.insert("BFSI".to_string(), vec![250.0, 2500.0, 25000.0]);
        FeaturesConfig {
            technologies: vec![],
            top_technologies: 10,
            signal_windows: vec![30, 90, 180],
            scheduled_signals: vec!["competitor_renewal".into(), "get_back_to_me".into()],
            min_industry_accounts: 10,
            size_bands: vec![200.0, 2000.0, 20000.0],
            industry_size_bands: bands,
            extra: vec![],
            deal: vec![],
            segment_axes: vec![],
            recency_cap_days: 365,
            axes: BTreeMap::new(),
            signal_shapes: vec![SignalShape::Presence, SignalShape::Log],
            max_signal_types: 50,
            types: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ModelConfig {
    /// Inverse regularization strengths tried (scikit-learn's C: the penalty is 0.5 / C * |w|^2).
    pub c_grid: Vec<f64>,
    /// Share of the newest closed deals held out for testing (never fitted on).
    pub test_share: f64,
    /// Share of the deals before the test period used to choose the penalty and fit the hybrid.
    pub validation_share: f64,
    /// Iterations allowed per fit (Newton converges in tens).
    pub max_iterations: u64,
    /// The logistic solver: `newton` (default) or `lbfgs` (linfa-logistic).
    pub solver: Solver,
    /// Pin the weight of one rule point in the hybrid's logit (otherwise fitted).
    pub rule_weight: Option<f64>,
    /// Fewest closed deals `train` accepts.
    pub min_closed_deals: usize,
    /// Bins of a number's learned shape (steps at its quantiles, plus its
    /// frequent exact values); 0 keeps only the fixed shapes.
    pub bins: usize,
    /// Interaction pairs kept at most (each only when it lowers the
    /// validation log loss); 0 turns them off.
    pub pairs: usize,
    /// Features whose whole effect is held monotone, e.g. `{ employees =
    /// "increasing", days_since_demo_request = "decreasing" }`: a key names
    /// a numeric feature (or the feature whose log the model reads).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub monotone: BTreeMap<String, Direction>,
}

/// The direction a monotone feature's effect keeps.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Increasing,
    Decreasing,
}

impl Direction {
    /// 1 for increasing, -1 for decreasing.
    pub fn sign(self) -> f64 {
        match self {
            Direction::Increasing => 1.0,
            Direction::Decreasing => -1.0,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Direction::Increasing => "increasing",
            Direction::Decreasing => "decreasing",
        }
    }
}

impl ModelConfig {
    /// The direction the effect of model source `source` is held to: the
    /// `monotone` key naming it, or the feature it is the log of.
    pub fn monotone_of(&self, source: &str) -> Option<Direction> {
        self.monotone_key(source).map(|(_, d)| d)
    }

    /// The `monotone` key naming model source `source`, and its direction.
    pub fn monotone_key(&self, source: &str) -> Option<(&str, Direction)> {
        self.monotone
            .iter()
            .find(|(k, _)| source == k.as_str() || source.strip_prefix("log_") == Some(k.as_str()))
            .map(|(k, d)| (k.as_str(), *d))
    }
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            c_grid: vec![0.001, 0.01, 0.1, 1.0, 10.0, 100.0],
            test_share: 0.2,
            validation_share: 0.2,
            max_iterations: 1000,
            solver: Solver::Newton,
            rule_weight: None,
            min_closed_deals: 50,
            bins: 16,
            pairs: 4,
            monotone: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TierConfig {
    /// Shares of the universe in Tier 1, Tier 2, Tier 3 (sum to 1).
    pub shares: Vec<f64>,
    /// Cut-offs for Tier 1 and Tier 2 instead of shares (probabilities,
    /// or expected values with `by = "expected_value"`).
    pub cutoffs: Option<Vec<f64>>,
    /// What the tiers rank by: the win probability, or the expected value
    /// (probability times a won deal's expected amount: a model with a
    /// potential part).
    pub by: TierBy,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TierBy {
    #[default]
    Probability,
    ExpectedValue,
}

impl Default for TierConfig {
    fn default() -> Self {
        TierConfig {
            shares: vec![0.1, 0.3, 0.6],
            cutoffs: None,
            by: TierBy::Probability,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct QuadrantConfig {
    /// `fit_score` at or above which an account has fit (0-100 percentile of the training universe).
    pub fit_threshold: f64,
    /// `timing_score` at or above which an account has timing.
    pub timing_threshold: f64,
}

impl Default for QuadrantConfig {
    fn default() -> Self {
        QuadrantConfig {
            fit_threshold: 50.0,
            timing_threshold: 50.0,
        }
    }
}

/// `scorebook books`: how the week's books are filled (PRODUCT.md §12).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct BooksConfig {
    /// Accounts a rep works at once, where `--reps` gives no capacity.
    pub capacity: usize,
    /// Which scored accounts may go into a book (a predicate over the
    /// scored and universe columns; default: not disqualified).
    pub eligible: Option<String>,
    /// `expected_value` (the default when the scores have it) or `probability`.
    pub rank_by: Option<String>,
    /// An owned account worked this recently (or got this recently) stays.
    pub keep_worked_days: u32,
    /// An owned account nobody worked for this long goes back to the pool.
    pub retrieve_after_days: u32,
    /// An owned account with an open deal stays with its owner.
    pub keep_open_opportunities: bool,
    /// The least share of a specialist's book from their segment, while
    /// the segment has accounts left.
    pub specialist_share: f64,
    /// Only a segment's specialists work its accounts; by default the
    /// generalists take those the specialists have no room for.
    pub specialists_only: bool,
    /// The most ownership changes in one run (none: no cap).
    pub max_moves: Option<usize>,
    /// How much more a pool account must be worth (0.5: half as much
    /// again) to take the slot of an owned account worked between
    /// `keep_worked_days` and `retrieve_after_days` ago.
    pub better_by: f64,
    /// Signal types that count as worked, when `--activity` is a signals file.
    pub activity_signals: Vec<String>,
    /// The CRM user (or queue) that holds the pool: `owners.csv` gives it
    /// the accounts retrieved (without it they are left out of the file).
    pub pool_owner: Option<String>,
}

impl Default for BooksConfig {
    fn default() -> Self {
        BooksConfig {
            capacity: 100,
            eligible: None,
            rank_by: None,
            keep_worked_days: 30,
            retrieve_after_days: 60,
            keep_open_opportunities: true,
            specialist_share: 0.7,
            specialists_only: false,
            max_moves: None,
            better_by: 0.5,
            activity_signals: vec![],
            pool_owner: None,
        }
    }
}

impl BooksConfig {
    fn check(&self) -> std::result::Result<(), String> {
        if self.capacity == 0 {
            return Err("books.capacity must be 1 or more accounts".into());
        }
        if !(0.0..=1.0).contains(&self.specialist_share) {
            return Err(format!(
                "books.specialist_share must be a share from 0 to 1, got {}",
                self.specialist_share
            ));
        }
        if self.keep_worked_days > self.retrieve_after_days {
            return Err(format!("books.keep_worked_days ({}) must not exceed books.retrieve_after_days ({}): an account cannot be kept and retrieved", self.keep_worked_days, self.retrieve_after_days));
        }
        if !(self.better_by >= 0.0 && self.better_by.is_finite()) {
            return Err(format!(
                "books.better_by must be 0 or more, got {}",
                self.better_by
            ));
        }
        match self.rank_by.as_deref() {
            None | Some("expected_value") | Some("probability") => Ok(()),
            Some(o) => Err(format!(
                "books.rank_by must be \"expected_value\" or \"probability\", got {o:?}"
            )),
        }
    }
}

/// Sales capacity, for the report's "how long do Tier 1 and 2 last" figure.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CapacityConfig {
    pub reps: u32,
    pub accounts_per_rep_per_quarter: u32,
}

impl Default for CapacityConfig {
    fn default() -> Self {
        CapacityConfig {
            reps: 10,
            accounts_per_rep_per_quarter: 50,
        }
    }
}

impl CapacityConfig {
    pub fn accounts_per_quarter(&self) -> f64 {
        f64::from(self.reps) * f64::from(self.accounts_per_rep_per_quarter)
    }
}

/// `export-crm`: how scores are written back into Salesforce and HubSpot.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CrmConfig {
    /// The reasons field's length in characters (a longer join is cut).
    pub reasons_length: usize,
    /// Points of score per band: `--changed-since` keeps an account whose
    /// band (score / score_band, rounded down) changed.
    pub score_band: f64,
    /// Write blank values as `#N/A`, which clears the field in Salesforce
    /// (else a blank leaves the field as it was).
    pub clear_blanks: bool,
    pub salesforce: CrmTarget,
    pub hubspot: CrmTarget,
}

impl Default for CrmConfig {
    fn default() -> Self {
        CrmConfig {
            reasons_length: 1024,
            score_band: 10.0,
            clear_blanks: false,
            salesforce: CrmTarget::default(),
            hubspot: CrmTarget::default(),
        }
    }
}

/// One CRM's match key and field names.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct CrmTarget {
    /// The match key's header: Salesforce `Id` (default) or an External ID
    /// field's API name; HubSpot `Record ID` (default) or `Company Domain
    /// Name` (the domain is looked up in `--universe`).
    pub key: Option<String>,
    /// Scored column -> field name, replacing a default name or adding a
    /// column (e.g. `fit_score = "Scorebook_Fit__c"`).
    pub fields: BTreeMap<String, String>,
    /// Largest file in MB before the export is split (Salesforce 100,
    /// HubSpot 512 by default).
    pub max_file_mb: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub name: String,
    /// SQL predicate over the feature table.
    pub when: String,
    pub points: f64,
    #[serde(default = "default_axis")]
    pub axis: String,
}

fn default_axis() -> String {
    "fit".into()
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Disqualifier {
    pub name: String,
    pub when: String,
}

impl Config {
    /// Reads and checks a config file; relative input paths resolve against its directory.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut cfg: Config =
            toml::from_str(&text).map_err(|e| Error::config(path.display(), e.to_string()))?;
        if cfg.input.dir.is_none() {
            cfg.input.dir = Some(path.parent().map(Path::to_path_buf).unwrap_or_default());
        } else if let Some(d) = &cfg.input.dir {
            if d.is_relative() {
                let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
                cfg.input.dir = Some(base.join(d));
            }
        }
        cfg.check(&path.display().to_string())?;
        Ok(cfg)
    }

    /// The zero-config form: defaults, inputs found in `dir`.
    pub fn for_data_dir(dir: &Path) -> Config {
        let mut cfg = Config::default();
        cfg.input.dir = Some(dir.to_path_buf());
        cfg
    }

    /// Checks value ranges; the message names the key and the value.
    pub fn check(&self, file: &str) -> Result<()> {
        let bad = |m: String| Err(Error::config(file, m));
        self.input.delimiter_byte()?;
        // a typed column's features take its name: two of one name would collide
        const BUILT_IN: &[&str] = &[
            "account_id",
            "industry",
            "size_band",
            "segment",
            "employees",
            "annual_revenue",
            "founded_year",
            "jobs_posted_30d",
            "hires_12m",
            "technologies",
            "prior_won_deals",
        ];
        let mut seen = std::collections::BTreeSet::new();
        for (key, names) in [
            ("extra", &self.features.extra),
            ("deal", &self.features.deal),
        ] {
            for n in names {
                if BUILT_IN.contains(&n.as_str()) || !seen.insert(n.as_str()) {
                    return bad(format!(
                        "features.{key} names `{n}`, which is already a feature: list each column once, and map a deal column named like an account feature to another name in [columns.opportunities]"
                    ));
                }
            }
        }
        self.input.conventions()?;
        if let Some(n) = self
            .features
            .types
            .keys()
            .find(|n| !seen.contains(n.as_str()))
        {
            return bad(format!(
                "[features.types] sets the type of `{n}`, which is not in features.extra or features.deal: add it there, or remove the type"
            ));
        }
        if !(self.input.revenue_multiplier.is_finite() && self.input.revenue_multiplier > 0.0) {
            return bad(format!(
                "input.revenue_multiplier must be a positive number, got {}",
                self.input.revenue_multiplier
            ));
        }
        if self.model.c_grid.is_empty()
            || self
                .model
                .c_grid
                .iter()
                .any(|c| !(c.is_finite() && *c > 0.0))
        {
            return bad(format!(
                "model.c_grid must hold positive numbers, got {:?}",
                self.model.c_grid
            ));
        }
        for (k, v) in [
            ("model.test_share", self.model.test_share),
            ("model.validation_share", self.model.validation_share),
        ] {
            if !(v > 0.0 && v < 0.5) {
                return bad(format!("{k} must be in (0, 0.5), got {v}"));
            }
        }
        if self.features.signal_windows.is_empty() || self.features.signal_windows.contains(&0) {
            return bad(format!(
                "features.signal_windows must be positive day counts, got {:?}",
                self.features.signal_windows
            ));
        }
        let ascending = |v: &[f64]| v.len() == 3 && v.windows(2).all(|w| w[0] < w[1]) && v[0] > 0.0;
        if !ascending(&self.features.size_bands) {
            return bad(format!(
                "features.size_bands must be three ascending positive employee counts, got {:?}",
                self.features.size_bands
            ));
        }
        for (ind, v) in &self.features.industry_size_bands {
            if !ascending(v) {
                return bad(format!(
                    "features.industry_size_bands.{ind} must be three ascending positive employee counts, got {v:?}"
                ));
            }
        }
        self.books.check().map_err(|m| Error::config(file, m))?;
        let s = &self.tiers.shares;
        if s.len() != 3
            || s.iter().any(|x| x.is_nan() || *x <= 0.0)
            || (s.iter().sum::<f64>() - 1.0).abs() > 1e-6
        {
            return bad(format!(
                "tiers.shares must be three positive shares summing to 1, got {s:?}"
            ));
        }
        if let Some(c) = &self.tiers.cutoffs {
            let by_value = self.tiers.by == TierBy::ExpectedValue;
            let ok = c.len() == 2 && c[0] > c[1] && c[1] > 0.0 && (by_value || c[0] < 1.0);
            if !ok && by_value {
                return bad(format!(
                    "tiers.cutoffs must be [tier1, tier2] expected values with tier1 > tier2 > 0 (tiers.by = \"expected_value\"), got {c:?}"
                ));
            }
            if !ok {
                return bad(format!(
                    "tiers.cutoffs must be [tier1, tier2] probabilities with 1 > tier1 > tier2 > 0, got {c:?}"
                ));
            }
        }
        for (k, v) in [
            ("quadrant.fit_threshold", self.quadrant.fit_threshold),
            ("quadrant.timing_threshold", self.quadrant.timing_threshold),
        ] {
            if !(0.0..=100.0).contains(&v) {
                return bad(format!("{k} must be within 0..=100, got {v}"));
            }
        }
        for (name, axis) in &self.features.axes {
            if axis != "fit" && axis != "timing" {
                return bad(format!(
                    "features.axes.{name} must be \"fit\" or \"timing\", got {axis:?}"
                ));
            }
        }
        if self.capacity.reps == 0 || self.capacity.accounts_per_rep_per_quarter == 0 {
            return bad(format!(
                "capacity.reps and capacity.accounts_per_rep_per_quarter must be positive, got {} and {}",
                self.capacity.reps, self.capacity.accounts_per_rep_per_quarter
            ));
        }
        if let Some(a) = self
            .features
            .segment_axes
            .iter()
            .find(|a| !self.features.extra.contains(a))
        {
            return bad(format!(
                "features.segment_axes names {a:?}, which is not in features.extra: add it there (a categorical account column)"
            ));
        }
        let crm = &self.crm;
        if crm.reasons_length == 0 || !(crm.score_band.is_finite() && crm.score_band > 0.0) {
            return bad(format!(
                "crm.reasons_length must be at least 1 and crm.score_band a positive number, got {} and {}",
                crm.reasons_length, crm.score_band
            ));
        }
        for (name, t) in [("salesforce", &crm.salesforce), ("hubspot", &crm.hubspot)] {
            if let Some(mb) = t.max_file_mb.filter(|mb| !(mb.is_finite() && *mb >= 0.01)) {
                return bad(format!(
                    "crm.{name}.max_file_mb must be at least 0.01, got {mb}"
                ));
            }
            for (column, field) in &t.fields {
                let sources = crate::contract::field_sources();
                if !sources.contains(&column.as_str()) {
                    return bad(format!(
                        "crm.{name}.fields.{column}: not a scored column; use one of {}",
                        sources.join(", ")
                    ));
                }
                if field.trim().is_empty() || field.contains([',', '"', '\n', '\r']) {
                    return bad(format!(
                        "crm.{name}.fields.{column} = {field:?}: a field name cannot be blank or hold a comma, quote or line break"
                    ));
                }
            }
        }
        for r in &self.rules {
            if !r.points.is_finite() {
                return bad(format!("rule {:?}: points must be a finite number", r.name));
            }
            if r.axis != "fit" && r.axis != "timing" {
                return bad(format!(
                    "rule {:?}: axis must be \"fit\" or \"timing\", got {:?}",
                    r.name, r.axis
                ));
            }
        }
        if let Some(w) = self.model.rule_weight {
            if !w.is_finite() {
                return bad(format!("model.rule_weight must be finite, got {w}"));
            }
        }
        Ok(())
    }

    /// The input directory (paths in `[input]` are relative to it).
    pub fn dir(&self) -> PathBuf {
        self.input.dir.clone().unwrap_or_else(|| PathBuf::from("."))
    }
}

/// `s` with its first character upper-cased.
pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Feature-name normalization of PRODUCT.md §6: lower-case, every run of
/// non-alphanumerics turned into `_`, no leading/trailing `_`.
pub fn normalize_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending = false;
    // only ASCII letters are folded (`İ` is a separator, not `i̇`): every
    // SQL engine lower-cases those alike
    for ch in s.chars().map(|c| c.to_ascii_lowercase()) {
        if ch.is_ascii_alphanumeric() {
            if pending && !out.is_empty() {
                out.push('_');
            }
            pending = false;
            out.push(ch);
        } else {
            pending = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_names() {
        assert_eq!(normalize_name("Salesforce"), "salesforce");
        assert_eq!(normalize_name(" demo-request "), "demo_request");
        assert_eq!(normalize_name("Google Ads / AdWords"), "google_ads_adwords");
    }

    #[test]
    fn rejects_unknown_keys() {
        let err = toml::from_str::<Config>("[model]\nc_gird = [1.0]\n").unwrap_err();
        assert!(err.to_string().contains("c_gird"), "{err}");
    }
}
