#!/usr/bin/env bash
# Accuracy against LightGBM, on the same rows of several data sets:
#   curved   the synth with a planted curved truth (a sweet spot, a step,
#            saturation and a fit x timing pair), 20,000 accounts
#   shapes   the synth's presence / saturation truth
#   linear   the synth's linear truth
#   export   an IBM Sales Win-Loss shaped export (benches/export_fixture.py):
#            categories, a list, round deal amounts and a pair
#   placeholders  the same export with 28 typed-in round amounts on a
#            third of the deals, which win far less often
#   maven    the Maven CRM export (../shared/datasets, data/maven-crm.toml),
#            when present
# Each: scorebook train (defaults), scorebook features --out (the same
# table), then LightGBM tuned on the same validation period and scored on
# the same held-out deals (benches/quality.py). Prints a table of held-out
# AUC and log loss.
#
#   cargo build --release && benches/quality.sh
set -euo pipefail
DIR=${BENCH_DIR:-/tmp/scorebook-bench}/quality
source "$(dirname "$0")/common.sh"
ROOT=$(cd "$HERE/.." && pwd)

run() { # name, config
  local name=$1 cfg=$2 out=$DIR/$1
  rm -rf "$out/model" "$out/features.parquet"
  "$BIN" train --config "$cfg" --out "$out/model" 2>/dev/null >/dev/null
  "$BIN" features --config "$cfg" --out "$out/features.parquet" 2>/dev/null
  local shares
  shares=$("$PY" -c "import json,sys; c=json.load(open(sys.argv[1]))['config']['model']; print(c['test_share'], c['validation_share'])" "$out/model/model.json")
  "$PY" "$HERE/quality.py" "$name" "$out/features.parquet" "$out/model/metrics.json" $shares
}

for truth in curved shapes linear; do
  d=$DIR/$truth/data
  [ -f "$d/opportunities.csv" ] || "$BIN" synth --out "$d" --accounts 20000 --history-accounts 20000 --seed 23 --truth "$truth" 2>/dev/null
done
mkdir -p "$DIR/export/data" "$DIR/placeholders/data"
[ -f "$DIR/export/data/deals.csv" ] || "$PY" "$HERE/export_fixture.py" "$DIR/export/data" 40000 7
[ -f "$DIR/placeholders/data/deals.csv" ] || "$PY" "$HERE/export_fixture.py" "$DIR/placeholders/data" 40000 11 placeholders

printf "data\tdeals\tscorebook AUC\tLightGBM AUC\tdifference\tscorebook log loss\tLightGBM log loss\tLightGBM chosen\n"
for truth in curved shapes linear; do
  run "$truth" "$DIR/$truth/data/scorebook.toml"
done
run export "$DIR/export/data/scorebook.toml"
run placeholders "$DIR/placeholders/data/scorebook.toml"
if [ -d "$ROOT/../shared/datasets/maven-crm" ]; then
  run maven "$ROOT/data/maven-crm.toml"
else
  echo "maven: skipped (no ../shared/datasets/maven-crm)" >&2
fi
