//! The forms in which a numeric feature enters the model (a term's shape),
//! applied the same way by the fit, the scorer and the exported SQL.

use serde::{Deserialize, Serialize};

/// The form in which a source column enters the model. Buyer signals act
/// as presence (the first demo request matters) and saturate (the fifth
/// adds little); a scheduled event matters when it is near.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// The value itself.
    #[default]
    Linear,
    /// 1 when the value is above 0.
    Presence,
    /// ln(1 + max(value, 0)).
    Log,
    /// 1 when a days-until value is at most this many days and below the
    /// recency cap (the "no event" value).
    Within { days: u32, cap: u32 },
}

impl Shape {
    pub fn apply(self, v: f64) -> f64 {
        match self {
            Shape::Linear => v,
            Shape::Presence => f64::from(u8::from(v > 0.0)),
            Shape::Log => v.max(0.0).ln_1p(),
            Shape::Within { days, cap } => {
                f64::from(u8::from(v <= f64::from(days) && v < f64::from(cap)))
            }
        }
    }

    /// The suffix of a term name in this shape.
    pub fn suffix(self) -> String {
        match self {
            Shape::Linear => String::new(),
            Shape::Presence => "_any".into(),
            Shape::Log => "_log".into(),
            Shape::Within { days, .. } => format!("_within_{days}d"),
        }
    }
}
