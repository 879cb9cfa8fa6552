#!/usr/bin/env bash
# The processing handler's in-process cost per record (no network: a writer
# that answers at once), beside a bare cJSON parse of the same SQS event.
# Writes bench/results/processing.json.
# usage: bench/processing/run.sh BUILD_DIR [seconds]
set -euo pipefail
build=${1:-build}
secs=${2:-2.0}
cd "$(dirname "$0")/../.."
bin="$build/bench/bench_processing_handler"
[ -x "$bin" ] || { echo "processing bench: $bin not built (make bench)" >&2; exit 1; }
mkdir -p bench/results
out=$("$bin" "$secs")
python3 - "$out" <<'PY'
import json, platform, sys
r = json.loads(sys.argv[1])
r["machine"] = {"cpus": __import__("os").cpu_count(), "platform": platform.platform()}
with open("bench/results/processing.json", "w") as f:
    json.dump(r, f, indent=2)
    f.write("\n")
print("processing: %.2f us per record (batch of %d, %d bytes), %.2fx a bare cJSON parse of the event"
      % (r["handler_us_per_record"], r["records_per_batch"], r["event_bytes"], r["ratio_to_cjson_parse"]))
PY
