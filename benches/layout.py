"""Rewrites a `scorebook synth` directory as another export layout: the
universe as FILES account files and the signals as FILES signal files, both
sorted by account id, with only the TYPES most common signal types (web
visits left out, as exports of hand-raisers and intent only are). The
training export (accounts.csv, opportunities.csv) is shared; scorebook.toml
points at the new signals, so the model is trained on the types it scores.

usage: layout.py SYNTH_DIR OUT_DIR FILES TYPES
"""
import os
import sys

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

src, out, files, types = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
os.makedirs(f"{out}/universe", exist_ok=True)
os.makedirs(f"{out}/signals", exist_ok=True)


def split(table, folder, name):
    table = table.sort_by("account_id")
    step = -(-table.num_rows // files)
    for k in range(files):
        pq.write_table(table.slice(k * step, step), f"{out}/{folder}/{name}-{k:02}.parquet",
                       compression="zstd")


signals = pq.read_table(f"{src}/signals.parquet")
counts = {c["values"]: c["counts"] for c in pc.value_counts(signals["signal"]).to_pylist()}
keep = sorted((t for t in counts if t != "web_visit"), key=lambda t: -counts[t])[:types]
signals = signals.filter(pc.is_in(signals["signal"], value_set=pa.array(keep)))
split(signals, "signals", "signals")
del signals
split(pq.read_table(f"{src}/universe.parquet"), "universe", "universe")
for f in ("accounts.csv", "opportunities.csv"):
    if not os.path.exists(f"{out}/{f}"):
        os.symlink(os.path.abspath(f"{src}/{f}"), f"{out}/{f}")
config = open(f"{src}/scorebook.toml").read().replace(
    'signals = "signals.parquet"', 'signals = "signals"')
open(f"{out}/scorebook.toml", "w").write(config)
print(f"{files} universe files, {files} signal files of types {', '.join(keep)}")
