//! `train_on` as a short sequence of named stages, each taking and
//! returning plain typed values: prepare (feature spec, table, split,
//! design, rules), search (penalty, smoothing, pairs), final fit, stack
//! (hybrid, calibration, rules baseline), assemble, cut tiers, evaluate.
//! A new stage is one function here.

use super::*;

pub fn train_on(
    ds: &Dataset,
    cfg: &Config,
    name: &str,
    universe: Option<UniverseScorer>,
) -> Result<(Model, Evaluation)> {
    if ds.dateless() && !ds.signals.is_empty() {
        return Err(Error::data(
            "opportunities",
            "signals are counted as of each deal's created_date, and no deal has one: add created dates to the export, or train without signals",
        ));
    }
    let p = prepare(ds, cfg)?;
    let searched = search(&p, cfg)?;
    let fitted = final_fit(&p, searched, cfg)?;
    let stacked = stack(&p, &fitted.eta_va, cfg)?;
    let (potential, potential_report) =
        crate::model::potential::train(&p.tt, &fitted.terms, &p.spec, (&p.tr, &p.va, &p.te))?
            .unzip();
    if cfg.tiers.by == crate::config::TierBy::ExpectedValue && potential.is_none() {
        return Err(Error::config(
            "tiers",
            format!("by = \"expected_value\" ranks tiers by a won deal's expected amount, and the export has too few won deals with an amount to fit one (at least {} in the train and validation periods): add amounts, or rank by probability", crate::model::potential::MIN_WON_AMOUNTS),
        ));
    }
    let mut model = assemble(ds, cfg, name, &p, &fitted, &stacked)?;
    model.potential = potential;
    let universe = cut_tiers(&mut model, ds, cfg, universe)?;
    let mut eval = evaluate(&model, cfg, &p, &universe, fitted.record, stacked.choice)?;
    eval.potential = potential_report;
    model
        .check()
        .map_err(|e| Error::Fit(format!("the fitted model is not usable: {e}")))?;
    Ok((model, eval))
}

/// The training deals as every later stage reads them: the feature spec
/// and table, the split into train, validation and test rows, the
/// candidate terms and the rules' result on each deal.
struct Prepared {
    spec: FeatureSpec,
    tt: TrainingTable,
    /// How the deals were split, and the periods.
    split: String,
    periods: Vec<Period>,
    tr: Vec<usize>,
    va: Vec<usize>,
    te: Vec<usize>,
    /// Train then validation rows: the deals the shipped model is fitted on.
    fit_rows: Vec<usize>,
    terms: Vec<Term>,
    rules: rules::RuleResult,
    rule_notes: Vec<String>,
}

/// Stage 1: feature spec, training table, split, design, rules.
fn prepare(ds: &Dataset, cfg: &Config) -> Result<Prepared> {
    let spec = FeatureSpec::learn(ds, cfg);
    let mut tt = features::training_table(ds, &spec)?;
    let (split, [tr, va, te], periods) = split_deals(&mut tt, cfg)?;
    if let Some(bad) = cfg
        .features
        .axes
        .keys()
        .find(|k| tt.features.get(k).is_none())
    {
        return Err(Error::config(
            "[features.axes]",
            format!("`{bad}` is not a feature; `scorebook features --list` names them all"),
        ));
    }
    let fit_rows: Vec<usize> = tr.iter().chain(&va).copied().collect();
    let terms = design_terms(
        &tt.features,
        &fit_rows,
        &spec,
        &cfg.features.axes,
        &tt.label,
        &cfg.model,
    )?;
    if terms.is_empty() {
        return Err(Error::data(
            "accounts",
            "no feature varies across the training deals; nothing to learn from",
        ));
    }
    check_monotone(&tt.features, &terms, &cfg.model)?;
    let (rules, rule_notes) = training_rules(cfg, &spec, &tt)?;
    Ok(Prepared {
        spec,
        tt,
        split,
        periods,
        tr,
        va,
        te,
        fit_rows,
        terms,
        rules,
        rule_notes,
    })
}

/// Every `[model] monotone` key names a numeric feature (or one whose log
/// the model reads), and the solver can hold signs.
fn check_monotone(
    table: &features::FeatureTable,
    terms: &[Term],
    m: &crate::config::ModelConfig,
) -> Result<()> {
    for key in m.monotone.keys() {
        let found = [key.clone(), format!("log_{key}")]
            .into_iter()
            .find_map(|n| table.get(&n).map(|v| (n, v)));
        let problem = match found {
            None => format!("`{key}` is not a feature; `scorebook features --list` names them all"),
            Some((n, features::Values::Text(_))) => format!(
                "`{n}` is text: only a numeric feature can be held increasing or decreasing"
            ),
            Some(_)
                if terms
                    .iter()
                    .any(|t| t.sign != 0 && m.monotone_key(&t.source).is_some_and(|k| k.0 == key)) =>
            {
                continue
            }
            Some((n, _)) => format!(
                "`{n}` enters no term of the model (it does not vary across the training deals, or the model reads it through another feature): name a feature `scorebook features --list` shows that the model reads"
            ),
        };
        return Err(Error::config("[model] monotone", problem));
    }
    if !m.monotone.is_empty() && m.solver == crate::config::Solver::Lbfgs {
        return Err(Error::config(
            "[model] monotone",
            "monotone shapes need solver = \"newton\" (L-BFGS cannot hold a sign)",
        ));
    }
    Ok(())
}

/// What the searches chose and tried, for the report.
struct SearchRecord {
    penalty_path: Vec<(f64, f64)>,
    smoothing: Vec<(f64, f64)>,
    pairs_tried: Vec<String>,
    fit_warnings: Vec<String>,
}

/// The penalty, the smoothing and the pairs chosen on the search rows,
/// with the fit that chose them.
struct Searched {
    c: f64,
    terms: Vec<Term>,
    fit: FittedLogistic,
    record: SearchRecord,
}

/// The fit's settings at penalty `c` (scikit-learn's C), named for its
/// errors, with the monotone sources' terms (the first of the design) held
/// to their signs.
fn params(cfg: &Config, p: &Prepared, c: f64, what: String) -> LogisticParams {
    LogisticParams::new(c)
        .name(what)
        .solver(cfg.model.solver)
        .max_iterations(cfg.model.max_iterations)
        .signs(p.terms.iter().map(|t| t.sign).collect())
}

/// Stage 2: the penalty on the validation period, then how smooth the
/// learned shapes are, then a few pairs on the main effects, each kept only
/// if validation says so. All on at most SEARCH_ROWS train and
/// SEARCH_ROWS / 2 validation deals (every k-th: all periods' days).
fn search(p: &Prepared, cfg: &Config) -> Result<Searched> {
    let y = &p.tt.label;
    let (s_tr, s_va) = (thin(&p.tr, SEARCH_ROWS), thin(&p.va, SEARCH_ROWS / 2));
    let search_rows: Vec<usize> = s_tr.iter().chain(&s_va).copied().collect();
    // train and validation are adjacent: one matrix, two views
    let x_search: ndarray::Array2<f64> = matrix(&p.tt.features, &p.terms, &search_rows)?;
    let (x_tr, x_va) = x_search.view().split_at(ndarray::Axis(0), s_tr.len());
    let (y_tr, y_va) = (pick(y, &s_tr), pick(y, &s_va));
    let names: Vec<String> = p.terms.iter().map(|t| t.name.clone()).collect();
    let mut fit_warnings = vec![];
    let ((c, _, best_fit), penalty_path) = choose_penalty(
        (x_tr, x_va),
        (&y_tr, &y_va),
        &names,
        &cfg.model.c_grid,
        &|c, what| params(cfg, p, c, what),
        &mut fit_warnings,
    )?;
    let clock = std::time::Instant::now();
    let (mut terms, mut x_search, mut best_fit) = (p.terms.clone(), x_search, best_fit);
    let smoothing = smoothing::choose(
        &mut x_search,
        &mut terms,
        &mut best_fit,
        (&y_tr, &y_va),
        &|what| params(cfg, p, c, what),
    )?;
    let mut fitted = interactions::Fitted {
        terms,
        x: x_search,
        fit: best_fit,
        validation: smoothing.validation,
        scale: smoothing.scale,
    };
    let pairs_tried = interactions::add_pairs(
        &mut fitted,
        &p.tt.features,
        &search_rows,
        (&y_tr, &y_va),
        cfg.model.pairs,
        &|what| params(cfg, p, c, what),
    )?;
    tracing::info!(
        seconds = clock.elapsed().as_secs_f64(),
        "smoothing and pairs"
    );
    Ok(Searched {
        c,
        terms: fitted.terms,
        fit: fitted.fit,
        record: SearchRecord {
            penalty_path,
            smoothing: smoothing.path,
            pairs_tried,
            fit_warnings,
        },
    })
}

/// The shipped fit: its terms (coefficients and standard errors set) and
/// intercept, and the search fit's linear predictor on every validation
/// deal (for the hybrid stack).
struct Fitted {
    c: f64,
    terms: Vec<Term>,
    intercept: f64,
    eta_va: Vec<f64>,
    record: SearchRecord,
}

/// Stage 3: the final fit on every train and validation deal (the design
/// in f32: half the memory, and far more precise than the data), warm
/// started from the search's fit at the chosen C.
fn final_fit(p: &Prepared, s: Searched, cfg: &Config) -> Result<Fitted> {
    let Searched {
        c,
        mut terms,
        fit,
        mut record,
    } = s;
    let x_fit: ndarray::Array2<f32> = matrix(&p.tt.features, &terms, &p.fit_rows)?;
    let eta_va = fit
        .linear_predictor(&x_fit.slice(ndarray::s![p.tr.len().., ..]))
        .to_vec();
    let clock = std::time::Instant::now();
    let names: Vec<String> = terms.iter().map(|t| t.name.clone()).collect();
    let refit = params(cfg, p, c, format!("the final fit at C = {c}")).warm_start(
        fit.intercept,
        fit.coefficients.as_slice().unwrap_or_default(),
    );
    let fitted = logistic::fit(refit, x_fit.view(), &pick(&p.tt.label, &p.fit_rows), &names)?;
    record.fit_warnings.extend(fitted.warning.clone());
    tracing::info!(
        seconds = clock.elapsed().as_secs_f64(),
        rows = p.fit_rows.len(),
        iterations = fitted.iterations,
        c,
        "final fit"
    );
    let se = logistic::standard_errors(x_fit.view(), &fitted, c);
    for (j, (t, coef)) in terms.iter_mut().zip(&fitted.coefficients).enumerate() {
        t.coef = *coef;
        t.std_error = se.as_ref().map_or(f64::NAN, |s| s[j + 1]);
    }
    Ok(Fitted {
        c,
        terms,
        intercept: fitted.intercept,
        eta_va,
        record,
    })
}

/// The hybrid with the rules, its calibration and the rules alone, fitted
/// on the validation period.
struct Stacked {
    hybrid: Hybrid,
    calibration: Calibration,
    choice: CalibrationChoice,
    rules_baseline: [f64; 2],
}

/// Stage 4: hybrid stack, calibration and rules baseline on the validation
/// deals.
fn stack(p: &Prepared, eta_va: &[f64], cfg: &Config) -> Result<Stacked> {
    let y_va = pick(&p.tt.label, &p.va);
    let pts_va = pick(&p.rules.points, &p.va);
    let hybrid = fit_hybrid(eta_va, &pts_va, &y_va, cfg.model.rule_weight)?;
    let (calibration, choice) =
        choose_calibration(eta_va, &pts_va, &y_va, &hybrid, cfg.model.rule_weight)?;
    let rules_baseline = if pts_va.iter().any(|x| *x != pts_va[0]) {
        let b = small_fit("rules baseline", &[&pts_va], None, &y_va)?;
        [b[0], b[1]]
    } else {
        let rate = y_va.iter().filter(|v| **v == 1).count() as f64 / y_va.len() as f64;
        [(rate / (1.0 - rate)).ln(), 0.0]
    };
    Ok(Stacked {
        hybrid,
        calibration,
        choice,
        rules_baseline,
    })
}

/// Stage 5: the model as `model.json` holds it (tiers and percentiles not
/// set yet), with its fingerprint and version.
fn assemble(
    ds: &Dataset,
    cfg: &Config,
    name: &str,
    p: &Prepared,
    f: &Fitted,
    s: &Stacked,
) -> Result<Model> {
    let n = p.tt.label.len();
    let won = p.tt.label.iter().filter(|v| **v == 1).count();
    let mut model = Model {
        format_version: FORMAT_VERSION,
        model_version: String::new(),
        crate_version: env!("CARGO_PKG_VERSION").to_string(),
        config: kept_config(cfg, ds),
        spec: p.spec.clone(),
        terms: f.terms.clone(),
        intercept: f.intercept,
        penalty_c: f.c,
        hybrid: s.hybrid.clone(),
        calibration: s.calibration.clone(),
        rules_baseline: s.rules_baseline,
        tier_cutoffs: [1.0, 1.0],
        fit_quantiles: vec![],
        timing_quantiles: vec![],
        won_history: features::won_history(ds),
        deal_history: if ds.files.contacts.is_some() {
            features::movers::deal_history(&ds.opportunities)
        } else {
            Default::default()
        },
        history_domains: history_domains(ds),
        potential: None,
        training: TrainingInfo {
            created_at: chrono::Utc::now().to_rfc3339(),
            fingerprint: String::new(),
            files: file_infos(ds)?,
            closed_deals: n,
            won,
            lost: n - won,
            periods: p.periods.clone(),
            universe_as_of: format_days(ds.as_of()),
            universe_accounts: ds.accounts.len(),
            until: ds.until.map(format_days),
            split: p.split.clone(),
            cutoffs_set_on: String::new(),
            cutoff_shares: [0.0; 2],
            cutoff_accounts: 0,
        },
    };
    model.training.fingerprint = fingerprint(&model);
    model.model_version = format!("{name}@{}", &model.training.fingerprint[..8]);
    Ok(model)
}

/// The training export's accounts as of the training day, through the one
/// predict path `score` uses.
struct TrainingUniverse {
    table: FeatureTable,
    accounts: Prediction,
}

/// Stage 6: the tier cut-offs and the fit / timing percentiles, frozen on
/// the universe that will be scored (`train --universe`), else on the
/// training export's accounts.
fn cut_tiers(
    model: &mut Model,
    ds: &Dataset,
    cfg: &Config,
    universe: Option<UniverseScorer>,
) -> Result<TrainingUniverse> {
    let as_of = ds.as_of();
    let (table, _) = features::with_signal_table(
        &ds.accounts,
        &vec![as_of; ds.accounts.len()],
        (&vec![], &vec![]),
        &ds.signals,
        &model.spec,
        &model.won_history,
    )?;
    let accounts = model.predict(&table)?;
    let cut_on = match universe {
        Some(score) => score(model)?,
        None => {
            let mut u = UniverseScores {
                source: format!(
                    "the {} accounts of the training export as of {}",
                    ds.accounts.len(),
                    format_days(as_of)
                ),
                ..Default::default()
            };
            u.add(&accounts);
            u
        }
    };
    if cut_on.fit.is_empty() {
        return Err(Error::data(
            "--universe",
            "the universe has no accounts to set the tier cut-offs on",
        ));
    }
    model.fit_quantiles = quantiles(&cut_on.fit);
    model.timing_quantiles = quantiles(&cut_on.timing);
    model.tier_cutoffs = match &cfg.tiers.cutoffs {
        Some(c) => [c[0], c[1]],
        None => {
            let s = &cfg.tiers.shares;
            [
                tier_cutoff(&cut_on.eligible, s[0]),
                tier_cutoff(&cut_on.eligible, s[0] + s[1]),
            ]
        }
    };
    let share_from = |c: f64| {
        cut_on.eligible.iter().filter(|p| **p >= c).count() as f64
            / cut_on.eligible.len().max(1) as f64
    };
    let [c1, c2] = model.tier_cutoffs;
    model.training.cutoff_shares = [share_from(c1), share_from(c2) - share_from(c1)];
    model.training.cutoffs_set_on = cut_on.source.clone();
    model.training.cutoff_accounts = cut_on.fit.len();
    Ok(TrainingUniverse { table, accounts })
}

/// Stage 7: the held-out evaluation (metrics, comparisons, calibration,
/// importance, warnings and notes) and the segment and capacity plans.
fn evaluate(
    model: &Model,
    cfg: &Config,
    p: &Prepared,
    u: &TrainingUniverse,
    record: SearchRecord,
    calibration_choice: CalibrationChoice,
) -> Result<Evaluation> {
    let y = &p.tt.label;
    let y_te = pick(y, &p.te);
    let fit_rate =
        p.fit_rows.iter().filter(|&&r| y[r] == 1).count() as f64 / p.fit_rows.len() as f64;
    // the held-out deals only (index k of `deals` is deal te[k])
    let held_out = p.tt.features.take(&p.te);
    let deals = model.predict(&held_out)?;
    let (p_model, p_hybrid) = (&deals.model_probability, &deals.probability);
    let p_rules: Vec<f64> = deals
        .rules
        .points
        .iter()
        .map(|x| model.rules_probability(*x))
        .collect();
    let (planning, segment_tests) = plans(model, cfg, p, u, &deals)?;
    let min_rows = cfg.features.min_industry_accounts;
    Ok(Evaluation {
        segment_tests,
        rules: metrics::evaluate(&p_rules, &y_te),
        model: metrics::evaluate(p_model, &y_te),
        hybrid: metrics::evaluate(p_hybrid, &y_te),
        comparisons: vec![
            Comparison::of("hybrid", "rules", p_hybrid, &p_rules, &y_te),
            Comparison::of("hybrid", "model", p_hybrid, p_model, &y_te),
        ],
        against_chance: [
            ("rules", &p_rules),
            ("model", p_model),
            ("hybrid", p_hybrid),
        ]
        .into_iter()
        .map(|(name, x)| Comparison::of(name, "chance", x, &vec![fit_rate; y_te.len()], &y_te))
        .collect(),
        leakage_warnings: leakage_warnings(
            &p.tt,
            &p.fit_rows,
            &model.terms,
            &[&cfg.features.extra[..], &cfg.features.deal[..]].concat(),
        )?,
        rules_configured: !(cfg.rules.is_empty() && cfg.disqualifiers.is_empty()),
        calibration_choice,
        penalty_path: record.penalty_path,
        planning,
        calibration: metrics::reliability(p_hybrid, &y_te, 10),
        permutation_importance: permutation_importance(
            model,
            &held_out,
            &y_te,
            &shuffled_rows(p.te.len()),
        )?,
        fit_warnings: record.fit_warnings,
        pairs_tried: record.pairs_tried,
        smoothing: record.smoothing,
        potential: None,
        shapes: shapes::curves(model, &p.tt.features, &p.fit_rows),
        pair_tables: shapes::pair_tables(model),
        notes: unused_signal_types(&model.spec, &model.terms)
            .into_iter()
            .chain(few_held_out(&model.training.periods))
            .chain(model.spec.extra.unlearned_notes(min_rows))
            .chain(model.spec.deal.unlearned_notes(min_rows))
            .chain(model.spec.dropped_signal_note())
            .chain(p.rule_notes.iter().cloned())
            .collect(),
    })
}

/// The segment and capacity plan of the training universe (tiers and
/// quadrants of its accounts, win rates of the held-out deals `deals`), and
/// the segments' tests on every closed deal.
fn plans(
    model: &Model,
    cfg: &Config,
    p: &Prepared,
    u: &TrainingUniverse,
    deals: &Prediction,
) -> Result<(Planning, segments::SegmentTests)> {
    let (y, n) = (&p.tt.label, p.tt.label.len());
    let (lin, urr, probs) = (
        &u.accounts.linear,
        &u.accounts.rules,
        &u.accounts.tier_value,
    );
    let tiers: Vec<&'static str> = (0..u.table.rows())
        .map(|r| model.tier(probs[r], urr.disqualified[r].is_some()))
        .collect();
    let quadrants: Vec<&'static str> = (0..u.table.rows())
        .map(|r| model.quadrant(lin.fit[r], lin.timing[r]).2)
        .collect();
    let test_rows: Vec<planning::TestRow> =
        p.te.iter()
            .enumerate()
            .map(|(k, &r)| {
                (
                    model.tier(deals.tier_value[k], deals.rules.disqualified[k].is_some()),
                    model
                        .quadrant(deals.linear.fit[k], deals.linear.timing[k])
                        .2,
                    y[r] == 1,
                )
            })
            .collect();
    let deal_segment = segment_keys(&p.tt.features, &cfg.features.segment_axes)?;
    let universe_segment = segment_keys(&u.table, &cfg.features.segment_axes)?;
    let amounts = planning::won_amounts((0..n).map(|r| {
        (
            deal_segment[r].as_str(),
            y[r] == 1,
            p.tt.amount[r].unwrap_or(f64::NAN),
        )
    }));
    let plan = planning::plan(
        &planning::UniverseRows {
            segment: &universe_segment,
            probability: probs,
            tier: &tiers,
            quadrant: &quadrants,
        },
        &test_rows,
        &amounts,
        &cfg.capacity,
    );
    let (names, counts) = segments::tally((0..n).map(|r| (deal_segment[r].as_str(), y[r] == 1)));
    let tests = segments::SegmentTests {
        axes: cfg.features.segment_axes.clone(),
        ..segments::analyze(&names, &counts)
    };
    Ok((plan, tests))
}
