//! Names the product contract fixes (PRODUCT.md §8): the columns of a
//! scored file and its metadata entries, the tiers and the quadrants. The
//! bottom layer: the config checks CRM fields against them, the scorer
//! writes them, the CRM export, the review and the expected wins read them.

/// The columns `score` writes, in order.
pub const OUTPUT_COLUMNS: [&str; 15] = [
    "account_id",
    "score",
    "probability",
    "model_probability",
    "rule_points",
    "fit_score",
    "timing_score",
    "tier",
    "quadrant",
    "segment",
    "reason_1",
    "reason_2",
    "reason_3",
    "status",
    "model_version",
];

/// The columns `score` writes after `OUTPUT_COLUMNS` for a model with a
/// potential part: the expected amount of a won deal, and the probability
/// times it.
pub const POTENTIAL_COLUMNS: [&str; 2] = ["expected_amount", "expected_value"];

/// Every column a scored file has, in order: `OUTPUT_COLUMNS`, then the
/// potential columns when the model has a potential part.
pub fn output_columns(potential: bool) -> Vec<&'static str> {
    let extra: &[&'static str] = if potential { &POTENTIAL_COLUMNS } else { &[] };
    OUTPUT_COLUMNS.iter().chain(extra).copied().collect()
}

/// The scored file's key-value metadata entries: the model that scored it,
/// the as-of day, and the time it was scored (the CRM's "scored at").
pub const MODEL_VERSION_KEY: &str = "scorebook.model_version";
pub const AS_OF_KEY: &str = "scorebook.as_of";
pub const SCORED_AT_KEY: &str = "scorebook.scored_at";

/// The tiers, best first, and the fit × timing quadrants.
pub const TIERS: [&str; 4] = ["Tier 1", "Tier 2", "Tier 3", "Disqualified"];
pub const QUADRANTS: [&str; 4] = ["Good Place", "Get Back To Me", "False Hope", "Bad Place"];

/// What a CRM field can take its value from: a scored column (but the
/// account id, the key, and the three reasons, which are one field),
/// `reasons` (the three joined with `; `) or `scored_at`.
pub fn field_sources() -> Vec<&'static str> {
    OUTPUT_COLUMNS
        .iter()
        .copied()
        .filter(|c| *c != "account_id" && !c.starts_with("reason_"))
        .chain(["reasons", "scored_at"])
        .collect()
}
