#!/usr/bin/env bash
# The training benchmark, in one run on one machine: scorebook against
# scikit-learn's LogisticRegression(lbfgs) on the same feature table.
#   synth    H accounts with CRM history (about 4 closed deals each: 250,000
#            accounts give about 1M closed opportunities)
#   train    scorebook train, end to end (read, features, penalty search,
#            final fit, standard errors, evaluation, report data); its own
#            log gives the seconds spent in the fits
#   lbfgs    the same train with [model] solver = "lbfgs" (linfa-logistic)
#            at the chosen C only, for its fit seconds (one penalty fit and
#            the final fit)
#   features scorebook features --out: the training table, for scikit-learn
#   sklearn  the same fits on the same standardized design (benches/sklearn_fit.py):
#            the penalty search (one fit per C on the train period) and the
#            final fit (train + validation, chosen C); log loss of both
#            solutions on the final fit's rows
#
#   cargo build --release && benches/train.sh 250000
set -euo pipefail
H=${1:-250000}
DIR=${BENCH_DIR:-/tmp/scorebook-bench}/train$H
source "$(dirname "$0")/common.sh"

[ -f "$DIR/data/opportunities.csv" ] || measure synth 0 "$BIN" synth --out "$DIR/data" --accounts "$H" --history-accounts "$H"
rm -rf "$DIR/model"
SCOREBOOK_LOG=scorebook=info NO_COLOR=1 measure train 0 "$BIN" train --config "$DIR/data/scorebook.toml" --out "$DIR/model" 2> "$DIR/train.log"
# L-BFGS runs single-threaded to its iteration cap on these collinear
# features: it fits only the chosen C (one penalty fit, then the final fit)
C=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['penalty_c'])" "$DIR/model/model.json")
sed "s/^\[model\]\$/[model]\nsolver = \"lbfgs\"\nc_grid = [$C]/" "$DIR/data/scorebook.toml" > "$DIR/data/lbfgs.toml"
rm -rf "$DIR/model-lbfgs"
SCOREBOOK_LOG=scorebook=info NO_COLOR=1 measure lbfgs 0 "$BIN" train --config "$DIR/data/lbfgs.toml" --out "$DIR/model-lbfgs" 2> "$DIR/train-lbfgs.log"
measure features 0 "$BIN" features --config "$DIR/data/scorebook.toml" --out "$DIR/features.parquet" 2>/dev/null
measure sklearn 0 "$PY" "$HERE/sklearn_fit.py" "$DIR/features.parquet" "$DIR/model" "$DIR/train.log" "$DIR/sklearn.json" "$DIR/train-lbfgs.log"
"$PY" - "$DIR/sklearn.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"closed deals: {r['rows']:,} ({r['fit_rows']:,} in the final fit), {r['terms']} terms, C = {r['c']}")
for step in ("penalty_search", "final_fit"):
    s, k = r["scorebook"][step], r["sklearn"][step]
    lb = r.get("lbfgs", {}).get(step)
    lbfgs = f"   linfa-logistic L-BFGS {lb:7.2f} s" if lb else ""
    print(f"{step:<15} scorebook {s:7.2f} s   scikit-learn {k:7.2f} s   ratio {s / k:.2f}x{lbfgs}")
print(f"final-fit log loss: scorebook {r['scorebook']['log_loss']:.10f}  scikit-learn {r['sklearn']['log_loss']:.10f}"
      f"  difference {r['scorebook']['log_loss'] - r['sklearn']['log_loss']:+.2e}")
print(f"largest coefficient difference: {r['max_coef_difference']:.2e}")
PY
