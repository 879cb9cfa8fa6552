#!/usr/bin/env bash
# End-to-end benchmark (make bench): evpipe's local stack next to dynalite's
# PutItem ceiling and the Python reference pipeline; bench/results/e2e.json.
# usage: bench/e2e/run.sh BUILD_DIR   (BENCH_EVENTS, default 3000; SECONDS_PER_RUN, default 5)
set -eu
build=${1:-build}
cd "$(dirname "$0")/../.."
for b in bench_putitem bench_e2e_load; do
    [ -x "$build/bench/$b" ] || { echo "e2e: $build/bench/$b not built (make bench)" >&2; exit 1; }
done
exec python3 bench/e2e/bench_e2e.py --build "$build" --out bench/results/e2e.json
