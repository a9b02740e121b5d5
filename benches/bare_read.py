"""The floor: read the columns `score` needs from the universe and the
signals, batch by batch, touching every value; then write the scored
columns `score` wrote (its own output file, read back whole first) to
parquet (zstd), as `score` writes them (pyarrow, all cores).

usage: bare_read.py UNIVERSE SIGNALS [SCORES OUT]
(UNIVERSE and SIGNALS each a file or a glob; without SCORES, the read only)
"""
import glob
import sys

import pyarrow.compute as pc
import pyarrow.parquet as pq

universe, signals = sys.argv[1:3]
cols = {}
for path in sorted(glob.glob(universe)):
    cols[path] = ["account_id", "industry", "employees", "annual_revenue", "founded_year",
                  "technologies", "jobs_posted_30d", "hires_12m"]
for path in sorted(glob.glob(signals)):
    cols[path] = ["account_id", "date", "recorded_date", "signal", "value"]
rows = 0
for path, names in cols.items():
    f = pq.ParquetFile(path)
    names = [n for n in names if n in f.schema_arrow.names]
    for batch in f.iter_batches(batch_size=65536, columns=names):
        for c in batch.columns:
            pc.count(c)
        rows += batch.num_rows
if sys.argv[3:5]:
    scores, out = sys.argv[3:5]
    table = pq.read_table(scores)
    pq.write_table(table, out, compression="zstd", row_group_size=65536)
print(rows)
