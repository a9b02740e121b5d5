use crate::cli::DemoArgs;
use scorebook::config::Config;
use scorebook::error::Result;
use scorebook::model::Model;
use scorebook::scoring::{self, ScoreOptions};
use scorebook::synth::{self, SynthOptions};

/// synth -> validate -> features -> train -> score -> report, printing where each output is.
pub fn run(a: &DemoArgs) -> Result<()> {
    let started = std::time::Instant::now();
    let data = a.dir.join("data");
    eprintln!("1/6 synth: writing a synthetic CRM to {}", data.display());
    let s = synth::write(
        &data,
        &SynthOptions {
            accounts: 20_000,
            history_accounts: 2_500,
            seed: 7,
            truth: synth::Truth::Linear,
        },
    )?;
    eprintln!(
        "    {} accounts, {} opportunities, {} signals, universe of {}",
        s.accounts, s.opportunities, s.signals, s.universe
    );
    let cfg = Config::load(&data.join("scorebook.toml"))?;
    eprintln!("2/6 validate");
    let (ds, q) = scorebook::input::load(&cfg)?;
    eprint!("{}", q.render());
    q.into_result()?;
    eprintln!("3/6 features");
    let spec = scorebook::features::FeatureSpec::learn(&ds, &cfg);
    let mut df = scorebook::features::training_table(&ds, &spec)?.to_frame()?;
    let feat = a.dir.join("features.parquet");
    super::features::write_frame(&mut df, &feat)?;
    eprintln!(
        "    {}: {} rows x {} columns",
        feat.display(),
        df.height(),
        df.width()
    );
    eprintln!("4/6 train");
    let model_dir = a.dir.join("models").join("demo");
    let (m, e) = super::train::train_loaded(&ds, &cfg, &model_dir, true)?;
    super::train::print_summary(&m, &e, &model_dir);
    eprintln!("5/6 score");
    let out = a.dir.join("scores.parquet");
    let model = Model::load(&model_dir)?;
    let o = ScoreOptions {
        universe: data.join("universe.parquet"),
        signals: Some(data.join("signals.parquet")),
        as_of: scorebook::input::read::parse_date(synth::AS_OF).unwrap_or_default(),
        out: out.clone(),
        batch_size: 65_536,
        shard: None,
    };
    let sm = scoring::score(&model, &o)?;
    eprintln!("    {} accounts scored as of {}", sm.rows, synth::AS_OF);
    eprintln!("6/6 report");
    println!("data:     {}", data.display());
    println!("features: {}", feat.display());
    println!("model:    {}", model_dir.display());
    println!("report:   {}", model_dir.join("report.html").display());
    println!("scores:   {}", out.display());
    eprintln!("demo finished in {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}
