//! Command-line types (clap derive) only; `commands/` turns them into library calls.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "scorebook",
    version,
    about = "Account scoring from closed-won/lost sales history"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Zero-setup tour: synthetic data, validate, features, train, score, report.
    Demo(DemoArgs),
    /// Write a synthetic CRM dataset with a planted ground truth.
    Synth(SynthArgs),
    /// Check input data against the contract and print a data-quality report.
    Validate(InputArgs),
    /// Build the point-in-time training feature table (one row per closed opportunity).
    Features(FeaturesArgs),
    /// Fit, validate and calibrate a model; write the model directory.
    Train(TrainArgs),
    /// Score a universe (file, directory or glob) to parquet.
    Score(ScoreArgs),
    /// Render the human report of a model (optionally against another).
    Report(ReportArgs),
    /// Print the fitted scoring function as one SQL SELECT.
    ExportSql(ExportSqlArgs),
    /// Write a scored parquet as a Salesforce or HubSpot import file (CSV).
    ExportCrm(ExportCrmArgs),
    /// The week's books: each available rep's book filled with the best
    /// accounts they may work; owners.csv and coverage.html.
    Books(BooksArgs),
    /// The quarterly review: champion vs challenger on the same unseen deals,
    /// drift, tier migration, backtest.
    Review(ReviewArgs),
    /// List the models in a folder (default `models/`) and which is the champion.
    Models(ModelsArgs),
    /// Make a model its folder's champion (`--model DIR/champion` then finds it).
    Promote(PromoteArgs),
}

#[derive(Debug, Args)]
pub struct BooksArgs {
    /// A scored parquet (`scorebook score --out`)
    #[arg(long)]
    pub scores: PathBuf,
    /// The sales team (CSV or parquet): rep_id, name, team, capacity,
    /// segment (a predicate), available (true/false or the day back)
    #[arg(long)]
    pub reps: PathBuf,
    /// The CRM's current owners (account_id, rep_id, since), or an earlier
    /// run's books.parquet
    #[arg(long)]
    pub owners: Option<PathBuf>,
    /// Worked activities (account_id, date), or a signals file with
    /// [books] activity_signals
    #[arg(long)]
    pub activity: Option<PathBuf>,
    /// The CRM's opportunities: accounts with an open deal stay with their owner
    #[arg(long)]
    pub opportunities: Option<PathBuf>,
    /// The accounts, for segment and eligibility predicates over columns
    /// the scored file lacks (industry, country, ...)
    #[arg(long)]
    pub universe: Option<PathBuf>,
    /// The directory of an earlier books run: what changed since
    #[arg(long)]
    pub previous: Option<PathBuf>,
    /// A scorebook.toml with a [books] section (default: the defaults)
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// owners.csv for this CRM
    #[arg(long, value_enum, default_value = "salesforce")]
    pub target: CrmTargetArg,
    /// The books' day (default: the scores' as-of day)
    #[arg(long)]
    pub as_of: Option<String>,
    /// Output directory: books.parquet, owners.csv, coverage.json, coverage.html
    #[arg(long)]
    pub out: PathBuf,
    /// Replace an existing books directory
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The model in use (a model directory, or DIR/champion)
    #[arg(long)]
    pub champion: PathBuf,
    /// The newly trained model
    #[arg(long)]
    pub challenger: PathBuf,
    #[command(flatten)]
    pub input: InputArgs,
    /// A scored parquet from the start of the period (migration from, backtest of)
    #[arg(long)]
    pub before: Option<PathBuf>,
    /// A scored parquet from now (migration to)
    #[arg(long)]
    pub after: Option<PathBuf>,
    /// Output directory for review.json and review.html
    #[arg(long)]
    pub out: PathBuf,
    /// Replace an existing output directory
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// The models folder
    #[arg(default_value = "models")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// The model directory to promote, e.g. models/2026q4
    pub model: PathBuf,
}

#[derive(Debug, Args, Clone)]
pub struct InputArgs {
    /// scorebook.toml
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Directory with accounts, opportunities and optional signals (.csv or .parquet)
    #[arg(long)]
    pub data: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the demo's data, model and scores
    #[arg(long, default_value = "scorebook-demo")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    #[arg(long)]
    pub out: PathBuf,
    /// Accounts in the universe
    #[arg(long, default_value_t = 5000)]
    pub accounts: usize,
    /// Accounts with CRM history (default: min(accounts, 5000))
    #[arg(long)]
    pub history_accounts: Option<usize>,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Planted model: `linear` signal counts, or `shapes` (presence,
    /// saturation, a near renewal known in advance; no recorded_date column)
    #[arg(long, value_enum, default_value_t = TruthArg::Linear)]
    pub truth: TruthArg,
    /// Plant champions who move: a contacts table whose won deals' contacts
    /// start at other accounts and raise the odds of their deals there
    #[arg(long)]
    pub champions: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TruthArg {
    Linear,
    Shapes,
    Curved,
}

#[derive(Debug, Args)]
pub struct FeaturesArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output file (.parquet or .csv)
    #[arg(long, required_unless_present_any = ["list", "moves"])]
    pub out: Option<PathBuf>,
    /// List the feature names (usable in rule predicates) and exit
    #[arg(long)]
    pub list: bool,
    /// Also write the champion-move signals derived from [input] contacts
    /// (account_id, date, recorded_date, signal, value) to this .parquet or
    /// .csv: add them to a warehouse's signals table for `export-sql`
    #[arg(long)]
    pub moves: Option<PathBuf>,
    /// With --moves: the universe the moves go into (its accounts' domains
    /// place contacts known only by an email), as `score --contacts` places them
    #[arg(long, requires = "moves")]
    pub universe: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Model directory to write, e.g. models/2025q3
    #[arg(long)]
    pub out: PathBuf,
    /// Replace an existing model directory
    #[arg(long)]
    pub force: bool,
    /// Train as of this past date (YYYY-MM-DD): only deals created and
    /// closed before it count, and the universe is taken as of it
    #[arg(long)]
    pub until: Option<String>,
    /// The universe that will be scored (file, directory, glob or hive
    /// folder): the tier cut-offs and fit / timing splits are set on it, as
    /// of the training date (default: the training export's accounts)
    #[arg(long)]
    pub universe: Option<PathBuf>,
    /// Signals of --universe, for its timing features (same forms)
    #[arg(long)]
    pub universe_signals: Option<PathBuf>,
    /// Contacts of --universe (as `score --contacts` will read them), for
    /// the moves into its accounts; default: the training contacts
    #[arg(long)]
    pub universe_contacts: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    #[arg(long)]
    pub model: PathBuf,
    /// Universe: a .parquet/.csv file, a directory of them, or a glob (with
    /// --opportunities: their accounts; omitted for a flat export, where
    /// each deal's row is its account)
    #[arg(long, required_unless_present = "opportunities")]
    pub universe: Option<PathBuf>,
    /// Open opportunities to score, a row each (a model with deal features)
    #[arg(long)]
    pub opportunities: Option<PathBuf>,
    /// Another export's config: its [columns] and [input] settings replace
    /// the model's for reading these files
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Signals for timing features: a .parquet/.csv file, a directory of them, or a glob
    #[arg(long)]
    pub signals: Option<PathBuf>,
    /// Contacts over time (a model trained with [input] contacts): people
    /// who were contacts on deals and start at another account give it a
    /// timing signal (champions who move)
    #[arg(long)]
    pub contacts: Option<PathBuf>,
    /// As-of date (YYYY-MM-DD) of the timing features; default today
    #[arg(long)]
    pub as_of: Option<String>,
    /// Output parquet file
    #[arg(long)]
    pub out: PathBuf,
    /// Rows per batch (memory is bounded by it)
    #[arg(long, default_value_t = 65_536)]
    pub batch_size: usize,
    /// Score only shard I of N (I/N, 0-based): by file, or by account_id hash for one file
    #[arg(long)]
    pub shard: Option<String>,
    /// Replace an existing output file
    #[arg(long)]
    pub force: bool,
    /// Keep every account's timing features in memory up to this many
    /// accounts (universe or signal rows); beyond, a universe sorted by
    /// account_id is scored a range of accounts at a time, the signals
    /// written into ranges on disk first (memory bounded by a range)
    #[arg(long, default_value_t = scorebook::scoring::SNAPSHOT_ACCOUNTS)]
    pub snapshot_accounts: usize,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[arg(long)]
    pub model: PathBuf,
    /// Another model directory to compare with (champion vs challenger)
    #[arg(long)]
    pub compare: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExportCrmArgs {
    /// A scored parquet (`scorebook score --out`)
    #[arg(long)]
    pub scores: PathBuf,
    /// salesforce: a Bulk API 2.0 / Data Loader upsert CSV; hubspot: a
    /// company import CSV
    #[arg(long, value_enum)]
    pub target: CrmTargetArg,
    /// The CSV to write; an export over the size limit is split into
    /// NAME-1.csv, NAME-2.csv, ... (each with the header), listed on stdout
    #[arg(long)]
    pub out: PathBuf,
    /// An earlier scored parquet: write only the accounts that are new or
    /// whose tier, quadrant or score band ([crm] score_band) changed
    #[arg(long)]
    pub changed_since: Option<PathBuf>,
    /// A scorebook.toml whose [crm] section names the key and fields
    /// (default: the model's, with --model; else the defaults)
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The model that scored the file: its config's [crm] section
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// The accounts (file, directory or glob), for a HubSpot export keyed
    /// by Company Domain Name: each account's `domain`
    #[arg(long)]
    pub universe: Option<PathBuf>,
    /// Replace existing output files
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CrmTargetArg {
    Salesforce,
    Hubspot,
}

#[derive(Debug, Args)]
pub struct ExportSqlArgs {
    #[arg(long)]
    pub model: PathBuf,
    /// ansi, duckdb, spark or snowflake. Every dialect returns the
    /// columns `score` writes, but ANSI SQL cannot format numbers the
    /// same way everywhere: its export has no reason_1..3 (use duckdb,
    /// spark or snowflake for them)
    #[arg(long, default_value = "ansi")]
    pub dialect: String,
    /// As-of date (YYYY-MM-DD) written into the SQL; default today
    #[arg(long)]
    pub as_of: Option<String>,
    #[arg(long, default_value = "universe")]
    pub universe_table: String,
    #[arg(long, default_value = "signals")]
    pub signals_table: String,
}
