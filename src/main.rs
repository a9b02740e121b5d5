//! Thin binary: parse arguments, run the command, map errors to exit codes
//! (0 success, 1 bad input or data, 2 usage error or internal failure).

mod cli;
mod commands;

use clap::Parser;
use cli::{Cli, Command};

fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SCOREBOOK_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_ansi(std::env::var_os("NO_COLOR").is_none())
        .init();
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Demo(a) => commands::demo::run(a),
        Command::Synth(a) => commands::synth::run(a),
        Command::Validate(a) => commands::validate::run(a),
        Command::Features(a) => commands::features::run(a),
        Command::Train(a) => commands::train::run(a),
        Command::Score(a) => commands::score::run(a),
        Command::Report(a) => commands::report::run(a),
        Command::ExportSql(a) => commands::export_sql::run(a),
        Command::Review(a) => commands::review::run(a),
        Command::Models(a) => commands::models::run(a),
        Command::Promote(a) => commands::models::promote(a),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        if let Some(h) = e.hint() {
            eprintln!("hint: {h}");
        }
        std::process::exit(e.exit_code());
    }
}
