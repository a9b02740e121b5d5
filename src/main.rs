//! Thin binary: parse arguments, run the command, map errors to exit codes
//! (0 success, 1 bad input or data, 2 usage error or internal failure).

mod cli;
mod commands;

use clap::Parser;
use cli::{Cli, Command};

/// mimalloc, as Polars recommends. `score` tells it never to hand freed
/// memory back to the kernel: every batch allocates and frees buffers of
/// the same sizes, and memory handed back is faulted in and zeroed again
/// (measured at 1M accounts: 42% of the snapshot's time went to clearing
/// pages). `train` keeps the default: its joins peak once, and memory
/// kept raised its peak from 3.8 to 4.2 GB.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

extern "C" {
    /// mimalloc's `mi_option_set` (in the library the allocator links).
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}
/// `mi_option_purge_delay` in mimalloc 3's `mi_option_e` (-1: never purge).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

#[cfg(unix)]
extern "C" {
    /// libc's `signal`, to give SIGPIPE back its default action.
    fn signal(signum: std::ffi::c_int, handler: usize) -> usize;
}

fn main() {
    // Rust ignores SIGPIPE, so `export-sql | head -1` would fail writing to
    // the closed pipe; like other Unix tools, end quietly instead.
    // SAFETY: restores the default action (SIG_DFL, 0) of SIGPIPE (13)
    // before any thread starts.
    #[cfg(unix)]
    unsafe {
        signal(13, 0);
    }
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SCOREBOOK_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_ansi(std::env::var_os("NO_COLOR").is_none())
        .init();
    let cli = Cli::parse();
    // a panic is a bug: say so as an internal error (exit 2), never exit 101
    // with a backtrace (the readers turn a damaged file's panics into errors)
    static WHERE: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);
    std::panic::set_hook(Box::new(|info| {
        if let (Some(l), Ok(mut w)) = (info.location(), WHERE.lock()) {
            w.get_or_insert_with(|| format!("{}:{}", l.file(), l.line()));
        }
    }));
    let result = std::panic::catch_unwind(|| run(&cli)).unwrap_or_else(|payload| {
        let msg = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown".into());
        let at = WHERE.lock().ok().and_then(|w| w.clone()).unwrap_or_default();
        Err(scorebook::error::Error::Internal(format!(
            "scorebook failed unexpectedly ({msg} at {at}); please report it with the command you ran"
        )))
    });
    if let Err(e) = result {
        eprintln!("error: {e}");
        if let Some(h) = e.hint() {
            eprintln!("hint: {h}");
        }
        std::process::exit(e.exit_code());
    }
}

fn run(cli: &Cli) -> scorebook::error::Result<()> {
    match &cli.command {
        Command::Demo(a) => commands::demo::run(a),
        Command::Synth(a) => commands::synth::run(a),
        Command::Validate(a) => commands::validate::run(a),
        Command::Features(a) => commands::features::run(a),
        Command::Train(a) => commands::train::run(a),
        Command::Score(a) => {
            // SAFETY: sets a global option of the allocator this binary
            // links; it takes any value and may be set at any time.
            unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
            commands::score::run(a)
        }
        Command::Report(a) => commands::report::run(a),
        Command::ExportSql(a) => commands::export_sql::run(a),
        Command::ExportCrm(a) => commands::export_crm::run(a),
        Command::Books(a) => commands::books::run(a),
        Command::Review(a) => commands::review::run(a),
        Command::Models(a) => commands::models::run(a),
        Command::Promote(a) => commands::models::promote(a),
    }
}
