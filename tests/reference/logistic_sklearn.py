"""Reference fit for tests/test_fit_reference.rs.

Writes tests/reference/logistic_small.csv (a fixed data set, 240 rows, 3
features, about 30% positives so the majority class is 0) and prints
scikit-learn's LogisticRegression coefficients at C = 1.0 and C = 0.05,
which the Rust test holds as literals.

    python3 tests/reference/logistic_sklearn.py
"""
import numpy as np
from pathlib import Path
from sklearn.linear_model import LogisticRegression

rng = np.random.default_rng(20261123)
n = 240
X = np.column_stack([rng.normal(0, 1, n), rng.normal(2, 3, n), rng.binomial(1, 0.4, n)])
eta = -1.2 + 0.9 * X[:, 0] - 0.25 * X[:, 1] + 0.8 * X[:, 2]
y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
out = Path(__file__).with_name("logistic_small.csv")
with out.open("w") as f:
    f.write("x1,x2,x3,y\n")
    for row, label in zip(X, y):
        f.write(f"{float(row[0])!r},{float(row[1])!r},{float(row[2])!r},{label}\n")
print("positives", y.sum(), "of", n)
for C in (1.0, 0.05):
    m = LogisticRegression(C=C, tol=1e-12, max_iter=100000).fit(X, y)
    print(f"C={C}: intercept {float(m.intercept_[0])!r} coef {[float(c) for c in m.coef_[0]]!r}")

# Standard errors for tests/test_fit_reference.rs: statsmodels, unpenalized.
import statsmodels.api as sm

res = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12, maxiter=200)
print(f"statsmodels: params {[float(v) for v in res.params]!r}")
print(f"statsmodels: bse {[float(v) for v in res.bse]!r}")

# Sign-constrained fit for tests/test_fit_reference.rs (monotone shapes):
# the same penalized objective at C = 1.0 with x1's coefficient held at or
# below 0 and x2's at or above 0 (both against the planted signs, so both
# bounds bind), x3 free; scipy's L-BFGS-B.
from scipy.optimize import minimize


def objective(b, C=1.0):
    eta = b[0] + X @ b[1:]
    loss = np.sum(np.logaddexp(0, eta) - y * eta) + 0.5 / C * np.sum(b[1:] ** 2)
    p = 1 / (1 + np.exp(-eta))
    grad = np.concatenate([[np.sum(p - y)], X.T @ (p - y) + b[1:] / C])
    return loss, grad


bounded = minimize(objective, np.zeros(4), jac=True, method="L-BFGS-B",
                   bounds=[(None, None), (None, 0), (0, None), (None, None)],
                   options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10000})
print(f"bounded C=1.0: {[float(v) for v in bounded.x]!r}")
