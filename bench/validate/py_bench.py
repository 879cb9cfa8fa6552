#!/usr/bin/env python3
"""Python peers of bench_validate: json.loads + validation per event.

usage: py_bench.py {jsonschema|fastjsonschema} EVENTS.jsonl SCHEMA [--limit N] [--reps R]

  jsonschema      Draft202012Validator(schema, format_checker=FORMAT_CHECKER).is_valid
                  (run it with the pyenv python3: jsonschema 4.26)
  fastjsonschema  fastjsonschema.compile(schema) (formats asserted, its default);
                  a rejection is an exception (run it with /usr/bin/python3)

Times json.loads + validate over the first N events (default all), R
repetitions after one warm-up pass, and validation alone on objects parsed
beforehand. Prints one JSON object: median ns/event of each repetition.
"""
import argparse
import json
import platform
import statistics
import sys
import time


def load_validator(impl, schema):
    if impl == "jsonschema":
        import jsonschema
        from importlib.metadata import version

        cls = jsonschema.Draft202012Validator
        v = cls(schema, format_checker=cls.FORMAT_CHECKER)
        return v.is_valid, "jsonschema %s (Draft202012Validator, FORMAT_CHECKER)" % version("jsonschema")
    if impl == "fastjsonschema":
        import fastjsonschema

        fn = fastjsonschema.compile(schema)
        exc = fastjsonschema.JsonSchemaValueException

        def is_valid(obj):
            try:
                fn(obj)
                return True
            except exc:
                return False

        return is_valid, "fastjsonschema %s (compile, formats on)" % fastjsonschema.VERSION
    raise SystemExit("unknown implementation %r" % impl)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("impl")
    ap.add_argument("events")
    ap.add_argument("schema")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    with open(a.schema) as f:
        schema = json.load(f)
    with open(a.events, encoding="utf-8") as f:
        lines = f.read().splitlines()
    if a.limit:
        lines = lines[: a.limit]
    is_valid, label = load_validator(a.impl, schema)
    loads = json.loads

    def parse_validate():
        ok = 0
        for line in lines:
            try:
                obj = loads(line)
            except ValueError:
                continue
            if is_valid(obj):
                ok += 1
        return ok

    parsed = []
    for line in lines:
        try:
            parsed.append(loads(line))
        except ValueError:
            pass

    def validate_only():
        ok = 0
        for obj in parsed:
            if is_valid(obj):
                ok += 1
        return ok

    def timed(fn, n):
        t0 = time.perf_counter()
        ok = fn()
        return (time.perf_counter() - t0) * 1e9 / n, ok

    parse_validate()  # warm-up (caches, lazily built format checkers, ...)
    pv, v = [], []
    for _ in range(a.reps):
        ns, pv_ok = timed(parse_validate, len(lines))
        pv.append(ns)
        ns, v_ok = timed(validate_only, len(parsed))
        v.append(ns)
    out = {
        "impl": label,
        "python": platform.python_version(),
        "events": len(lines),
        "parsed": len(parsed),
        "repetitions": a.reps,
        "parse_validate": {"ns_per_event": round(statistics.median(pv), 1), "ns_per_rep": [round(x, 1) for x in pv],
                           "accepted": pv_ok},
        "validate": {"ns_per_event": round(statistics.median(v), 1), "ns_per_rep": [round(x, 1) for x in v],
                     "accepted": v_ok},
    }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
