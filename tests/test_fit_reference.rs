//! The logistic fit against scikit-learn on a fixed data set.
//!
//! Data and figures: `python3 tests/reference/logistic_sklearn.py`
//! (scikit-learn 1.9.1, `LogisticRegression(C=C, tol=1e-12, max_iter=100000)`).
//! The data set is 25% positives, so linfa's own positive class is the
//! majority (0): this also checks that scorebook orients positive = won.

use ndarray::Array2;
use scorebook::model::fit::fit_logistic;

fn data() -> (Array2<f64>, Vec<u8>) {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/logistic_small.csv")).unwrap();
    let mut x = vec![];
    let mut y = vec![];
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|s| s.parse().unwrap()).collect();
        x.extend_from_slice(&v[..3]);
        y.push(v[3] as u8);
    }
    (Array2::from_shape_vec((y.len(), 3), x).unwrap(), y)
}

fn check(c: f64, intercept: f64, coef: [f64; 3]) {
    let (x, y) = data();
    let (b0, b) = fit_logistic(&x, &y, c, 10_000).unwrap();
    assert!((b0 - intercept).abs() < 1e-4, "C={c}: intercept {b0} vs scikit-learn {intercept}");
    for j in 0..3 {
        assert!((b[j] - coef[j]).abs() < 1e-4, "C={c}: coef {j} {} vs scikit-learn {}", b[j], coef[j]);
    }
}

#[test]
fn matches_scikit_learn_at_c_1() {
    check(1.0, -1.2138817791947463, [0.925999592771104, -0.3223143505312316, 0.6107970336889704]);
}

#[test]
fn matches_scikit_learn_at_c_0_05() {
    check(0.05, -0.9176267120903205, [0.5725217932031453, -0.2912731528542124, 0.1920561160771016]);
}
