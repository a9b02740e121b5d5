"""Runs scorebook's exported SQL in an engine and compares it with `score`.

usage: sql_parity.py ENGINE QUERY.sql UNIVERSE SIGNALS SCORES.parquet

ENGINE is `duckdb` (DuckDB 2.0, in process) or `spark` (Spark 4 in local
mode, through pyspark; Java 17 on the PATH). UNIVERSE and SIGNALS are a
parquet file, a glob of them (columns matched by name) or a CSV read as
text. The SQL's result is compared with the scored file in DuckDB.

Prints one JSON object: row counts, ids missing on either side, the columns
the SQL lacks, the largest absolute difference of each number column, and
for each text column how many rows differ (and the first that does).
"""
import json
import os
import sys
import tempfile

import duckdb

engine, query_path, universe, signals, scores = sys.argv[1:6]
query = open(query_path, encoding="utf-8").read()
con = duckdb.connect()


def read(path):
    """A parquet file or glob in DuckDB, or a CSV as text."""
    if path.endswith(".csv"):
        return f"read_csv('{path}', all_varchar = true)"
    return f"read_parquet('{path}', union_by_name = true)"


def delimiter(path):
    """The CSV's delimiter: the most frequent of , ; tab | in its header."""
    with open(path, encoding="utf-8", newline="") as f:
        header = f.readline()
    return max([",", ";", "\t", "|"], key=header.count)


def run_in_spark(out_dir):
    """The query in Spark local mode over the same files, its result
    written as parquet into `out_dir`."""
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("scorebook-sql-parity")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        for name, path in (("universe", universe), ("signals", signals)):
            if path.endswith(".csv"):
                frame = (
                    spark.read.option("header", True)
                    .option("sep", delimiter(path))
                    .option("multiLine", True)
                    .option("escape", '"')
                    .csv(path)
                )
            else:
                frame = spark.read.option("mergeSchema", True).parquet(path)
            frame.createOrReplaceTempView(name)
        spark.sql(query).write.mode("overwrite").parquet(out_dir)
    finally:
        spark.stop()


con.execute(f"CREATE VIEW native AS SELECT * FROM read_parquet('{scores}')")
if engine == "duckdb":
    con.execute(f"CREATE VIEW universe AS SELECT * FROM {read(universe)}")
    con.execute(f"CREATE VIEW signals AS SELECT * FROM {read(signals)}")
    con.execute(f"CREATE TABLE exported AS {query}")
elif engine == "spark":
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = os.path.join(tmp, "exported")
        run_in_spark(out_dir)
        con.execute(
            f"CREATE TABLE exported AS SELECT * FROM read_parquet('{out_dir}/*.parquet')"
        )
else:
    sys.exit(f"unknown engine {engine!r}: use duckdb or spark")

out = {
    "engine": engine,
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
# difference (relative beyond 1), text by the rows that differ (with the first such row)
columns = [r[0] for r in con.execute("DESCRIBE native").fetchall()]
exported = [r[0] for r in con.execute("DESCRIBE exported").fetchall()]
out["columns"] = columns
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
        # relative beyond 1 (amounts run to millions, where 1e-9 is below an ulp)
        out[c] = con.execute(
            f'SELECT max(abs(n."{c}" - e."{c}") / greatest(1.0, abs(n."{c}"))) FROM native n JOIN exported e USING (account_id)'
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
