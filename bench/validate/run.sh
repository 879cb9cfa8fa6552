#!/usr/bin/env bash
# Parse-and-validate throughput of the generated events validator next to
# cJSON alone, jsonschema, fastjsonschema and ajv, over the same 100,000
# generated events, in one run. Prints one table, the target verdicts
# (informational: a miss does not fail the run) and writes
# bench/results/validate.json. See docs/benchmarks.md.
#
# usage: bench/validate/run.sh BUILD_DIR
# env:   EVENTS=100000 C_REPS=7 AJV_REPS=7 JS_LIMIT=10000 JS_REPS=3 FJS_LIMIT=0 FJS_REPS=3
#        PYTHON=python3 (jsonschema)  SYS_PYTHON=/usr/bin/python3 (fastjsonschema)
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/../.."
EVENTS=${EVENTS:-100000}
C_REPS=${C_REPS:-7}
AJV_REPS=${AJV_REPS:-7}
JS_LIMIT=${JS_LIMIT:-10000}
JS_REPS=${JS_REPS:-3}
FJS_LIMIT=${FJS_LIMIT:-0}
FJS_REPS=${FJS_REPS:-3}
PYTHON=${PYTHON:-python3}
SYS_PYTHON=${SYS_PYTHON:-/usr/bin/python3}
schema=schema/events.schema.json
bin="$build/bench/bench_validate"
[ -x "$bin" ] || { echo "validate bench: $bin not built (make bench)" >&2; exit 1; }

work="$build/bench/validate"
mkdir -p "$work" bench/results
events="$work/events.jsonl"
# The events are deterministic: regenerate only when the generator or the count changed.
if [ ! -s "$events" ] || [ bench/events/gen_events.py -nt "$events" ] || [ "$(wc -l <"$events")" != "$EVENTS" ]; then
    "$PYTHON" bench/events/gen_events.py "$events" --count "$EVENTS"
fi
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

echo "validate bench: evpipe (C, $C_REPS repetitions)" >&2
"$bin" "$events" "$C_REPS" >"$work/evpipe.json" 2>"$work/evpipe.log" || { cat "$work/evpipe.log" >&2; exit 1; }
# The floor runs in a process without evpipe's cJSON allocation hooks (see bench_cjson_floor.c).
"$build/bench/bench_cjson_floor" "$events" "$C_REPS" >"$work/cjson_floor.json" || { echo "validate bench: floor failed" >&2; exit 1; }

# Peers are optional: a missing one is reported as skipped, not an error.
: >"$work/ajv.json"; : >"$work/jsonschema.json"; : >"$work/fastjsonschema.json"
if command -v node >/dev/null && [ -d node_modules/ajv ] && [ -d node_modules/ajv-formats ]; then
    echo "validate bench: ajv ($AJV_REPS repetitions)" >&2
    node bench/validate/ajv_bench.mjs "$events" "$schema" "$AJV_REPS" >"$work/ajv.json" || : >"$work/ajv.json"
else
    echo "validate bench: ajv skipped (node or node_modules missing: make deps)" >&2
fi
if "$PYTHON" -c 'import jsonschema' 2>/dev/null; then
    echo "validate bench: jsonschema (first $JS_LIMIT events, $JS_REPS repetitions)" >&2
    "$PYTHON" bench/validate/py_bench.py jsonschema "$events" "$schema" --limit "$JS_LIMIT" --reps "$JS_REPS" \
        >"$work/jsonschema.json" || : >"$work/jsonschema.json"
else
    echo "validate bench: jsonschema skipped ($PYTHON has no jsonschema)" >&2
fi
if [ -x "$SYS_PYTHON" ] && "$SYS_PYTHON" -c 'import fastjsonschema' 2>/dev/null; then
    echo "validate bench: fastjsonschema ($FJS_REPS repetitions)" >&2
    "$SYS_PYTHON" bench/validate/py_bench.py fastjsonschema "$events" "$schema" --limit "$FJS_LIMIT" --reps "$FJS_REPS" \
        >"$work/fastjsonschema.json" || : >"$work/fastjsonschema.json"
else
    echo "validate bench: fastjsonschema skipped ($SYS_PYTHON has no fastjsonschema: apt-get install python3-fastjsonschema)" >&2
fi

"$PYTHON" - "$work" "$events" "$load_before" "$(cc --version | head -1)" <<'PY'
import datetime, json, os, platform, subprocess, sys

work, events_path, load_before, cc = sys.argv[1:5]
labels_path = events_path[:-6] + ".labels"


def load(name):
    p = os.path.join(work, name + ".json")
    try:
        with open(p) as f:
            txt = f.read().strip()
        return json.loads(txt) if txt else None
    except (OSError, ValueError):
        return None


ev = load("evpipe")
ajv = load("ajv")
js = load("jsonschema")
fjs = load("fastjsonschema")
labels = open(labels_path).read().split()


def label_counts(n):
    sub = labels[:n]
    return {"events": len(sub), "valid": sub.count("valid"), "valid_fp": sub.count("valid-fp")}


def ns(d, mode):
    return d["modes"][mode]["ns_per_event"] if d and mode in d.get("modes", {}) else None


def py_ns(d, mode):
    return d[mode]["ns_per_event"] if d else None


em = ev["modes"]
floor = load("cjson_floor")
if floor:  # cJSON as shipped, without evpipe's hooks; the in-process figure is kept for reference
    em["cjson_parse_with_evpipe_hooks"] = em["cjson_parse"]
    em["cjson_parse"] = floor["modes"]["cjson_parse"]
cj, strict, pv, pve = (em[m]["ns_per_event"] for m in ("cjson_parse", "strict_parse", "parse_validate", "parse_validate_errors"))
v, vv, vi, vie = (em[m]["ns_per_event"] for m in ("validate", "validate_valid", "validate_invalid", "validate_invalid_errors"))

peers = {
    "jsonschema": {"pv": py_ns(js, "parse_validate"), "v": py_ns(js, "validate")},
    "fastjsonschema": {"pv": py_ns(fjs, "parse_validate"), "v": py_ns(fjs, "validate")},
    "ajv": {"pv": ns(ajv, "parse_validate"), "v": ns(ajv, "validate"), "vv": ns(ajv, "validate_valid"),
            "vi": ns(ajv, "validate_invalid")},
}


def ratio(peer, key, ours):
    p = peers[peer].get(key)
    return p / ours if p and ours else None


def fmt_ratio(r):
    return "%7.1fx" % r if r is not None else "      -"


def fmt_rate(n):
    r = 1e9 / n
    return "%6.2fM" % (r / 1e6) if r >= 1e6 else "%6.0fk" % (r / 1e3)


W = 56
hdr = "%-*s %10s %9s %9s %9s %9s" % (W, "", "ns/event", "events/s", "x jsonsch", "x fastjs", "x ajv")
out = []
out.append("Parse + validate, %d events of %.0f bytes on average (median of repetitions)" % (ev["events"], ev["mean_bytes"]))
out.append(hdr)


def line(name, n, key=None):
    if n is None:
        out.append("%-*s %10s" % (W, name, "skipped"))
        return
    rs = [ratio(p, key, n) if key else None for p in ("jsonschema", "fastjsonschema", "ajv")]
    cells = [("%.1fx" % r) if r else "-" for r in rs]
    out.append("%-*s %10.1f %9s %9s %9s %9s" % (W, name, n, fmt_rate(n), *cells))


line("cJSON_ParseWithLength + Delete (floor, own process)", cj)
line("evpipe ev_json_parse (strict) + Delete", strict)
line("evpipe ev_validate_text (validity only)", pv, "pv")
line("evpipe ev_validate_text (errors collected)", pve, "pv")
line("node JSON.parse alone", ns(ajv, "json_parse"))
line("ajv JSON.parse + validate", peers["ajv"]["pv"])
line("fastjsonschema json.loads + validate%s" % (" (%d events)" % fjs["events"] if fjs and fjs["events"] != ev["events"] else ""), peers["fastjsonschema"]["pv"])
line("jsonschema json.loads + is_valid%s" % (" (first %d events)" % js["events"] if js and js["events"] != ev["events"] else ""), peers["jsonschema"]["pv"])
out.append("")
out.append("Validation alone, on documents parsed beforehand (chunks of %d)" % ev["chunk"])
out.append(hdr)
line("evpipe events_validate (all parsed events)", v, "v")
line("evpipe events_validate, valid only", vv, "vv")
line("evpipe events_validate, invalid only", vi, "vi")
line("evpipe events_validate, invalid, errors collected", vie, "vi")
line("ajv validate (all parsed events)", peers["ajv"]["v"])
line("ajv validate, valid only", peers["ajv"].get("vv"))
line("ajv validate, invalid only (first error)", peers["ajv"].get("vi"))
line("fastjsonschema validate", peers["fastjsonschema"]["v"])
line("jsonschema is_valid", peers["jsonschema"]["v"])

# ---- targets -------------------------------------------------------------------
targets = []


def target(name, value, ok, text):
    targets.append({"target": name, "value": None if value is None else round(value, 3),
                    "status": "skipped" if ok is None else ("PASS" if ok else "MISS"), "detail": text})


over = (pv - cj) / cj
target("validation adds <= 30% over cJSON_Parse alone", over, over <= 0.30,
       "ev_validate_text %.0f ns vs cJSON %.0f ns: +%.0f%% (strict parse +%.0f%%, validation +%.0f%%)"
       % (pv, cj, 100 * over, 100 * (strict - cj) / cj, 100 * (pv - strict) / cj))
r = ratio("jsonschema", "pv", pv)
target(">= 40x jsonschema per event (parse + validate)", r, None if r is None else r >= 40,
       "jsonschema %s ns vs %.0f ns" % (peers["jsonschema"]["pv"], pv) if r else "jsonschema not run")
r = ratio("ajv", "v", v)
target(">= 3x ajv, validation alone", r, None if r is None else r >= 3,
       ("ajv %s ns vs %.0f ns (valid only %s, invalid only %s)"
        % (peers["ajv"]["v"], v, fmt_ratio(ratio("ajv", "vv", vv)).strip(), fmt_ratio(ratio("ajv", "vi", vi)).strip()))
       if r else "ajv not run")
r = ratio("ajv", "pv", pv)
target(">= 2x ajv, parse + validate", r, None if r is None else r >= 2,
       "ajv JSON.parse+validate %s ns vs %.0f ns" % (peers["ajv"]["pv"], pv) if r else "ajv not run")
out.append("")
out.append("Targets (informational; machines are noisy)")
for t in targets:
    val = "" if t["value"] is None else ("%+.0f%%" % (100 * t["value"]) if "30%" in t["target"] else "%.1fx" % t["value"])
    out.append("  %-4s %-48s %7s  %s" % (t["status"], t["target"], val, t["detail"]))

# ---- cross-check: accepted counts against the generator's labels ----------------
checks = []


def check(name, accepted, n):
    lc = label_counts(n)
    exact, flt = lc["valid"] + lc["valid_fp"], lc["valid"]
    verdict = ("agrees (exact decimal multipleOf)" if accepted == exact else
               "agrees (binary floating-point multipleOf)" if accepted == flt else "DISAGREES with the labels")
    checks.append({"impl": name, "events": n, "accepted": accepted, "labels_valid_exact": exact,
                   "labels_valid_float": flt, "verdict": verdict})


check("evpipe", em["parse_validate"]["accepted"], ev["events"])
if ajv:
    check("ajv", ajv["modes"]["parse_validate"]["accepted"], ajv["events"])
if fjs:
    check("fastjsonschema", fjs["parse_validate"]["accepted"], fjs["events"])
if js:
    check("jsonschema", js["parse_validate"]["accepted"], js["events"])
out.append("")
out.append("Cross-check: events accepted vs the generator's labels")
for c in checks:
    out.append("  %-15s %6d of %6d  %s" % (c["impl"], c["accepted"], c["events"], c["verdict"]))
print("\n".join(out))

cpu = "unknown"
try:
    for l in open("/proc/cpuinfo"):
        if l.startswith("model name"):
            cpu = l.split(":", 1)[1].strip()
            break
except OSError:
    pass
res = {
    "benchmark": "validate",
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "machine": {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(), "arch": platform.machine(),
                "loadavg_before": load_before, "loadavg_after": " ".join(open("/proc/loadavg").read().split()[:3]),
                "cc": cc},
    "events": {"file": os.path.basename(events_path), **label_counts(len(labels)), "mean_bytes": ev["mean_bytes"]},
    "evpipe": ev,
    "ajv": ajv,
    "fastjsonschema": fjs,
    "jsonschema": js,
    "targets": targets,
    "cross_check": checks,
    "table": out,
}
with open("bench/results/validate.json", "w") as f:
    json.dump(res, f, indent=1)
    f.write("\n")
PY
