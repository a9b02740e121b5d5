#!/usr/bin/env bash
# The scoring benchmark, in one run on one machine, on a synthetic universe
# of N accounts with signals:
#   synth   writes the universe and signals (parquet)
#   train   fits the model (5,000 accounts with history, ~20k closed deals)
#   score   scorebook score: universe + signals -> scores.parquet
#   duckdb  DuckDB running `export-sql --dialect duckdb` on the same files,
#           writing parquet (zstd) too
#   read    a bare read of the columns score needs from both files
#           (pyarrow), the floor
# and prints wall time, rows/s, peak RSS (kernel rusage via os.wait4) and
# the ratios score/duckdb and score/read. The signals are given as an
# unsorted glob of SIGNAL_PARTS files (default 4, rows shuffled:
# benches/split_signals.py), as exports usually come; SIGNAL_PARTS=0 uses
# the single sorted file synth writes.
#
#   cargo build --release && benches/score.sh 1000000 && benches/score.sh 10000000
#
# Python packages come from benches/requirements.txt, installed into a venv
# under the target directory on first use.
set -euo pipefail
N=${1:-1000000}
DIR=${BENCH_DIR:-/tmp/scorebook-bench}/n$N
source "$(dirname "$0")/common.sh"

[ -f "$DIR/data/universe.parquet" ] || measure synth "$N" "$BIN" synth --out "$DIR/data" --accounts "$N" --history-accounts 5000
SIGNALS="$DIR/data/signals.parquet"
PARTS=${SIGNAL_PARTS:-4}
if [ "$PARTS" -gt 0 ]; then
  [ -f "$DIR/parts$PARTS/signals-0.parquet" ] || "$PY" "$HERE/split_signals.py" "$DIR/data/signals.parquet" "$DIR/parts$PARTS" "$PARTS" > /dev/null
  SIGNALS="$DIR/parts$PARTS/signals-*.parquet"
fi
rm -rf "$DIR/model" "$DIR/scores.parquet"
# tiers cut on the universe that is scored (train --universe)
measure train 0 "$BIN" train --config "$DIR/data/scorebook.toml" --out "$DIR/model" \
  --universe "$DIR/data/universe.parquet" --universe-signals "$SIGNALS"
measure score "$N" "$BIN" score --model "$DIR/model" --universe "$DIR/data/universe.parquet" \
  --signals "$SIGNALS" --as-of 2025-07-01 --out "$DIR/scores.parquet"
"$BIN" export-sql --model "$DIR/model" --dialect duckdb --as-of 2025-07-01 > "$DIR/score.sql"
measure duckdb "$N" "$PY" "$HERE/duckdb_score.py" "$DIR/score.sql" "$DIR/data/universe.parquet" \
  "$SIGNALS" "$DIR/duckdb.parquet"
measure read "$N" "$PY" "$HERE/bare_read.py" "$DIR/data/universe.parquet" "$SIGNALS"
"$PY" - "$RESULTS" "$DIR/scores.parquet" <<'PY'
import sys
import pyarrow.compute as pc
import pyarrow.parquet as pq
r = {l.split("\t")[0]: float(l.split("\t")[1]) for l in open(sys.argv[1])}
print(f"score / duckdb time: {r['score'] / r['duckdb']:.2f}x   score / bare read time: {r['score'] / r['read']:.2f}x")
tiers = pc.value_counts(pq.read_table(sys.argv[2], columns=["tier"])["tier"]).to_pylist()
counts = {t["values"]: t["counts"] for t in tiers}
eligible = sum(counts.values()) - counts.get("Disqualified", 0)
print("tier shares of the scored universe: " + ", ".join(f"{k} {100 * counts.get(k, 0) / eligible:.1f}%" for k in ("Tier 1", "Tier 2", "Tier 3")))
PY
