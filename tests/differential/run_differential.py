#!/usr/bin/env python3
"""Differential test: the compiled validator (evcheck) against Python jsonschema.

Generates instances of the event schema, valid ones and ones with one to
three random defects, runs them through `evcheck` and through
jsonschema's Draft 2020-12 validator with format checking, and requires the
same verdict for every instance. Deterministic for a given --seed.

Both sides read numbers exactly (Python with Decimal), and integers follow
the specification (1.0 is an integer), so a disagreement is a real bug on
one side. Prints `N passed, N failed`; exit 1 on any disagreement.
"""

import argparse
import copy
import json
import random
import subprocess
import sys
import decimal
from decimal import Decimal

from importlib.metadata import version

import jsonschema

SOURCES_OK = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
SOURCE_TAIL = SOURCES_OK + "._:-"
TAG_KEY = SOURCES_OK + "_.:/-"
UNITS = {"temperature": ["celsius", "fahrenheit", "kelvin"], "humidity": ["percent"],
         "pressure": ["Pa", "hPa", "kPa", "bar", "psi"]}
ODD_STRINGS = ["", " ", "é", "日本語", "a b", "-x", "x" * 65, "\u00e9" * 64, "😀", "null", "0", "a\\b", "a\"b",
               "\t", "sensor/01", ".dot"]
ODD_VALUES = [None, True, False, 0, -1, 1.5, "1", [], {}, [1, 2], {"a": 1}, "", 1e300, -0.0]


def odd(rng):
    """A fresh copy of an odd value: mutations must never alias (or nest) shared objects."""
    return copy.deepcopy(rng.choice(ODD_VALUES))


def text(rng, alphabet, lo, hi):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))


def number(rng, lo, hi, decimals):
    value = Decimal(rng.randint(int(lo * 10 ** decimals), int(hi * 10 ** decimals))) / (10 ** decimals)
    return value


def timestamp(rng):
    y, mo, d = rng.randint(1970, 2099), rng.randint(1, 12), rng.randint(1, 28)
    h, mi, s = rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
    frac = rng.choice(["", ".5", ".123", ".000001"])
    zone = rng.choice(["Z", "z", "+00:00", "-05:30", "+14:00"])
    sep = rng.choice(["T", "t"])
    return f"{y:04d}-{mo:02d}-{d:02d}{sep}{h:02d}:{mi:02d}:{s:02d}{frac}{zone}"


def bad_timestamp(rng):
    return rng.choice(["2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-28 17:00:00Z",
                       "2026-11-28T17:00:00", "2026-11-28T25:00:00Z", "28/11/2026", "2026-11-28",
                       "2026-11-28T17:00:00+0100", "", "2026-11-28T17:60:00Z", "T17:00:00Z"])


def valid_event(rng):
    kind = rng.choice(list(UNITS))
    ev = {"source": rng.choice(SOURCES_OK) + text(rng, SOURCE_TAIL, 0, rng.choice([5, 20, 63])), "type": kind}
    if kind == "temperature":
        payload = {"value": number(rng, -273.15, 1000, rng.choice([0, 1, 2])), "unit": rng.choice(UNITS[kind])}
    elif kind == "humidity":
        payload = {"value": number(rng, 0, 100, rng.choice([0, 2, 5]))}
        if rng.random() < 0.5:
            payload["unit"] = "percent"
    else:
        payload = {"value": number(rng, 0.001, 2000000, rng.choice([0, 2, 3])) or Decimal("0.5"),
                   "unit": rng.choice(UNITS[kind])}
        if rng.random() < 0.5:
            payload["altitude_m"] = rng.choice([Decimal(rng.randint(-500, 9000)), Decimal("120.0"), Decimal("1E+3")])
    ev["payload"] = payload
    if rng.random() < 0.5:
        ev["timestamp"] = timestamp(rng)
    if rng.random() < 0.5:
        ev["tags"] = {text(rng, TAG_KEY, 1, 12): text(rng, SOURCE_TAIL + " é", 0, 30)
                      for _ in range(rng.randint(0, 16))}
    items = list(ev.items())
    rng.shuffle(items)
    return dict(items)


def mutate(rng, ev):
    """Applies one random defect (it may also happen to leave the event valid)."""
    if not isinstance(ev, dict):
        return ev
    p = ev.get("payload") if isinstance(ev.get("payload"), dict) else None
    choice = rng.randrange(22)
    if choice == 0:
        ev.pop(rng.choice(["source", "type", "payload"]), None)
    elif choice == 1:
        ev[rng.choice(["extra", "Source", "payload2", ""])] = odd(rng)
    elif choice == 2:
        ev["source"] = rng.choice([*ODD_STRINGS, odd(rng)])
    elif choice == 3:
        ev["type"] = rng.choice(["Temperature", "wind", "", "pressure ", 1, None, "humidity", "pressure"])
    elif choice == 4 and p is not None:
        p["value"] = rng.choice([Decimal("-273.16"), Decimal("-273.15"), Decimal("1000"), Decimal("1000.01"),
                                 Decimal("100.001"), Decimal("0"), Decimal("-0.0"), Decimal("2000000"),
                                 Decimal("2000000.5"), Decimal("22.555"), Decimal("1E+2"), Decimal("1e-2"),
                                 Decimal("101"), Decimal("-1")])
    elif choice == 5 and p is not None:
        p["value"] = odd(rng)
    elif choice == 6 and p is not None:
        p["unit"] = rng.choice(["celsius", "percent", "hPa", "Celsius", "", 5, None])
    elif choice == 7 and p is not None:
        p.pop(rng.choice(["value", "unit"]), None)
    elif choice == 8 and p is not None:
        p[rng.choice(["extra", "altitude_m", "Value"])] = rng.choice(
            [Decimal("1.5"), Decimal("9001"), Decimal("-501"), Decimal("100"), "x", Decimal("3.0")])
    elif choice == 9:
        ev["payload"] = odd(rng)
    elif choice == 10:
        ev["timestamp"] = bad_timestamp(rng) if rng.random() < 0.8 else odd(rng)
    elif choice == 11:
        ev["tags"] = {f"k{i}": "v" for i in range(rng.choice([16, 17, 30]))}
    elif choice == 12:
        ev["tags"] = {rng.choice(["", "bad key", "é", "x" * 65, "ok"]): "v"}
    elif choice == 13:
        ev["tags"] = {"k": rng.choice(["x" * 256, "x" * 257, "é" * 256, "é" * 257, 1, None, []])}
    elif choice == 14:
        ev["tags"] = odd(rng)
    elif choice == 15:
        ev = odd(rng)
    elif choice == 16:
        ev["source"] = "a" * rng.choice([63, 64, 65])
    elif choice == 17 and p is not None:
        ev["type"], ev["payload"] = rng.choice(list(UNITS)), p
    elif choice == 18 and p is not None:
        p["altitude_m"] = rng.choice([Decimal("120"), Decimal("120.5"), Decimal("1.0"), Decimal("9000"),
                                      Decimal("9000.0"), Decimal("-500"), Decimal("-500.5")])
    elif choice == 19:
        ev["source"] = rng.choice(SOURCES_OK) + text(rng, SOURCE_TAIL + " é#", 0, 10)
    elif choice == 20 and p is not None:
        p["value"] = rng.choice([Decimal("0.01"), Decimal("0.1"), Decimal("0.001"), Decimal("-0.01"),
                                 Decimal("999.99"), Decimal("3.14159")])
    elif choice == 21:
        ev["timestamp"] = timestamp(rng)
    return ev


def _encode(v):
    if isinstance(v, Decimal):
        return str(v)  # exact text, e.g. 22.5, 1E+3, -0.0
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, (int, float)):
        return json.dumps(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=rng_ascii[0])
    if isinstance(v, list):
        return "[" + ",".join(_encode(x) for x in v) + "]"
    return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + _encode(x) for k, x in v.items()) + "}"


rng_ascii = [False]


def is_integer(checker, instance):
    if isinstance(instance, bool):
        return False
    if isinstance(instance, Decimal):
        return instance.is_finite() and instance == instance.to_integral_value()
    return isinstance(instance, int) or (isinstance(instance, float) and instance.is_integer())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--evcheck", required=True)
    ap.add_argument("--schema", required=True)
    ap.add_argument("--count", type=int, default=12000)
    ap.add_argument("--seed", type=int, default=20261128)
    args = ap.parse_args()
    # jsonschema computes multipleOf as `instance % divisor`: exact with Decimal once the
    # context holds every digit of the quotient (1e300 / 0.001 needs ~300).
    decimal.getcontext().prec = 1000

    with open(args.schema, encoding="utf-8") as f:
        schema = json.load(f, parse_float=Decimal)
    base = jsonschema.Draft202012Validator
    checker = base.TYPE_CHECKER.redefine("integer", is_integer)
    Validator = jsonschema.validators.extend(base, type_checker=checker)
    validator = Validator(schema, format_checker=base.FORMAT_CHECKER)

    rng = random.Random(args.seed)
    lines, expected = [], []
    for i in range(args.count):
        ev = valid_event(rng)
        if i % 3 != 0:  # two thirds carry defects
            for _ in range(rng.randint(1, 3)):
                ev = mutate(rng, ev)
        rng_ascii[0] = rng.random() < 0.3
        line = _encode(ev)
        lines.append(line)
        reparsed = json.loads(line, parse_float=Decimal)
        expected.append(validator.is_valid(reparsed))

    proc = subprocess.run([args.evcheck], input="\n".join(lines) + "\n", capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        print(f"differential: evcheck failed ({proc.returncode}): {proc.stderr}", file=sys.stderr)
        return 2
    got = proc.stdout.splitlines()
    if len(got) != len(lines):
        print(f"differential: evcheck printed {len(got)} lines for {len(lines)} inputs", file=sys.stderr)
        return 2
    failed = 0
    for line, exp, out in zip(lines, expected, got):
        ours = out == "valid"
        if ours != exp:
            failed += 1
            if failed <= 20:
                print(f"DISAGREE jsonschema={'valid' if exp else 'invalid'} evcheck={out[:300]}\n  {line[:400]}")
    n_valid = sum(expected)
    print(f"differential: {len(lines)} instances ({n_valid} valid, {len(lines) - n_valid} invalid "
          f"per jsonschema {version('jsonschema')})")
    print(f"differential: {len(lines) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
