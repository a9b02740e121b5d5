//! The human report and the model directory's tables: `metrics.json`,
//! `importance.csv`, `calibration.csv` and a self-contained `report.html`
//! (inline SVG, no network needed to view it).

use std::fmt::Write;

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
    let mut s = String::from("feature,source,axis,coefficient,std_coefficient,std_error,ci_low,ci_high,odds_ratio,odds_ratio_low,odds_ratio_high,permutation_auc_drop,permutation_log_loss_increase,mean,std,level\n");
    // names and levels come from the export: quoted when they need it
    let field = |v: &str| {
        if v.contains([',', '"', '\n']) {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v.to_string()
        }
    };
    let mut terms: Vec<_> = m.terms.iter().collect();
    terms.sort_by(|a, b| b.coef.abs().total_cmp(&a.coef.abs()));
    for t in terms {
        let axis = format!("{:?}", t.axis).to_lowercase();
        let (c, se) = (t.coef_original(), t.std_error / t.std);
        let (lo, hi) = (c - 1.96 * se, c + 1.96 * se);
        let perm = e
            .permutation_importance
            .iter()
            .find(|p| p.feature == t.source);
        writeln!(
            s,
            "{},{},{axis},{c:.10},{:.10},{se:.10},{lo:.10},{hi:.10},{:.10},{:.10},{:.10},{:.10},{:.10},{:.10},{:.10},{}",
            field(&t.name),
            field(&t.source),
            t.coef,
            c.exp(),
            lo.exp(),
            hi.exp(),
            perm.map_or(f64::NAN, |p| p.auc_drop),
            perm.map_or(f64::NAN, |p| p.log_loss_increase),
            t.mean,
            t.std,
            field(t.level().unwrap_or(""))
        )
        .ok();
    }
    s.into_bytes()
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

/// A bar's value label: three significant digits.
fn short(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

pub(crate) fn bar_chart(rows: &[(String, f64)], title: &str) -> String {
    let w = 640.0;
    let label_w = 260.0;
    let h = 18.0 * rows.len() as f64 + 30.0;
    let max = rows.iter().map(|r| r.1.abs()).fold(1e-9, f64::max);
    let mid = label_w + (w - label_w) / 2.0;
    let scale = (w - label_w) / 2.0 / max;
    let mut s = format!("<figure><figcaption>{}</figcaption><svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\">", esc(title));
    write!(
        s,
        "<line x1=\"{mid}\" y1=\"0\" x2=\"{mid}\" y2=\"{h}\" stroke=\"#999\"/>"
    )
    .ok();
    for (i, (name, v)) in rows.iter().enumerate() {
        let y = 10.0 + 18.0 * i as f64;
        let (x, bw) = if *v >= 0.0 {
            (mid, v * scale)
        } else {
            (mid + v * scale, -v * scale)
        };
        let color = if *v >= 0.0 { "#2e7d32" } else { "#c62828" };
        write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            label_w - 6.0,
            y + 11.0,
            esc(name)
        )
        .ok();
        write!(s, "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{bw:.1}\" height=\"13\" fill=\"{color}\"><title>{}: {v:.3}</title></rect>", esc(name)).ok();
        let (tx, anchor) = if *v >= 0.0 {
            (x + bw + 4.0, "start")
        } else {
            (x - 4.0, "end")
        };
        write!(s, "<text x=\"{tx:.1}\" y=\"{}\" font-size=\"10\" fill=\"#555\" text-anchor=\"{anchor}\">{}</text>", y + 10.5, short(*v)).ok();
    }
    s + "</svg></figure>"
}

pub(crate) fn line_chart(series: &[(&str, &str, Vec<f64>)], title: &str, y_max: f64) -> String {
    let (w, h, pad) = (480.0, 260.0, 36.0);
    let mut s = format!("<figure><figcaption>{}</figcaption><svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\">", esc(title));
    write!(
        s,
        "<rect x=\"{pad}\" y=\"10\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#999\"/>",
        w - pad - 10.0,
        h - pad - 10.0
    )
    .ok();
    for (k, (name, color, v)) in series.iter().enumerate() {
        let n = v.len().max(2) as f64;
        let pts: Vec<String> = v
            .iter()
            .enumerate()
            .map(|(i, y)| {
                let px = pad + (w - pad - 10.0) * (i as f64 + 1.0) / n;
                let py = 10.0 + (h - pad - 10.0) * (1.0 - (y / y_max).clamp(0.0, 1.0));
                format!("{px:.1},{py:.1}")
            })
            .collect();
        write!(
            s,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"/>",
            pts.join(" ")
        )
        .ok();
        write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"{color}\">{}</text>",
            pad + 8.0,
            24.0 + 14.0 * k as f64,
            esc(name)
        )
        .ok();
    }
    write!(
        s,
        "<text x=\"{}\" y=\"{}\" font-size=\"11\">decile (1 = highest score)</text>",
        w / 2.0 - 60.0,
        h - 8.0
    )
    .ok();
    s + "</svg></figure>"
}

fn reliability_chart(e: &Evaluation) -> String {
    let (w, pad) = (300.0, 30.0);
    let inner = w - 2.0 * pad;
    let mut s =
        String::from("<figure><figcaption>Reliability (hybrid, held-out period)</figcaption>");
    write!(s, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{w}\" role=\"img\">").ok();
    write!(s, "<rect x=\"{pad}\" y=\"{pad}\" width=\"{inner}\" height=\"{inner}\" fill=\"none\" stroke=\"#999\"/>").ok();
    write!(s, "<line x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{pad}\" stroke=\"#bbb\" stroke-dasharray=\"4\"/>", pad + inner, pad + inner).ok();
    write!(
        s,
        "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">predicted (0 to 1)</text>",
        pad + inner / 2.0,
        w - 8.0
    )
    .ok();
    write!(s, "<text x=\"12\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 12 {})\">observed (0 to 1)</text>", pad + inner / 2.0, pad + inner / 2.0).ok();
    for b in &e.calibration {
        let x = pad + inner * b.mean_predicted;
        let y = pad + inner * (1.0 - b.observed);
        let r = 2.0 + (b.count as f64).sqrt().min(10.0);
        write!(s, "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\" fill=\"#1565c0\" fill-opacity=\"0.7\"><title>predicted {:.3}, observed {:.3}, n={}</title></circle>", b.mean_predicted, b.observed, b.count).ok();
    }
    s + "</svg></figure>"
}

fn pct(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{:.1}%", 100.0 * v))
}

fn money(x: f64) -> String {
    if x.abs() >= 1e6 {
        format!("{:.1}M", x / 1e6)
    } else if x.abs() >= 1e3 {
        format!("{:.0}k", x / 1e3)
    } else {
        format!("{x:.0}")
    }
}

/// Does the hybrid beat the rules and the model alone, by how much, and if
/// not, why.
fn headline(m: &Model, e: &Evaluation) -> String {
    let mut s = String::new();
    let of = |b: &str| e.comparisons.iter().find(|c| c.baseline == b);
    let diff = |c: &Comparison| {
        let (lo, hi) = c.auc_interval();
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
                    "rule \u{201c}{}\u{201d} gives {:+} points, but the model finds <code>{}</code> {} the win probability (95% interval {:.3} to {:.3})",
                    esc(&r.name),
                    r.points,
                    esc(&t.name),
                    if t.coef < 0.0 { "lowers" } else { "raises" },
                    lo,
                    hi
                ));
            }
        }
    }
    out
}

fn hybrid_section(m: &Model) -> String {
    let h = &m.hybrid;
    let lr = h.likelihood_ratio.map_or(String::new(), |v| {
        format!(
            "likelihood-ratio statistic {v:.2} against the model alone on the validation period"
        )
    });
    if h.rule_weight_pinned {
        format!("<h2>Hybrid</h2><p>logit(probability) = {:.3} + {:.3} &times; model logit + {:.3} &times; rule points (rule weight pinned in the config).</p>", h.intercept, h.model_weight, h.rule_weight)
    } else if h.is_model_alone() {
        format!("<h2>Hybrid</h2><p>The hybrid is the model alone: a stack of the model logit and the rule points did not beat it on the validation period ({lr}; a 5% test). The rules still set <code>rule_points</code> and the disqualifiers still apply.</p>")
    } else {
        format!("<h2>Hybrid</h2><p>logit(probability) = {:.3} + {:.3} &times; model logit + {:.3} &times; rule points, fitted on the validation period ({lr}).</p>", h.intercept, h.model_weight, h.rule_weight)
    }
}

fn tiers_section(m: &Model, e: &Evaluation) -> String {
    let p = &e.planning;
    let mut s = String::from("<h2>Tiers</h2><table><tr><th>tier</th><th>accounts</th><th>expected wins</th><th>expected pipeline</th><th>held-out deals</th><th>won</th><th>win rate</th></tr>");
    for g in &p.tiers {
        write!(s, "<tr><td>{}</td><td>{}</td><td>{:.1}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", g.name, g.accounts, g.expected_wins, money(g.expected_pipeline), g.test_deals, g.test_won, pct(g.test_win_rate())).ok();
    }
    write!(s, "</table><p>Accounts and expected figures are the training universe ({} accounts as of {}); win rates are the held-out deals. Tier cut-offs on the hybrid probability: Tier 1 &ge; {:.4}, Tier 2 &ge; {:.4}, set on {}, frozen at training so nightly runs do not reshuffle them.</p>", m.training.universe_accounts, esc(&m.training.universe_as_of), m.tier_cutoffs[0], m.tier_cutoffs[1], esc(&m.training.cutoffs_set_on)).ok();
    let rates: Vec<(String, f64)> = p
        .tiers
        .iter()
        .filter_map(|g| g.test_win_rate().map(|r| (g.name.clone(), r)))
        .collect();
    s + &bar_chart(&rates, "Held-out win rate by tier")
}

fn quadrant_section(m: &Model, e: &Evaluation) -> String {
    let cell = |name: &str| {
        let g = e.planning.quadrants.iter().find(|g| g.name == name);
        let g = g.cloned().unwrap_or_default();
        format!(
            "<td class=\"quad\"><b>{name}</b><br>{} accounts<br>held-out win rate {} ({} deals)</td>",
            g.accounts,
            pct(g.test_win_rate()),
            g.test_deals
        )
    };
    let q = &m.config.quadrant;
    format!(
        "<h2>Fit &times; timing</h2><table class=\"quadrant\"><tr><th></th><th>timing (score &ge; {})</th><th>no timing</th></tr><tr><th>fit (score &ge; {})</th>{}{}</tr><tr><th>no fit</th>{}{}</tr></table>{}",
        q.timing_threshold,
        q.fit_threshold,
        cell("Good Place"),
        cell("Get Back To Me"),
        cell("False Hope"),
        cell("Bad Place"),
        if m.has_timing() { "" } else { "<p>The model has no timing feature, so every account is in the no-timing column.</p>" }
    )
}

fn segments_section(e: &Evaluation) -> String {
    let p = &e.planning;
    let c = &p.capacity;
    let mut s = format!(
        "<h2>Segments and capacity</h2><p>{} reps &times; {} accounts per rep per quarter = {} accounts a quarter: the {} Tier 1 and Tier 2 accounts last <b>{:.1} quarters</b>.</p>",
        c.reps,
        c.accounts_per_rep_per_quarter,
        u64::from(c.reps) * u64::from(c.accounts_per_rep_per_quarter),
        c.tier12_accounts,
        c.quarters
    );
    s += "<table><tr><th>segment (industry / size band)</th><th>accounts</th><th>disqualified</th><th>expected wins</th><th>average won amount</th><th>expected pipeline</th><th>Tier 1</th><th>Tier 2</th><th>quarters of capacity</th></tr>";
    const SHOWN: usize = 40;
    for g in p.segments.iter().take(SHOWN) {
        write!(s, "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td></tr>", esc(&g.segment), g.accounts, g.disqualified, g.expected_wins, money(g.avg_won_amount), money(g.expected_pipeline), g.tier1, g.tier2, g.quarters).ok();
    }
    s += "</table>";
    if p.segments.len() > SHOWN {
        write!(
            s,
            "<p>The {SHOWN} segments with the largest expected pipeline of {}; all are in <code>segments.csv</code>.</p>",
            p.segments.len()
        )
        .ok();
    }
    s
}

pub fn segments_csv(e: &Evaluation) -> Vec<u8> {
    let mut s = String::from("segment,accounts,disqualified,expected_wins,avg_won_amount,expected_pipeline,tier1,tier2,quarters\n");
    for g in &e.planning.segments {
        let name = if g.segment.contains([',', '"']) {
            format!("\"{}\"", g.segment.replace('"', "\"\""))
        } else {
            g.segment.clone()
        };
        writeln!(
            s,
            "{name},{},{},{:.6},{:.2},{:.2},{},{},{:.4}",
            g.accounts,
            g.disqualified,
            g.expected_wins,
            g.avg_won_amount,
            g.expected_pipeline,
            g.tier1,
            g.tier2,
            g.quarters
        )
        .ok();
    }
    s.into_bytes()
}

pub fn html(m: &Model, e: &Evaluation, compare: Option<(&Model, &Evaluation)>) -> String {
    let mut s = String::new();
    write!(
        s,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>scorebook report: {v}</title><style>{STYLE}</style></head><body>",
        v = esc(&m.model_version)
    )
    .ok();
    write!(
        s,
        "<h1>scorebook model <code>{}</code></h1>",
        esc(&m.model_version)
    )
    .ok();
    write!(s, "<p class=\"headline\">{}</p>", headline(m, e)).ok();
    s += "<h2>Held-out metrics</h2><p>Newest closed deals, never used for fitting or for choosing anything.</p><table><tr><th>scorer</th><th>rows</th><th>AUC</th><th>log loss</th><th>Brier</th><th>ECE</th><th>KS</th><th>top-decile lift</th></tr>";
    let rules_name = if e.rules_configured {
        "rules"
    } else {
        "rules (none configured: the base rate)"
    };
    for (name, x) in [
        (rules_name, &e.rules),
        ("model", &e.model),
        ("hybrid", &e.hybrid),
    ] {
        write!(s, "<tr><td>{name}</td><td>{}</td><td>{:.3}</td><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td><td>{:.3}</td><td>{:.2}</td></tr>", x.rows, x.auc, x.log_loss, x.brier, x.ece, x.ks, x.lift_by_decile.first().copied().unwrap_or(0.0)).ok();
    }
    s += "</table>";
    if let Some((cm, ce)) = compare {
        write!(s, "<h2>Champion vs challenger</h2><table><tr><th>model</th><th>AUC</th><th>log loss</th><th>Brier</th><th>ECE</th></tr><tr><td>{} (this)</td><td>{:.3}</td><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td></tr><tr><td>{}</td><td>{:.3}</td><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td></tr></table><p>Each model's figures are on its own held-out period.</p>",
            esc(&m.model_version), e.hybrid.auc, e.hybrid.log_loss, e.hybrid.brier, e.hybrid.ece,
            esc(&cm.model_version), ce.hybrid.auc, ce.hybrid.log_loss, ce.hybrid.brier, ce.hybrid.ece).ok();
    }
    s += &line_chart(
        &[
            ("rules", "#ef6c00", e.rules.lift_by_decile.clone()),
            ("model", "#6a1b9a", e.model.lift_by_decile.clone()),
            ("hybrid", "#1565c0", e.hybrid.lift_by_decile.clone()),
        ],
        "Lift by decile (held-out)",
        e.hybrid
            .lift_by_decile
            .iter()
            .chain(&e.rules.lift_by_decile)
            .fold(1.0f64, |a, b| a.max(*b))
            * 1.1,
    );
    s += &line_chart(
        &[
            ("rules", "#ef6c00", e.rules.cumulative_gains.clone()),
            ("model", "#6a1b9a", e.model.cumulative_gains.clone()),
            ("hybrid", "#1565c0", e.hybrid.cumulative_gains.clone()),
        ],
        "Cumulative gains (share of wins in the top deciles)",
        1.0,
    );
    s += &reliability_chart(e);
    let cc = &e.calibration_choice;
    let fmt = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.4}"));
    write!(
        s,
        "<p>Calibration: <b>{}</b> (log loss on the newer half of the validation period: Platt {}, isotonic {}; isotonic is only tried with at least {} validation deals).</p>",
        esc(&cc.chosen), fmt(cc.platt_log_loss), fmt(cc.isotonic_log_loss), crate::model::calibrate::MIN_ISOTONIC_ROWS
    )
    .ok();
    s += "<table><tr><th>predicted</th><th>deals</th><th>mean predicted</th><th>observed</th><th>95% interval</th></tr>";
    for b in &e.calibration {
        write!(s, "<tr><td>{:.1}-{:.1}</td><td>{}</td><td>{:.3}</td><td>{:.3}</td><td>[{:.3}, {:.3}]</td></tr>", b.lower, b.upper, b.count, b.mean_predicted, b.observed, b.observed_lower, b.observed_upper).ok();
    }
    s += "</table>";
    s += &hybrid_section(m);
    s += &tiers_section(m, e);
    s += &quadrant_section(m, e);
    s += &segments_section(e);
    let mut coefs: Vec<(String, f64)> = m.terms.iter().map(|t| (t.name.clone(), t.coef)).collect();
    coefs.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    coefs.truncate(25);
    s += "<h2>What drives the score</h2>";
    s += &bar_chart(
        &coefs,
        "Standardized coefficients (largest 25; green raises the win probability)",
    );
    let mut perm: Vec<(String, f64)> = e
        .permutation_importance
        .iter()
        .map(|p| (p.feature.clone(), p.auc_drop))
        .collect();
    perm.sort_by(|a, b| b.1.total_cmp(&a.1));
    perm.truncate(15);
    s += &bar_chart(
        &perm,
        "Permutation importance: held-out AUC lost when the feature is shuffled (largest 15)",
    );
    s += "<h3>Effects in plain words</h3><p>How each feature moves the odds of winning, all else equal (shapes and clipping included).</p><ul class=\"effects\">";
    for x in crate::model::explain::effects(m) {
        write!(s, "<li>{}</li>", esc(&x.sentence)).ok();
    }
    s += "</ul>";
    s += "<p>Standard errors and 95% intervals come from the Fisher information of the penalized fit (so they are slightly narrower than unpenalized ones).</p>";
    s += "<table><tr><th>feature</th><th>axis</th><th>coefficient</th><th>95% interval</th><th>std. coefficient</th><th>odds ratio per unit (95%)</th></tr>";
    for t in &m.terms {
        let (c, se) = (t.coef_original(), t.std_error / t.std);
        write!(
            s,
            "<tr><td>{}</td><td>{:?}</td><td>{c:.4}</td><td>[{:.4}, {:.4}]</td><td>{:.4}</td><td>{:.3} [{:.3}, {:.3}]</td></tr>",
            esc(&t.name), t.axis, c - 1.96 * se, c + 1.96 * se, t.coef, c.exp(), (c - 1.96 * se).exp(), (c + 1.96 * se).exp()
        )
        .ok();
    }
    s += "</table>";
    write!(s, "<h2>Penalty</h2><p>C = {} chosen by validation log loss:</p><table><tr><th>C</th><th>validation log loss</th></tr>", m.penalty_c).ok();
    for (c, ll) in &e.penalty_path {
        write!(s, "<tr><td>{c}</td><td>{ll:.5}</td></tr>").ok();
    }
    write!(s, "</table><h2>Training data</h2><p>Split: <b>{}</b>{}.</p><table>", esc(&m.training.split), if m.training.split == "time" { " (oldest deals train, the next validate, the newest test)" } else { " (no usable dates: the periods are random draws, so the held-out figures do not describe future deals)" }).ok();
    s += "<tr><th>period</th><th>from</th><th>to</th><th>deals</th><th>won</th><th>win rate</th></tr>";
    for p in &m.training.periods {
        write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}%</td></tr>",
            p.name,
            p.from,
            p.to,
            p.rows,
            p.won,
            100.0 * p.won as f64 / p.rows.max(1) as f64
        )
        .ok();
    }
    s += "</table><ul>";
    for f in &m.training.files {
        write!(
            s,
            "<li><code>{}</code>: {} rows, fingerprint {}</li>",
            esc(&f.path),
            f.rows,
            f.fnv64
        )
        .ok();
    }
    s += "</ul><h2>Caveats</h2><ul>";
    if m.training.closed_deals < 1000 {
        write!(
            s,
            "<li>Only {} closed deals: intervals are wide and the held-out period is small.</li>",
            m.training.closed_deals
        )
        .ok();
    }
    for u in e
        .notes
        .iter()
        .chain(&e.fit_warnings)
        .chain(&e.leakage_warnings)
    {
        write!(s, "<li>{}.</li>", esc(u)).ok();
    }
    for u in unexpected_signs(m) {
        write!(s, "<li>Unexpected sign: {u}.</li>").ok();
    }
    let wild: Vec<&str> = m
        .terms
        .iter()
        .filter(|t| t.coef.abs() > 5.0 || !t.std_error.is_finite())
        .map(|t| t.name.as_str())
        .collect();
    if !wild.is_empty() {
        write!(s, "<li>Possible separation or collinearity (huge coefficient or undefined standard error): {}.</li>", esc(&wild.join(", "))).ok();
    }
    if e.hybrid.ece > 0.05 {
        write!(s, "<li>Held-out calibration error is {:.3}: probabilities are off by that much on average.</li>", e.hybrid.ece).ok();
    }
    s += "<li>Firmographics are the accounts table as exported (a current snapshot), not their value at each deal's creation.</li>";
    s += "</ul></body></html>";
    s
}
