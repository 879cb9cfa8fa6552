#!/usr/bin/env bash
# Peak memory of one strict parse per document shape, ev_json_parse and
# ev_json_parse_arena, each in a fresh process (bench_json_memory), next to
# the bound ev_json_parse_max_bytes gives. Writes bench/results/json_memory.json.
# See docs/validation.md, "Memory and limits".
#
# usage: bench/memory/run.sh BUILD_DIR     env: BYTES=10000000
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/../.."
BYTES=${BYTES:-10000000}
bin="$build/bench/bench_json_memory"
[ -x "$bin" ] || { echo "memory bench: $bin not built (make bench)" >&2; exit 1; }
mkdir -p bench/results
"$bin" all "$BYTES" | python3 -c '
import datetime, json, sys
rows = [json.loads(l) for l in sys.stdin]
print("Peak memory of one parse (resident set growth), %d-byte texts" % rows[0]["bytes"])
print("%-8s %-6s %12s %8s %12s %s" % ("shape", "mode", "peak bytes", "x text", "bound", "within"))
for r in rows:
    print("%-8s %-6s %12d %8.1f %12d %s" % (r["shape"], r["mode"], r["peak_bytes"], r["per_byte"], r["bound_bytes"],
                                          "yes" if r["peak_bytes"] <= r["bound_bytes"] else "NO"))
res = {"benchmark": "json_memory",
       "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
       "results": rows}
with open("bench/results/json_memory.json", "w") as f:
    json.dump(res, f, indent=1)
    f.write("\n")
sys.exit(0 if all(r["peak_bytes"] <= r["bound_bytes"] for r in rows) else 1)
'
