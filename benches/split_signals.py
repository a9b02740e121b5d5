"""Splits a signals parquet into PARTS files in a shuffled row order (fixed
seed): the unsorted glob of several files a warehouse export usually is.

usage: split_signals.py SIGNALS.parquet OUT_DIR PARTS
"""
import os
import sys

import numpy as np
import pyarrow.parquet as pq

src, out, parts = sys.argv[1], sys.argv[2], int(sys.argv[3])
table = pq.read_table(src)
order = np.random.default_rng(9).permutation(table.num_rows)
table = table.take(order)
os.makedirs(out, exist_ok=True)
step = -(-table.num_rows // parts)
for k in range(parts):
    pq.write_table(table.slice(k * step, step), f"{out}/signals-{k}.parquet", compression="zstd")
print(table.num_rows)
