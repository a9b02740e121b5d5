"""Runs scorebook's exported SQL in DuckDB and compares it with `score`.

usage: sql_parity.py QUERY.sql UNIVERSE.parquet SIGNALS.parquet SCORES.parquet

Prints one JSON object: row counts, ids missing on either side, the columns
the SQL lacks, the largest absolute difference of each number column, and
for each text column how many rows differ (and the first that does).
"""
import json
import sys

import duckdb

query_path, universe, signals, scores = sys.argv[1:5]
con = duckdb.connect()


def read(path):
    """A parquet file (or a glob of them, columns matched by name), or a
    CSV (its delimiter and types detected)."""
    if path.endswith(".csv"):
        return f"read_csv('{path}', all_varchar = true)"
    return f"read_parquet('{path}', union_by_name = true)"


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
# every column of the scored file: numbers by their largest absolute
# difference, text by the rows that differ (with the first such row)
columns = [r[0] for r in con.execute("DESCRIBE native").fetchall()]
exported = [r[0] for r in con.execute("DESCRIBE exported").fetchall()]
out["columns_missing_in_sql"] = [c for c in columns if c not in exported]
out["columns_in_order"] = exported == columns
out["joined"] = con.execute(
    "SELECT count(*) FROM native n JOIN exported e USING (account_id)"
).fetchone()[0]
types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE native)").fetchall())
for c in columns:
    if c == "account_id" or c not in exported:
        continue
    if types[c] == "DOUBLE":
        out[c] = con.execute(
            f'SELECT max(abs(n."{c}" - e."{c}")) FROM native n JOIN exported e USING (account_id)'
        ).fetchone()[0]
    else:
        out[f"{c}_mismatches"] = con.execute(
            f'SELECT count(*) FROM native n JOIN exported e USING (account_id) WHERE n."{c}" IS DISTINCT FROM e."{c}"'
        ).fetchone()[0]
        first = con.execute(
            f'SELECT account_id, n."{c}", e."{c}" FROM native n JOIN exported e USING (account_id) WHERE n."{c}" IS DISTINCT FROM e."{c}" ORDER BY account_id LIMIT 1'
        ).fetchone()
        if first:
            out[f"{c}_first_mismatch"] = list(first)
print(json.dumps(out))
