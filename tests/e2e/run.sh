#!/usr/bin/env bash
# make e2e: the local stack's own tests (make run's script, the dashboard in
# a headless browser, evtail against the emulators), then the end-to-end
# tests of the whole pipeline. Each starts what it needs on free loopback
# ports and stops it by PID; each skips, saying why, when what it needs is
# not built or installed.   usage: tests/e2e/run.sh [BUILD_DIR]
set -uo pipefail
build=${1:-build}
cd "$(dirname "$0")/../.." || exit 1
case "$build" in /*) ;; *) build=$PWD/$build ;; esac
export BUILD=$build
failed=()
run() {
    echo "== $*"
    "$@" || failed+=("$(basename "$1")")
}
run tests/localstack/test_evtail.py "$build"
run tests/localstack/test_dashboard.py "$build"
run tests/localstack/test_run.sh "$build"
run tests/e2e/test_e2e.py
if [ ${#failed[@]} -gt 0 ]; then
    echo "e2e: failing: ${failed[*]}" >&2
    exit 1
fi
echo "e2e: all passed (or skipped, as said above)"
