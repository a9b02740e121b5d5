//! The human report and the model directory's tables: `metrics.json`,
//! `importance.csv`, `calibration.csv` and a self-contained `report.html`
//! (inline SVG, no network needed to view it).

use std::fmt::Write;

pub mod charts;
pub(crate) mod templates;

use charts::{bars, xy, Scale, Series};

use crate::model::train::{Comparison, Evaluation};
use crate::model::Model;

/// The pages' shared style sheet (the report and the quarterly review).
pub(crate) const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th:first-child,td:first-child{text-align:left}.headline{font-size:1.2em;padding:1em;background:#f3f6fa;border-left:4px solid #1565c0}figure{display:inline-block;margin:1em}td.quad{text-align:center;width:14em;height:5em}.flag-significant{background:#ffebee}.flag-moderate{background:#fff8e1}";

pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn metrics_json(e: &Evaluation) -> Vec<u8> {
    serde_json::to_vec_pretty(e).unwrap_or_default()
}

/// Per term: coefficients on both scales, standard error and 95% interval
/// (Fisher information of the penalized fit), odds ratio per original unit
/// with its interval, and the permutation importance of its source feature.
pub fn importance_csv(m: &Model, e: &Evaluation) -> Vec<u8> {
    const HEADER: [&str; 16] = [
        "feature",
        "source",
        "axis",
        "coefficient",
        "std_coefficient",
        "std_error",
        "ci_low",
        "ci_high",
        "odds_ratio",
        "odds_ratio_low",
        "odds_ratio_high",
        "permutation_auc_drop",
        "permutation_log_loss_increase",
        "mean",
        "std",
        "level",
    ];
    let mut terms: Vec<_> = m.terms.iter().collect();
    terms.sort_by(|a, b| b.coef.abs().total_cmp(&a.coef.abs()));
    let rows = terms.into_iter().map(|t| {
        let (c, se) = (t.coef_original(), t.std_error / t.std);
        let (lo, hi) = (c - 1.96 * se, c + 1.96 * se);
        let perm = e
            .permutation_importance
            .iter()
            .find(|p| p.feature == t.source);
        // names and levels come from the export: text cells
        let mut row = vec![(t.name.clone(), true), (t.source.clone(), true)];
        row.push((format!("{:?}", t.axis).to_lowercase(), false));
        for x in [
            c,
            t.coef,
            se,
            lo,
            hi,
            c.exp(),
            lo.exp(),
            hi.exp(),
            perm.map_or(f64::NAN, |p| p.auc_drop),
            perm.map_or(f64::NAN, |p| p.log_loss_increase),
            t.mean,
            t.std,
        ] {
            row.push((format!("{x:.10}"), false));
        }
        row.push((t.level().unwrap_or("").to_string(), true));
        row
    });
    crate::csv_out::table(&HEADER, rows)
}

pub fn calibration_csv(e: &Evaluation) -> Vec<u8> {
    let mut s = String::from("bin_lower,bin_upper,count,mean_predicted,observed_rate,observed_lower_95,observed_upper_95\n");
    for b in &e.calibration {
        writeln!(
            s,
            "{:.2},{:.2},{},{:.6},{:.6},{:.6},{:.6}",
            b.lower,
            b.upper,
            b.count,
            b.mean_predicted,
            b.observed,
            b.observed_lower,
            b.observed_upper
        )
        .ok();
    }
    s.into_bytes()
}

/// Rows a long table shows before folding the rest (what matters first).

/// Each learned shape drawn, and each pair as a heat table.
fn shapes_section(e: &Evaluation) -> String {
    if e.shapes.is_empty() && e.pair_tables.is_empty() {
        return String::new();
    }
    let mut s = String::from("<h3>Shapes</h3><p>How each number moves the odds over the values the fitted deals had (the middle 96%), against the average deal; the log-odds of all shapes, levels and pairs add up to the score.</p>");
    for c in &e.shapes {
        s += &shape_chart(c, ShapeOf::Odds);
    }
    for t in &e.pair_tables {
        s += &charts::heat_table(
            &format!("Pair {}: odds beyond the two effects alone", t.source),
            &t.rows,
            &t.columns,
            &t.cells,
        );
    }
    s
}

/// Lift by decile of `scorers` (name, lift per decile), decile 1 the highest scores.
pub(crate) fn lift_chart(title: &str, scorers: &[(&str, &[f64])]) -> String {
    let series: Vec<Series> = scorers
        .iter()
        .map(|(name, v)| Series {
            name,
            points: v
                .iter()
                .enumerate()
                .map(|(i, l)| ((i + 1) as f64, *l))
                .collect(),
            dots: false,
        })
        .collect();
    let top = scorers
        .iter()
        .flat_map(|(_, v)| v.iter())
        .fold(1.0_f64, |a, b| a.max(*b))
        * 1.1;
    let n = scorers
        .iter()
        .map(|(_, v)| v.len())
        .max()
        .unwrap_or(10)
        .max(2);
    xy(
        title,
        &series,
        &Scale {
            title: "decile (1 = highest scores)",
            min: 1.0,
            max: n as f64,
            label: &charts::tick,
            ticks: Some((1..=n).map(|d| d as f64).collect()),
        },
        &Scale {
            title: "lift (win rate / average)",
            min: 0.0,
            max: top,
            label: &|v| format!("{}\u{d7}", charts::tick(v)),
            ticks: None,
        },
        None,
    )
}

fn gains_chart(e: &Evaluation, rules_name: &str) -> String {
    let series: Vec<Series> = [
        (rules_name, &e.rules.cumulative_gains),
        ("model", &e.model.cumulative_gains),
        ("hybrid", &e.hybrid.cumulative_gains),
    ]
    .into_iter()
    .map(|(name, v)| {
        let n = v.len().max(1) as f64;
        Series {
            name,
            points: std::iter::once((0.0, 0.0))
                .chain(v.iter().enumerate().map(|(i, g)| ((i + 1) as f64 / n, *g)))
                .collect(),
            dots: false,
        }
    })
    .collect();
    let percent = |v: f64| format!("{:.0}%", 100.0 * v);
    xy(
        "Cumulative gains (share of wins in the top deciles)",
        &series,
        &Scale {
            title: "share of deals, highest scores first",
            min: 0.0,
            max: 1.0,
            label: &percent,
            ticks: None,
        },
        &Scale {
            title: "share of wins",
            min: 0.0,
            max: 1.0,
            label: &percent,
            ticks: None,
        },
        Some("random order"),
    )
}

fn reliability_chart(e: &Evaluation) -> String {
    let series = [Series {
        name: "hybrid (deals binned by predicted probability)",
        points: e
            .calibration
            .iter()
            .map(|b| (b.mean_predicted, b.observed))
            .collect(),
        dots: true,
    }];
    let scale = |title| Scale {
        title,
        min: 0.0,
        max: 1.0,
        label: &charts::tick,
        ticks: None,
    };
    xy(
        "Reliability (hybrid, held-out period)",
        &series,
        &scale("predicted probability"),
        &scale("observed win rate"),
        Some("perfectly calibrated"),
    )
}

/// A source's fitted shape: its effect on the odds (against the average
/// fitted deal) at values over the training distribution.
/// What a shape moves: the odds of a win, or the amount of a won deal.
#[derive(Clone, Copy)]
enum ShapeOf {
    Odds,
    Amount,
}

fn shape_chart(c: &crate::model::shapes::Curve, of: ShapeOf) -> String {
    let (lo, hi) = c
        .points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.1), b.max(p.1))
        });
    let pad = 0.1 * (hi - lo).max(0.2);
    let xs = (c.points[0].0, c.points[c.points.len() - 1].0);
    // drawn over the model's own (log) axis, labelled in the feature's units
    let name = crate::model::explain::feature_name(&c.source);
    // ticks say "1.6×", the axis title says of what
    let title = match crate::features::FeatureSpec::natural(&c.source) {
        Some(n) if n.logged() => match n.unit.of() {
            "" => format!("{name} (log scale)"),
            of => format!("{name} (\u{d7}{of}, log scale)"),
        },
        _ => name.clone(),
    };
    let label = |v: f64| crate::model::explain::natural_number(&c.source, v);
    let (caption, series, axis) = match of {
        ShapeOf::Odds => (
            format!("Shape of {name}"),
            "effect on the odds against the average deal",
            "odds (log scale)",
        ),
        ShapeOf::Amount => (
            format!("What a win is worth by {name}"),
            "effect on a won deal's amount against the average won deal",
            "amount (log scale)",
        ),
    };
    xy(
        &caption,
        &[Series {
            name: series,
            points: c.points.clone(),
            dots: false,
        }],
        &Scale {
            title: &title,
            min: xs.0,
            max: xs.1,
            label: &label,
            ticks: None,
        },
        &Scale {
            title: axis,
            min: lo - pad,
            max: hi + pad,
            label: &|v| format!("\u{d7}{:.2}", v.exp()),
            ticks: None,
        },
        None,
    )
}

/// Does the hybrid beat the rules and the model alone, by how much, and if
/// not, why.
fn headline(m: &Model, e: &Evaluation) -> String {
    let mut s = String::new();
    let of = |b: &str| e.comparisons.iter().find(|c| c.baseline == b);
    let diff = |c: &Comparison| {
        let (lo, hi) = c.auc_interval();
        if ![
            c.log_loss_difference,
            c.log_loss_difference_se,
            c.auc_difference,
            lo,
            hi,
        ]
        .iter()
        .all(|x| x.is_finite())
        {
            return "not measurable on so few held-out deals".to_string();
        }
        format!(
            "log loss {:+.4} &plusmn; {:.4}, AUC {:+.3} (95% interval {:+.3} to {:+.3})",
            c.log_loss_difference,
            2.0 * c.log_loss_difference_se,
            c.auc_difference,
            lo,
            hi
        )
    };
    // first: is it better than chance at all?
    if let Some(c) = e.against_chance.iter().find(|c| c.scorer == "hybrid") {
        if c.verdict() != "better" {
            write!(s, "The score is <b>no better than chance</b> on the newest {} deals (AUC {:.3}; against giving every deal the base rate: {}). Do not route reps by it: the features do not predict the outcome on this data.", e.hybrid.rows, e.hybrid.auc, diff(c)).ok();
            return s;
        }
        write!(s, "The score ranks and predicts better than chance on the newest {} deals (AUC {:.3}; against the base rate: {}).", e.hybrid.rows, e.hybrid.auc, diff(c)).ok();
    }
    match of("rules") {
        Some(_) if !e.rules_configured => {
            s += " No rules are configured, so there is no hand-written baseline to beat.";
        }
        Some(c) => match c.verdict() {
            "better" => {
                write!(s, " It beats the hand-written rules: AUC {:.3} vs {:.3}, log loss {:.4} vs {:.4} ({}).", e.hybrid.auc, e.rules.auc, e.hybrid.log_loss, e.rules.log_loss, diff(c)).ok();
            }
            v => {
                write!(s, " It does <b>not</b> beat the hand-written rules (AUC {:.3} vs {:.3}; {}: {v}). Do not route reps by it before investigating.", e.hybrid.auc, e.rules.auc, diff(c)).ok();
            }
        },
        None => {}
    }
    if let Some(c) = of("model") {
        let isotonic = matches!(
            m.calibration,
            crate::model::calibrate::Calibration::Isotonic { .. }
        );
        let worse_point = c.log_loss_difference > 0.0;
        if m.hybrid.is_model_alone() && !m.hybrid.rule_weight_pinned {
            s += if isotonic {
                " It is the model's score recalibrated by isotonic regression: adding the rule points did not improve on the model on the validation period (see Hybrid below)."
            } else {
                " It is the model alone: adding the rule points did not improve on the model on the validation period (see Hybrid below)."
            };
            if isotonic && worse_point {
                write!(
                    s,
                    " The recalibration does <b>not</b> beat the model alone ({}: {}).",
                    diff(c),
                    c.verdict()
                )
                .ok();
            }
        } else {
            match c.verdict() {
                "better" => {
                    write!(s, " The rules add to the model ({}).", diff(c)).ok();
                }
                v if worse_point || v != "within noise" => {
                    write!(s, " It does <b>not</b> beat the model alone ({}: {v}): the rules get {:.3} per point; the rule weight and calibration fitted on the validation period do not carry over to the newest deals; consider pinning <code>model.rule_weight = 0</code> or revisiting the rules.", diff(c), m.hybrid.rule_weight).ok();
                }
                _ => {
                    write!(s, " It is within noise of the model alone ({}): the rules get {:.3} per point, adding little the model has not already learned.", diff(c), m.hybrid.rule_weight).ok();
                }
            }
        }
    }
    if !e.leakage_warnings.is_empty() {
        write!(
            s,
            " <b>Possible leakage</b>: {}.",
            esc(&e.leakage_warnings.join("; "))
        )
        .ok();
    }
    s
}

/// Features whose fitted effect contradicts a rule that mentions them
/// (interval excluding zero on the other side of the rule's points).
fn unexpected_signs(m: &Model) -> Vec<String> {
    let mut out = vec![];
    for r in &m.config.rules {
        for t in &m.terms {
            let mentioned = r
                .when
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|w| w == t.source);
            let (lo, hi) = (t.coef - 1.96 * t.std_error, t.coef + 1.96 * t.std_error);
            let against = (r.points > 0.0 && hi < 0.0) || (r.points < 0.0 && lo > 0.0);
            if mentioned && against {
                out.push(format!(
                    "rule \u{201c}{}\u{201d} gives {:+} points, but the model finds {} {} the win probability (95% interval {:.3} to {:.3})",
                    r.name,
                    r.points,
                    t.name,
                    if t.coef < 0.0 { "lowers" } else { "raises" },
                    lo,
                    hi
                ));
            }
        }
    }
    out
}

/// One bar per feature (its terms' names are left to importance.csv): the
/// largest of its stated effects, in log-odds, the 25 largest.
fn feature_effects(effects: &[crate::model::explain::Effect]) -> Vec<(String, f64)> {
    let mut rows: Vec<(String, f64)> = vec![];
    for x in effects {
        match rows.iter_mut().find(|r| r.0 == x.feature) {
            Some(r) if x.log_odds.abs() > r.1.abs() => r.1 = x.log_odds,
            Some(_) => {}
            None => rows.push((x.feature.clone(), x.log_odds)),
        }
    }
    rows.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    rows.truncate(25);
    rows
}

/// What a segment is made of: industry, size band, then the configured axes.
fn segment_axes(t: &crate::model::segments::SegmentTests) -> Vec<String> {
    ["industry", "size band"]
        .iter()
        .map(|s| s.to_string())
        .chain(t.axes.iter().cloned())
        .collect()
}

/// `segments.csv`: each segment of the training universe (accounts,
/// expected wins and pipeline, capacity) beside its closed deals' tests
/// (win rate, shrunk rate and interval, Holm-adjusted p against the rest,
/// `yes` or `not useful`, suggested group); segments with deals and no
/// universe accounts last.
pub fn segments_csv(e: &Evaluation) -> Vec<u8> {
    const HEADER: [&str; 18] = [
        "segment",
        "accounts",
        "disqualified",
        "expected_wins",
        "avg_won_amount",
        "expected_pipeline",
        "tier1",
        "tier2",
        "quarters",
        "deals",
        "won",
        "win_rate",
        "shrunk_win_rate",
        "shrunk_low",
        "shrunk_high",
        "p_vs_rest",
        "useful",
        "group",
    ];
    let tests = &e.segment_tests.segments;
    let own = |v: String| (v, false);
    let test_cells = |name: &str| -> Vec<(String, bool)> {
        match tests.iter().find(|t| t.segment == name) {
            Some(t) => vec![
                own(t.deals.to_string()),
                own(t.won.to_string()),
                own(format!("{:.6}", t.win_rate)),
                own(format!("{:.6}", t.shrunk_win_rate)),
                own(format!("{:.6}", t.shrunk_low)),
                own(format!("{:.6}", t.shrunk_high)),
                own(format!("{:.6e}", t.p_vs_rest)),
                own(if t.useful { "yes" } else { "not useful" }.to_string()),
                (t.group.clone(), true),
            ],
            None => vec![own(String::new()); 9],
        }
    };
    let mut rows = vec![];
    for g in &e.planning.segments {
        let mut row = vec![
            (g.segment.clone(), true),
            own(g.accounts.to_string()),
            own(g.disqualified.to_string()),
            own(format!("{:.6}", g.expected_wins)),
            own(format!("{:.2}", g.avg_won_amount)),
            own(format!("{:.2}", g.expected_pipeline)),
            own(g.tier1.to_string()),
            own(g.tier2.to_string()),
            own(format!("{:.4}", g.quarters)),
        ];
        row.extend(test_cells(&g.segment));
        rows.push(row);
    }
    for t in tests
        .iter()
        .filter(|t| !e.planning.segments.iter().any(|g| g.segment == t.segment))
    {
        let mut row = vec![(t.segment.clone(), true)];
        row.extend((0..8).map(|_| own("0".to_string())));
        row.extend(test_cells(&t.segment));
        rows.push(row);
    }
    crate::csv_out::table(&HEADER, rows)
}

pub fn html(
    m: &Model,
    e: &Evaluation,
    compare: Option<(&Model, &Evaluation)>,
) -> crate::error::Result<String> {
    use minijinja::context;
    use templates::safe;
    let rules_name = if e.rules_configured {
        "rules"
    } else {
        "rules (none configured: the base rate)"
    };
    let scorers: Vec<_> = [
        (rules_name, &e.rules),
        ("model", &e.model),
        ("hybrid", &e.hybrid),
    ]
    .iter()
    .map(|(name, x)| context! { name => name, x => x })
    .collect();
    let compare = compare.map(|(cm, ce)| {
        vec![
            context! { version => &m.model_version, x => &e.hybrid },
            context! { version => &cm.model_version, x => &ce.hybrid },
        ]
    });
    let effects = crate::model::explain::effects(m);
    let mut perm: Vec<(String, f64)> = e
        .permutation_importance
        .iter()
        .map(|p| (p.feature.clone(), p.auc_drop))
        .collect();
    perm.sort_by(|a, b| b.1.total_cmp(&a.1));
    perm.truncate(15);
    let charts = context! {
        lift => safe(lift_chart(
            "Lift by decile (held-out)",
            &[
                (rules_name, &e.rules.lift_by_decile),
                ("model", &e.model.lift_by_decile),
                ("hybrid", &e.hybrid.lift_by_decile),
            ],
        )),
        gains => safe(gains_chart(e, rules_name)),
        reliability => safe(reliability_chart(e)),
        effects => safe(bars(
            &feature_effects(&effects),
            "Each feature's largest effect, all its terms together (largest 25; green raises the win probability)",
            "log-odds of its situation stated below against its baseline",
        )),
        permutation => safe(bars(
            &perm,
            "Permutation importance: held-out AUC lost when the feature is shuffled (largest 15)",
            "held-out AUC lost",
        )),
    };
    let sections = context! {
        headline => safe(headline(m, e)),
        shapes => safe(shapes_section(e)),
    };
    let mut by_size: Vec<&crate::model::Term> = m.terms.iter().collect();
    by_size.sort_by(|a, b| b.coef.abs().total_cmp(&a.coef.abs()));
    let terms: Vec<_> = by_size
        .iter()
        .map(|t| {
            let (c, se) = (t.coef_original(), t.std_error / t.std);
            context! {
                name => &t.name, axis => format!("{:?}", t.axis), coef => c,
                lo => c - 1.96 * se, hi => c + 1.96 * se, std => t.coef,
                odds => c.exp(), odds_lo => (c - 1.96 * se).exp(), odds_hi => (c + 1.96 * se).exp(),
            }
        })
        .collect();
    let penalty_path: Vec<(String, f64)> = e
        .penalty_path
        .iter()
        .map(|(c, ll)| (c.to_string(), *ll))
        .collect();
    templates::render(
        "report.html",
        include_str!("templates/report.html"),
        context! {
            version => &m.model_version,
            scorers => scorers,
            compare => compare,
            charts => charts,
            calibration => &e.calibration_choice,
            min_isotonic => crate::model::calibrate::MIN_ISOTONIC_ROWS,
            bins => &e.calibration,
            sections => sections,
            effects => effects.iter().map(|x| x.sentence.as_str()).collect::<Vec<_>>(),
            terms => terms,
            penalty_c => m.penalty_c.to_string(),
            penalty_path => penalty_path,
            training => &m.training,
            caveats => caveats(m, e),
            ..planning_context(m, e)
        },
    )
}

/// The template's hybrid, tiers, potential, quadrant and segment data.
fn planning_context(m: &Model, e: &Evaluation) -> minijinja::Value {
    use minijinja::context;
    let p = &e.planning;
    let group = |g: &crate::model::planning::GroupRow| {
        context! {
            name => &g.name, accounts => g.accounts, expected_wins => g.expected_wins,
            expected_pipeline => g.expected_pipeline, test_deals => g.test_deals,
            test_won => g.test_won, rate => g.test_win_rate(),
        }
    };
    let rates: Vec<(String, f64)> = p
        .tiers
        .iter()
        .filter_map(|g| g.test_win_rate().map(|r| (g.name.clone(), r)))
        .collect();
    let potential_charts: Vec<_> = e
        .potential
        .iter()
        .flat_map(|r| &r.shapes)
        .map(|c| templates::safe(shape_chart(c, ShapeOf::Amount)))
        .collect();
    let cells: Vec<_> = crate::contract::QUADRANTS
        .iter()
        .map(|name| {
            let g = p.quadrants.iter().find(|g| g.name == *name).cloned();
            let g = g.unwrap_or_else(|| crate::model::planning::GroupRow {
                name: name.to_string(),
                ..Default::default()
            });
            group(&g)
        })
        .collect();
    let t = &e.segment_tests;
    let mut rows: Vec<&crate::model::segments::SegmentTest> = t.segments.iter().collect();
    rows.sort_by_key(|x| std::cmp::Reverse(x.deals));
    let q = &m.config.quadrant;
    context! {
        hybrid => &m.hybrid,
        hybrid_alone => m.hybrid.is_model_alone(),
        tiers => context! {
            groups => p.tiers.iter().map(group).collect::<Vec<_>>(),
            by_value => m.config.tiers.by == crate::config::TierBy::ExpectedValue,
            cutoffs => m.tier_cutoffs,
        },
        potential => m.potential.as_ref().zip(e.potential.as_ref()).map(|(pot, r)| context! {
            alpha => pot.alpha.to_string(), smearing => pot.smearing, report => r,
        }),
        quadrant => context! {
            timing_threshold => q.timing_threshold.to_string(),
            fit_threshold => q.fit_threshold.to_string(),
            has_timing => m.has_timing(),
            cells => cells,
        },
        capacity => &p.capacity,
        segment_axes => segment_axes(t).join(" / "),
        segments => &p.segments,
        tests => context! {
            segments => &t.segments, deals => t.deals, won => t.won,
            differ => t.p_value <= crate::model::segments::ALPHA,
            g => t.g, df => t.df, p_value => t.p_value,
            useful => t.segments.iter().filter(|s| s.useful).count(),
            rate => t.won as f64 / t.deals.max(1) as f64,
            prior_strength => t.prior_strength, groups => &t.groups,
            max_groups => crate::model::segments::MAX_GROUPS, rows => rows,
        },
        charts_tiers => templates::safe(bars(&rates, "Held-out win rate by tier", "win rate of the held-out deals")),
        charts_potential => potential_charts,
    }
}

/// The report's caveats, one sentence each.
fn caveats(m: &Model, e: &Evaluation) -> Vec<String> {
    let mut out = vec![];
    if m.training.closed_deals < 1000 {
        out.push(format!(
            "Only {} closed deals: intervals are wide and the held-out period is small.",
            m.training.closed_deals
        ));
    }
    for u in e
        .notes
        .iter()
        .chain(&e.fit_warnings)
        .chain(&e.leakage_warnings)
    {
        out.push(format!("{u}."));
    }
    for u in unexpected_signs(m) {
        out.push(format!("Unexpected sign: {u}."));
    }
    let wild: Vec<&str> = m
        .terms
        .iter()
        .filter(|t| t.coef.abs() > 5.0 || !t.std_error.is_finite())
        .map(|t| t.name.as_str())
        .collect();
    if !wild.is_empty() {
        out.push(format!("Possible separation or collinearity (huge coefficient or undefined standard error): {}.", wild.join(", ")));
    }
    if e.hybrid.ece > 0.05 {
        out.push(format!(
            "Held-out calibration error is {:.3}: probabilities are off by that much on average.",
            e.hybrid.ece
        ));
    }
    out.push("Firmographics are the accounts table as exported (a current snapshot), not their value at each deal's creation.".into());
    out
}
