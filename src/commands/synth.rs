use crate::cli::SynthArgs;
use scorebook::error::Result;
use scorebook::synth::{self, SynthOptions};

pub fn run(a: &SynthArgs) -> Result<()> {
    let o = SynthOptions {
        accounts: a.accounts,
        history_accounts: a.history_accounts.unwrap_or(a.accounts.min(5000)),
        seed: a.seed,
        champions: a.champions,
        truth: match a.truth {
            crate::cli::TruthArg::Linear => synth::Truth::Linear,
            crate::cli::TruthArg::Shapes => synth::Truth::Shapes,
            crate::cli::TruthArg::Curved => synth::Truth::Curved,
        },
    };
    let s = synth::write(&a.out, &o)?;
    eprintln!(
        "wrote {}: {} accounts, {} opportunities, {} signals, universe of {} (score it as of {})",
        a.out.display(),
        s.accounts,
        s.opportunities,
        s.signals,
        s.universe,
        synth::AS_OF
    );
    Ok(())
}
