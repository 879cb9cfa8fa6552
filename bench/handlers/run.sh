#!/usr/bin/env bash
# In-process cost per event of the functions' handlers: the C handlers
# (bench/bench_ingestion_handler.c, bench/bench_processing_handler.c, with a
# fake sender / writer) next to the Python reference handlers
# (bench/reference/, jsonschema + boto3 cut off by botocore's Stubber), in
# the same run. Prints one table with the ratios, the target verdicts
# (informational: a miss does not fail the run) and writes
# bench/results/handlers.json. A C benchmark that is not built is reported
# as skipped, with a note. See docs/benchmarks.md.
#
# usage: bench/handlers/run.sh BUILD_DIR
# env:   PY_EVENTS=2000 PY_REPS=3 PYTHON=python3
#        INGESTION_BENCH_ARGS, PROCESSING_BENCH_ARGS: arguments for the C benchmarks (default none)
#
# The C benchmarks' output is read from stdout: a JSON object with a key
# ending in ns_per_event, ns_per_record, us_per_event or us_per_record
# anywhere in it (the first in document order; with a "cases" object, each
# case is a row and the first one gives the ratio), or else a text line
# giving "N ns/event" (or us, /record).
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/../.."
PY_EVENTS=${PY_EVENTS:-2000}
PY_REPS=${PY_REPS:-3}
PYTHON=${PYTHON:-python3}
work="$build/bench/handlers"
mkdir -p "$work" bench/results
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

for f in ingestion processing; do
    bin="$build/bench/bench_${f}_handler"
    : >"$work/$f.out"
    if [ -x "$bin" ]; then
        args_var="${f^^}_BENCH_ARGS"
        echo "handlers bench: $bin ${!args_var:-}" >&2
        # shellcheck disable=SC2086 # the arguments are words on purpose
        "$bin" ${!args_var:-} >"$work/$f.out" 2>"$work/$f.err" || { cat "$work/$f.err" >&2; echo "FAILED" >"$work/$f.out"; }
    fi
done
echo "handlers bench: Python reference handlers ($PY_EVENTS events, $PY_REPS repetitions)" >&2
"$PYTHON" bench/reference/bench_handlers.py --events "$PY_EVENTS" --reps "$PY_REPS" --json >"$work/python.json" 2>"$work/python.err" ||
    { cat "$work/python.err" >&2; : >"$work/python.json"; }

"$PYTHON" - "$work" "$build" "$load_before" <<'PY'
import datetime, json, os, re, sys

work, build, load_before = sys.argv[1:4]
KEY = re.compile(r"(?:^|_)(ns|us)_per_(?:event|record)$")


def find_key(obj):
    """The first per-event figure in obj (ns), depth first, in document order."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            m = KEY.search(k)
            if m and isinstance(v, (int, float)) and not isinstance(v, bool):
                return v * (1 if m.group(1) == "ns" else 1e3)
        for v in obj.values():
            r = find_key(v)
            if r is not None:
                return r
    elif isinstance(obj, list):
        for v in obj:
            r = find_key(v)
            if r is not None:
                return r
    return None


def cases(raw):
    """{case: ns per event} when the output has a "cases" object, else {}."""
    try:
        d = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    out = {}
    if isinstance(d, dict) and isinstance(d.get("cases"), dict):
        for k, v in d["cases"].items():
            ns = find_key(v)
            if ns is not None:
                out[k] = ns
    return out


def c_result(name):
    """(ns per event, raw output, note)."""
    path = os.path.join(work, name + ".out")
    binary = os.path.join(build, "bench", "bench_%s_handler" % name)
    if not os.path.exists(binary):
        return None, None, "skipped: %s not built (bench/bench_%s_handler.c not written yet)" % (binary, name)
    txt = open(path).read()
    if txt.strip() == "FAILED":
        return None, None, "FAILED: %s exited with an error" % binary
    candidates = [txt] + [l for l in txt.splitlines() if l.strip().startswith("{")]
    for c in candidates:
        try:
            ns = find_key(json.loads(c))
        except ValueError:
            continue
        if ns is not None:
            return ns, txt, None
    m = re.search(r"([0-9][0-9,]*(?:\.[0-9]+)?)\s*(ns|us|µs)\s*/\s*(?:event|record)", txt)
    if m:
        v = float(m.group(1).replace(",", ""))
        return v * (1 if m.group(2) == "ns" else 1e3), txt, None
    return None, txt, "could not read a per-event figure in %s's output (expected JSON with ns_per_event)" % binary


try:
    py = json.load(open(os.path.join(work, "python.json")))
except (OSError, ValueError):
    py = None
rows, targets, notes = [], [], []
out = ["Handlers in process, per event (C: fake sender/writer; Python: boto3 cut off by Stubber)",
       "x Python: Python's CPU time per event (or its wall time, if lower) / C's wall time",
       "%-50s %12s %12s %10s" % ("handler", "ns/event", "events/s", "x Python")]
for name in ("ingestion", "processing"):
    ns, raw, note = c_result(name)
    p = py.get(name) if py else None
    pns = p["ns_per_event"] if p else None
    # Python's CPU time when lower than its wall time: waits for a CPU under
    # load never count for Python, while C's wall time keeps them (a lower
    # bound on the ratio).
    pbase = min(pns, p.get("cpu_ns_per_event") or pns) if p else None
    ratio = round(pbase / ns, 1) if ns and pbase else None
    if ns:
        per_case = cases(raw)
        first = next(iter(per_case), None)
        out.append("%-50s %12.0f %12.0f %10s" % ("evpipe %s handler (C)%s" % (name, ", " + first if first else ""),
                                                 ns, 1e9 / ns, "%.1fx" % ratio if ratio else ""))
        for k, v in list(per_case.items())[1:]:
            out.append("%-50s %12.0f %12.0f %10s" % ("  case " + k, v, 1e9 / v, "%.1fx" % (pbase / v) if pbase else ""))
    if pns:
        out.append("%-50s %12.0f %12.0f %10s" % ("Python reference %s_handler.py (CPU %d ns)"
                                                 % (name, p["cpu_ns_per_event"]), pns, 1e9 / pns, ""))
    v = p.get("valid_only") if p else None
    vr = None
    if v:
        vr = round(min(v["ns_per_event"], v.get("cpu_ns_per_event") or v["ns_per_event"]) / ns, 1) if ns else None
        out.append("%-50s %12.0f %12.0f %10s" % ("  valid events only (CPU %d ns; x: C's first case)"
                                                 % v["cpu_ns_per_event"], v["ns_per_event"], 1e9 / v["ns_per_event"],
                                                 "%.1fx" % vr if vr else ""))
    if note:
        notes.append("%s: %s" % (name, note))
    if p and p.get("batch_item_failures"):
        notes.append("%s: the Python reference failed %d records (its figure is not comparable)"
                     % (name, p["batch_item_failures"]))
    rows.append({"handler": name, "c_ns_per_event": ns, "c_output": raw, "python": p, "ratio": ratio,
                 "ratio_python_valid_only": vr})
    targets.append({"target": ">= 30x the Python reference (%s)" % name, "value": ratio,
                    "status": "skipped" if ratio is None else ("PASS" if ratio >= 30 else "MISS")})
out.append("")
out.append("Targets (informational; machines are noisy)")
for t in targets:
    out.append("  %-7s %-44s %s" % (t["status"], t["target"], "" if t["value"] is None else "%.1fx" % t["value"]))
if py is None:
    notes.append("the Python reference handlers did not run (see %s/python.err)" % work)
for n in notes:
    out.append("note: " + n)
res = {
    "benchmark": "handlers",
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "machine": {"nproc": os.cpu_count(), "loadavg_before": load_before,
                "loadavg_after": " ".join(open("/proc/loadavg").read().split()[:3])},
    "python_reference": py,
    "results": rows,
    "targets": targets,
    "notes": notes,
    "table": out,
}
with open("bench/results/handlers.json", "w") as f:
    json.dump(res, f, indent=1)
    f.write("\n")
# Printed after the file is written, so a reader that stops early (| head) loses nothing.
print("\n".join(out))
PY
