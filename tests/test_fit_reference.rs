//! The logistic fit against scikit-learn on a fixed data set.
//!
//! Data and figures: `python3 tests/reference/logistic_sklearn.py`
//! (scikit-learn 1.9.1, `LogisticRegression(C=C, tol=1e-12, max_iter=100000)`).
//! The data set is 25% positives: this also checks that scorebook orients
//! positive = won. Newton's method and scikit-learn at tol=1e-12 both reach
//! the optimum, so they agree to 1e-6. The estimator is used as linfa
//! models are: params, `check()`, `Fit` on a `Dataset`, `Predict`; and
//! linfa-logistic's L-BFGS (the second solver) agrees with Newton to 1e-4.

use linfa::prelude::*;
use ndarray::Array2;
use scorebook::config::Solver;
use scorebook::model::logistic::{FittedLogistic, LogisticParams};

fn fit_with(solver: Solver, c: f64) -> FittedLogistic {
    let (x, y) = data();
    let targets: ndarray::Array1<bool> = y.iter().map(|v| *v == 1).collect();
    let ds = Dataset::new(x, targets).with_feature_names(vec![
        "x0".to_string(),
        "x1".into(),
        "x2".into(),
    ]);
    LogisticParams::new(c)
        .solver(solver)
        .max_iterations(10_000)
        .check()
        .unwrap()
        .fit(&ds)
        .unwrap()
}

fn data() -> (Array2<f64>, Vec<u8>) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/logistic_small.csv"
    ))
    .unwrap();
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
    let f = fit_with(Solver::Newton, c);
    let (b0, b) = (f.intercept, f.coefficients.to_vec());
    assert!(
        (b0 - intercept).abs() < 1e-6,
        "C={c}: intercept {b0} vs scikit-learn {intercept}"
    );
    for j in 0..3 {
        assert!(
            (b[j] - coef[j]).abs() < 1e-6,
            "C={c}: coef {j} {} vs scikit-learn {}",
            b[j],
            coef[j]
        );
    }
}

#[test]
fn matches_scikit_learn_at_c_1() {
    check(
        1.0,
        -1.2138817791947463,
        [0.925999592771104, -0.3223143505312316, 0.6107970336889704],
    );
}

#[test]
fn matches_scikit_learn_at_c_0_05() {
    check(
        0.05,
        -0.9176267120903205,
        [0.5725217932031453, -0.2912731528542124, 0.1920561160771016],
    );
}

/// Standard errors from the Fisher information match statsmodels'
/// `Logit(y, add_constant(X)).fit().bse` on the unpenalized fit.
#[test]
fn standard_errors_match_statsmodels() {
    let (x, _) = data();
    let f = fit_with(Solver::Newton, 1e12);
    let (b0, b) = (f.intercept, f.coefficients.to_vec());
    let params = [
        -1.2675515882626722,
        0.9667801854833569,
        -0.3248916280606371,
        0.6963721593621741,
    ];
    let bse = [
        0.26666220672707774,
        0.19471384015932924,
        0.0696983170810362,
        0.35834535392188477,
    ];
    assert!((b0 - params[0]).abs() < 1e-6, "intercept {b0}");
    for j in 0..3 {
        assert!(
            (b[j] - params[j + 1]).abs() < 1e-6,
            "coef {j}: {} vs {}",
            b[j],
            params[j + 1]
        );
    }
    let se = scorebook::model::logistic::standard_errors(x.view(), &f, f64::INFINITY).unwrap();
    for j in 0..4 {
        assert!(
            (se[j] - bse[j]).abs() < 1e-6,
            "se {j}: {} vs statsmodels {}",
            se[j],
            bse[j]
        );
    }
}

/// The two solvers reach the same optimum (issue 11): linfa-logistic's
/// L-BFGS, oriented so positive = won (the data are 25% won, so its own
/// positive class is "lost"), against Newton, and both predict the same.
#[test]
fn lbfgs_agrees_with_newton() {
    let (x, _) = data();
    for c in [1.0, 0.05] {
        let (a, b) = (fit_with(Solver::Newton, c), fit_with(Solver::Lbfgs, c));
        assert!(
            (a.intercept - b.intercept).abs() < 1e-4,
            "C={c}: {a:?} vs {b:?}"
        );
        for (p, q) in a.coefficients.iter().zip(&b.coefficients) {
            assert!((p - q).abs() < 1e-4, "C={c}: {a:?} vs {b:?}");
        }
        let (pa, pb) = (a.predict(&x), b.predict(&x));
        let worst = pa
            .iter()
            .zip(&pb)
            .map(|(p, q)| (p - q).abs())
            .fold(0.0, f64::max);
        assert!(worst < 1e-5, "C={c}: probabilities differ by {worst}");
    }
}

/// Sign constraints (monotone shapes): x1's coefficient held at or below 0
/// and x2's at or above 0, against their fitted signs, at C = 1: the
/// projected Newton fit reaches scipy's L-BFGS-B optimum of the same
/// objective (`bounded C=1.0` in the reference script's output), with both
/// bounds binding and the intercept and x3 refitted around them.
#[test]
fn sign_constraints_match_scipy_bounded_optimum() {
    let (x, y) = data();
    let names = vec!["x0".to_string(), "x1".into(), "x2".into()];
    let f = scorebook::model::logistic::fit(
        LogisticParams::new(1.0).signs(vec![-1, 1, 0]),
        x.view(),
        &y,
        &names,
    )
    .unwrap();
    let want = [-1.405361624083026, 0.0, 0.0, 0.741968823936346];
    let got = [
        f.intercept,
        f.coefficients[0],
        f.coefficients[1],
        f.coefficients[2],
    ];
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() < 1e-6,
            "bounded fit {got:?} vs scipy {want:?}"
        );
    }
    assert!(f.warning.is_none(), "{:?}", f.warning);
    // a sign that agrees with the free fit changes nothing
    let free = fit_with(Solver::Newton, 1.0);
    let same = scorebook::model::logistic::fit(
        LogisticParams::new(1.0).signs(vec![1, -1, 1]),
        x.view(),
        &y,
        &names,
    )
    .unwrap();
    for j in 0..3 {
        assert!((same.coefficients[j] - free.coefficients[j]).abs() < 1e-9);
    }
    // L-BFGS cannot hold a bound: refused, not ignored
    let lbfgs = scorebook::model::logistic::fit(
        LogisticParams::new(1.0)
            .signs(vec![-1, 1, 0])
            .solver(Solver::Lbfgs),
        x.view(),
        &y,
        &names,
    );
    assert!(lbfgs.is_err());
}

/// The potential model's ridge regression of ln(amount) (free intercept)
/// against scikit-learn's `Ridge(alpha)` at alpha = 1 and 50, and Duan's
/// smearing factor at alpha = 1 (`tests/reference/ridge_sklearn.py`).
#[test]
fn ridge_and_smearing_match_scikit_learn() {
    use scorebook::model::potential::{ridge, smearing};
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/ridge_small.csv"
    ))
    .unwrap();
    let (mut x, mut y) = (vec![], vec![]);
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|s| s.parse().unwrap()).collect();
        x.extend_from_slice(&v[..3]);
        y.push(v[3]);
    }
    let x = Array2::from_shape_vec((y.len(), 3), x).unwrap();
    for (alpha, b0_want, b_want) in [
        (
            1.0,
            8.078670391188968,
            [0.5883279598508175, -0.31449689868070163, 0.2683461350568094],
        ),
        (
            50.0,
            8.266134262193368,
            [0.5586881924419811, -0.256478201080533, 0.12354412042003514],
        ),
    ] {
        let (b0, b) = ridge(x.view(), &y, alpha).unwrap();
        assert!(
            (b0 - b0_want).abs() < 1e-9,
            "alpha {alpha}: intercept {b0} vs {b0_want}"
        );
        for j in 0..3 {
            assert!(
                (b[j] - b_want[j]).abs() < 1e-9,
                "alpha {alpha}: {b:?} vs {b_want:?}"
            );
        }
        if alpha == 1.0 {
            let p: Vec<f64> = x
                .rows()
                .into_iter()
                .map(|r| b0 + r.dot(&ndarray::arr1(&b)))
                .collect();
            let s = smearing(&y, &p);
            assert!((s - 1.1368552571986301).abs() < 1e-9, "smearing {s}");
        }
    }
}
