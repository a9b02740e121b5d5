"""DuckDB scoring a universe with scorebook's exported SQL, to parquet (zstd).

usage: duckdb_score.py QUERY.sql UNIVERSE.parquet SIGNALS.parquet OUT.parquet
"""
import sys

import duckdb

query, universe, signals, out = sys.argv[1:5]
con = duckdb.connect()
con.execute(f"CREATE VIEW universe AS SELECT * FROM read_parquet('{universe}')")
con.execute(f"CREATE VIEW signals AS SELECT * FROM read_parquet('{signals}')")
sql = open(query).read()
con.execute(f"COPY ({sql}) TO '{out}' (FORMAT parquet, COMPRESSION zstd)")
