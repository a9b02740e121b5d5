"""Reference fit for the potential model's ridge regression
(tests/test_fit_reference.rs): writes tests/reference/ridge_small.csv (200
rows, 3 features, y a log amount) and prints scikit-learn's Ridge
coefficients at alpha = 1 and alpha = 50 (free intercept), with Duan's
smearing factor (the mean of exp(residual)) of the alpha = 1 fit.

    python3 tests/reference/ridge_sklearn.py
"""
import numpy as np
from pathlib import Path
from sklearn.linear_model import Ridge

rng = np.random.default_rng(20261205)
n = 200
X = np.column_stack([rng.normal(5, 2, n), rng.normal(0, 1, n), rng.binomial(1, 0.3, n)])
y = 8.0 + 0.6 * X[:, 0] - 0.3 * X[:, 1] + 0.4 * X[:, 2] + rng.normal(0, 0.5, n)
out = Path(__file__).with_name("ridge_small.csv")
with out.open("w") as f:
    f.write("x1,x2,x3,y\n")
    for row, v in zip(X, y):
        f.write(f"{float(row[0])!r},{float(row[1])!r},{float(row[2])!r},{float(v)!r}\n")
for alpha in (1.0, 50.0):
    m = Ridge(alpha=alpha).fit(X, y)
    print(f"alpha={alpha}: intercept {float(m.intercept_)!r} coef {[float(c) for c in m.coef_]!r}")
    if alpha == 1.0:
        smear = float(np.mean(np.exp(y - m.predict(X))))
        print(f"alpha={alpha}: smearing {smear!r}")
