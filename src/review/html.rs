//! `review.html`: the review in one page (comparison, drift, migration,
//! backtest, the expected wins of the open pipeline).

use super::*;

/// The self-contained review page (inline SVG, no network needed).
pub fn html(r: &Review) -> String {
    use crate::report::charts::bars;
    use crate::report::{esc, folded_table, lift_chart};
    use std::fmt::Write;
    let c = &r.comparison;
    let mut s = format!("<!doctype html><html><head><meta charset=\"utf-8\"><title>scorebook quarterly review</title><style>{}</style></head><body>", crate::report::STYLE);
    write!(s, "<h1>Quarterly review</h1><p>Champion <code>{}</code> (fitted on deals created until {}) against challenger <code>{}</code> (until {}).</p>", esc(&r.champion.version), r.champion.fitted_until, esc(&r.challenger.version), r.challenger.fitted_until).ok();
    write!(
        s,
        "<p class=\"headline\"><b>{}</b>: {}</p>",
        esc(&r.recommendation.decision),
        esc(&r.recommendation.reason)
    )
    .ok();
    for w in &r.warnings {
        write!(s, "<p class=\"warning\"><b>Warning</b>: {}</p>", esc(w)).ok();
    }
    write!(s, "<h2>Comparison on the same deals</h2><p>{} closed deals ({} won) created after {}, which neither model trained on; each scored as of its created date.</p>", c.deals, c.won, c.after).ok();
    s += "<table><tr><th>model</th><th>AUC</th><th>log loss</th><th>Brier</th><th>ECE</th><th>KS</th><th>top-decile lift</th></tr>";
    for (name, m) in [("champion", &c.champion), ("challenger", &c.challenger)] {
        write!(s, "<tr><td>{name}</td><td>{:.3}</td><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td><td>{:.3}</td><td>{:.2}</td></tr>", m.auc, m.log_loss, m.brier, m.ece, m.ks, m.lift_by_decile.first().copied().unwrap_or(0.0)).ok();
    }
    write!(s, "</table><p>Challenger minus champion: AUC {:+.4} (DeLong 95% interval {:+.4} to {:+.4}); log loss {:+.5} &plusmn; {:.5} (paired SE).</p>", c.auc_difference.estimate, c.auc_difference.ci_low, c.auc_difference.ci_high, c.log_loss_difference.estimate, c.log_loss_difference.se).ok();
    s += &lift_chart(
        "Lift by decile on the same deals (decile 1 = highest scores)",
        &[
            ("champion", &c.champion.lift_by_decile),
            ("challenger", &c.challenger.lift_by_decile),
        ],
    );
    let d = &r.drift;
    write!(s, "<h2>Drift</h2><p>Population stability index between the champion's {} fitted deals and the {} newest: below 0.1 stable, 0.1 to 0.25 moderate, 0.25 or more significant. Score: <b>{:.3}</b> ({}).</p>", d.reference_rows, d.current_rows, d.score.psi, d.score.flag).ok();
    let top: Vec<(String, f64)> = d
        .features
        .iter()
        .take(15)
        .map(|p| (p.feature.clone(), p.psi))
        .collect();
    s += &bars(
        &top,
        "Feature PSI (largest 15)",
        "population stability index",
    );
    // flagged features first, then the largest
    let mut psi: Vec<_> = d.features.iter().collect();
    psi.sort_by(|a, b| {
        (a.flag == "stable")
            .cmp(&(b.flag == "stable"))
            .then(b.psi.total_cmp(&a.psi))
    });
    let rows: Vec<String> = psi
        .iter()
        .map(|p| {
            format!(
                "<tr class=\"flag-{}\"><td>{}</td><td>{:.3}</td><td>{}</td></tr>",
                p.flag,
                esc(&p.feature),
                p.psi,
                p.flag
            )
        })
        .collect();
    s += &folded_table(
        "<tr><th>feature</th><th>PSI</th><th>flag</th></tr>",
        &rows,
        "features, stable and smaller",
    );
    s += "<h3>Coefficients (per original unit, 95% interval)</h3>";
    let ci = |v: &Option<[f64; 3]>| {
        v.map_or("&mdash;".to_string(), |v| {
            format!("{:.4} [{:.4}, {:.4}]", v[1], v[0], v[2])
        })
    };
    let mut coefs: Vec<_> = d.coefficients.iter().collect();
    coefs.sort_by_key(|k| !(k.sign_flip || k.significant_change));
    let rows: Vec<String> = coefs
        .iter()
        .map(|k| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&k.term),
                ci(&k.champion),
                ci(&k.challenger),
                if k.sign_flip { "yes" } else { "" },
                if k.significant_change { "yes" } else { "" }
            )
        })
        .collect();
    s += &folded_table(
        "<tr><th>term</th><th>champion</th><th>challenger</th><th>sign flip</th><th>significant change</th></tr>",
        &rows,
        "terms, without a flip or a significant change",
    );

    let matrix = |s: &mut String, names: &[&str], m: &[Vec<usize>]| {
        *s += "<table><tr><th>before \\ after</th>";
        for n in names {
            write!(s, "<th>{n}</th>").ok();
        }
        *s += "</tr>";
        for (n, row) in names.iter().zip(m) {
            write!(s, "<tr><td>{n}</td>").ok();
            for v in row {
                write!(s, "<td>{v}</td>").ok();
            }
            *s += "</tr>";
        }
        *s += "</table>";
    };
    if let Some(m) = &r.migration {
        write!(s, "<h2>Migration</h2><p>{} accounts in both scored files ({} only before, {} only after).</p>", m.accounts, m.only_before, m.only_after).ok();
        matrix(&mut s, &TIERS, &m.tiers);
        matrix(&mut s, &QUADRANTS, &m.quadrants);
        for (title, list, count) in [
            ("Entered Tier 1", &m.entered_tier_1, m.entered_tier_1_count),
            ("Left Tier 1", &m.left_tier_1, m.left_tier_1_count),
        ] {
            write!(s, "<h3>{title}: {count} accounts</h3><table><tr><th>account</th><th>before</th><th>after</th><th>score before</th><th>score after</th><th>reasons now</th></tr>").ok();
            for x in list.iter().take(25) {
                write!(s, "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td><td>{:.1}</td><td style=\"text-align:left\">{}</td></tr>", esc(&x.account_id), x.tier_before, x.tier_after, x.score_before, x.score_after, esc(&x.reasons.join("; "))).ok();
            }
            s += "</table>";
        }
    }
    if let Some(b) = &r.backtest {
        write!(s, "<h2>Backtest</h2><p>The accounts as scored on {}: {} accounts, {} opportunities created since, {} won.</p>", b.as_of, b.accounts, b.opportunities, b.won).ok();
        for groups in [&b.tiers, &b.quadrants] {
            s += "<table><tr><th>group</th><th>accounts</th><th>new opportunities</th><th>won</th><th>conversion</th><th>win rate</th><th>share of opportunities</th><th>share of wins</th><th>lift</th></tr>";
            let pct = |v: f64| {
                if v.is_finite() {
                    format!("{:.1}%", 100.0 * v)
                } else {
                    "&mdash;".into()
                }
            };
            for g in groups {
                write!(s, "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", g.name, g.accounts, g.opportunities, g.won, pct(g.conversion_rate), pct(g.win_rate), pct(g.opportunity_share), pct(g.won_share), if g.lift.is_finite() { format!("{:.2}", g.lift) } else { "&mdash;".into() }).ok();
            }
            s += "</table>";
        }
    }
    if let Some(e) = &r.expected {
        s += &expected_html(e);
    }
    s + "</body></html>"
}

/// The review's section: per tier and quadrant, the open deals, the wins
/// expected with their interval, and the realized wins when known.
fn expected_html(e: &Expected) -> String {
    use crate::report::esc;
    use std::fmt::Write;
    let mut s = format!(
        "<h2>Expected wins of the open pipeline</h2><p>{} deals open on {}: {}. If the calibrated probabilities are right, they bring <b>{:.0} wins</b> (95% interval {}&ndash;{}, Poisson-binomial){}.</p>",
        e.total.opportunities,
        esc(&e.as_of),
        esc(&e.source),
        e.total.expected_won,
        e.total.ci_low,
        e.total.ci_high,
        e.total.won.map(|w| format!("; they brought {w}")).unwrap_or_default()
    );
    for groups in [&e.tiers, &e.quadrants] {
        s += "<table><tr><th>group</th><th>open deals</th><th>wins expected</th><th>95% interval</th><th>won</th><th>lost</th><th>still open</th><th>verdict</th></tr>";
        let opt = |v: Option<usize>| v.map_or("&mdash;".to_string(), |v| v.to_string());
        for g in groups {
            write!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{:.1}</td><td>{}&ndash;{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&g.name),
                g.opportunities,
                g.expected_won,
                g.ci_low,
                g.ci_high,
                opt(g.won),
                opt(g.lost),
                opt(g.still_open),
                esc(g.verdict.as_deref().unwrap_or("not known yet"))
            )
            .ok();
        }
        s += "</table>";
    }
    s
}
