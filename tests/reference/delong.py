"""DeLong's test of two correlated AUCs from its definition (pure Python).

    python3 tests/reference/delong.py

The structural components are computed pairwise, psi(x, y) = 1 if x > y,
1/2 if equal, 0 otherwise, over every positive x and negative y (DeLong,
DeLong & Clarke-Pearson 1988, eq. 4-5), not by the midrank shortcut that
scorebook uses (`model::metrics::delong`), so the two check each other.
Prints AUC of each scorer, the difference and its standard error, for the
rows in `src/model/metrics.rs` (test `delong_matches_its_definition`).
"""

Y = [0, 0, 1, 1, 0, 1, 0, 1, 1, 0]
A = [0.1, 0.4, 0.35, 0.8, 0.2, 0.7, 0.5, 0.5, 0.9, 0.3]
B = [0.2, 0.3, 0.6, 0.7, 0.1, 0.9, 0.4, 0.35, 0.8, 0.5]


def psi(x, y):
    return 1.0 if x > y else 0.5 if x == y else 0.0


def components(p):
    pos = [p[i] for i in range(len(Y)) if Y[i] == 1]
    neg = [p[i] for i in range(len(Y)) if Y[i] == 0]
    v10 = [sum(psi(x, y) for y in neg) / len(neg) for x in pos]
    v01 = [sum(psi(x, y) for x in pos) / len(pos) for y in neg]
    return sum(v10) / len(pos), v10, v01


def cov(u, v):
    mu, mv = sum(u) / len(u), sum(v) / len(v)
    return sum((a - mu) * (b - mv) for a, b in zip(u, v)) / (len(u) - 1)


auc_a, a10, a01 = components(A)
auc_b, b10, b01 = components(B)
m, n = len(a10), len(a01)
var = (cov(a10, a10) + cov(b10, b10) - 2 * cov(a10, b10)) / m + (
    cov(a01, a01) + cov(b01, b01) - 2 * cov(a01, b01)
) / n
print(f"auc_a = {auc_a!r}")
print(f"auc_b = {auc_b!r}")
print(f"difference = {auc_b - auc_a!r}")
print(f"se = {var ** 0.5!r}")
