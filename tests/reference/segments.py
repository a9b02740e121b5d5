"""Reference figures for the segment tests (tests/test_segments.rs):
five segments' (won, lost), two truly different (60% and 15%) and three
at 35% (noise). G-tests by scipy, Holm by statsmodels, the empirical-Bayes
beta prior by maximizing the beta-binomial likelihood (scipy) with its
mean held at the overall rate, posterior intervals by scipy's beta.

    python tests/reference/segments.py
"""
import numpy as np
from scipy import optimize, stats
from statsmodels.stats.multitest import multipletests

ROWS = [(240, 160), (60, 340), (105, 195), (102, 198), (108, 192)]


def g_test(rows):
    g, p, dof, _ = stats.chi2_contingency(np.array(rows), correction=False, lambda_="log-likelihood")
    return g, p, dof


g, p, dof = g_test(ROWS)
print("overall", repr(float(g)), repr(float(p)), dof)
won = sum(r[0] for r in ROWS)
lost = sum(r[1] for r in ROWS)
raw = [g_test([r, (won - r[0], lost - r[1])])[1] for r in ROWS]
print("vs rest", [repr(float(v)) for v in raw])
print("holm", [repr(float(v)) for v in multipletests(raw, method="holm")[1]])
print("C vs D", repr(float(g_test([ROWS[2], ROWS[3]])[1])))
m = won / (won + lost)
w = np.array([r[0] for r in ROWS])
n = np.array([r[0] + r[1] for r in ROWS])


def nll(log_kappa):
    k = np.exp(log_kappa)
    return -stats.betabinom.logpmf(w, n, m * k, (1 - m) * k).sum()


res = optimize.minimize_scalar(nll, bounds=(np.log(0.1), np.log(1e7)), method="bounded", options={"xatol": 1e-10})
k = float(np.exp(res.x))
a, b = m * k, (1 - m) * k
print("kappa", repr(k))
for wi, ni in zip(w, n):
    pa, pb = a + wi, b + ni - wi
    print("posterior", repr(float(pa / (pa + pb))), repr(float(stats.beta.ppf(0.025, pa, pb))), repr(float(stats.beta.ppf(0.975, pa, pb))))
