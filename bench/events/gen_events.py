#!/usr/bin/env python3
"""Deterministic generator of realistic events for the validation benchmark.

Writes N events (default 100,000) as JSON Lines, ~90% valid against
schema/events.schema.json and ~10% with the defects clients really send
(missing or misspelt members, wrong types, out-of-range readings, too many
decimals, unknown units, bad timestamps, malformed JSON...). A label file
next to it says, per line, "valid" or the name of the defect, so every
benchmark can cross-check how many events it accepted.

The defects are chosen so that every validator in the comparison should
agree on them (no duplicate keys, no leap-second or space-separated
timestamps, no trailing newline in patterns). The one known disagreement is
on valid events: multipleOf 0.01 on values such as 0.07 or 22.57, which
validators that divide in binary floating point (jsonschema, fastjsonschema,
ajv) reject and evpipe (exact decimal) accepts: those are labelled
"valid-fp", and run.sh checks each validator's count against the labels.

usage: gen_events.py OUT.jsonl [--count N] [--seed S] [--invalid-ratio R]
       (labels go to OUT.labels)
"""
import argparse
import json
import random
import sys

SITES = ["lab-3", "greenhouse", "roof", "basement", "warehouse-2", "office", "cold-room", "field-a"]
PREFIXES = ["sensor-", "greenhouse.", "station:", "node_", "dev-", "wx.", "hvac-", "probe"]
TAG_NAMES = ["site", "floor", "room", "firmware", "zone", "rack", "batch", "owner", "env", "k8s/ns"]
PRESSURE_UNITS = {  # unit -> (typical value, spread, decimals)
    "hPa": (1013.25, 40.0, 2),
    "Pa": (101325.0, 4000.0, 0),
    "kPa": (101.325, 4.0, 3),
    "bar": (1.01325, 0.04, 3),
    "psi": (14.696, 0.6, 3),
}


def num(x, decimals):
    """A reading as a client serializer writes it: shortest form, int when whole."""
    x = round(x, decimals)
    if decimals == 0 or x == int(x) and abs(x) < 1e15:
        return int(x)
    return x


def float_multiple(x, d):
    """multipleOf as jsonschema, fastjsonschema and ajv decide it: a binary
    floating-point quotient that must be a whole number."""
    q = x / d
    return int(q) == q


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.sources = [self._source() for _ in range(2000)]

    def _source(self):
        r = self.r
        p = r.choice(PREFIXES)
        if r.random() < 0.5:
            return "%s%02d" % (p, r.randrange(100))
        return "%s%s" % (p, r.choice(["north", "south", "east", "west", "a1", "b7", "main", "aux"]))

    def timestamp(self):
        r = self.r
        day = r.randrange(1, 29)
        month = r.randrange(1, 13)
        base = "2026-%02d-%02dT%02d:%02d:%02d" % (month, day, r.randrange(24), r.randrange(60), r.randrange(60))
        k = r.random()
        if k < 0.55:
            return base + "Z"
        if k < 0.85:
            return base + ".%03dZ" % r.randrange(1000)
        return base + "%s%02d:00" % (r.choice("+-"), r.randrange(0, 13))

    def tags(self):
        r = self.r
        n = r.choice([1, 1, 1, 2, 2, 3])
        names = r.sample(TAG_NAMES, n)
        out = {}
        for name in names:
            if name == "site":
                out[name] = r.choice(SITES)
            elif name == "firmware":
                out[name] = "%d.%d.%d" % (r.randrange(4), r.randrange(20), r.randrange(50))
            else:
                out[name] = "%s%d" % (r.choice(["", "z", "r", "b"]), r.randrange(1, 40))
        return out

    def valid(self):
        r = self.r
        kind = r.choices(["temperature", "humidity", "pressure"], weights=[45, 30, 25])[0]
        if kind == "temperature":
            unit = r.choices(["celsius", "fahrenheit", "kelvin"], weights=[75, 20, 5])[0]
            c = r.gauss(21.0, 8.0)
            v = {"celsius": c, "fahrenheit": c * 9 / 5 + 32, "kelvin": c + 273.15}[unit]
            payload = {"value": num(v, r.choice([1, 2, 2])), "unit": unit}
        elif kind == "humidity":
            payload = {"value": num(min(100.0, max(0.0, r.gauss(55.0, 15.0))), r.choice([1, 2]))}
            if r.random() < 0.5:
                payload["unit"] = "percent"
        else:
            unit = r.choices(list(PRESSURE_UNITS), weights=[50, 20, 15, 10, 5])[0]
            mid, spread, dec = PRESSURE_UNITS[unit]
            payload = {"value": num(mid + r.uniform(-spread, spread), dec), "unit": unit}
            if r.random() < 0.4:
                payload["altitude_m"] = r.randrange(-50, 2500)
        ev = {"source": r.choice(self.sources), "type": kind, "payload": payload}
        if r.random() < 0.7:
            ev["timestamp"] = self.timestamp()
        if r.random() < 0.3:
            ev["tags"] = self.tags()
        if r.random() < 0.1:  # some clients send the timestamp first
            ev = dict(sorted(ev.items(), key=lambda kv: kv[0] != "timestamp"))
        return ev

    # ---- defects: (name, weight, function(event) -> event or raw text) ----

    def invalid(self):
        r = self.r
        name, fn = r.choices(DEFECTS, weights=[w for _, w, _ in DEFECTS_W])[0]
        ev = self.valid()
        for _ in range(100):
            out = fn(self, ev)
            if out is not None:
                return name, out
            ev = self.valid()
        raise RuntimeError("defect %s never applied" % name)

    def d_missing_required(self, ev):
        del ev[self.r.choice(["source", "type", "payload"])]
        return ev

    def d_missing_payload_member(self, ev):
        if ev["type"] == "humidity":
            del ev["payload"]["value"]
        else:
            del ev["payload"][self.r.choice(["value", "unit"])]
        return ev

    def d_value_as_string(self, ev):
        ev["payload"]["value"] = str(ev["payload"]["value"])
        return ev

    def d_out_of_range(self, ev):
        t = ev["type"]
        if t == "temperature":
            ev["payload"] = {"value": self.r.choice([-300, -273.16, 1200.5, 5000]), "unit": "celsius"}
        elif t == "humidity":
            ev["payload"]["value"] = self.r.choice([100.01, 104.2, -0.5, 250])
        else:
            ev["payload"]["value"] = self.r.choice([0, -12.5, 2000000.5])
        return ev

    def d_too_many_decimals(self, ev):
        if ev["type"] != "temperature":
            return None
        ev["payload"]["value"] = round(ev["payload"]["value"], 0) + self.r.choice([0.125, 0.555, 0.001, 0.0625])
        return ev

    def d_unknown_unit(self, ev):
        ev["payload"]["unit"] = {"temperature": "C", "humidity": "%", "pressure": "mbar"}[ev["type"]]
        return ev

    def d_unknown_type(self, ev):
        ev["type"] = self.r.choice(["co2", "Temperature", "temp", "wind"])
        return ev

    def d_type_payload_mismatch(self, ev):
        if ev["type"] == "temperature":
            ev["type"] = "humidity"  # payload has unit celsius
        elif ev["type"] == "pressure":
            ev["type"] = "temperature"  # unit hPa is not a temperature unit
        else:
            return None
        return ev

    def d_extra_member(self, ev):
        if self.r.random() < 0.5:
            ev["id"] = "%08x" % self.r.getrandbits(32)
        else:
            ev["payload"]["val"] = ev["payload"]["value"]
        return ev

    def d_bad_timestamp(self, ev):
        r = self.r
        ev["timestamp"] = r.choice(["2026-11-28T17:00:00", "28/11/2026 17:00", "2026-11-28", "yesterday",
                                    1795885200])
        return ev

    def d_bad_source(self, ev):
        ev["source"] = self.r.choice(["", "-sensor-01", "sensor 01", "sensör-7", "x" * 70, 1234])
        return ev

    def d_bad_tags(self, ev):
        r = self.r
        k = r.random()
        if k < 0.4:
            ev["tags"] = {"floor": r.randrange(1, 9)}
        elif k < 0.7:
            ev["tags"] = {"bad key": "x"}
        elif k < 0.85:
            ev["tags"] = {"t%02d" % i: "v" for i in range(17)}
        else:
            ev["tags"] = ["lab-3", "floor-2"]
        return ev

    def d_bad_altitude(self, ev):
        if ev["type"] != "pressure":
            return None
        ev["payload"]["altitude_m"] = self.r.choice([120.5, -600, 9500, "120"])
        return ev

    def d_payload_not_object(self, ev):
        ev["payload"] = self.r.choice([22.5, "22.5", None, [22.5, "celsius"]])
        return ev

    def d_malformed_json(self, ev):
        text = json.dumps(ev, separators=(",", ":"))
        k = self.r.random()
        if k < 0.5:
            return text[: self.r.randrange(1, len(text) - 1)]  # truncated body
        if k < 0.8:
            return text[:-1] + ",}"  # trailing comma
        return text.replace('"source"', "source", 1)  # unquoted key


DEFECTS_W = [
    ("missing_required", 10, Gen.d_missing_required),
    ("missing_payload_member", 10, Gen.d_missing_payload_member),
    ("value_as_string", 8, Gen.d_value_as_string),
    ("out_of_range", 12, Gen.d_out_of_range),
    ("too_many_decimals", 8, Gen.d_too_many_decimals),
    ("unknown_unit", 8, Gen.d_unknown_unit),
    ("unknown_type", 6, Gen.d_unknown_type),
    ("type_payload_mismatch", 5, Gen.d_type_payload_mismatch),
    ("extra_member", 8, Gen.d_extra_member),
    ("bad_timestamp", 8, Gen.d_bad_timestamp),
    ("bad_source", 6, Gen.d_bad_source),
    ("bad_tags", 5, Gen.d_bad_tags),
    ("bad_altitude", 3, Gen.d_bad_altitude),
    ("payload_not_object", 2, Gen.d_payload_not_object),
    ("malformed_json", 1, Gen.d_malformed_json),
]
DEFECTS = [(n, f) for n, _, f in DEFECTS_W]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=20261128)
    ap.add_argument("--invalid-ratio", type=float, default=0.10)
    a = ap.parse_args()
    g = Gen(a.seed)
    labels = []
    nbytes = 0
    with open(a.out, "w", encoding="utf-8", newline="\n") as f:
        for _ in range(a.count):
            if g.r.random() < a.invalid_ratio:
                label, ev = g.invalid()
            else:
                label, ev = "valid", g.valid()
            step = {"temperature": 0.01, "humidity": 0.01, "pressure": 0.001}
            if label == "valid" and not float_multiple(ev["payload"]["value"], step[ev["type"]]):
                label = "valid-fp"
            if isinstance(ev, str):
                line = ev
            else:
                # Mostly compact, as SDKs send it; some pretty-ish bodies.
                seps = (", ", ": ") if g.r.random() < 0.1 else (",", ":")
                line = json.dumps(ev, separators=seps, ensure_ascii=False)
            assert "\n" not in line
            f.write(line + "\n")
            nbytes += len(line.encode("utf-8"))
            labels.append(label)
    base = a.out[:-6] if a.out.endswith(".jsonl") else a.out
    with open(base + ".labels", "w") as f:
        f.write("\n".join(labels) + "\n")
    nvalid = labels.count("valid") + labels.count("valid-fp")
    print("gen_events: %d events (%d valid of which %d valid-fp, %d invalid), mean %.1f bytes -> %s"
          % (a.count, nvalid, labels.count("valid-fp"), a.count - nvalid, nbytes / a.count, a.out), file=sys.stderr)


if __name__ == "__main__":
    main()
