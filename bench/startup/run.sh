#!/usr/bin/env bash
# Start-up of the Lambda bootstraps: process start to the first
# GET invocation/next, and peak resident memory by then, measured by
# startup_probe (a fake Runtime API on loopback that spawns the program and
# times the arrival of its first request; ru_maxrss from wait4), many runs
# each, median and p90. Measures every $BUILD/bin/*-bootstrap, the minimal
# bootstrap of bench/startup/ (the least any function on src/runtime
# pays), a libc-only loop (this machine's floor: spawn, exec, connect),
# the static Lambda builds where present ($BUILD/lambda/<Name>/bootstrap:
# `make package`, `make bench-startup-static`), and the peer: python3
# importing boto3 + jsonschema, then the same first GET; also the Python
# reference handlers' imports (bench/reference/). Prints one table, the
# target verdicts (informational: a miss does not fail the run) and writes
# bench/results/startup.json. See docs/benchmarks.md.
#
# usage: bench/startup/run.sh BUILD_DIR
# env:   RUNS=40 (each C program)  PY_RUNS=15 (each Python peer)  ROUNDS=5  PYTHON=python3
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-40}
PY_RUNS=${PY_RUNS:-15}
ROUNDS=${ROUNDS:-5}
PYTHON=${PYTHON:-python3}
probe="$build/bench/startup/startup_probe"
minimal="$build/bench/startup/minimal-bootstrap"
floor="$build/bench/startup/floor_bootstrap"
if [ ! -x "$probe" ] || [ ! -x "$minimal" ] || [ ! -x "$floor" ]; then
    echo "startup bench: $probe, $minimal or $floor not built (make bench)" >&2
    exit 1
fi
work="$build/bench/startup"
mkdir -p "$work" bench/results
rows="$work/rows.jsonl"
: >"$rows"

# What a function's process sees in Lambda, pointing nowhere: no request
# leaves the machine, and no configuration file of this machine is read.
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
export AWS_SESSION_TOKEN=bench-session-token
export AWS_ENDPOINT_URL=http://127.0.0.1:9 AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent
export SQS_QUEUE_URL=http://127.0.0.1:9/000000000000/evpipe-events DYNAMODB_TABLE_NAME=evpipe-events
export LOG_LEVEL=INFO POWERTOOLS_SERVICE_NAME=evpipe AWS_LAMBDA_FUNCTION_NAME=evpipe-bench
export AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128
unset _X_AMZN_TRACE_ID http_proxy https_proxy HTTP_PROXY HTTPS_PROXY || true

notes=()
# The programs, one entry each: kind, label, runs, command (words).
kinds=() labels=() counts=() cmds=()
add() { kinds+=("$1"); labels+=("$2"); counts+=("$3"); cmds+=("$4"); }

add floor "floor: libc-only loop, no libraries" "$RUNS" "$floor"
found=0
for b in "$build"/bin/*-bootstrap; do
    [ -x "$b" ] || continue
    add ours "$(basename "$b") (dynamic)" "$RUNS" "$b"
    found=1
done
[ "$found" = 1 ] || notes+=("no function bootstrap in $build/bin yet (src/bootstrap/*.c): the minimal bootstrap stands for them")
add ours "minimal-bootstrap (dynamic)" "$RUNS" "$minimal"
for name in IngestionFunction ProcessingFunction minimal-bootstrap; do
    b="$build/lambda/$name/bootstrap"
    if [ -x "$b" ]; then
        add ours "$name (static Lambda build)" "$RUNS" "$b"
    else
        notes+=("$name static Lambda build skipped: $b absent ($([ "$name" = minimal-bootstrap ] && echo 'make bench-startup-static' || echo 'make package'))")
    fi
done
py=$("$PYTHON" -c 'import sys; print(sys.executable)')
if "$py" -c 'import boto3, jsonschema' 2>/dev/null; then
    add peer "python3 + boto3 + jsonschema" "$PY_RUNS" "$py bench/startup/python_bootstrap.py"
    add peer-handler "python3 + reference ingestion handler" "$PY_RUNS" "$py bench/startup/python_bootstrap.py --handler ingestion"
    add peer-handler "python3 + reference processing handler" "$PY_RUNS" "$py bench/startup/python_bootstrap.py --handler processing"
else
    notes+=("Python peer skipped: $py cannot import boto3 and jsonschema")
fi

# Rounds: every program runs a share of its runs in each round, so that load
# from other processes drifting over time hits all of them alike.
failed=()
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq 1 "$ROUNDS"); do
    echo "startup bench: round $round of $ROUNDS" >&2
    for i in "${!labels[@]}"; do
        [ -z "${failed[$i]:-}" ] || continue
        n=$(( (counts[i] + ROUNDS - 1) / ROUNDS ))
        log="$work/$(echo "${labels[$i]}" | tr -c 'A-Za-z0-9_.-' '_').log"
        [ "$round" -gt 1 ] || : >"$log"
        # shellcheck disable=SC2086 # a command is words on purpose
        if out=$("$probe" --runs "$n" --warmup 1 --log "$log" -- ${cmds[$i]} 2>"$log.err"); then
            "$PYTHON" -c 'import json, sys; d = json.loads(sys.argv[3]); d["kind"] = sys.argv[1]; d["label"] = sys.argv[2]; print(json.dumps(d))' \
                "${kinds[$i]}" "${labels[$i]}" "$out" >>"$rows"
        else
            echo "startup bench: ${labels[$i]} failed:" >&2
            cat "$log.err" >&2
            tail -n 5 "$log" >&2
            notes+=("${labels[$i]}: FAILED (see $log)")
            failed[i]=1
        fi
    done
done

printf '%s\n' "${notes[@]+"${notes[@]}"}" >"$work/notes.txt"
"$PYTHON" - "$rows" "$work/notes.txt" "$load_before" "$(cc --version | head -1)" <<'PY'
import datetime, json, os, platform, sys

rows_path, notes_path, load_before, cc = sys.argv[1:5]
rows = []
for l in open(rows_path):
    if not l.strip():
        continue
    d = json.loads(l)
    same = next((r for r in rows if r["label"] == d["label"]), None)
    if same is None:
        d["rounds"] = 1
        rows.append(d)
        continue
    same["rounds"] += 1
    same["runs"] += d["runs"]
    same["probe_peak_kib"] = max(same["probe_peak_kib"], d["probe_peak_kib"])
    for k in ("start_ms", "maxrss_kib", "hwm_kib", "cpu_ms", "minflt"):
        same[k] += d[k]
notes = [l.rstrip("\n") for l in open(notes_path) if l.strip()]


def pct(xs, p):
    """Nearest-rank percentile."""
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))
    return s[k]


def med(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


for r in rows:
    r["start_ms_median"] = round(med(r["start_ms"]), 2)
    r["start_ms_p90"] = round(pct(r["start_ms"], 90), 2)
    r["cpu_ms_median"] = round(med(r["cpu_ms"]), 2)
    r["minflt_median"] = med(r["minflt"])
    r["maxrss_mib_median"] = round(med(r["maxrss_kib"]) / 1024, 2)
    r["maxrss_mib_max"] = round(max(r["maxrss_kib"]) / 1024, 2)
    r["hwm_mib_median"] = round(med(r["hwm_kib"]) / 1024, 2) if min(r["hwm_kib"]) > 0 else None
    r["size_bytes"] = os.path.getsize(r["program"]) if os.path.exists(r["program"]) else None

peer = next((r for r in rows if r["kind"] == "peer"), None)
out = ["Start-up: process start to the first GET invocation/next; peak RSS (wait4 ru_maxrss)",
       "%-44s %5s %9s %9s %8s %7s %8s %8s %9s %10s" % ("program", "runs", "median ms", "p90 ms", "CPU ms", "faults",
                                                        "RSS MiB", "VmHWM", "x faster", "x less mem")]
for r in rows:
    xf = xm = ""
    if peer is not None and r is not peer and r["kind"] == "ours":
        r["x_faster_than_python"] = round(peer["start_ms_median"] / r["start_ms_median"], 1)
        r["x_less_memory_than_python"] = round(peer["maxrss_mib_median"] / r["maxrss_mib_median"], 1)
        r["x_less_cpu_than_python"] = round(peer["cpu_ms_median"] / max(r["cpu_ms_median"], 0.01), 1)
        xf, xm = "%.1fx" % r["x_faster_than_python"], "%.1fx" % r["x_less_memory_than_python"]
    hwm = "%8.2f" % r["hwm_mib_median"] if r["hwm_mib_median"] is not None else "%8s" % "-"
    out.append("%-44s %5d %9.2f %9.2f %8.2f %7d %8.2f %s %9s %10s" % (r["label"], r["runs"], r["start_ms_median"],
                                                                    r["start_ms_p90"], r["cpu_ms_median"],
                                                                    r["minflt_median"], r["maxrss_mib_median"], hwm,
                                                                    xf, xm))
if peer is not None:
    out.append("ratios: against '%s' (median start, median RSS); CPU ms: the child's user + system time; "
               "faults: its minor page faults (pages touched)" % peer["label"])


targets = []
for r in rows:
    if r["kind"] != "ours":
        continue
    for name, value, limit, unit in (("start to first next <= 5 ms", r["start_ms_median"], 5.0, "ms"),
                                     ("peak RSS <= 10 MiB", r["maxrss_mib_median"], 10.0, "MiB")):
        targets.append({"program": r["label"], "target": name, "value": value,
                        "status": "PASS" if value <= limit else "MISS"})
out.append("")
out.append("Targets (informational; machines are noisy)")
for t in targets:
    out.append("  %-4s %-44s %-30s %8.2f" % (t["status"], t["program"], t["target"], t["value"]))
probe_peak = max((r["probe_peak_kib"] for r in rows), default=0)
low = [r["label"] for r in rows if min(r["maxrss_kib"]) <= probe_peak]
out.append("")
out.append("probe's own peak RSS %.2f MiB (a child's ru_maxrss includes it): %s" %
           (probe_peak / 1024, "below every figure" if not low else
            "not below " + ", ".join(low) + " (read VmHWM there: the image after exec alone)"))
for n in notes:
    out.append("note: " + n)

cpu = "unknown"
try:
    for l in open("/proc/cpuinfo"):
        if l.startswith("model name"):
            cpu = l.split(":", 1)[1].strip()
            break
except OSError:
    pass
res = {
    "benchmark": "startup",
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "machine": {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(), "arch": platform.machine(),
                "loadavg_before": load_before, "loadavg_after": " ".join(open("/proc/loadavg").read().split()[:3]),
                "cc": cc, "python": platform.python_version()},
    "method": "startup_probe: monotonic clock before posix_spawn to the first request header on a loopback "
              "fake Runtime API; SIGTERM at the first next; ru_maxrss from wait4, VmHWM read at the first next",
    "results": rows,
    "targets": targets,
    "notes": notes,
    "table": out,
}
with open("bench/results/startup.json", "w") as f:
    json.dump(res, f, indent=1)
    f.write("\n")
# Printed after the file is written, so a reader that stops early (| head) loses nothing.
print("\n".join(out))
PY
