#!/usr/bin/env bash
# Times synth, train and score on a synthetic universe of N accounts and
# prints wall time, throughput and peak RSS of each step (from the kernel's
# rusage, via python3's os.wait4, so no extra tool is needed).
#
#   cargo build --release && benches/score.sh 1000000 && benches/score.sh 10000000
#
# Training uses 5,000 accounts with history (~20k closed deals) in every run.
set -euo pipefail
N=${1:-1000000}
BIN=${SCOREBOOK_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/scorebook-target}/release/scorebook}
DIR=${BENCH_DIR:-/tmp/scorebook-bench}/n$N
mkdir -p "$DIR"

measure() { # name, rows, command...
  local name=$1 rows=$2; shift 2
  python3 - "$name" "$rows" "$@" <<'PY'
import os, sys, time
name, rows, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
t = time.time()
pid = os.fork()
if pid == 0:
    os.execv(cmd[0], cmd)
_, status, ru = os.wait4(pid, 0)
wall = time.time() - t
if status != 0:
    sys.exit(f"{name} failed with status {status}")
rate = f"{rows / wall:,.0f} rows/s" if rows else ""
print(f"{name:<8} {wall:8.1f} s  peak RSS {ru.ru_maxrss / 1024:8.0f} MiB  {rate}")
PY
}

[ -f "$DIR/data/universe.parquet" ] || measure synth "$N" "$BIN" synth --out "$DIR/data" --accounts "$N" --history-accounts 5000
rm -rf "$DIR/model"
measure train 0 "$BIN" train --config "$DIR/data/scorebook.toml" --out "$DIR/model"
measure score "$N" "$BIN" score --model "$DIR/model" --universe "$DIR/data/universe.parquet" \
  --signals "$DIR/data/signals.parquet" --as-of 2025-07-01 --out "$DIR/scores.parquet"
