//! `review.html`: the review in one page (comparison, drift, migration,
//! backtest, the expected wins of the open pipeline), rendered from the
//! template `review.html` on the reports' base page.

use super::*;

const TEMPLATE: &str = include_str!("review.html");

/// The self-contained review page (inline SVG, no network needed).
pub fn html(r: &Review) -> Result<String> {
    use crate::report::charts::bars;
    use crate::report::templates::{render, safe};
    let c = &r.comparison;
    let d = &r.drift;
    let lift = crate::report::lift_chart(
        "Lift by decile on the same deals (decile 1 = highest scores)",
        &[
            ("champion", &c.champion.lift_by_decile),
            ("challenger", &c.challenger.lift_by_decile),
        ],
    );
    let top: Vec<(String, f64)> = d
        .features
        .iter()
        .take(15)
        .map(|p| (p.feature.clone(), p.psi))
        .collect();
    let psi_chart = bars(
        &top,
        "Feature PSI (largest 15)",
        "population stability index",
    );
    // flagged features first, then the largest; flips and changes first
    let mut psi: Vec<_> = d.features.iter().collect();
    psi.sort_by(|a, b| {
        (a.flag == "stable")
            .cmp(&(b.flag == "stable"))
            .then(b.psi.total_cmp(&a.psi))
    });
    let mut coefficients: Vec<_> = d.coefficients.iter().collect();
    coefficients.sort_by_key(|k| !(k.sign_flip || k.significant_change));
    render(
        "review.html",
        TEMPLATE,
        minijinja::context! {
            r => r,
            psi => psi,
            coefficients => coefficients,
            tiers => TIERS,
            quadrants => QUADRANTS,
            charts => minijinja::context! { lift => safe(lift), psi => safe(psi_chart) },
        },
    )
}
