"""Runs scorebook's exported SQL in DuckDB and compares it with `score`.

usage: sql_parity.py QUERY.sql UNIVERSE.parquet SIGNALS.parquet SCORES.parquet

Prints one JSON object: row counts, ids missing on either side, the largest
absolute difference of each number, and how many tiers differ.
"""
import json
import sys

import duckdb

query_path, universe, signals, scores = sys.argv[1:5]
con = duckdb.connect()


def read(path):
    """A parquet file, or a CSV (its delimiter and types detected)."""
    if path.endswith(".csv"):
        return f"read_csv('{path}', all_varchar = true)"
    return f"read_parquet('{path}')"


con.execute(f"CREATE VIEW universe AS SELECT * FROM {read(universe)}")
con.execute(f"CREATE VIEW signals AS SELECT * FROM {read(signals)}")
con.execute(f"CREATE VIEW native AS SELECT * FROM read_parquet('{scores}')")
query = open(query_path).read()
con.execute(f"CREATE TABLE exported AS {query}")
out = {
    "native_rows": con.execute("SELECT count(*) FROM native").fetchone()[0],
    "sql_rows": con.execute("SELECT count(*) FROM exported").fetchone()[0],
    "only_native": con.execute(
        "SELECT count(*) FROM native n ANTI JOIN exported e USING (account_id)"
    ).fetchone()[0],
    "only_sql": con.execute(
        "SELECT count(*) FROM exported e ANTI JOIN native n USING (account_id)"
    ).fetchone()[0],
}
diffs = con.execute(
    """SELECT max(abs(n.model_probability - e.model_probability)),
              max(abs(n.probability - e.probability)),
              max(abs(n.score - e.score)),
              max(abs(n.rule_points - e.rule_points)),
              sum(CASE WHEN n.tier <> e.tier THEN 1 ELSE 0 END),
              count(*)
       FROM native n JOIN exported e USING (account_id)"""
).fetchone()
out.update(
    zip(
        ["model_probability", "probability", "score", "rule_points", "tier_mismatches", "joined"],
        diffs,
    )
)
print(json.dumps(out))
