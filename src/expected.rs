//! Expected wins of an open pipeline, before any outcome is known: if the
//! calibrated probabilities are right, the wins of deals with
//! probabilities p₁..pₙ follow the Poisson-binomial distribution, with
//! mean Σp. Per tier and quadrant: the open deals, the wins they should
//! bring and the distribution's central 95% interval; with a later export,
//! the wins they did bring beside them (PRODUCT.md §7a, `expected`).

use serde::Serialize;

use crate::contract::{QUADRANTS, TIERS};
use crate::model::{Model, Prediction};

/// Exact up to this many deals (O(n²) convolution); beyond, the refined
/// normal approximation (skewness-corrected, with continuity correction).
const EXACT_UP_TO: usize = 20_000;

/// P(W = k) for k = 0..=n, the wins of independent deals won with
/// probabilities `p` (exact: one convolution per deal).
pub fn pmf(p: &[f64]) -> Vec<f64> {
    let mut f = vec![0.0; p.len() + 1];
    f[0] = 1.0;
    for (i, &q) in p.iter().enumerate() {
        let q = q.clamp(0.0, 1.0);
        for k in (1..=i + 1).rev() {
            f[k] = f[k] * (1.0 - q) + f[k - 1] * q;
        }
        f[0] *= 1.0 - q;
    }
    f
}

fn normal_cdf(x: f64) -> f64 {
    0.5 * puruspe::erfc(-x / std::f64::consts::SQRT_2)
}

/// P(W <= k) by the refined normal approximation (Volkova 1996).
fn rna_cdf(k: f64, mean: f64, sd: f64, skew: f64) -> f64 {
    let x = (k + 0.5 - mean) / sd;
    let phi = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
    (normal_cdf(x) + skew * (1.0 - x * x) * phi / 6.0).clamp(0.0, 1.0)
}

/// The wins' mean and central interval at `level` (0.95: the smallest k
/// with P(W <= k) >= 2.5%, and the smallest with P(W <= k) >= 97.5%).
pub fn interval(p: &[f64], level: f64) -> (f64, usize, usize) {
    let mean: f64 = p.iter().sum();
    let (lo_q, hi_q) = ((1.0 - level) / 2.0, (1.0 + level) / 2.0);
    let quantile = |cdf: &dyn Fn(usize) -> f64, q: f64| -> usize {
        // the CDF rises with k: the first k reaching q, by bisection
        let (mut a, mut b) = (0usize, p.len());
        while a < b {
            let m = (a + b) / 2;
            if cdf(m) >= q {
                b = m;
            } else {
                a = m + 1;
            }
        }
        a
    };
    if p.len() <= EXACT_UP_TO {
        let f = pmf(p);
        let mut cum = Vec::with_capacity(f.len());
        let mut s = 0.0;
        for v in f {
            s += v;
            cum.push(s);
        }
        let cdf = |k: usize| cum[k];
        return (mean, quantile(&cdf, lo_q), quantile(&cdf, hi_q));
    }
    let var: f64 = p.iter().map(|q| q * (1.0 - q)).sum();
    let sd = var.sqrt().max(1e-12);
    let skew = p
        .iter()
        .map(|q| q * (1.0 - q) * (1.0 - 2.0 * q))
        .sum::<f64>()
        / sd.powi(3);
    let cdf = |k: usize| rna_cdf(k as f64, mean, sd, skew);
    (mean, quantile(&cdf, lo_q), quantile(&cdf, hi_q))
}

/// One tier's or quadrant's open deals and the wins expected of them; the
/// realized figures once a later export says how they ended.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Group {
    pub name: String,
    pub opportunities: usize,
    /// The sum of the calibrated probabilities.
    pub expected_won: f64,
    /// The Poisson-binomial 95% interval of the wins.
    pub ci_low: usize,
    pub ci_high: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub won: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub still_open: Option<usize>,
    /// `as expected` (inside the interval), `below`, `above`, or `open`
    /// (below so far, with enough deals still open to reach it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
}

impl Group {
    /// "Tier 1: 412 open deals, 126 wins expected (115–137)", and the
    /// outcome when known.
    pub fn sentence(&self) -> String {
        let mut s = format!(
            "{}: {} open deal{}, {:.0} win{} expected ({}\u{2013}{})",
            self.name,
            self.opportunities,
            if self.opportunities == 1 { "" } else { "s" },
            self.expected_won,
            if self.expected_won.round() == 1.0 {
                ""
            } else {
                "s"
            },
            self.ci_low,
            self.ci_high
        );
        if let (Some(w), Some(v)) = (self.won, &self.verdict) {
            let open = self.still_open.unwrap_or(0);
            s += &format!("; {w} won");
            if open > 0 {
                s += &format!(", {open} still open");
            }
            s += &format!(": {v}");
        }
        s
    }
}

/// The open pipeline's expected wins in all (`total`, flattened: its
/// `opportunities`, `expected_won`, interval and realized figures) and per
/// tier and quadrant.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Expected {
    /// The day the deals were open and scored.
    pub as_of: String,
    /// Where the deals and probabilities come from.
    pub source: String,
    #[serde(flatten)]
    pub total: Group,
    pub tiers: Vec<Group>,
    pub quadrants: Vec<Group>,
}

/// One open deal: its calibrated probability, tier and quadrant, and how
/// it ended when known (Some(true) won, Some(false) lost, None open).
pub struct Deal {
    pub probability: f64,
    pub tier: &'static str,
    pub quadrant: &'static str,
    pub outcome: Option<Option<bool>>,
}

/// The deals of a prediction's rows, each with its tier and quadrant;
/// `outcome(row)` says how a row's deal ended (`Some(None)`: still open),
/// or None to leave the row out; `known = false` (no later export yet)
/// keeps the rows and drops their outcomes.
pub fn deals(
    model: &Model,
    prediction: &Prediction,
    known: bool,
    outcome: impl Fn(usize) -> Option<Option<bool>>,
) -> Vec<Deal> {
    let (lin, rules) = (&prediction.linear, &prediction.rules);
    (0..prediction.probability.len())
        .filter_map(|r| {
            let out = outcome(r)?;
            let p = prediction.probability[r];
            Some(Deal {
                probability: p,
                tier: model.tier(prediction.tier_value[r], rules.disqualified[r].is_some()),
                quadrant: model.quadrant(lin.fit[r], lin.timing[r]).2,
                outcome: known.then_some(out),
            })
        })
        .collect()
}

fn group(name: &str, deals: &[&Deal]) -> Group {
    let p: Vec<f64> = deals
        .iter()
        .map(|d| d.probability)
        .filter(|p| p.is_finite())
        .collect();
    let (mean, lo, hi) = interval(&p, 0.95);
    let known = deals.iter().all(|d| d.outcome.is_some()) && !deals.is_empty();
    let count = |want: Option<bool>| deals.iter().filter(|d| d.outcome == Some(want)).count();
    let (won, lost, open) = (count(Some(true)), count(Some(false)), count(None));
    let verdict = known.then(|| {
        if won > hi {
            "above: more wins than the probabilities allow"
        } else if won >= lo {
            "as expected"
        } else if won + open >= lo {
            "open: below the interval so far, with deals still open"
        } else {
            "below: fewer wins than the probabilities allow"
        }
        .to_string()
    });
    Group {
        name: name.to_string(),
        opportunities: deals.len(),
        expected_won: mean,
        ci_low: lo,
        ci_high: hi,
        won: known.then_some(won),
        lost: known.then_some(lost),
        still_open: known.then_some(open),
        verdict,
    }
}

/// The expected wins of `deals` per tier and quadrant (empty groups left out).
pub fn expected(deals: &[Deal], as_of: &str, source: String) -> Expected {
    let all: Vec<&Deal> = deals.iter().collect();
    let by = |names: &[&str], quadrant: bool| -> Vec<Group> {
        names
            .iter()
            .map(|n| {
                let g: Vec<&Deal> = deals
                    .iter()
                    .filter(|d| (if quadrant { d.quadrant } else { d.tier }) == *n)
                    .collect();
                group(n, &g)
            })
            .filter(|g| g.opportunities > 0)
            .collect()
    };
    Expected {
        as_of: as_of.to_string(),
        source,
        total: group("all", &all),
        tiers: by(&TIERS, false),
        quadrants: by(&QUADRANTS, true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pmf_of_two_deals() {
        let f = pmf(&[0.5, 0.2]);
        let want = [0.4, 0.5, 0.1];
        for (a, b) in f.iter().zip(want) {
            assert!((a - b).abs() < 1e-15);
        }
    }

    /// The approximation against the exact distribution where both apply:
    /// the same interval within a win.
    #[test]
    fn refined_normal_approximation_matches_exact() {
        let p: Vec<f64> = (0..5000)
            .map(|i| 0.02 + 0.9 * ((i * 7919) % 1000) as f64 / 1000.0)
            .collect();
        let (mean, lo, hi) = interval(&p, 0.95);
        let var: f64 = p.iter().map(|q| q * (1.0 - q)).sum();
        let sd = var.sqrt();
        let skew = p
            .iter()
            .map(|q| q * (1.0 - q) * (1.0 - 2.0 * q))
            .sum::<f64>()
            / sd.powi(3);
        let first = |q: f64| {
            (0..=p.len())
                .find(|&k| rna_cdf(k as f64, mean, sd, skew) >= q)
                .unwrap()
        };
        assert!(first(0.025).abs_diff(lo) <= 1, "{} vs {lo}", first(0.025));
        assert!(first(0.975).abs_diff(hi) <= 1, "{} vs {hi}", first(0.975));
    }
}
