#!/usr/bin/env bash
# Runs test binaries one after another and prints one summary line.
# usage: tests/run_tests.sh STAGE BINARY...   (VALGRIND=1 runs each under valgrind)
set -u
stage=$1; shift
passed=0; failed=0; failed_names=()
for t in "$@"; do
    if [ "${VALGRIND:-0}" = 1 ]; then
        cmd=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "$t")
    else
        cmd=("$t")
    fi
    if "${cmd[@]}"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1)); failed_names+=("$(basename "$t")")
    fi
done
echo "$stage: $passed passed, $failed failed"
if [ "$failed" -gt 0 ]; then
    echo "$stage: failing: ${failed_names[*]}" >&2
    exit 1
fi
