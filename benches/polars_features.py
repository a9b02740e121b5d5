"""The second baseline: Python Polars (lazy, streaming sink) computing the
feature table the model reads, for every account of the universe as of a
day: each signal type's counts in each window, days since the last one,
days until the next scheduled one, distinct types, and the firmographic
features (logs, revenue per employee, company age, hiring, technology
flags), joined to the universe and written to parquet. It stops where the
model starts (no terms, probabilities, tiers or reasons), so it is a floor
for a Python pipeline, not the whole of `score`.

usage: polars_features.py MODEL_DIR UNIVERSE SIGNALS AS_OF OUT.parquet
(UNIVERSE and SIGNALS may be globs)
"""
import datetime
import json
import sys

import polars as pl

model_dir, universe, signals, as_of, out = sys.argv[1:6]
spec = json.load(open(f"{model_dir}/model.json"))["spec"]
day = datetime.date.fromisoformat(as_of)
cap = spec["recency_cap_days"]
types, scheduled = spec["signal_types"], spec["scheduled_types"]
windows = spec["windows"]

s = pl.scan_parquet(signals).select(
    "account_id",
    pl.col("signal").str.to_lowercase().str.replace_all("[^a-z0-9]+", "_").str.strip_chars("_").alias("sig"),
    (pl.lit(day) - pl.col("date").cast(pl.Date)).dt.total_days().alias("age"),
    pl.col("value").cast(pl.Float64).fill_null(1.0).alias("val"),
    pl.col("recorded_date").cast(pl.Date).alias("rec"),
)
s = s.filter(pl.col("rec").is_null() | (pl.col("rec") < pl.lit(day)))
s = s.filter((pl.col("age") > 0) | pl.col("sig").is_in(scheduled))
aggs = []
for t in types:
    is_t = pl.col("sig") == t
    for w in windows:
        aggs.append(pl.when(is_t & (pl.col("age") > 0) & (pl.col("age") <= w)).then(pl.col("val"))
                    .otherwise(0.0).sum().alias(f"signal_{t}_{w}d"))
    aggs.append(pl.when(is_t & (pl.col("age") > 0)).then(pl.col("age")).otherwise(cap).min()
                .clip(upper_bound=cap).alias(f"days_since_{t}"))
for t in scheduled:
    aggs.append(pl.when((pl.col("sig") == t) & (pl.col("age") <= 0)).then(-pl.col("age")).otherwise(cap)
                .min().clip(upper_bound=cap).alias(f"days_until_{t}"))
widest = max(windows)
aggs.append(pl.when(pl.col("sig").is_in(types) & (pl.col("age") > 0) & (pl.col("age") <= widest))
            .then(pl.col("sig")).drop_nulls().n_unique().alias(f"distinct_signal_types_{widest}d"))
timing = s.group_by("account_id").agg(aggs)

imp = spec["impute"]
u = pl.scan_parquet(universe)
emp = pl.col("employees").cast(pl.Float64)
rev = pl.col("annual_revenue").cast(pl.Float64)
emp_i = pl.when(emp >= 0).then(emp).otherwise(imp.get("employees", 0.0))
rev_i = pl.when(rev >= 0).then(rev).otherwise(imp.get("annual_revenue", 0.0))
bench = pl.col("industry").replace_strict(spec["rpe_median"], default=spec["rpe_median_all"],
                                          return_dtype=pl.Float64)
techs = pl.col("technologies").str.to_lowercase()
firmo = [
    pl.col("account_id"),
    pl.col("industry").fill_null("Unknown"),
    emp_i.log1p().alias("log_employees"),
    rev_i.log1p().alias("log_revenue"),
    ((rev_i / emp_i.clip(lower_bound=1)) / bench).log().clip(-5, 5).alias("log_rpe_industry_ratio"),
    (pl.lit(day.year) - pl.col("founded_year").fill_null(imp.get("founded_year", 0.0))).clip(lower_bound=0)
    .alias("company_age"),
    (pl.col("hires_12m").fill_null(imp.get("hires_12m", 0.0)) / emp_i.clip(lower_bound=1)).alias("hiring_intensity"),
    pl.col("jobs_posted_30d").fill_null(imp.get("jobs_posted_30d", 0.0)).log1p().alias("log_jobs_posted_30d"),
    emp.is_null().alias("employees_missing"),
] + [techs.str.contains(f"(^|;){t}(;|$)").fill_null(False).alias(f"tech_{t}") for t, _ in spec["technologies"]]
defaults = {c: (cap if c.startswith("days_") else 0.0) for c in timing.collect_schema().names() if c != "account_id"}
table = u.select(firmo).join(timing, on="account_id", how="left", maintain_order="left").with_columns(
    [pl.col(c).fill_null(v) for c, v in defaults.items()])
table.sink_parquet(out, compression="zstd")
