//! The logistic-regression estimator as a linfa model: L2-penalized
//! logistic regression, scikit-learn's `LogisticRegression(C=c)` (the
//! summed log loss plus `0.5 / C * |w|^2`, intercept not penalized),
//! positive class = won.
//!
//! Hyperparameters go `LogisticParams` → `check()` (linfa's `ParamGuard`)
//! → `ValidLogisticParams`, which implements linfa's `Fit` over a
//! `linfa::Dataset` (records, won/lost targets, feature names); the fitted
//! model implements linfa's `Predict` (probabilities of winning). Every
//! fit of training goes through it: the penalty search, the refit, the
//! hybrid stack and the rules baseline.
//!
//! Two solvers (`[model] solver`):
//! - `newton` (default): Newton's method with a backtracking line search.
//!   It converges quadratically on this smooth, strictly convex problem: a
//!   handful of passes reach the optimum to machine precision, where
//!   first-order solvers crawl along collinear signal-window features. Each
//!   pass computes the gradient and the Hessian `[1 X]' W [1 X]` in
//!   parallel row chunks, one matrix product per chunk; the step solves
//!   the Hessian by Cholesky.
//! - `lbfgs`: linfa-logistic's L-BFGS, configured to solve the same
//!   problem: `alpha = 1/C`, a gradient tolerance scaled to the rows,
//!   warm starts as initial parameters, and its positive class (the
//!   majority class) turned so that positive means won.
//!
//! Convergence is judged the same way for both: the largest gradient
//! component per deal at the solution. Not converging within the allowed
//! iterations is an error naming the fit and the gradient left, or, when
//! the fit is usable, a warning carried to the report.

use linfa::dataset::{AsSingleTargets, DatasetBase};
use linfa::traits::{Fit, PredictInplace};
use linfa::ParamGuard;
use ndarray::{Array1, Array2, ArrayBase, ArrayView2, Data, Ix2};

use crate::config::Solver;
use crate::error::{Error, Result};

/// A gradient component per deal below this: converged.
const CONVERGED: f64 = 1e-6;
/// Below this, a fit that ran out of iterations is still usable (a warning).
const USABLE: f64 = 1e-3;

/// Unchecked hyperparameters of the logistic fit.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticParams(ValidLogisticParams);

/// Checked hyperparameters: only these can fit.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidLogisticParams {
    name: String,
    /// The inverse penalty; None: unpenalized, with a ridge of 1e-9 per
    /// deal that keeps the fit defined under separation.
    c: Option<f64>,
    max_iterations: u64,
    solver: Solver,
    /// Warm start: (intercept, coefficients).
    start: Option<(f64, Vec<f64>)>,
    /// A fixed part of each row's linear predictor (a pinned weight).
    offset: Option<Vec<f64>>,
    /// Sign constraints, one per coefficient: 1 held at or above 0, -1 at
    /// or below, 0 free (monotone shapes).
    signs: Option<Vec<i8>>,
}

impl LogisticParams {
    /// The penalized fit at inverse penalty `c` (scikit-learn's C).
    pub fn new(c: f64) -> LogisticParams {
        LogisticParams(ValidLogisticParams {
            name: "logistic".into(),
            c: Some(c),
            max_iterations: 1000,
            solver: Solver::Newton,
            start: None,
            offset: None,
            signs: None,
        })
    }

    /// An unpenalized fit (the few-parameter stacks).
    pub fn unpenalized() -> LogisticParams {
        let mut p = LogisticParams::new(1.0);
        p.0.c = None;
        p
    }

    /// Which fit this is, for messages ("penalty search at C = 0.1").
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.0.name = name.into();
        self
    }

    pub fn max_iterations(mut self, n: u64) -> Self {
        self.0.max_iterations = n;
        self
    }

    pub fn solver(mut self, s: Solver) -> Self {
        self.0.solver = s;
        self
    }

    /// Starts from (intercept, coefficients), e.g. the fit at a
    /// neighbouring C: fewer iterations, the same optimum.
    pub fn warm_start(mut self, intercept: f64, coefficients: &[f64]) -> Self {
        self.0.start = Some((intercept, coefficients.to_vec()));
        self
    }

    /// A fixed offset added to each row's linear predictor.
    pub fn offset(mut self, offset: Vec<f64>) -> Self {
        self.0.offset = Some(offset);
        self
    }

    /// Holds coefficient j at or above 0 where `signs[j]` is 1, at or below
    /// where it is -1 (free where 0, and past the end of `signs`: columns
    /// appended later, as pair cells): a projected Newton fit. No-op when
    /// every sign is 0.
    pub fn signs(mut self, signs: Vec<i8>) -> Self {
        self.0.signs = signs.iter().any(|s| *s != 0).then_some(signs);
        self
    }
}

impl ParamGuard for LogisticParams {
    type Checked = ValidLogisticParams;
    type Error = Error;

    fn check_ref(&self) -> Result<&ValidLogisticParams> {
        let p = &self.0;
        if let Some(c) = p.c {
            if !(c.is_finite() && c > 0.0) {
                return Err(Error::Fit(format!("C must be finite and > 0, got {c}")));
            }
        }
        if p.max_iterations == 0 {
            return Err(Error::Fit(
                "max_iterations must be at least 1, got 0".into(),
            ));
        }
        if p.solver == Solver::Lbfgs && p.offset.is_some() {
            return Err(Error::Fit(
                "an offset (pinned weight) needs the newton solver".into(),
            ));
        }
        if p.solver == Solver::Lbfgs && p.signs.is_some() {
            return Err(Error::Fit(
                "monotone shapes (sign constraints) need the newton solver".into(),
            ));
        }
        Ok(p)
    }

    fn check(self) -> Result<ValidLogisticParams> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// A fitted logistic regression: positive means won.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedLogistic {
    pub intercept: f64,
    pub coefficients: Array1<f64>,
    /// Iterations the solver used.
    pub iterations: u64,
    /// The largest gradient component per deal at the solution.
    pub gradient: f64,
    /// Set when the fit ran out of iterations but is usable.
    pub warning: Option<String>,
}

impl FittedLogistic {
    /// The linear predictor (log-odds of winning) of each row.
    pub fn linear_predictor<A: Real, D: Data<Elem = A>>(
        &self,
        x: &ArrayBase<D, Ix2>,
    ) -> Array1<f64> {
        x.rows()
            .into_iter()
            .map(|r| {
                r.iter()
                    .zip(&self.coefficients)
                    .map(|(v, b)| v.wide() * b)
                    .sum::<f64>()
                    + self.intercept
            })
            .collect()
    }
}

impl<A: Real, D: Data<Elem = A>> PredictInplace<ArrayBase<D, Ix2>, Array1<f64>> for FittedLogistic {
    /// Probabilities of winning.
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array1<f64>) {
        for (p, e) in y.iter_mut().zip(self.linear_predictor(x)) {
            *p = sigmoid(e);
        }
    }

    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array1<f64> {
        Array1::zeros(x.nrows())
    }
}

/// A design matrix's element: f64, or f32 for a large design kept in half
/// the memory (each chunk is widened to f64 for the solver's arithmetic).
pub trait Real: Copy + Send + Sync + 'static {
    fn wide(self) -> f64;
    fn narrow(v: f64) -> Self;
}

impl Real for f64 {
    fn wide(self) -> f64 {
        self
    }
    fn narrow(v: f64) -> Self {
        v
    }
}

impl Real for f32 {
    fn wide(self) -> f64 {
        f64::from(self)
    }
    fn narrow(v: f64) -> Self {
        v as f32
    }
}

impl<A: Real, D: Data<Elem = A>, T: AsSingleTargets<Elem = bool>> Fit<ArrayBase<D, Ix2>, T, Error>
    for ValidLogisticParams
{
    type Object = FittedLogistic;

    fn fit(&self, ds: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<FittedLogistic> {
        let x = ds.records().view();
        let y: Vec<u8> = ds
            .targets()
            .as_single_targets()
            .iter()
            .map(|w| u8::from(*w))
            .collect();
        let n = y.len();
        if x.nrows() != n || n == 0 {
            return Err(Error::Fit(format!(
                "{}: {} rows of features for {n} labels",
                self.name,
                x.nrows()
            )));
        }
        if y.iter().all(|v| *v == 1) || y.iter().all(|v| *v == 0) {
            return Err(Error::Fit(format!(
                "{}: only one class (all won or all lost)",
                self.name
            )));
        }
        if let Some(o) = &self.offset {
            if o.len() != n {
                return Err(Error::Fit(format!(
                    "{}: an offset of {} values for {n} rows",
                    self.name,
                    o.len()
                )));
            }
        }
        if x.iter().any(|v| !v.wide().is_finite()) {
            return Err(Error::Fit(format!(
                "{}: a feature value is not finite",
                self.name
            )));
        }
        let alpha = self.c.map_or(1e-9 * n as f64, |c| 1.0 / c);
        let offset = self.offset.as_deref();
        let k = x.ncols() + 1;
        let signs = Signs::new(self.signs.as_deref(), k)
            .map_err(|e| Error::Fit(format!("{}: {e}", self.name)))?;
        let start: Option<Vec<f64>> = self
            .start
            .as_ref()
            .filter(|(_, b)| b.len() == k - 1)
            .map(|(b0, b)| std::iter::once(*b0).chain(b.iter().copied()).collect());
        let (beta, iterations, converged) = match self.solver {
            Solver::Newton => newton(x, &y, offset, alpha, self.max_iterations, start, &signs)?,
            Solver::Lbfgs => lbfgs(
                x.mapv(Real::wide).view(),
                &y,
                alpha,
                self.max_iterations,
                start,
            )?,
        };
        if beta.iter().any(|b| !b.is_finite()) {
            return Err(Error::Fit(format!("{}: the fit diverged", self.name)));
        }
        let pass = newton_pass(x, Some(&y), offset, &beta, alpha, Some(1));
        // at a bound, only the gradient's part that could move inward counts
        let held = signs.held(&beta, &pass.gradient);
        let gradient = pass
            .gradient
            .iter()
            .zip(&held)
            .filter(|(_, h)| !**h)
            .fold(0.0_f64, |m, (g, _)| m.max(g.abs()))
            / n as f64;
        let warning = if converged || gradient <= CONVERGED {
            None
        } else if gradient <= USABLE {
            Some(format!(
                "{}: stopped after {iterations} iterations with a gradient of {gradient:.1e} per deal (converged is below {CONVERGED:.0e}); the fit is usable, raise [model] max_iterations to finish it",
                self.name
            ))
        } else {
            return Err(Error::Fit(format!(
                "{} did not converge within {iterations} iterations: a gradient of {gradient:.1e} per deal is left (usable below {USABLE:.0e}); raise [model] max_iterations or try the other [model] solver",
                self.name
            )));
        };
        Ok(FittedLogistic {
            intercept: beta[0],
            coefficients: Array1::from(beta[1..].to_vec()),
            iterations,
            gradient,
            warning,
        })
    }
}

/// Sign constraints on beta = [intercept, w...] (the intercept is free).
struct Signs(Vec<i8>);

impl Signs {
    fn new(signs: Option<&[i8]>, k: usize) -> std::result::Result<Signs, String> {
        match signs {
            None => Ok(Signs(vec![0; k])),
            // the coefficients past the signs given are free
            Some(s) if s.len() < k => Ok(Signs(
                std::iter::once(0)
                    .chain(s.iter().copied())
                    .chain(std::iter::repeat(0))
                    .take(k)
                    .collect(),
            )),
            Some(s) => Err(format!(
                "{} sign constraints for {} coefficients",
                s.len(),
                k - 1
            )),
        }
    }

    fn any(&self) -> bool {
        self.0.iter().any(|s| *s != 0)
    }

    /// `beta` moved onto the feasible side of each bound.
    fn project(&self, beta: &mut [f64]) {
        for (b, s) in beta.iter_mut().zip(&self.0) {
            if f64::from(*s) * *b < 0.0 {
                *b = 0.0;
            }
        }
    }

    /// The coefficients held at their bound: at it, with the descent
    /// direction (minus the gradient) pointing out of the feasible side.
    fn held(&self, beta: &[f64], gradient: &[f64]) -> Vec<bool> {
        self.0
            .iter()
            .zip(beta.iter().zip(gradient))
            .map(|(s, (b, g))| *s != 0 && f64::from(*s) * b <= 0.0 && f64::from(*s) * g > 0.0)
            .collect()
    }
}

/// The Newton step on the coefficients not `held` (0 on the held ones).
fn free_step(hessian: &Array2<f64>, gradient: &[f64], held: &[bool]) -> Option<Vec<f64>> {
    if !held.iter().any(|h| *h) {
        return cholesky_solve(hessian, gradient);
    }
    let free: Vec<usize> = (0..gradient.len()).filter(|j| !held[*j]).collect();
    let h = hessian
        .select(ndarray::Axis(0), &free)
        .select(ndarray::Axis(1), &free);
    let g: Vec<f64> = free.iter().map(|j| gradient[*j]).collect();
    let s = cholesky_solve(&h, &g)?;
    let mut step = vec![0.0; gradient.len()];
    for (j, v) in free.iter().zip(s) {
        step[*j] = v;
    }
    Some(step)
}

/// Newton's method with a backtracking line search, from the base rate or
/// `start`; with sign constraints, a projected Newton method (Bertsekas
/// 1982): the coefficients held at their bound are left out of the step,
/// and each trial point is projected onto the feasible side. Returns
/// (beta = [intercept, w...], iterations, converged).
fn newton<A: Real>(
    x: ArrayView2<A>,
    y: &[u8],
    offset: Option<&[f64]>,
    alpha: f64,
    max_iterations: u64,
    start: Option<Vec<f64>>,
    signs: &Signs,
) -> Result<(Vec<f64>, u64, bool)> {
    let rate = y.iter().filter(|v| **v == 1).count() as f64 / y.len() as f64;
    let mut beta = start.unwrap_or_else(|| {
        let mut b = vec![0.0; x.ncols() + 1];
        b[0] = (rate / (1.0 - rate)).ln();
        b
    });
    signs.project(&mut beta);
    let rows_step = hessian_step(x.nrows());
    let mut pass = newton_pass(x, Some(y), offset, &beta, alpha, Some(rows_step));
    for it in 0..max_iterations {
        let held = signs.held(&beta, &pass.gradient);
        let step = free_step(&pass.hessian, &pass.gradient, &held)
            .ok_or_else(|| Error::Fit("the Hessian of the logistic fit is singular".into()))?;
        // the decrease Newton predicts; below rounding noise, we are at the optimum
        let decrease: f64 = step.iter().zip(&pass.gradient).map(|(s, g)| s * g).sum();
        if decrease <= 1e-13 * y.len() as f64 {
            return Ok((beta, it, true));
        }
        let mut t = 1.0;
        loop {
            let mut trial: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b - t * s).collect();
            // the decrease the (projected) move promises to first order
            let promised = if signs.any() {
                signs.project(&mut trial);
                beta.iter()
                    .zip(&trial)
                    .zip(&pass.gradient)
                    .map(|((b, v), g)| g * (b - v))
                    .sum::<f64>()
                    .max(0.0)
            } else {
                t * decrease
            };
            let objective = newton_pass(x, Some(y), offset, &trial, alpha, None).objective;
            if objective <= pass.objective - 1e-4 * promised {
                beta = trial;
                break;
            }
            t *= 0.5;
            if t < 1e-10 {
                // no decrease beyond rounding: at the optimum
                return Ok((beta, it, true));
            }
        }
        pass = newton_pass(x, Some(y), offset, &beta, alpha, Some(rows_step));
    }
    Ok((beta, max_iterations, false))
}

/// linfa-logistic's L-BFGS on the same problem. Its positive class is the
/// majority class (the first seen on a tie) and its parameters are
/// `[w..., intercept]`: both are turned into ours.
fn lbfgs(
    x: ArrayView2<f64>,
    y: &[u8],
    alpha: f64,
    max_iterations: u64,
    start: Option<Vec<f64>>,
) -> Result<(Vec<f64>, u64, bool)> {
    let n = y.len();
    let won = y.iter().filter(|v| **v == 1).count();
    let positive_is_won = 2 * won > n || (2 * won == n && y[0] == 1);
    let sign = if positive_is_won { 1.0 } else { -1.0 };
    let targets: Array1<bool> = y.iter().map(|v| *v == 1).collect();
    let mut params = linfa_logistic::LogisticRegression::default()
        .alpha(alpha)
        .with_intercept(true)
        .max_iterations(max_iterations)
        // the loss is summed over rows: a tolerance per row
        .gradient_tolerance(1e-9 * n as f64);
    if let Some(b) = start {
        let init: Array1<f64> = b[1..]
            .iter()
            .chain(std::iter::once(&b[0]))
            .map(|v| sign * v)
            .collect();
        params = params.initial_params(init);
    }
    let fitted = params
        .fit(&DatasetBase::new(x, targets))
        .map_err(|e| Error::Fit(format!("linfa-logistic: {e}")))?;
    let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
    let beta: Vec<f64> = std::iter::once(sign * fitted.intercept())
        .chain(fitted.params().iter().map(|w| sign * w))
        .collect();
    Ok((beta, max_iterations, false))
}

/// Rows Newton's Hessian is computed on at most: beyond, every k-th row
/// stands for k (subsampled Newton, Byrd et al. 2011; Roosta-Khorasani and
/// Mahoney 2016). The gradient, the objective of the line search and the
/// convergence test use every row, so the optimum is the same; only the
/// steps are approximate. Standard errors use every row.
const HESSIAN_ROWS: usize = 200_000;

fn hessian_step(rows: usize) -> usize {
    rows.div_ceil(HESSIAN_ROWS).max(1)
}

/// The penalized objective at `beta` and, when asked, its gradient and Hessian.
struct Pass {
    objective: f64,
    gradient: Vec<f64>,
    hessian: Array2<f64>,
}

/// One pass over the rows in parallel chunks: the objective, and with
/// `derivatives` = Some(k) the gradient (with labels) and the Hessian
/// `[1 X]' W [1 X]` + alpha·D, W = diag(p(1-p)), D = I without the
/// intercept (which needs no labels), from every k-th row.
fn newton_pass<A: Real>(
    x: ArrayView2<A>,
    y: Option<&[u8]>,
    offset: Option<&[f64]>,
    beta: &[f64],
    alpha: f64,
    derivatives: Option<usize>,
) -> Pass {
    use rayon::prelude::*;
    // small enough that a chunk's scaled copy is reused from the allocator,
    // not mapped (and zeroed by the kernel) afresh on every pass
    const CHUNK: usize = 2_048;
    let k = beta.len();
    let rows = x.nrows();
    let w = ndarray::ArrayView1::from(&beta[1..]);
    let starts: Vec<usize> = (0..rows).step_by(CHUNK).collect();
    let parts: Vec<(f64, Array1<f64>, Array2<f64>)> = starts
        .par_iter()
        .map(|&a| {
            let b = (a + CHUNK).min(rows);
            let xc = x.slice(ndarray::s![a..b, ..]).mapv(Real::wide);
            let mut eta = xc.dot(&w) + beta[0];
            if let Some(o) = offset {
                eta += &ndarray::ArrayView1::from(&o[a..b]);
            }
            let mut loss = 0.0;
            let mut resid = Array1::<f64>::zeros(b - a);
            // the Hessian's rows: every `step`-th of the whole (all with step 1)
            let step = derivatives.unwrap_or(usize::MAX);
            let first = (a.div_ceil(step) * step).saturating_sub(a).min(b - a);
            let in_hessian = if derivatives.is_some() {
                (b - a - first).div_ceil(step)
            } else {
                0
            };
            let mut z = Array2::<f64>::zeros((in_hessian, k));
            for (i, e) in eta.iter().enumerate() {
                let p = sigmoid(*e);
                if let Some(y) = y {
                    let yi = f64::from(y[a + i]);
                    // log(1 + exp(e)) - y e, without overflow
                    loss += e.max(0.0) + (-e.abs()).exp().ln_1p() - yi * e;
                    resid[i] = p - yi;
                }
                if derivatives.is_some() && i >= first && (i - first) % step == 0 {
                    let zi = (i - first) / step;
                    // the sampled rows stand for `step` rows each
                    let s = (step as f64 * p * (1.0 - p)).sqrt();
                    z[[zi, 0]] = s;
                    for j in 1..k {
                        z[[zi, j]] = s * xc[[i, j - 1]];
                    }
                }
            }
            if derivatives.is_none() {
                return (loss, Array1::zeros(0), Array2::zeros((0, 0)));
            }
            let mut g = Array1::<f64>::zeros(k);
            g[0] = resid.sum();
            g.slice_mut(ndarray::s![1..]).assign(&xc.t().dot(&resid));
            (loss, g, z.t().dot(&z))
        })
        .collect();
    let penalty: f64 = 0.5 * alpha * beta[1..].iter().map(|b| b * b).sum::<f64>();
    let objective = parts.iter().map(|p| p.0).sum::<f64>() + penalty;
    if derivatives.is_none() {
        return Pass {
            objective,
            gradient: vec![],
            hessian: Array2::zeros((0, 0)),
        };
    }
    let mut g = Array1::<f64>::zeros(k);
    let mut h = Array2::<f64>::zeros((k, k));
    for (_, pg, ph) in &parts {
        g += pg;
        h += ph;
    }
    for j in 1..k {
        g[j] += alpha * beta[j];
        h[[j, j]] += alpha;
    }
    Pass {
        objective,
        gradient: g.to_vec(),
        hessian: h,
    }
}

pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Standard errors of (intercept, coefficients) from the Fisher information
/// of the L2-penalized log likelihood at the fit: the square roots of the
/// diagonal of (X'WX + alpha·D)^-1, from one Cholesky factorization
/// (diag(H^-1)_j is the squared norm of column j of L^-1). With alpha = 0
/// these are statsmodels' `Logit(...).fit().bse`. None when the
/// information is not positive definite.
pub fn standard_errors<A: Real>(
    x: ArrayView2<A>,
    fit: &FittedLogistic,
    c: f64,
) -> Option<Vec<f64>> {
    let beta: Vec<f64> = std::iter::once(fit.intercept)
        .chain(fit.coefficients.iter().copied())
        .collect();
    let h = newton_pass(x, None, None, &beta, 1.0 / c, Some(1)).hessian;
    let l = cholesky(&h)?;
    let k = beta.len();
    // L^-1 by forward substitution, one column at a time
    let mut inv = Array2::<f64>::zeros((k, k));
    for j in 0..k {
        for i in j..k {
            let s: f64 = (j..i).map(|m| l[[i, m]] * inv[[m, j]]).sum();
            inv[[i, j]] = (f64::from(u8::from(i == j)) - s) / l[[i, i]];
        }
    }
    Some(
        (0..k)
            .map(|j| (j..k).map(|i| inv[[i, j]].powi(2)).sum::<f64>().sqrt())
            .collect(),
    )
}

/// The lower Cholesky factor L of a symmetric positive definite matrix
/// (A = L L'); None when A is not positive definite.
pub fn cholesky(a: &Array2<f64>) -> Option<Array2<f64>> {
    let n = a.nrows();
    let mut l = Array2::<f64>::zeros((n, n));
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|m| l[[i, m]] * l[[j, m]]).sum();
            if i == j {
                let d = a[[i, i]] - s;
                if d.is_nan() || d <= 0.0 {
                    return None;
                }
                l[[i, i]] = d.sqrt();
            } else {
                l[[i, j]] = (a[[i, j]] - s) / l[[j, j]];
            }
        }
    }
    Some(l)
}

/// Solves A x = b for a symmetric positive definite A by Cholesky.
pub fn cholesky_solve(a: &Array2<f64>, b: &[f64]) -> Option<Vec<f64>> {
    let l = cholesky(a)?;
    let n = b.len();
    let mut z = vec![0.0; n];
    for i in 0..n {
        let s: f64 = (0..i).map(|m| l[[i, m]] * z[m]).sum();
        z[i] = (b[i] - s) / l[[i, i]];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let s: f64 = (i + 1..n).map(|m| l[[m, i]] * x[m]).sum();
        x[i] = (z[i] - s) / l[[i, i]];
    }
    Some(x)
}

/// Fits `params` on the rows of `x` with labels `y` (1 = won), through
/// linfa's `Fit` on a `Dataset` with the feature names.
pub fn fit<A: Real>(
    params: LogisticParams,
    x: ArrayView2<A>,
    y: &[u8],
    names: &[String],
) -> Result<FittedLogistic> {
    let targets: Array1<bool> = y.iter().map(|v| *v == 1).collect();
    let ds = DatasetBase::new(x, targets).with_feature_names(names.to_vec());
    params.fit(&ds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use linfa::traits::Predict;

    #[test]
    fn cholesky_solves_and_inverts() {
        let a = ndarray::arr2(&[[4.0, 2.0, 0.4], [2.0, 3.0, 0.5], [0.4, 0.5, 2.0]]);
        let x = cholesky_solve(&a, &[1.0, 2.0, 3.0]).unwrap();
        let back = a.dot(&Array1::from(x));
        for (b, want) in back.iter().zip([1.0, 2.0, 3.0]) {
            assert!((b - want).abs() < 1e-12);
        }
        assert!(cholesky(&ndarray::arr2(&[[1.0, 2.0], [2.0, 1.0]])).is_none());
    }

    #[test]
    fn rejects_bad_hyperparameters() {
        let err = LogisticParams::new(-1.0).check().unwrap_err();
        assert_eq!(
            err.to_string(),
            "model fit failed: C must be finite and > 0, got -1"
        );
        let err = LogisticParams::new(1.0)
            .max_iterations(0)
            .check()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "model fit failed: max_iterations must be at least 1, got 0"
        );
        let err = LogisticParams::unpenalized()
            .offset(vec![0.0; 2])
            .solver(Solver::Lbfgs)
            .check()
            .unwrap_err();
        assert!(err.to_string().contains("needs the newton solver"), "{err}");
    }

    #[test]
    fn not_converging_names_the_fit() {
        let x = ndarray::arr2(&[[0.0], [1.0], [2.0], [3.0], [0.5], [2.5]]);
        let y = [0, 0, 1, 1, 1, 0];
        let err = fit(
            LogisticParams::new(1e6).name("test fit").max_iterations(1),
            x.view(),
            &y,
            &["x".into()],
        );
        match err {
            Err(e) => assert!(
                e.to_string()
                    .contains("test fit did not converge within 1 iterations"),
                "{e}"
            ),
            Ok(f) => assert!(f.warning.is_some() || f.gradient <= CONVERGED, "{f:?}"),
        }
    }

    #[test]
    fn predicts_probabilities_of_winning() {
        let x = ndarray::arr2(&[[0.0], [1.0], [2.0], [3.0], [0.5], [2.5]]);
        let y = [0, 0, 1, 1, 0, 1];
        let f = fit(LogisticParams::new(1.0), x.view(), &y, &["x".into()]).unwrap();
        assert!(f.coefficients[0] > 0.0, "won goes with larger x");
        let p = f.predict(&x);
        assert!(p[3] > 0.5 && p[0] < 0.5, "{p}");
    }
}
