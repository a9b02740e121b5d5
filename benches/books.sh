#!/usr/bin/env bash
# The books benchmark (release build): `scorebook books` on a scored
# synthetic universe of N accounts with R reps of capacity 100, in two
# shapes:
#   plain   generalists only, no owners: the whole universe is the pool
#   team    one rep in ten a specialist of one of five industries (read
#           from the universe's `industry`), one in fifty unavailable,
#           owners of half the slots (some stale) and their activity
# and prints wall time and peak RSS of each (benches/measure.py).
#
#   cargo build --release && benches/books.sh 1000000 1000
set -euo pipefail
N=${1:-1000000}
R=${2:-1000}
ROOT=${BENCH_DIR:-/tmp/scorebook-bench}/n$N
DIR=$ROOT/books
source "$(dirname "$0")/common.sh"

[ -f "$ROOT/data/universe.parquet" ] || measure synth "$N" "$BIN" synth --out "$ROOT/data" --accounts "$N" --history-accounts 5000
# a model with a potential part, and the universe scored with it
[ -f "$DIR/scores.parquet" ] || {
  rm -rf "$DIR/model"
  measure train 0 "$BIN" train --config "$ROOT/data/scorebook.toml" --out "$DIR/model" \
    --universe "$ROOT/data/universe.parquet" --universe-signals "$ROOT/data/signals.parquet" > /dev/null
  measure score "$N" "$BIN" score --model "$DIR/model" --universe "$ROOT/data/universe.parquet" \
    --signals "$ROOT/data/signals.parquet" --as-of 2025-07-01 --out "$DIR/scores.parquet"
}
"$PY" "$HERE/team.py" "$DIR/plain" "$N" "$R"
"$PY" "$HERE/team.py" "$DIR/team" "$N" "$R" --specialists
for SHAPE in plain team; do
  T=$DIR/$SHAPE
  rm -rf "$T/out"
  EXTRA=()
  if [ "$SHAPE" = team ]; then
    EXTRA=(--owners "$T/owners.csv" --activity "$T/activity.csv" --universe "$ROOT/data/universe.parquet"
           --opportunities "$ROOT/data/opportunities.csv")
  fi
  echo "== $SHAPE: $N accounts, $R reps"
  measure "books-$SHAPE" "$N" "$BIN" books --scores "$DIR/scores.parquet" --reps "$T/reps.csv" \
    "${EXTRA[@]}" --out "$T/out"
done
