#!/usr/bin/env python3
"""Draws the benchmark plots: reads bench/results/*.json, writes one gnuplot
script per plot (data inline) and runs gnuplot on it to make docs/img/*.png.

A plot whose results file (or the peer figures it compares against) is
absent is skipped with a note; a missing gnuplot skips them all. Never fails
the benchmark run: prints what it drew and what it skipped.

usage: bench/plots.py [RESULTS_DIR [OUT_DIR]]   (defaults bench/results, docs/img)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
RESULTS = os.path.join(ROOT, "bench", "results")
OUT = os.path.join(ROOT, "docs", "img")

TERM = 'set terminal pngcairo size 900,520 font "DejaVu Sans,10" noenhanced'
TERM_FALLBACK = "set terminal png size 900,520 noenhanced"
STYLE = """set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.8
set grid ytics
set key off
set xtics rotate by -25 scale 0
"""


class Skip(Exception):
    pass


def load(name):
    path = os.path.join(RESULTS, name)
    if not os.path.exists(path):
        raise Skip("%s absent" % os.path.relpath(path, ROOT))
    with open(path) as f:
        return json.load(f)


def quote(s):
    return '"%s"' % s.replace('"', "'")


def bar_chart(title, ylabel, rows, logscale=False, fmt="%.0f"):
    """rows: (label, value) pairs, drawn as one bar each with its value on top."""
    rows = [(l, v) for l, v in rows if v is not None]
    if len(rows) < 2:
        raise Skip("fewer than two figures to compare")
    data = "\n".join("%s %r" % (quote(l), float(v)) for l, v in rows)
    lines = [STYLE, "set title %s" % quote(title), "set ylabel %s" % quote(ylabel),
             "set yrange [%s:*]" % ("*" if logscale else "0")]
    if logscale:
        lines.append("set logscale y")
    lines.append("$d << EOD\n%s\nEOD" % data)
    lines.append("plot $d using 2:xtic(1) lc rgb '#4477aa', "
                 "$d using 0:2:(sprintf('%s', $2)) with labels offset 0,0.8 notitle" % fmt)
    return "\n".join(lines)


def plot_validate():
    r = load("validate.json")
    ev = r["evpipe"]["modes"]
    rows = [("cJSON parse (floor)", ev.get("cjson_parse", {}).get("ns_per_event")),
            ("evpipe parse+validate", ev["parse_validate"]["ns_per_event"])]
    for peer, label, key in (("ajv", "ajv", "parse_validate"),
                             ("fastjsonschema", "fastjsonschema", "parse_validate"),
                             ("jsonschema", "jsonschema", "parse_validate")):
        p = r.get(peer) or {}
        mode = (p.get("modes") or p).get(key) if p else None
        rows.append((label, mode.get("ns_per_event") if mode else None))
    return bar_chart("Parse + validate one event (%d events, %.0f bytes average, %s)"
                     % (r["events"]["events"], r["events"]["mean_bytes"], r["date"][:10]),
                     "ns per event (log scale, lower is better)", rows, logscale=True)


def plot_validate_alone():
    r = load("validate.json")
    rows = [("evpipe", r["evpipe"]["modes"]["validate"]["ns_per_event"])]
    for peer in ("ajv", "fastjsonschema", "jsonschema"):
        p = r.get(peer) or {}
        mode = (p.get("modes") or p).get("validate") if p else None
        rows.append((peer, mode.get("ns_per_event") if mode else None))
    return bar_chart("Validation alone, parsed documents (%s)" % r["date"][:10],
                     "ns per event (log scale, lower is better)", rows, logscale=True)


def plot_ingestion():
    r = load("ingestion.json")
    cases = r["evpipe"]["cases"]
    py = r.get("python_reference")
    if not py:
        rows = [("evpipe " + k, v["us_per_event"]) for k, v in cases.items()]
        note = "no Python reference figure in ingestion.json"
    else:
        rows = []
        for k, v in cases.items():
            rows.append(("evpipe " + k, v["us_per_event"]))
            if k in py.get("cases", {}):
                rows.append(("python " + k, py["cases"][k]["us_per_event"]))
        note = "evpipe and the Python reference"
    return bar_chart("Ingestion handler, in process, per event (%s; %s)" % (r["date"][:10], note),
                     "us per event (lower is better)", rows, fmt="%.1f")


def plot_processing():
    r = load("processing.json")
    rows = [("cJSON parse of the batch", r["cjson_parse_us_per_batch"]),
            ("evpipe handler", r["handler_us_per_batch"])]
    py = r.get("python_reference")
    if py:
        rows.append(("python reference", py.get("handler_us_per_batch")))
    return bar_chart("Processing handler, in process, one batch of %d records (%d-byte events)"
                     % (r["records_per_batch"], r["event_bytes"]),
                     "us per batch (lower is better)", rows, fmt="%.1f")


def plot_e2e():
    r = load("e2e.json")
    rows = [("dynalite PutItem ceiling", r["dynalite_putitem_ceiling"]["rps"]),
            ("evpipe", r["evpipe"]["events_per_s"]),
            ("python reference", (r.get("reference") or {}).get("events_per_s"))]
    return bar_chart("Local stack end to end, %d events, %d clients (%s)"
                     % (r["events"], r["clients"], r["date"][:10]),
                     "stored events per second (higher is better)", rows)


def plot_e2e_latency():
    r = load("e2e.json")
    data = []
    for label, key in (("evpipe", "evpipe"), ("python reference", "reference")):
        v = r.get(key)
        if v:
            data.append("%s %r %r" % (quote(label), v["ingest_p50_ms"], v["ingest_p99_ms"]))
    if len(data) < 2:
        raise Skip("no reference figures in e2e.json")
    return "\n".join([STYLE.replace("set key off", "set key top left"),
                      "set title %s" % quote("Local stack: POST /events answer time (%s)" % r["date"][:10]),
                      "set ylabel %s" % quote("ms (lower is better)"), "set yrange [0:*]",
                      "$d << EOD\n%s\nEOD" % "\n".join(data),
                      "plot $d using 2:xtic(1) title 'p50' lc rgb '#4477aa', "
                      "'' using 3 title 'p99' lc rgb '#ee6677'"])


def plot_putitem():
    r = load("putitem.json")
    data = {}
    for run in r["runs"]:
        data.setdefault(run["label"], {})["%s %d" % (run["mode"], run["concurrency"])] = run["rps"]
    rows = []
    for label, modes in data.items():
        for mode, rps in modes.items():
            rows.append(("%s %s" % (label, mode), rps))
    return bar_chart("DynamoDB PutItem round trips on dynalite (%s)" % r["date"][:10],
                     "requests per second (higher is better)", rows)


def plot_sigv4():
    r = load("sigv4.json")
    rows = [("evpipe (key cached)", r["evpipe_cached_us"]), ("evpipe (key derived)", r["evpipe_uncached_us"]),
            ("botocore %s" % r.get("botocore_version", ""), r["botocore_us"])]
    return bar_chart("SigV4 signature of one SQS request (%s)" % r["date"][:10],
                     "us per signature (lower is better)", rows, fmt="%.1f")


def plot_startup():
    r = load("startup.json")
    data = []
    for v in r.get("results", []):
        if "start_ms_median" in v and "maxrss_mib_median" in v:
            data.append("%s %r %r" % (quote(v.get("label", v["program"])), v["start_ms_median"],
                                      v["maxrss_mib_median"]))
    if len(data) < 2:
        raise Skip("fewer than two programs in startup.json")
    return "\n".join([STYLE.replace("set key off", "set key top left"),
                      "set title 'Start to first invocation/next, and peak memory (medians)'",
                      "set ylabel 'ms / MiB, log scale (lower is better)'", "set logscale y",
                      "set xtics rotate by 30 right", "set bmargin 9", "set lmargin 16",
                      "$d << EOD\n%s\nEOD" % "\n".join(data),
                      "plot $d using 2:xtic(1) title 'start ms' lc rgb '#4477aa', "
                      "'' using 3 title 'peak RSS MiB' lc rgb '#ee6677'"])


PLOTS = [("validate", plot_validate), ("validate-alone", plot_validate_alone),
         ("ingestion", plot_ingestion), ("processing", plot_processing),
         ("e2e-throughput", plot_e2e), ("e2e-latency", plot_e2e_latency),
         ("putitem", plot_putitem), ("sigv4", plot_sigv4), ("startup", plot_startup)]


def terminal(gnuplot):
    probe = subprocess.run([gnuplot, "-e", "set terminal pngcairo"], capture_output=True, text=True)
    return TERM if probe.returncode == 0 and not probe.stderr.strip() else TERM_FALLBACK


def main(argv):
    global RESULTS, OUT
    if len(argv) > 1:
        RESULTS = os.path.abspath(argv[1])
    if len(argv) > 2:
        OUT = os.path.abspath(argv[2])
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        print("plots: gnuplot not installed (make deps installs gnuplot-nox); no plots drawn")
        return 0
    os.makedirs(OUT, exist_ok=True)
    term = terminal(gnuplot)
    drawn = 0
    for name, fn in PLOTS:
        try:
            body = fn()
        except Skip as e:
            print("plots: skipped %s.png: %s" % (name, e))
            continue
        except (KeyError, TypeError, ValueError) as e:
            print("plots: skipped %s.png: unexpected results shape (%r)" % (name, e))
            continue
        png = os.path.join(OUT, name + ".png")
        with tempfile.NamedTemporaryFile("w", suffix=".gp", delete=False) as f:
            f.write("%s\nset output %s\n%s\n" % (term, quote(png), body))
            script = f.name
        try:
            res = subprocess.run([gnuplot, script], capture_output=True, text=True)
        finally:
            os.unlink(script)
        if res.returncode != 0:
            print("plots: gnuplot failed on %s.png: %s" % (name, res.stderr.strip()[:300]))
            continue
        drawn += 1
        print("plots: wrote %s" % os.path.relpath(png, ROOT))
    print("plots: %d of %d drawn" % (drawn, len(PLOTS)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
