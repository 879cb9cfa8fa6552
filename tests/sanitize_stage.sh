#!/usr/bin/env bash
# Runs one test stage of a sanitized build and fails it when any process of
# ours wrote a sanitizer report, even one whose exit status nobody checks (a
# function process devserver spawned, devserver itself under the stack
# scripts). Every sanitized program of the stage writes its reports into a
# fresh directory (log_path); after the stage a report file present is a
# failure, and each report is printed.
#
# usage: tests/sanitize_stage.sh asan|tsan NAME COMMAND [ARG...]
#   asan: ASan + UBSan (+ LeakSanitizer); tsan: ThreadSanitizer.
# Suppressions: tests/sanitizers/*.supp (third-party code only, each
# entry with its reason). SANITIZE_LOG_DIR: where the report directories go
# (default: a temporary directory, removed when the stage passes).
set -u
kind=$1 name=$2
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
base=${SANITIZE_LOG_DIR:-}
if [ -z "$base" ]; then
    base=$(mktemp -d "${TMPDIR:-/tmp}/evpipe-sanitize.XXXXXX")
    own_base=1
else
    mkdir -p "$base"
    own_base=0
fi
logs="$base/$kind-$name"
rm -rf "$logs" && mkdir -p "$logs"

# exitcode: a report fails the process that wrote it (tests see it); the
# report file fails the stage either way (a process whose status is not
# checked, or one killed before it could exit).
supp=$root/tests/sanitizers
case "$kind" in
asan)
    export ASAN_OPTIONS="log_path=$logs/report:exitcode=86:abort_on_error=0:detect_leaks=1:handle_segv=1"
    export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
    export UBSAN_OPTIONS="log_path=$logs/report:print_stacktrace=1:halt_on_error=1:exitcode=87"
    ;;
tsan)
    export TSAN_OPTIONS="log_path=$logs/report:exitcode=88:halt_on_error=0:second_deadlock_stack=1:suppressions=$supp/tsan.supp:print_suppressions=0"
    ;;
*)
    echo "usage: tests/sanitize_stage.sh asan|tsan NAME COMMAND [ARG...]" >&2
    exit 2
    ;;
esac
export EV_SANITIZED=$kind

status=0
start=$(date +%s)
"$@" || status=$?
secs=$(($(date +%s) - start))

# A report is a file naming an error (ASan/LSan "ERROR:", UBSan "runtime
# error:", TSan "WARNING: ThreadSanitizer", any "SUMMARY:"). Other files
# are the sanitizers' notes (LeakSanitizer's "Unable to get registers from
# thread N" when a thread exits during the leak check): printed, not failed.
reports=() notes=()
while IFS= read -r -d '' f; do
    if grep -qE 'ERROR: |runtime error:|WARNING: ThreadSanitizer|SUMMARY: ' "$f"; then
        reports+=("$f")
    else
        notes+=("$f")
    fi
done < <(find "$logs" -type f -size +0 -print0 | sort -z)
for f in ${notes[@]+"${notes[@]}"}; do
    echo "sanitize $kind/$name: note from the sanitizer (not an error report): $(head -c 300 "$f")" >&2
done
if [ ${#reports[@]} -gt 0 ]; then
    for f in "${reports[@]}"; do
        echo "==== sanitize $kind/$name: report $(basename "$f")" >&2
        cat "$f" >&2
    done
    echo "sanitize $kind/$name: FAILED: ${#reports[@]} sanitizer report(s) (above; kept in $logs)" >&2
    exit 1
fi
if [ "$status" != 0 ]; then
    echo "sanitize $kind/$name: FAILED: the stage exited $status after ${secs} s" >&2
    exit "$status"
fi
[ "$own_base" = 1 ] && rm -rf "$base"
echo "sanitize $kind/$name: passed in ${secs} s, no sanitizer report"
