"""DuckDB scoring a universe with scorebook's exported SQL, to parquet (zstd).

usage: duckdb_score.py QUERY.sql UNIVERSE SIGNALS OUT.parquet [no-reasons]
(UNIVERSE and SIGNALS may be globs; `no-reasons` leaves out reason_1..3,
which DuckDB then does not compute)
"""
import sys

import duckdb

query, universe, signals, out = sys.argv[1:5]
con = duckdb.connect()
con.execute(f"CREATE VIEW universe AS SELECT * FROM read_parquet('{universe}')")
con.execute(f"CREATE VIEW signals AS SELECT * FROM read_parquet('{signals}')")
sql = open(query).read()
if sys.argv[5:] == ["no-reasons"]:
    sql = f"SELECT * EXCLUDE (reason_1, reason_2, reason_3) FROM ({sql})"
con.execute(f"COPY ({sql}) TO '{out}' (FORMAT parquet, COMPRESSION zstd)")
