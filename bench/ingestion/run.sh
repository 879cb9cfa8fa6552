#!/usr/bin/env bash
# In-process cost per event of the ingestion handler (proxy event bytes to
# proxy response bytes, a sender that does nothing), per case; writes
# bench/results/ingestion.json. A Python reference handler, when present
# as bench/ingestion/py_handler_bench.py, runs on the same events and the
# ratio is recorded. See docs/benchmarks.md.
# usage: bench/ingestion/run.sh BUILD_DIR [seconds_per_case]
set -euo pipefail
build=${1:-build}
secs=${2:-1.0}
cd "$(dirname "$0")/../.."
bin="$build/bench/bench_ingestion_handler"
[ -x "$bin" ] || { echo "ingestion bench: $bin not built (make bench)" >&2; exit 1; }
mkdir -p bench/results
c_json=$("$bin" "$secs")
py_json='null'
if [ -f bench/ingestion/py_handler_bench.py ]; then
    py_json=$(${PYTHON:-python3} bench/ingestion/py_handler_bench.py "$secs")
fi
${PYTHON:-python3} - "$c_json" "$py_json" <<'PY'
import datetime, json, platform, sys
c = json.loads(sys.argv[1])
py = json.loads(sys.argv[2])
res = {"benchmark": "ingestion_handler", "evpipe": c, "python_reference": py,
       "machine": platform.machine(),
       "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
print("%-16s %12s %14s %10s" % ("case", "us/event", "events/s", "vs python"))
for name, v in c["cases"].items():
    ratio = ""
    if py and name in py.get("cases", {}):
        r = py["cases"][name]["us_per_event"] / v["us_per_event"]
        res.setdefault("ratio_vs_python", {})[name] = round(r, 1)
        ratio = "%.1fx" % r
    print("%-16s %12.3f %14.0f %10s" % (name, v["us_per_event"], v["events_per_s"], ratio))
json.dump(res, open("bench/results/ingestion.json", "w"), indent=2)
open("bench/results/ingestion.json", "a").write("\n")
PY
