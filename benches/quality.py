"""scorebook against LightGBM on the same rows: reads the training table
`scorebook features --out` wrote (deals in time order) and scorebook's
metrics.json, fits LightGBM on the same train and validation periods
(tuned on validation log loss, refitted on both with the chosen rounds),
and prints both scorers' held-out AUC and log loss on the same test deals.

    python quality.py NAME FEATURES.parquet METRICS.json TEST_SHARE VALIDATION_SHARE
"""
import json
import sys

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import log_loss, roc_auc_score

name, features, metrics_path = sys.argv[1], sys.argv[2], sys.argv[3]
test_share, val_share = float(sys.argv[4]), float(sys.argv[5])
t = pd.read_parquet(features)
y = t["won"].astype(int).to_numpy()
keys = ["opportunity_id", "account_id", "created_date", "won", "amount"]
x = t.drop(columns=[c for c in keys if c in t.columns])
for c in x.columns:
    if x[c].dtype == bool:
        x[c] = x[c].astype(int)
    elif not pd.api.types.is_numeric_dtype(x[c]):
        x[c] = x[c].astype("category")
n = len(y)
n_test, n_val = round(n * test_share), round(n * val_share)
n_train = n - n_test - n_val
tr, va, te = slice(0, n_train), slice(n_train, n_train + n_val), slice(n_train + n_val, n)

best = None
for leaves in (4, 8, 16, 32):
    for min_child in (20, 100):
        params = dict(objective="binary", learning_rate=0.05, num_leaves=leaves,
                      min_child_samples=min_child, verbose=-1, seed=1, num_threads=2)
        b = lgb.train(params, lgb.Dataset(x.iloc[tr], y[tr]), num_boost_round=3000,
                      valid_sets=[lgb.Dataset(x.iloc[va], y[va])],
                      callbacks=[lgb.early_stopping(100, verbose=False)])
        ll = log_loss(y[va], b.predict(x.iloc[va], num_iteration=b.best_iteration))
        if best is None or ll < best[0]:
            best = (ll, params, b.best_iteration)
_, params, rounds = best
fit = slice(0, n_train + n_val)
booster = lgb.train(params, lgb.Dataset(x.iloc[fit], y[fit]), num_boost_round=max(rounds, 1))
p = np.clip(booster.predict(x.iloc[te]), 1e-12, 1 - 1e-12)
m = json.load(open(metrics_path))["model"]
auc_l, ll_l = roc_auc_score(y[te], p), log_loss(y[te], p)
print(f"{name}\t{n}\t{m['auc']:.4f}\t{auc_l:.4f}\t{m['auc'] - auc_l:+.4f}\t{m['log_loss']:.4f}\t{ll_l:.4f}\t"
      f"leaves={params['num_leaves']},min_child={params['min_child_samples']},rounds={rounds}")
