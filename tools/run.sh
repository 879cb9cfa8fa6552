#!/usr/bin/env bash
# `make run`: until the local stack (API front, Lambda emulator, queue and
# table emulators) lands, this runs the edge of the pipeline: the compiled
# validator over the sample events, as the ingestion function would see them.
set -uo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
echo "evcheck over samples/events.jsonl (valid or invalid<TAB>errors, one line per event):"
"$build/bin/evcheck" samples/events.jsonl
status=$?
case $status in
  0|1) echo "(exit $status: 0 = all valid, 1 = some invalid; both are expected outcomes here)"; exit 0 ;;
  *) exit $status ;;
esac
