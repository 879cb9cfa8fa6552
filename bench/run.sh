#!/usr/bin/env bash
# Runs every benchmark suite (bench/<name>/run.sh BUILD_DIR) and lists the result files.
set -eu
build=${1:-build}
cd "$(dirname "$0")/.."
mkdir -p bench/results
status=0
for s in bench/*/run.sh; do
    [ -x "$s" ] || continue
    echo "== $(dirname "$s")"
    "$s" "$build" || status=1
done
ls -1 bench/results/*.json 2>/dev/null | sed 's/^/result: /'
# Plots of the results in docs/img/ (docs/performance.md); never fails the run.
python3 bench/plots.py || echo "plots: failed (the results above stand)"
exit $status
