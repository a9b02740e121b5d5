"""scikit-learn on scorebook's training table: the same fits `train` runs.

    sklearn_fit.py FEATURES.parquet MODEL_DIR TRAIN_LOG OUT.json [LBFGS_TRAIN_LOG]

Builds the standardized design from the model's terms (every kind: levels,
numbers in their shapes and clips, steps, spikes, ramps and pair cells,
each (x - mean) / std as in
model.json), in the table's
time order, and times LogisticRegression(lbfgs) for the penalty search (one
fit per C of the grid on the train period) and the final fit (train +
validation at the chosen C). scikit-learn's defaults apart from max_iter
(raised so that it converges: tol=1e-4). Writes both solutions' mean log
loss on the final fit's rows, their coefficient difference, and
scorebook's own fit seconds (from its log, and from the log of a train
with solver = "lbfgs" when given) to OUT.json.
"""
import json
import re
import sys
import time
import warnings

import numpy as np
import pyarrow.parquet as pq
from sklearn.linear_model import LogisticRegression

features, model_dir, log, out = sys.argv[1:5]
lbfgs_log = sys.argv[5] if len(sys.argv) > 5 else None
model = json.load(open(f"{model_dir}/model.json"))
table = pq.read_table(features)
terms = model["terms"]


def number(name):
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=float)


def text(name):
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=object)


def side(name, s):
    """One side of a pair cell (`terms::pair::Side`)."""
    if "range" in s:
        v = number(name)
        lo, hi = s["range"]["from"], s["range"]["to"]
        return (v >= (-np.inf if lo is None else lo)) & (v < (np.inf if hi is None else hi))
    if "levels" in s:
        return np.isin(text(name), s["levels"])
    return ~np.isin(text(name), s["other_levels"])


def raw(t):
    """A term's raw value, each kind as `src/model/terms/` defines it."""
    (kind, k), = t["kind"].items()
    if kind == "level":
        return (text(t["source"]) == k["level"]).astype(float)
    if kind == "number":
        v, shape = number(t["source"]), k["shape"]
        if shape == "presence":
            v = (v > 0).astype(float)
        elif shape == "log":
            v = np.log1p(np.maximum(v, 0))
        elif isinstance(shape, dict) and "within" in shape:
            w = shape["within"]
            v = ((v <= w["days"]) & (v < w["cap"])).astype(float)
        if k.get("clip"):
            v = np.clip(v, k["clip"][0], k["clip"][1])
        return v
    if kind == "step":
        return (number(t["source"]) >= k["at"]).astype(float)
    if kind == "exact":
        return (number(t["source"]) == k["value"]).astype(float)
    if kind == "hinge":
        return np.clip(number(t["source"]), k["at"], k["to"]) - k["at"]
    if kind == "pair":
        return (side(k["first"], k["a"]) & side(k["second"], k["b"])).astype(float)
    sys.exit(f"term {t['name']}: kind {kind} reads a column `features --out` does not write; train with the extra columns' missing bins off")


x = np.empty((table.num_rows, len(terms)))
for j, t in enumerate(terms):
    x[:, j] = (raw(t) - t["mean"]) / t["std"]
y = np.asarray(table.column("won").to_numpy(zero_copy_only=False), dtype=int)
periods = {p["name"]: p["rows"] for p in model["training"]["periods"]}
n_train = periods["train"]
n_fit = n_train + periods["validation"]
c = model["penalty_c"]


def fit(c, rows):
    m = LogisticRegression(C=c, solver="lbfgs", max_iter=100_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a convergence warning is a failed benchmark
        m.fit(x[:rows], y[:rows])
    return m


def log_loss(b0, b, rows):
    eta = b0 + x[:rows] @ b
    return float(np.mean(np.logaddexp(0, eta) - y[:rows] * eta))


t = time.perf_counter()
for grid_c in model["config"]["model"]["c_grid"]:
    fit(grid_c, n_train)
search = time.perf_counter() - t
t = time.perf_counter()
final = fit(c, n_fit)
final_s = time.perf_counter() - t

ours_b = np.array([t["coef"] for t in terms])
def fit_seconds(path):
    seconds = {}
    for line in open(path):
        for step in ("penalty search", "final fit"):
            m = re.search(r"seconds=([0-9.eE+-]+)", line)
            if step in line and m:
                seconds[step.replace(" ", "_")] = float(m.group(1))
    return seconds


seconds = fit_seconds(log)
result = {
    "rows": int(table.num_rows),
    "fit_rows": n_fit,
    "terms": len(terms),
    "c": c,
    "scorebook": {
        **seconds,
        "log_loss": log_loss(model["intercept"], ours_b, n_fit),
    },
    "sklearn": {
        "penalty_search": search,
        "final_fit": final_s,
        "log_loss": log_loss(final.intercept_[0], final.coef_[0], n_fit),
    },
    "lbfgs": fit_seconds(lbfgs_log) if lbfgs_log else {},
    "max_coef_difference": float(np.max(np.abs(np.append(ours_b - final.coef_[0], model["intercept"] - final.intercept_[0])))),
}
json.dump(result, open(out, "w"), indent=1)
