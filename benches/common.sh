# Shared set-up of the benchmark scripts (sourced; DIR must be set): the
# binary, the Python venv with benches/requirements.txt, an empty results
# file, and `measure NAME ROWS COMMAND...` (benches/measure.py).
TARGET=${CARGO_TARGET_DIR:-$HOME/.cache/scorebook-target}
BIN=${SCOREBOOK_BIN:-$TARGET/release/scorebook}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VENV=$TARGET/bench-venv
mkdir -p "$DIR"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q -r "$HERE/requirements.txt"
PY=$VENV/bin/python
RESULTS=$DIR/results.tsv
: > "$RESULTS"
measure() { # name, rows, command...
  "$PY" "$HERE/measure.py" "$1" "$2" "$RESULTS" "${@:3}"
}
