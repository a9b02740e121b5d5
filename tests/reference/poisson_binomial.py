"""Exact Poisson-binomial distribution of wins for the literals in
tests/test_expected.rs: the pmf by convolving each deal's Bernoulli
distribution (numpy), and the central 95% interval (the first k with
CDF >= 2.5%, the first with CDF >= 97.5%).

    python tests/reference/poisson_binomial.py
"""
import numpy as np

P = [0.91, 0.05, 0.33, 0.5, 0.72, 0.18, 0.64, 0.07, 0.45, 0.88, 0.26, 0.59]

pmf = np.array([1.0])
for p in P:
    pmf = np.convolve(pmf, [1 - p, p])
cdf = np.cumsum(pmf)
lo = int(np.argmax(cdf >= 0.025))
hi = int(np.argmax(cdf >= 0.975))
print("mean", repr(sum(P)))
print("pmf", [repr(float(v)) for v in pmf])
print("interval", lo, hi)
