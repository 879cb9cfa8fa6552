#!/usr/bin/env python3
"""Differential test: the C DynamoDB marshaller (evmarshal) against boto3's TypeSerializer.

For every valid fixture of the generated fixture file, plus --count random valid
events (seeded, so runs repeat), the item evmarshal prints must equal
{name: TypeSerializer().serialize(value)} of the same event loaded with
parse_float=Decimal: N values compared by Decimal equality, everything else exactly.

Where the two may rightly differ, DynamoDB's documented number range decides:
boto3 accepts some magnitudes below 1E-130 (e.g. 1E-140, subnormal in its
context) that DynamoDB itself rejects; evmarshal refuses them, and that counts
as agreement. Both refusing an event also counts as agreement.

It also checks, independently of the generator, that every fixture's validity
agrees with the `jsonschema` package (Draft 2020-12, formats asserted).

usage: ddb_vs_boto3.py --marshal build/bin/evmarshal --fixtures generated/fixtures/events.fixtures.json
Prints `N passed, N failed`; exits 1 on any mismatch, 2 on usage errors.
"""

import argparse
import json
import os
import random
import subprocess
import sys
from decimal import Decimal

from boto3.dynamodb.types import TypeSerializer

try:
    from jsonschema import Draft202012Validator
except ImportError:  # pragma: no cover - the environment has it
    Draft202012Validator = None

DDB_MIN = Decimal("1E-130")
DDB_MAX = Decimal("9.9999999999999999999999999999999999999E+125")


def dumps(x):
    """JSON text with Decimal numbers written exactly."""
    if x is True:
        return "true"
    if x is False:
        return "false"
    if x is None:
        return "null"
    if isinstance(x, (int, Decimal)):
        return str(x)
    if isinstance(x, str):
        return json.dumps(x, ensure_ascii=False)
    if isinstance(x, list):
        return "[" + ",".join(dumps(e) for e in x) + "]"
    if isinstance(x, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + dumps(v) for k, v in x.items()) + "}"
    raise TypeError(type(x))


def numbers(x):
    if isinstance(x, (int, Decimal)) and not isinstance(x, bool):
        yield Decimal(x)
    elif isinstance(x, list):
        for e in x:
            yield from numbers(e)
    elif isinstance(x, dict):
        for e in x.values():
            yield from numbers(e)


def in_ddb_range(d):
    return d == 0 or DDB_MIN <= abs(d) <= DDB_MAX


def same_av(a, b, path=""):
    """None when equal, else where they differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return f"{path}: keys {sorted(a)} != {sorted(b)}"
        for k in a:
            if k == "N" and isinstance(a[k], str) and isinstance(b[k], str) and len(a) == 1:
                if Decimal(a[k]) != Decimal(b[k]):
                    return f"{path}: N {a[k]} != {b[k]}"
                continue
            d = same_av(a[k], b[k], f"{path}/{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = same_av(x, y, f"{path}/{i}")
            if d:
                return d
        return None
    if type(a) is not type(b) or a != b:
        return f"{path}: {a!r} != {b!r}"
    return None


# ---- random valid events ------------------------------------------------------------

SOURCE_FIRST = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
SOURCE_REST = SOURCE_FIRST + "._:-"
KEY_CHARS = SOURCE_FIRST + "_.:/-"
VALUE_CHARS = list("abcXYZ019 -_./:") + ["é", "€", "𝄞", "\"", "\\", "\n", "\t", "\u007f", "ß", "中"]


def rand_str(rng, first, rest, lo, hi):
    n = rng.randint(lo, hi)
    if n == 0:
        return ""
    return rng.choice(first) + "".join(rng.choice(rest) for _ in range(n - 1))


def rand_number(rng, lo, hi, exclusive_lo=False, step=None):
    """A Decimal within [lo, hi] whose text a double holds exactly."""
    while True:
        kind = rng.random()
        if step is not None:
            k = rng.randint(int(lo / step), int(hi / step))
            d = Decimal(k) * step
        elif kind < 0.4:
            d = Decimal(repr(rng.uniform(float(lo), float(hi))))
        elif kind < 0.6:
            d = Decimal(rng.randint(int(lo), int(hi)))
        elif kind < 0.8:
            d = Decimal(repr(round(rng.uniform(float(lo), float(hi)), rng.randint(0, 4))))
        else:
            mag = rng.randint(-12, 6)
            d = Decimal(repr(float(f"{rng.randint(1, 99)}e{mag}")))
        if (d > lo or (d == lo and not exclusive_lo)) and d <= hi:
            return d


def rand_timestamp(rng):
    y, mo = rng.randint(1970, 2099), rng.randint(1, 12)
    d = rng.randint(1, 28)
    frac = "" if rng.random() < 0.5 else "." + str(rng.randint(0, 999999)).zfill(rng.randint(1, 6))[:6]
    off = rng.choice(["Z", "z", "+00:00", "-08:00", "+05:30"])
    return f"{y:04d}-{mo:02d}-{d:02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}{frac}{off}"


def rand_event(rng):
    kind = rng.choice(["temperature", "humidity", "pressure"])
    if kind == "temperature":
        payload = {"value": rand_number(rng, Decimal("-273.15"), Decimal("1000"), step=Decimal("0.01")),
                   "unit": rng.choice(["celsius", "fahrenheit", "kelvin"])}
    elif kind == "humidity":
        payload = {"value": rand_number(rng, Decimal(0), Decimal(100))}
        if rng.random() < 0.5:
            payload["unit"] = "percent"
    else:
        payload = {"value": rand_number(rng, Decimal(0), Decimal(2000000), exclusive_lo=True),
                   "unit": rng.choice(["Pa", "hPa", "kPa", "bar", "psi"])}
        if rng.random() < 0.5:
            payload["altitude_m"] = rng.randint(-500, 9000)
    event = {"source": rand_str(rng, SOURCE_FIRST, SOURCE_REST, 1, 64), "type": kind, "payload": payload}
    if rng.random() < 0.5:
        event["timestamp"] = rand_timestamp(rng)
    if rng.random() < 0.6:
        tags = {}
        for _ in range(rng.randint(0, 16)):
            tags[rand_str(rng, KEY_CHARS, KEY_CHARS, 1, 64)] = rand_str(rng, VALUE_CHARS, VALUE_CHARS, 0, 256)
        event["tags"] = tags
    if rng.random() < 0.5:  # member order must not matter
        items = list(event.items())
        rng.shuffle(items)
        event = dict(items)
    return event


EDGE_NUMBERS = ["1e-130", "1.5e-130", "1e-131", "1e-140", "5e-324", "1e-7", "0.1", "1999999.9999999998",
                "1e-300", repr(1234567.1234567891)]


def edge_events():
    """Pressure values at and beyond DynamoDB's smallest magnitude (the schema allows any > 0)."""
    return [{"source": "edge", "type": "pressure", "payload": {"value": Decimal(t), "unit": "Pa"}}
            for t in EDGE_NUMBERS]


# ---- main ---------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--marshal", required=True, help="the evmarshal binary")
    ap.add_argument("--fixtures", required=True, help="generated fixture file")
    ap.add_argument("--schema", default="schema/events.schema.json")
    ap.add_argument("--count", type=int, default=400, help="random valid events (default %(default)s)")
    ap.add_argument("--seed", type=int, default=20261128)
    args = ap.parse_args()
    for p in (args.marshal, args.fixtures, args.schema):
        if not os.path.exists(p):
            print(f"ddb_vs_boto3: {p} not found", file=sys.stderr)
            return 2

    with open(args.fixtures, encoding="utf-8") as f:
        fixture_file = json.load(f, parse_float=Decimal)
    with open(args.schema, encoding="utf-8") as f:
        schema = json.load(f, parse_float=Decimal)
    validator = None
    if Draft202012Validator is not None:
        validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)

    passed = failed = 0
    failures = []

    # 1. Fixture validity against an independent validator.
    if validator is not None:
        for fx in fixture_file["fixtures"]:
            ok = validator.is_valid(fx["instance"])
            if ok == fx["valid"]:
                passed += 1
            else:
                failed += 1
                failures.append(f"jsonschema says {'valid' if ok else 'invalid'}: {fx['name']}")

    # 2. Items: evmarshal vs boto3.
    events = [(fx["name"], fx["instance"]) for fx in fixture_file["fixtures"] if fx["valid"]]
    rng = random.Random(args.seed)
    made = 0
    while made < args.count:
        ev = rand_event(rng)
        if validator is not None and not validator.is_valid(ev):
            continue
        events.append((f"random {made + 1}", ev))
        made += 1
    events += [(f"edge {t}", ev) for t, ev in zip(EDGE_NUMBERS, edge_events())
               if validator is None or validator.is_valid(ev)]

    stdin = "".join(dumps(ev) + "\n" for _, ev in events)
    proc = subprocess.run([args.marshal], input=stdin.encode("utf-8"), capture_output=True)
    if proc.returncode not in (0, 1):
        print(f"ddb_vs_boto3: {args.marshal} exited {proc.returncode}: {proc.stderr.decode(errors='replace')}",
              file=sys.stderr)
        return 2
    lines = proc.stdout.decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) != len(events):
        print(f"ddb_vs_boto3: {len(events)} events in, {len(lines)} lines out", file=sys.stderr)
        return 1

    ser = TypeSerializer()
    for (name, ev), line in zip(events, lines):
        try:
            want = {k: ser.serialize(v) for k, v in ev.items()}
            boto_error = None
        except Exception as e:  # boto3 refuses: TypeError, decimal.Inexact, ...
            want, boto_error = None, f"{type(e).__name__}: {e}"
        c_error = line[len("error\t"):] if line.startswith("error\t") else None
        out_of_range = any(not in_ddb_range(d) for d in numbers(ev))
        if c_error is not None:
            if boto_error is not None or out_of_range:
                passed += 1
            else:
                failed += 1
                failures.append(f"{name}: evmarshal refused ({c_error}), boto3 did not")
            continue
        if boto_error is not None:
            failed += 1
            failures.append(f"{name}: boto3 refused ({boto_error}), evmarshal did not: {line}")
            continue
        if out_of_range:
            failed += 1
            failures.append(f"{name}: a number outside DynamoDB's range was marshalled: {line}")
            continue
        try:
            got = json.loads(line)
        except json.JSONDecodeError as e:
            failed += 1
            failures.append(f"{name}: evmarshal printed invalid JSON ({e}): {line}")
            continue
        diff = same_av(got, want)
        if diff:
            failed += 1
            failures.append(f"{name}: {diff}\n    C:     {line}\n    boto3: {json.dumps(want, ensure_ascii=False)}")
        else:
            passed += 1

    for f in failures[:20]:
        print("FAIL " + f)
    if len(failures) > 20:
        print(f"... and {len(failures) - 20} more")
    print(f"ddb-differential: {len(events)} events ({made} random), "
          f"{len(fixture_file['fixtures'])} fixtures checked against jsonschema")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
