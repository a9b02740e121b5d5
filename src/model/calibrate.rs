//! Calibration of the hybrid's linear score into a probability: Platt
//! (the logistic stack itself) or isotonic regression (pool adjacent
//! violators, linearly interpolated like scikit-learn's
//! `IsotonicRegression(out_of_bounds="clip")`), chosen by log loss.

use serde::{Deserialize, Serialize};

use crate::model::logistic::sigmoid;

/// Isotonic needs at least this many validation deals to be considered.
pub const MIN_ISOTONIC_ROWS: usize = 1000;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "method", rename_all = "lowercase")]
pub enum Calibration {
    Platt,
    Isotonic { x: Vec<f64>, y: Vec<f64> },
}

impl Calibration {
    pub fn apply(&self, z: f64) -> f64 {
        match self {
            Calibration::Platt => sigmoid(z),
            Calibration::Isotonic { x, y } => interpolate(x, y, z).clamp(1e-6, 1.0 - 1e-6),
        }
    }
    pub fn name(&self) -> &'static str {
        match self {
            Calibration::Platt => "platt",
            Calibration::Isotonic { .. } => "isotonic",
        }
    }
}

fn interpolate(x: &[f64], y: &[f64], z: f64) -> f64 {
    if x.is_empty() {
        return 0.5;
    }
    if z <= x[0] {
        return y[0];
    }
    let last = x.len() - 1;
    if z >= x[last] {
        return y[last];
    }
    let k = x.partition_point(|v| *v <= z) - 1;
    let span = x[k + 1] - x[k];
    if span <= 0.0 {
        y[k + 1]
    } else {
        y[k] + (y[k + 1] - y[k]) * (z - x[k]) / span
    }
}

/// Fits a non-decreasing step function of `z` to the labels (PAV); returns
/// the breakpoints (x, fitted rate) that scikit-learn would interpolate.
pub fn isotonic(z: &[f64], y: &[u8]) -> Calibration {
    let mut idx: Vec<usize> = (0..z.len()).collect();
    idx.sort_by(|&a, &b| z[a].total_cmp(&z[b]));
    // blocks of equal z first (scikit-learn merges ties), then PAV
    let mut blocks: Vec<(f64, f64, f64)> = vec![]; // (sum y, weight, x)
    for &i in &idx {
        match blocks.last_mut() {
            Some(b) if b.2 == z[i] => {
                b.0 += f64::from(y[i]);
                b.1 += 1.0;
            }
            _ => blocks.push((f64::from(y[i]), 1.0, z[i])),
        }
    }
    let mut stack: Vec<(f64, f64, f64, f64)> = vec![]; // (sum y, weight, x_first, x_last)
    for (s, w, x) in blocks {
        stack.push((s, w, x, x));
        while stack.len() > 1 {
            let n = stack.len();
            if stack[n - 2].0 / stack[n - 2].1 > stack[n - 1].0 / stack[n - 1].1 {
                let top = stack.pop().unwrap_or_default();
                let prev = stack.last_mut().expect("two blocks");
                prev.0 += top.0;
                prev.1 += top.1;
                prev.3 = top.3;
            } else {
                break;
            }
        }
    }
    let (mut xs, mut ys) = (vec![], vec![]);
    for (s, w, first, last) in stack {
        xs.push(first);
        ys.push(s / w);
        if last > first {
            xs.push(last);
            ys.push(s / w);
        }
    }
    Calibration::Isotonic { x: xs, y: ys }
}

#[cfg(test)]
mod tests {
    use super::*;

    // scikit-learn 1.9.1:
    //   IsotonicRegression(out_of_bounds="clip").fit([1,2,3,4,5,6], [0,1,0,0,1,1])
    //   .predict([0, 1, 2.5, 3.5, 5, 7]) -> [0, 0, 0.3333.., 0.3333.., 1, 1]
    #[test]
    fn matches_scikit_learn_isotonic() {
        let c = isotonic(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[0, 1, 0, 0, 1, 1]);
        let Calibration::Isotonic { x, y } = &c else {
            panic!()
        };
        let p: Vec<f64> = [0.0, 1.0, 2.5, 3.5, 5.0, 7.0]
            .iter()
            .map(|z| interpolate(x, y, *z))
            .collect();
        let want = [0.0, 0.0, 1.0 / 3.0, 1.0 / 3.0, 1.0, 1.0];
        for (a, b) in p.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{p:?}");
        }
    }
}
