#!/usr/bin/env bash
# The scoring benchmark, in one run on one machine, on two layouts of a
# synthetic universe of N accounts:
#   synth   one universe file, the signals as an unsorted glob of 4 files
#           (rows shuffled: benches/split_signals.py), 11 signal types
#   files   10 universe files and 10 signal files, both sorted by account
#           id, 6 signal types, no web visits (benches/layout.py)
# Per layout:
#   train   fits the model on the layout's signals (5,000 accounts with
#           history), tiers cut on the universe that is scored
#   score   scorebook score: universe + signals -> scores.parquet
#   duckdb  DuckDB running `export-sql --dialect duckdb` (every column score
#           writes, reasons included) on the same files, to parquet (zstd)
#   duckdb-nr  the same SQL less the three reasons (DuckDB prunes them),
#           the reasons being most of DuckDB's time
#   spark   Spark 4 in local mode running `export-sql --dialect spark` on
#           the same files (benches/spark_score.py), to parquet
#   spark-nr  the same less the three reasons
#   polars  Python Polars computing the feature table only (no model,
#           benches/polars_features.py), to parquet: a floor for Python
#   floor   a bare read of the columns score needs plus writing the columns
#           score wrote (pyarrow, benches/bare_read.py): the I/O alone
# and prints wall time, rows/s, peak RSS (kernel rusage via os.wait4) and
# the ratios to score, all from the same run. SKIP_SPARK=1 leaves Spark out
# (it needs Java 17).
#
#   cargo build --release && benches/score.sh 1000000 && benches/score.sh 10000000
#
# Python packages come from benches/requirements.txt, installed into a venv
# under the target directory on first use.
set -euo pipefail
N=${1:-1000000}
ROOT=${BENCH_DIR:-/tmp/scorebook-bench}/n$N
DIR=$ROOT
source "$(dirname "$0")/common.sh"
AS_OF=2025-07-01

[ -f "$ROOT/data/universe.parquet" ] || measure synth "$N" "$BIN" synth --out "$ROOT/data" --accounts "$N" --history-accounts 5000
[ -f "$ROOT/synth/signals/signals-0.parquet" ] || {
  mkdir -p "$ROOT/synth"
  "$PY" "$HERE/split_signals.py" "$ROOT/data/signals.parquet" "$ROOT/synth/signals" 4 > /dev/null
  sed 's|^signals = .*|signals = "'"$ROOT"'/synth/signals"|; s|^accounts = "|accounts = "'"$ROOT"'/data/|; s|^opportunities = "|opportunities = "'"$ROOT"'/data/|' \
    "$ROOT/data/scorebook.toml" > "$ROOT/synth/scorebook.toml"
  ln -sf "$ROOT/data/universe.parquet" "$ROOT/synth/universe.parquet"
}
[ -f "$ROOT/files/universe/universe-00.parquet" ] || "$PY" "$HERE/layout.py" "$ROOT/data" "$ROOT/files" 10 6

for SHAPE in synth files; do
  DIR=$ROOT/$SHAPE
  RESULTS=$DIR/results.tsv
  : > "$RESULTS"
  case $SHAPE in
    synth) UNIVERSE=$DIR/universe.parquet; UGLOB=$UNIVERSE ;;
    files) UNIVERSE=$DIR/universe; UGLOB="$DIR/universe/*.parquet" ;;
  esac
  SIGNALS=$DIR/signals
  SGLOB="$DIR/signals/*.parquet"
  echo "== $SHAPE: $("$PY" -c "import glob,sys; print(len(glob.glob(sys.argv[1])))" "$UGLOB") universe file(s), $("$PY" -c "import glob,sys; print(len(glob.glob(sys.argv[1])))" "$SGLOB") signal files"
  rm -rf "$DIR/model" "$DIR/scores.parquet"
  measure train 0 "$BIN" train --config "$DIR/scorebook.toml" --out "$DIR/model" \
    --universe "$UNIVERSE" --universe-signals "$SIGNALS" 2> /dev/null | tail -1
  measure score "$N" "$BIN" score --model "$DIR/model" --universe "$UNIVERSE" \
    --signals "$SIGNALS" --as-of $AS_OF --out "$DIR/scores.parquet"
  "$BIN" export-sql --model "$DIR/model" --dialect duckdb --as-of $AS_OF > "$DIR/score.sql"
  measure duckdb "$N" "$PY" "$HERE/duckdb_score.py" "$DIR/score.sql" "$UGLOB" "$SGLOB" "$DIR/duckdb.parquet"
  measure duckdb-nr "$N" "$PY" "$HERE/duckdb_score.py" "$DIR/score.sql" "$UGLOB" "$SGLOB" "$DIR/duckdb-nr.parquet" no-reasons
  if [ -z "${SKIP_SPARK:-}" ]; then
    "$BIN" export-sql --model "$DIR/model" --dialect spark --as-of $AS_OF > "$DIR/score-spark.sql"
    measure spark "$N" "$PY" "$HERE/spark_score.py" "$DIR/score-spark.sql" "$UGLOB" "$SGLOB" "$DIR/spark.parquet"
    measure spark-nr "$N" "$PY" "$HERE/spark_score.py" "$DIR/score-spark.sql" "$UGLOB" "$SGLOB" "$DIR/spark-nr.parquet" no-reasons
    rm -rf "$DIR/spark.parquet" "$DIR/spark-nr.parquet"
  fi
  measure polars "$N" "$PY" "$HERE/polars_features.py" "$DIR/model" "$UGLOB" "$SGLOB" $AS_OF "$DIR/polars.parquet"
  measure floor "$N" "$PY" "$HERE/bare_read.py" "$UGLOB" "$SGLOB" "$DIR/scores.parquet" "$DIR/floor.parquet"
  "$PY" - "$RESULTS" "$DIR/scores.parquet" <<'PY'
import sys
import pyarrow.compute as pc
import pyarrow.parquet as pq
r = {l.split("\t")[0]: float(l.split("\t")[1]) for l in open(sys.argv[1])}
print(f"score / duckdb: {r['score'] / r['duckdb']:.2f}x (bar 0.25x)   score / polars features: {r['score'] / r['polars']:.2f}x (bar 1.5x)   score / floor: {r['score'] / r['floor']:.2f}x")
print(f"reasons' cost: duckdb {r['duckdb'] / r['duckdb-nr']:.2f}x the SQL without them (bar 1.5x)" + (f", spark {r['spark'] / r['spark-nr']:.2f}x" if "spark" in r else ""))
tiers = pc.value_counts(pq.read_table(sys.argv[2], columns=["tier"])["tier"]).to_pylist()
counts = {t["values"]: t["counts"] for t in tiers}
eligible = sum(counts.values()) - counts.get("Disqualified", 0)
print("tier shares of the scored universe: " + ", ".join(f"{k} {100 * counts.get(k, 0) / eligible:.1f}%" for k in ("Tier 1", "Tier 2", "Tier 3")))
PY
done
