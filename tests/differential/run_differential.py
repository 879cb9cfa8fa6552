#!/usr/bin/env python3
"""Differential test: the compiled validator (evcheck) against Python jsonschema.

Instances are derived from the schema, not written for it, so a new event
type is covered as soon as it is in the schema:

* systematic: for every branch of the root oneOf, a full valid instance, then
  that instance with each value location set to each of its enum values,
  to each numeric bound and the bound's neighbours (one step of multipleOf,
  of 1 for integers, or 0.01 inside and outside), to strings at, below and
  above their length limits, and maps at and past maxProperties;
* random: valid instances of a random branch, two thirds of them with one to
  three defects chosen from the schema of a random location (wrong type,
  value out of bounds or off the multipleOf grid, unknown enum value,
  missing required or unknown member, bad pattern character, bad format,
  another branch's discriminator, ...).

Each instance runs through `evcheck` and through jsonschema (the validator
class the schema's $schema names, formats checked), and both must give the
same verdict. Deterministic for a given --seed. Both sides read numbers
exactly (Python with Decimal), and integers follow the specification (1.0
is an integer), so a disagreement is a real bug on one side. Every branch
must get valid instances, so a schema the generator below cannot follow
fails loudly instead of testing nothing.

Prints `N passed, N failed`; exit 1 on any disagreement, 2 on usage errors.
"""

import argparse
import copy
import decimal
import functools
import json
import random
import re
import subprocess
import sys
from decimal import Decimal
from importlib.metadata import version

import jsonschema

ODD_VALUES = [None, True, False, 0, -1, 1.5, "1", [], {}, [1, 2], {"a": 1}, "", 1e300, -0.0]
ODD_STRINGS = ["", " ", "é", "日本語", "a b", "-x", "😀", "null", "0", "a\\b", 'a"b', "\t", "x/y", ".dot"]
MIN_VALID_PER_BRANCH = 20
# Largest count of significant digits in a generated number: every such decimal is the
# shortest text of its double, which the strict parser requires.
DIGITS = 15

# ---- formats: valid values, and invalid ones both sides reject -------------------------


def _timestamp(rng):
    y, mo, d = rng.randint(1970, 2099), rng.randint(1, 12), rng.randint(1, 28)
    h, mi, s = rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
    frac = rng.choice(["", ".5", ".123", ".000001"])
    zone = rng.choice(["Z", "z", "+00:00", "-05:30", "+14:00"])
    return f"{y:04d}-{mo:02d}-{d:02d}{rng.choice('Tt')}{h:02d}:{mi:02d}:{s:02d}{frac}{zone}"


FORMATS = {
    "date-time": (_timestamp, ["2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-28 17:00:00Z",
                               "2026-11-28T17:00:00", "2026-11-28T25:00:00Z", "28/11/2026", "2026-11-28",
                               "2026-11-28T17:00:00+0100", "", "2026-11-28T17:60:00Z", "T17:00:00Z"]),
    "date": (lambda rng: _timestamp(rng)[:10], ["2026-13-01", "2026-02-30", "28/11/2026", "", "2026-1-1"]),
    "time": (lambda rng: _timestamp(rng)[11:], ["25:00:00Z", "17:00", "17:00:00+0100", "", "12:60:00Z"]),
    "email": (lambda rng: f"user{rng.randint(0, 99)}@example.com", ["no-at-sign", "", "example.com"]),
    "hostname": (lambda rng: f"host{rng.randint(0, 99)}.example.com", []),
    "ipv4": (lambda rng: ".".join(str(rng.randint(0, 255)) for _ in range(4)),
             ["256.1.1.1", "1.2.3", "a.b.c.d", "", "1.2.3.4.5"]),
    "ipv6": (lambda rng: f"2001:db8::{rng.randint(0, 0xffff):x}", ["2001:db8:::1", "12345::", "", "g::1"]),
    "uri": (lambda rng: f"https://example.com/p{rng.randint(0, 99)}?q=1", []),
    "uuid": (lambda rng: "%08x-%04x-4%03x-a%03x-%012x" % (rng.getrandbits(32), rng.getrandbits(16),
                                                          rng.getrandbits(12), rng.getrandbits(12),
                                                          rng.getrandbits(48)),
             ["123e4567-e89b-12d3-a456", "not-a-uuid", "", "123e4567e89b12d3a456426614174000x"]),
}

# ---- the schema ---------------------------------------------------------------------


class Schema:
    """The schema document with its local references resolved."""

    def __init__(self, doc):
        self.doc = doc

    def pointer(self, ref):
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise SystemExit(f"differential: only local references are supported, found {ref!r}")
        node = self.doc
        for part in ref[1:].split("/")[1:]:
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    def resolve(self, s):
        """The keywords that apply at s: its $ref chain merged, the outer schema's words first."""
        merged, seen = {}, set()
        while isinstance(s, dict):
            for k, v in s.items():
                if k != "$ref":
                    merged.setdefault(k, v)
            ref = s.get("$ref")
            if ref is None or ref in seen:
                break
            seen.add(ref)
            s = self.pointer(ref)
        if isinstance(s, bool):
            return {} if s else {"not": {}}
        return merged

    def branches(self):
        """[(discriminator value or None, branch schema)] of the root oneOf; [(None, {})] without one."""
        root = self.resolve(self.doc)
        out = []
        for b in root.get("oneOf", []):
            b = self.resolve(b)
            tag = None
            for prop, ps in (b.get("properties") or {}).items():
                ps = self.resolve(ps)
                if "const" in ps:
                    tag = (prop, ps["const"])
            out.append((tag, b))
        return out or [(None, {})]


def merge_branch(base, branch):
    """The root schema with one oneOf branch's properties and required merged in."""
    out = {k: v for k, v in base.items() if k != "oneOf"}
    props = dict(out.get("properties") or {})
    for name, ps in (branch.get("properties") or {}).items():
        props[name] = {"allOf": [props[name], ps]} if name in props else ps
    out["properties"] = props
    out["required"] = list(dict.fromkeys(list(out.get("required", [])) + list(branch.get("required", []))))
    return out


# ---- valid values ---------------------------------------------------------------------


def _flatten(schema, s):
    """The keywords at s with its $ref chain and allOf (as merge_branch writes it) merged in;
    a later allOf part adds to and overrides an earlier one."""
    s = schema.resolve(s)
    if "allOf" not in s:
        return s
    out = {}
    for part in s["allOf"]:
        out.update(_flatten(schema, part))
    out.update({k: v for k, v in s.items() if k != "allOf"})
    return out


def type_of(s):
    t = s.get("type")
    if isinstance(t, list):
        t = t[0]
    if t is None:
        if "const" in s:
            return "const"
        if "enum" in s:
            return "enum"
        if "properties" in s or "additionalProperties" in s:
            return "object"
        return "string"
    return t


def number_range(s, integer):
    """(lo, lo_exclusive, hi, hi_exclusive, step) of a numeric schema."""
    lo = hi = None
    lo_x = hi_x = False
    if "minimum" in s:
        lo = Decimal(str(s["minimum"]))
    if "exclusiveMinimum" in s and (lo is None or Decimal(str(s["exclusiveMinimum"])) >= lo):
        lo, lo_x = Decimal(str(s["exclusiveMinimum"])), True
    if "maximum" in s:
        hi = Decimal(str(s["maximum"]))
    if "exclusiveMaximum" in s and (hi is None or Decimal(str(s["exclusiveMaximum"])) <= hi):
        hi, hi_x = Decimal(str(s["exclusiveMaximum"])), True
    step = Decimal(str(s["multipleOf"])) if "multipleOf" in s else (Decimal(1) if integer else Decimal("0.01"))
    if lo is None:
        lo = (hi - 1000) if hi is not None else Decimal(-1000000)
    if hi is None:
        hi = lo + 2000000
    return lo, lo_x, hi, hi_x, step


def exact(d):
    """d when its text has at most DIGITS significant digits (so a double holds it exactly), else None."""
    d = Decimal(d)
    if not d.is_finite():
        return None
    digits = len(d.normalize().as_tuple().digits)
    return d if digits <= DIGITS else None


def random_number(rng, s, integer):
    lo, lo_x, hi, hi_x, step = number_range(s, integer)
    kmin = (lo / step).to_integral_value(rounding=decimal.ROUND_CEILING)
    if lo_x and kmin * step == lo:
        kmin += 1
    kmax = (hi / step).to_integral_value(rounding=decimal.ROUND_FLOOR)
    if hi_x and kmax * step == hi:
        kmax -= 1
    if kmax < kmin:
        return None
    if "multipleOf" not in s and not integer:
        step = Decimal(1).scaleb(-rng.choice([0, 1, 2]))
        return random_number(rng, dict(s, multipleOf=step), integer)
    k = rng.choice([kmin, kmax, rng.randint(int(kmin), int(kmax))]) if rng.random() < 0.2 \
        else rng.randint(int(kmin), int(kmax))
    value = exact(Decimal(k) * step)
    return value if value is not None else exact(Decimal(kmin) * step)


def pattern_alphabet(pattern):
    """The characters of the pattern's character classes (ASCII), or letters and digits."""
    chars = set()
    for body in re.findall(r"\[((?:\\.|[^\]])*)\]", pattern):
        i = 0
        while i < len(body):
            ch = body[i]
            if ch == "\\" and i + 1 < len(body):
                esc = body[i + 1]
                chars |= set("0123456789") if esc == "d" else set(
                    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") if esc == "w" else {esc}
                i += 2
                continue
            if i + 2 < len(body) and body[i + 1] == "-":
                chars |= {chr(c) for c in range(ord(ch), ord(body[i + 2]) + 1)}
                i += 3
                continue
            chars.add(ch)
            i += 1
    chars.discard("^")
    return sorted(chars) or list("abcdefghijklmnopqrstuvwxyz0123456789")


@functools.lru_cache(maxsize=None)
def ecma(pattern):
    """The pattern with ECMA-262's meaning of `$` (the end of the input; Python's `$` also
    matches before a final newline) and ASCII-only \\d and \\w."""
    out, i, in_class = [], 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        out.append(r"\Z" if ch == "$" and not in_class else ch)
        i += 1
    return re.compile("".join(out), re.ASCII)


def random_string(rng, s, length=None):
    lo = int(s.get("minLength", 0))
    if s.get("format") in FORMATS and length is None:
        value = FORMATS[s["format"]][0](rng)
        if lo <= len(value) <= int(s.get("maxLength", len(value))):
            return value
    hi = int(s.get("maxLength", max(lo, 24)))
    pattern = s.get("pattern")
    alphabet = pattern_alphabet(pattern) if pattern else list("abcdefghijklmnopqrstuvwxyzAB0123456789._ -é")
    for _ in range(200):
        n = length if length is not None else rng.choice([lo, hi, rng.randint(lo, min(hi, lo + 20))])
        value = "".join(rng.choice(alphabet) for _ in range(n))
        if not pattern or ecma(pattern).search(value):
            return value
    examples = s.get("examples") or []
    return examples[0] if examples else None


class Instances:
    """Builds instances of the schema and remembers the schema of every location it fills."""

    def __init__(self, schema, rng):
        self.schema = schema
        self.rng = rng

    def value(self, s, path, locs, full=False):
        """A valid value for s (best effort: jsonschema has the last word); locs gets (path, schema)."""
        rng = self.rng
        s = _flatten(self.schema, s)
        locs.append((path, s))
        if "const" in s:
            return copy.deepcopy(s["const"])
        if "enum" in s:
            return copy.deepcopy(rng.choice(s["enum"]))
        t = type_of(s)
        if t == "object":
            return self.object(s, path, locs, full)
        if t == "array":
            n = rng.randint(int(s.get("minItems", 0)), int(s.get("maxItems", int(s.get("minItems", 0)) + 3)))
            return [self.value(s.get("items", {}), path + (i,), locs, full) for i in range(n)]
        if t in ("number", "integer"):
            return random_number(rng, s, t == "integer")
        if t == "boolean":
            return rng.random() < 0.5
        if t == "null":
            return None
        return random_string(rng, s)

    def object(self, s, path, locs, full):
        rng = self.rng
        out = {}
        required = s.get("required", [])
        for name, ps in (s.get("properties") or {}).items():
            if name in required or full or rng.random() < 0.5:
                out[name] = self.value(ps, path + (name,), locs, full)
        extra = s.get("additionalProperties")
        if isinstance(extra, dict) and not s.get("properties"):
            lo = int(s.get("minProperties", 0))
            hi = int(s.get("maxProperties", lo + 8))
            n = hi if full else rng.randint(lo, hi)
            names = _flatten(self.schema, s.get("propertyNames", {}))
            for _ in range(n * 3):
                if len(out) >= n:
                    break
                key = random_string(rng, dict(names, type="string"))
                if key is not None and key not in out:
                    locs.append((path + (key,), {"$key": names}))
                    out[key] = self.value(extra, path + (key,), locs, full)
        items = list(out.items())
        rng.shuffle(items)
        return dict(items)


# ---- boundary values and defects --------------------------------------------------------


def boundary_values(s):
    """Values at and around each limit of s (valid and invalid ones)."""
    out = []
    t = type_of(s)
    if "enum" in s:
        out += [copy.deepcopy(v) for v in s["enum"]]
    if t in ("number", "integer") and any(k in s for k in ("minimum", "maximum", "exclusiveMinimum",
                                                          "exclusiveMaximum", "multipleOf")):
        lo, _, hi, _, step = number_range(s, t == "integer")
        for bound in (lo, hi):
            out += [bound - step, bound, bound + step]
        out += [lo + step / 2, hi - step / 2, lo + Decimal("0.5"), (lo + hi) / 2]
    if t == "string":
        lo = int(s.get("minLength", 0))
        hi = s.get("maxLength")
        lengths = [lo, lo + 1] + ([lo - 1] if lo > 0 else [])
        if hi is not None:
            lengths += [int(hi) - 1, int(hi), int(hi) + 1]
        alphabet = pattern_alphabet(s["pattern"]) if "pattern" in s else ["a", "é"]
        for n in lengths:
            for ch in dict.fromkeys([alphabet[0], alphabet[-1], "é"]):
                out.append(ch * n)
        if s.get("format") in FORMATS:
            out += list(FORMATS[s["format"]][1])
    return [v for v in out if not isinstance(v, Decimal) or exact(v) is not None]


def get_at(inst, path):
    for p in path:
        inst = inst[p]
    return inst


def replace_at(inst, path, value):
    if not path:
        return value
    out = copy.copy(inst)
    out[path[0]] = replace_at(inst[path[0]], path[1:], value)
    return out


def defect(rng, inst, locs, schema):
    """One defect at a random location, chosen from what the schema says there."""
    if not locs or rng.random() < 0.03:
        return copy.deepcopy(rng.choice(ODD_VALUES))
    path, s = rng.choice(locs)
    try:
        current = get_at(inst, path)
    except (KeyError, IndexError, TypeError):
        return inst  # an earlier defect removed the location
    if "$key" in s:  # a map key: rename it to a key propertyNames may refuse
        parent, key = get_at(inst, path[:-1]), path[-1]
        if not isinstance(parent, dict) or key not in parent:
            return inst
        bad = rng.choice(ODD_STRINGS + ["x" * (int(s["$key"].get("maxLength", 64)) + 1)])
        return replace_at(inst, path[:-1], {(bad if k == key else k): v for k, v in parent.items()})
    choices = [lambda: copy.deepcopy(rng.choice(ODD_VALUES)), lambda: rng.choice(ODD_STRINGS)]
    values = boundary_values(s)
    if values:
        choices += [lambda: copy.deepcopy(rng.choice(values))] * 3
    if "enum" in s or "const" in s:
        words = [v for v in s.get("enum", [s.get("const")]) if isinstance(v, str)]
        choices.append(lambda: rng.choice(words + ["zz"]).upper() + rng.choice(["", "x", " "]))
    if isinstance(current, str) and "pattern" in s:
        choices.append(lambda: current + rng.choice([" ", "é", "#", "\n"]))
    if isinstance(current, dict):
        choices += object_defects(rng, current, s, schema)
    return replace_at(inst, path, rng.choice(choices)())


def object_defects(rng, current, s, schema):
    out = []
    if current:
        name = rng.choice(sorted(current))
        out.append(lambda: {k: v for k, v in current.items() if k != name})
    out.append(lambda: dict(current, **{rng.choice(["extra", "Extra", "", "x-y"]): rng.choice(ODD_VALUES)}))
    if "maxProperties" in s:
        out.append(lambda: dict(current, **{f"k{i}": "v" for i in range(int(s["maxProperties"]) + 1)}))
    for tag_name, tag_schema in (s.get("properties") or {}).items():
        tag = _flatten(schema, tag_schema)
        if isinstance(tag.get("enum"), list) and tag_name in current:
            out.append(lambda n=tag_name, e=tag["enum"]: dict(current, **{n: rng.choice(e)}))
    return out


# ---- building the instance list ----------------------------------------------------------


def systematic(schema, rng):
    """Per branch: a full valid instance and its boundary variants."""
    out = []
    root = schema.resolve(schema.doc)
    for tag, branch in schema.branches():
        merged = merge_branch(root, branch)
        locs = []
        base = Instances(schema, rng).value(merged, (), locs, full=True)
        out.append(base)
        for path, s in locs:
            if "$key" in s or not path:
                continue
            for v in boundary_values(s):
                out.append(replace_at(base, path, v))
            current = get_at(base, path)
            if "maxProperties" in s and isinstance(current, dict) and current:
                # one member past the limit, under a key like the others
                sample = next(iter(current.values()))
                out.append(replace_at(base, path, dict(current, **{"zz" + str(len(current)): sample})))
    return out


def random_instance(schema, rng, branches, root):
    tag, branch = rng.choice(branches)
    locs = []
    inst = Instances(schema, rng).value(merge_branch(root, branch), (), locs)
    return inst, locs


def _encode(v, ascii_only):
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
        return json.dumps(v, ensure_ascii=ascii_only)
    if isinstance(v, list):
        return "[" + ",".join(_encode(x, ascii_only) for x in v) + "]"
    return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + _encode(x, ascii_only) for k, x in v.items()) + "}"


def make_validator(doc):
    base = jsonschema.validators.validator_for(doc, default=jsonschema.Draft202012Validator)

    def is_integer(_, instance):
        if isinstance(instance, bool):
            return False
        if isinstance(instance, Decimal):
            return instance.is_finite() and instance == instance.to_integral_value()
        return isinstance(instance, int) or (isinstance(instance, float) and instance.is_integer())

    def pattern(validator, source, instance, _):
        if validator.is_type(instance, "string") and not ecma(source).search(instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {source!r}")

    checker = base.TYPE_CHECKER.redefine("integer", is_integer)
    cls = jsonschema.validators.extend(base, validators={"pattern": pattern}, type_checker=checker)
    return cls(doc, format_checker=base.FORMAT_CHECKER)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--evcheck", required=True)
    ap.add_argument("--schema", required=True)
    ap.add_argument("--count", type=int, default=12000, help="instances in all (at least the systematic ones)")
    ap.add_argument("--seed", type=int, default=20261128)
    args = ap.parse_args()
    # jsonschema computes multipleOf as `instance % divisor`: exact with Decimal once the
    # context holds every digit of the quotient (1e300 / 0.001 needs ~300).
    decimal.getcontext().prec = 1000

    with open(args.schema, encoding="utf-8") as f:
        doc = json.load(f, parse_float=Decimal)
    schema = Schema(doc)
    validator = make_validator(doc)
    rng = random.Random(args.seed)
    root, branches = schema.resolve(doc), schema.branches()
    instances = systematic(schema, rng)
    n_systematic = len(instances)
    while len(instances) < args.count:
        inst, locs = random_instance(schema, rng, branches, root)
        if len(instances) % 3 != 0:  # two thirds carry defects
            for _ in range(rng.randint(1, 3)):
                inst = defect(rng, inst, locs, schema)
        instances.append(inst)

    lines = [_encode(inst, rng.random() < 0.3) for inst in instances]
    expected = [validator.is_valid(json.loads(line, parse_float=Decimal)) for line in lines]
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
        if (out == "valid") != exp:
            failed += 1
            if failed <= 20:
                print(f"DISAGREE jsonschema={'valid' if exp else 'invalid'} evcheck={out[:300]}\n  {line[:400]}")
    return summary(lines, expected, failed, n_systematic, branches, instances)


def summary(lines, expected, failed, n_systematic, branches, instances):
    n_valid = sum(expected)
    print(f"differential: {len(lines)} instances ({n_systematic} systematic; {n_valid} valid, "
          f"{len(lines) - n_valid} invalid per jsonschema {version('jsonschema')})")
    starved = []
    for tag, _ in branches:
        if tag is None:
            count = n_valid
        else:
            count = sum(1 for inst, ok in zip(instances, expected)
                        if ok and isinstance(inst, dict) and inst.get(tag[0]) == tag[1])
        label = "all" if tag is None else f"{tag[0]}={tag[1]}"
        print(f"differential: {label}: {count} valid instances")
        if count < MIN_VALID_PER_BRANCH:
            starved.append(label)
    if starved:
        print(f"differential: too few valid instances for {', '.join(starved)}: the instance generator "
              "does not follow the schema there", file=sys.stderr)
    print(f"differential: {len(lines) - failed} passed, {failed} failed")
    return 1 if failed or starved else 0


if __name__ == "__main__":
    sys.exit(main())
