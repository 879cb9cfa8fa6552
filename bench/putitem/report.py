#!/usr/bin/env python3
"""Reads bench result lines (JSON objects) on stdin, prints the comparison
table (ratio to boto3 at the same concurrency) and writes the JSON file
named by argv[1]."""
import json
import os
import platform
import sys
import time


def main() -> int:
    runs = [json.loads(line) for line in sys.stdin if line.strip()]
    boto = {r["concurrency"]: r for r in runs if r["label"] == "boto3"}
    header = f"{'client':<24}{'conc':>5}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'vs boto3':>10}"
    print(header)
    print("-" * len(header))
    for r in runs:
        base = boto.get(r["concurrency"])
        ratio = r["rps"] / base["rps"] if base and base["rps"] else None
        r["ratio_vs_boto3"] = round(ratio, 2) if ratio else None
        name = r["label"] if r["mode"] == "threads" else f"{r['label']} ({r['mode']})"
        cell = f"{ratio:>9.2f}x" if ratio else f"{'-':>10}"
        print(f"{name:<24}{r['concurrency']:>5}{r['rps']:>10.1f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}"
              f"{r['errors']:>8}{cell}")
    out = {
        "benchmark": "DynamoDB PutItem round trips per second",
        "emulator": "dynalite 4.0.0, in memory, 127.0.0.1",
        "seconds_per_run": float(os.environ.get("SECONDS_PER_RUN", "5")),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "note": "threads: N threads, one client each, one request at a time; "
                "curl-multi: one client keeping N requests in flight (rounds of N)",
        "runs": runs,
    }
    with open(sys.argv[1], "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
