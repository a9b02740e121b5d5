//! What the score means for the sales team: accounts, expected wins and
//! expected pipeline per tier, quadrant and segment of the training universe,
//! held-out win rates per tier and quadrant, and how many quarters the
//! Tier 1 and Tier 2 accounts last at the configured sales capacity.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::CapacityConfig;

use crate::contract::{QUADRANTS, TIERS};

/// One group (tier or quadrant): universe accounts, their expected wins and
/// pipeline, and the held-out deals that fell into it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct GroupRow {
    pub name: String,
    pub accounts: usize,
    /// Sum of the hybrid probabilities of the group's accounts.
    pub expected_wins: f64,
    /// Sum over accounts of probability times the segment's average won amount.
    pub expected_pipeline: f64,
    pub test_deals: usize,
    pub test_won: usize,
}

impl GroupRow {
    pub fn test_win_rate(&self) -> Option<f64> {
        (self.test_deals > 0).then(|| self.test_won as f64 / self.test_deals as f64)
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SegmentRow {
    pub segment: String,
    pub accounts: usize,
    pub disqualified: usize,
    /// Sum of the probabilities of the segment's accounts that are not disqualified.
    pub expected_wins: f64,
    /// Mean amount of the segment's won deals (all won deals when it has none).
    pub avg_won_amount: f64,
    pub expected_pipeline: f64,
    pub tier1: usize,
    pub tier2: usize,
    /// Quarters of the whole team's capacity that the segment's Tier 1 and 2 accounts take.
    pub quarters: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Capacity {
    pub reps: u32,
    pub accounts_per_rep_per_quarter: u32,
    pub tier12_accounts: usize,
    /// How many quarters the Tier 1 and 2 accounts last at that capacity.
    pub quarters: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Planning {
    pub tiers: Vec<GroupRow>,
    pub quadrants: Vec<GroupRow>,
    pub segments: Vec<SegmentRow>,
    pub capacity: Capacity,
}

/// Universe accounts, scored.
pub struct UniverseRows<'a> {
    pub segment: &'a [String],
    pub probability: &'a [f64],
    pub tier: &'a [&'static str],
    pub quadrant: &'a [&'static str],
}

/// Held-out deals, scored: (tier, quadrant, won).
pub type TestRow = (&'static str, &'static str, bool);

/// Average won amount per segment from (segment, won, amount) of closed
/// deals; missing amounts are skipped, segments without a won amount get the
/// overall average (0 when no deal has an amount).
pub fn won_amounts<'a>(
    deals: impl Iterator<Item = (&'a str, bool, f64)>,
) -> (BTreeMap<String, f64>, f64) {
    let mut per: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    let (mut sum, mut n) = (0.0, 0usize);
    for (seg, won, amount) in deals {
        if won && amount.is_finite() {
            let e = per.entry(seg.to_string()).or_default();
            e.0 += amount;
            e.1 += 1;
            sum += amount;
            n += 1;
        }
    }
    let overall = if n > 0 { sum / n as f64 } else { 0.0 };
    (
        per.into_iter()
            .map(|(k, (s, c))| (k, s / c as f64))
            .collect(),
        overall,
    )
}

pub fn plan(
    u: &UniverseRows,
    test: &[TestRow],
    amounts: &(BTreeMap<String, f64>, f64),
    cap: &CapacityConfig,
) -> Planning {
    let amount = |seg: &str| amounts.0.get(seg).copied().unwrap_or(amounts.1);
    let mut tiers: Vec<GroupRow> = TIERS.iter().map(|t| group(t)).collect();
    let mut quadrants: Vec<GroupRow> = QUADRANTS.iter().map(|q| group(q)).collect();
    let mut segments: BTreeMap<&str, SegmentRow> = BTreeMap::new();
    for r in 0..u.probability.len() {
        let (p, seg) = (u.probability[r], u.segment[r].as_str());
        let pipeline = p * amount(seg);
        for g in [
            find(&mut tiers, u.tier[r]),
            find(&mut quadrants, u.quadrant[r]),
        ] {
            g.accounts += 1;
            g.expected_wins += p;
            g.expected_pipeline += pipeline;
        }
        let s = segments.entry(seg).or_insert_with(|| SegmentRow {
            segment: seg.to_string(),
            avg_won_amount: amount(seg),
            ..Default::default()
        });
        s.accounts += 1;
        match u.tier[r] {
            "Disqualified" => s.disqualified += 1,
            t => {
                s.expected_wins += p;
                s.expected_pipeline += pipeline;
                s.tier1 += usize::from(t == "Tier 1");
                s.tier2 += usize::from(t == "Tier 2");
            }
        }
    }
    for &(tier, quadrant, won) in test {
        for g in [find(&mut tiers, tier), find(&mut quadrants, quadrant)] {
            g.test_deals += 1;
            g.test_won += usize::from(won);
        }
    }
    let per_quarter = cap.accounts_per_quarter();
    let mut segments: Vec<SegmentRow> = segments.into_values().collect();
    for s in &mut segments {
        s.quarters = (s.tier1 + s.tier2) as f64 / per_quarter;
    }
    segments.sort_by(|a, b| b.expected_pipeline.total_cmp(&a.expected_pipeline));
    let tier12 = tiers[0].accounts + tiers[1].accounts;
    Planning {
        tiers,
        quadrants,
        segments,
        capacity: Capacity {
            reps: cap.reps,
            accounts_per_rep_per_quarter: cap.accounts_per_rep_per_quarter,
            tier12_accounts: tier12,
            quarters: tier12 as f64 / per_quarter,
        },
    }
}

fn group(name: &str) -> GroupRow {
    GroupRow {
        name: name.to_string(),
        ..Default::default()
    }
}

fn find<'a>(rows: &'a mut [GroupRow], name: &str) -> &'a mut GroupRow {
    let i = rows.iter().position(|g| g.name == name).unwrap_or(0);
    &mut rows[i]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_per_group_and_segment() {
        let seg: Vec<String> = ["A", "A", "B", "B"].map(String::from).to_vec();
        let u = UniverseRows {
            segment: &seg,
            probability: &[0.5, 0.25, 0.1, 0.9],
            tier: &["Tier 1", "Tier 2", "Tier 3", "Disqualified"],
            quadrant: &["Good Place", "Good Place", "Bad Place", "False Hope"],
        };
        let amounts = won_amounts(
            [
                ("A", true, 100.0),
                ("A", true, 300.0),
                ("A", false, 1e9),
                ("B", false, 5.0),
            ]
            .into_iter(),
        );
        let cap = CapacityConfig {
            reps: 1,
            accounts_per_rep_per_quarter: 4,
        };
        let p = plan(
            &u,
            &[
                ("Tier 1", "Good Place", true),
                ("Tier 1", "Bad Place", false),
            ],
            &amounts,
            &cap,
        );
        assert_eq!(p.tiers[0].accounts, 1);
        assert_eq!(p.tiers[0].expected_pipeline, 100.0);
        assert_eq!(p.tiers[0].test_win_rate(), Some(0.5));
        assert_eq!(p.quadrants[0].accounts, 2);
        assert_eq!(p.quadrants[0].expected_wins, 0.75);
        let a = p.segments.iter().find(|s| s.segment == "A").unwrap();
        assert_eq!((a.tier1, a.tier2, a.avg_won_amount), (1, 1, 200.0));
        assert_eq!(a.quarters, 0.5);
        // B has no won deal: the overall average; its disqualified account adds nothing
        let b = p.segments.iter().find(|s| s.segment == "B").unwrap();
        assert_eq!((b.disqualified, b.avg_won_amount), (1, 200.0));
        assert!((b.expected_wins - 0.1).abs() < 1e-12);
        assert_eq!(p.capacity.quarters, 0.5);
    }
}
