"""Conformance fixtures: valid instances of each event variant and, for each constraint
reachable in it, an instance that breaks that constraint, with the errors expected.

Expected errors come from `Evaluator`, a Python reading of the validator model
that follows validate.c.j2 check by check (same order of checks, same instance
pointers, same keywords, same dispatch of the discriminated oneOf, same
quiet probes), so a fixture states exactly what the generated C validator
must report.

Invalid instances are found by search, not by hand: from a typical valid
instance, every location the validator visits yields candidate mutations
(wrong types, values just past each bound, strings too short/long/off-pattern,
missing and extra members, renamed keys, other discriminator values, ...);
for each constraint (schema location + keyword) the candidate that breaks it
with the fewest other errors is kept. Constraints no single mutation can
break alone (e.g. a branch's `const` on the discriminator, which dispatch
never reaches with another value) are listed as "unreached".

Everything is deterministic: no randomness, candidates in a fixed order.
"""

import copy
import json
import re
from decimal import Decimal, localcontext

from . import GENERATOR_VERSION, validator_model
from .loader import Num, to_json_text, json_equal

# ---- instance helpers ----------------------------------------------------------


def pointer(path):
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def jtype(x):
    if x is None:
        return "null"
    if isinstance(x, bool):
        return "boolean"
    if isinstance(x, Num):
        return "number"
    if isinstance(x, str):
        return "string"
    if isinstance(x, list):
        return "array"
    if isinstance(x, dict):
        return "object"
    raise TypeError(type(x))


def is_integer(x):
    return isinstance(x, Num) and x.value == x.value.to_integral_value()


def num(d):
    """A Decimal as a Num whose text a double holds exactly, or None."""
    d = Decimal(d)
    if not d.is_finite():
        return None
    if d == d.to_integral_value() and abs(d) < Decimal(10) ** 15:
        text = str(int(d))
    else:
        text = format(d.normalize(), "f")
        if len(text) > 30:
            text = repr(float(d))
    n = Num(text)
    return n if n.as_double_exact() else None


def get_at(inst, path):
    for p in path:
        inst = inst[p]
    return inst


def replace_at(inst, path, value):
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(inst, dict):
        out = dict(inst)
        out[head] = replace_at(inst[head], rest, value)
        return out
    out = list(inst)
    out[head] = replace_at(inst[head], rest, value)
    return out


def edit_object(inst, path, fn):
    """Returns a copy with fn(dict) -> dict applied to the object at path."""
    return replace_at(inst, path, fn(dict(get_at(inst, path))))


def rename_key(obj, old, new):
    return {(new if k == old else k): v for k, v in obj.items()}


# ---- ECMA-262 patterns and formats (for the evaluator) ---------------------------


def compile_ecma(source):
    """Python reading of an ECMA-262 pattern: `$` is the end of input (no newline before it),
    \\d \\w \\s ASCII-only."""
    out, i, in_class = [], 0, False
    while i < len(source):
        ch = source[i]
        if ch == "\\" and i + 1 < len(source):
            out.append(source[i:i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        elif ch == "$" and not in_class:
            out.append(r"(?!\n)\Z")
            i += 1
            continue
        out.append(ch)
        i += 1
    return re.compile("".join(out), re.ASCII)


_DT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))\Z")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})\Z")
_TIME = re.compile(r"^(\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))\Z")


def _days(y, m):
    if m == 2:
        return 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28
    return 30 if m in (4, 6, 9, 11) else 31


def _date_ok(y, m, d):
    return 1 <= m <= 12 and 1 <= d <= _days(y, m)


def _time_ok(h, mi, s, oh=None, om=None):
    return h <= 23 and mi <= 59 and s <= 60 and (oh is None or (oh <= 23 and om <= 59))


def format_ok(fmt, s):
    """RFC 3339 date-time/date/time; other formats are not asserted by fixtures (True)."""
    if fmt == "date-time":
        m = _DT.match(s)
        if not m:
            return False
        y, mo, d, h, mi, se = (int(m.group(i)) for i in range(1, 7))
        oh = int(m.group(9)) if m.group(9) else None
        om = int(m.group(10)) if m.group(10) else None
        return _date_ok(y, mo, d) and _time_ok(h, mi, se, oh, om)
    if fmt == "date":
        m = _DATE.match(s)
        return bool(m) and _date_ok(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if fmt == "time":
        m = _TIME.match(s)
        if not m:
            return False
        oh = int(m.group(6)) if m.group(6) else None
        om = int(m.group(7)) if m.group(7) else None
        return _time_ok(int(m.group(1)), int(m.group(2)), int(m.group(3)), oh, om)
    return True


KNOWN_FORMATS = ("date-time", "date", "time")
FORMAT_SAMPLES = {"date-time": ["2026-11-28T17:00:00Z", "2026-11-28T17:00:00.123456+05:30"],
                  "date": ["2026-11-28", "2028-02-29"], "time": ["17:00:00Z", "23:59:60.5-08:00"],
                  "email": ["a@example.com", "first.last@example.com"], "hostname": ["example.com", "a.example.com"],
                  "ipv4": ["192.0.2.1", "198.51.100.254"], "ipv6": ["2001:db8::1", "2001:db8:0:0:0:0:0:1"],
                  "uri": ["https://example.com/", "https://example.com/a/b?c=d#e"],
                  "uuid": ["123e4567-e89b-12d3-a456-426614174000", "123e4567-e89b-12d3-a456-426614174000"]}


# ---- the evaluator ---------------------------------------------------------------


class Evaluator:
    """Runs the validator model over an instance the way validate.c.j2 does."""

    def __init__(self, vmodel):
        self.fns = {f.name: f for f in vmodel.functions}
        self.root = vmodel.root.name
        self.patterns = [compile_ecma(p) for p in vmodel.patterns]
        from .loader import parse_json_exact
        self.constants = [parse_json_exact(k, "#") for k in vmodel.constants]

    def validate(self, inst, trace=None):
        self.errors = []
        self.trace = trace
        ok = self.run(self.fns[self.root], inst, (), 0, "value")
        return ok, self.errors

    def fail(self, quiet, path, keyword, schema_path):
        if quiet == 0:
            self.errors.append((pointer(path), keyword, schema_path))
        return False

    def apply(self, sub, x, path, quiet, keyword, role="value"):
        if sub.never:
            return self.fail(quiet, path, keyword, sub.path)
        if sub.fn:
            return self.run(self.fns[sub.fn], x, path, quiet, role)
        return True

    def probe(self, sub, x, path):
        if sub.always:
            return True
        if sub.never:
            return False
        return self.run(self.fns[sub.fn], x, path, 1, "value")

    @staticmethod
    def literal(t, x):
        how = t.how
        if how == "true":
            return x is True
        if how == "false":
            return x is False
        if how == "null":
            return x is None
        if how == "string":
            return isinstance(x, str) and x == t.value
        if how == "number":
            return isinstance(x, Num) and float(x.value) == float(t.value)
        return None  # deep: handled by the caller

    def lit(self, t, x):
        r = self.literal(t, x)
        if r is None:
            return json_equal(x, self.constants[t.index])
        return r

    @staticmethod
    def type_test(t, x):
        jt = jtype(x)
        if t == "integer":
            return jt == "number" and is_integer(x)
        return jt == t

    def run(self, fn, x, path, quiet, role):
        if quiet == 0 and self.trace is not None:
            self.trace.append((path, fn.name, role))
        ok = True
        for ch in fn.checks:
            if ch.quiet_exit and not ok and quiet:
                return False
            ok = self.check(ch, x, path, quiet) and ok
        return ok

    def check(self, ch, x, path, quiet):  # noqa: C901 - one branch per check kind, like the template
        k = ch.kind
        ok = True
        if k == "apply":
            return self.apply(ch.sub, x, path, quiet, ch.keyword)
        if k == "fail":
            return self.fail(quiet, path, ch.keyword, ch.schema_path)
        if k == "type":
            if not any(self.type_test(t, x) for t in ch.types):
                ok = self.fail(quiet, path, "type", ch.schema_path)
            return ok
        if k == "const":
            return self.lit(ch.test, x) or self.fail(quiet, path, "const", ch.schema_path)
        if k == "enum":
            return any(self.lit(t, x) for t in ch.tests) or self.fail(quiet, path, "enum", ch.schema_path)
        if k == "number":
            if isinstance(x, Num):
                v = float(x.value)
                for b in ch.bounds:
                    bv = float(b.value)
                    good = {">=": v >= bv, "<=": v <= bv, ">": v > bv, "<": v < bv}[b.op]
                    if not good:
                        ok = self.fail(quiet, path, b.keyword, b.schema_path)
                m = ch.multiple
                if m:
                    with localcontext() as ctx:
                        ctx.prec = 2000
                        if x.value % Decimal(m.text) != 0:
                            ok = self.fail(quiet, path, "multipleOf", m.schema_path)
            return ok
        if k == "string":
            if isinstance(x, str):
                n = len(x)
                if ch.min and n < ch.min.value:
                    ok = self.fail(quiet, path, "minLength", ch.min.schema_path)
                if ch.max and n > ch.max.value:
                    ok = self.fail(quiet, path, "maxLength", ch.max.schema_path)
                for p in ch.patterns:
                    if not self.patterns[p.index].search(x):
                        ok = self.fail(quiet, path, "pattern", p.schema_path)
                f = ch.format
                if f and not format_ok(f.name, x):
                    ok = self.fail(quiet, path, "format", f.schema_path)
            return ok
        if k == "array":
            return self.check_array(ch, x, path, quiet)
        if k == "object":
            return self.check_object(ch, x, path, quiet)
        if k == "anyOf":
            if not any(self.probe(s, x, path) for s in ch.subs):
                ok = self.fail(quiet, path, "anyOf", ch.schema_path)
            return ok
        if k == "oneOf":
            matched = 0
            for s in ch.subs:
                if matched < 2 and self.probe(s, x, path):
                    matched += 1
            return matched == 1 or self.fail(quiet, path, "oneOf", ch.schema_path)
        if k == "oneOf_discriminated":
            if isinstance(x, dict) and ch.property in x:
                tag = x[ch.property]
                for case in ch.cases:
                    if isinstance(tag, str) and tag == case.value:
                        return self.apply(case.sub, x, path, quiet, "oneOf")
                if not ch.covered:
                    ok = self.fail(quiet, path + (ch.property,), "oneOf", ch.schema_path)
            return ok
        if k == "not":
            return not self.probe(ch.sub, x, path) or self.fail(quiet, path, "not", ch.schema_path)
        if k == "if":
            if self.probe(ch.cond, x, path):
                return self.apply(ch.then, x, path, quiet, "then")
            return self.apply(ch.otherwise, x, path, quiet, "else")
        raise AssertionError(k)

    def check_array(self, ch, x, path, quiet):
        ok = True
        if not isinstance(x, list):
            return True
        matches = 0
        for n, e in enumerate(x):
            p = path + (n,)
            if ch.prefix and n < len(ch.prefix):
                ok = self.apply(ch.prefix[n], e, p, quiet, ch.prefix_keyword) and ok
            elif ch.items:
                ok = self.apply(ch.items, e, p, quiet, ch.items_keyword) and ok
            if ch.contains and self.probe(ch.contains.sub, e, p):
                matches += 1
            if not ok and quiet:
                return False
        n = len(x)
        if ch.min and n < ch.min.value:
            ok = self.fail(quiet, path, "minItems", ch.min.schema_path)
        if ch.max and n > ch.max.value:
            ok = self.fail(quiet, path, "maxItems", ch.max.schema_path)
        c = ch.contains
        if c:
            if c.min is not None and matches < c.min:
                ok = self.fail(quiet, path, c.min_keyword, c.min_path)
            if c.max is not None and matches > c.max:
                ok = self.fail(quiet, path, "maxContains", c.max_path)
        if ch.unique:
            for i in range(n):
                if any(json_equal(x[i], x[j]) for j in range(i + 1, n)):
                    ok = self.fail(quiet, path, "uniqueItems", ch.unique)
                    break
        return ok

    def check_object(self, ch, x, path, quiet):
        ok = True
        if not isinstance(x, dict):
            return True
        for name, v in x.items():
            p = path + (name,)
            if ch.names:
                ok = self.apply(ch.names, name, p, quiet, "propertyNames", role="name") and ok
            matched = False
            for prop in ch.properties:
                if prop.name == name:
                    matched = True
                    ok = self.apply(prop.sub, v, p, quiet, "properties") and ok
                    break
            for pp in ch.pattern_properties:
                if self.patterns[pp.pattern.index].search(name):
                    matched = True
                    ok = self.apply(pp.sub, v, p, quiet, "patternProperties") and ok
            if ch.additional and not matched:
                sub = ch.additional.sub
                if sub.never:
                    ok = self.fail(quiet, p, "additionalProperties", ch.additional.schema_path)
                else:
                    ok = self.apply(sub, v, p, quiet, "additionalProperties") and ok
            if not ok and quiet:
                return False
        for r in ch.required:
            if r.member.name not in x:
                ok = self.fail(quiet, path + (r.member.name,), "required", r.schema_path)
        for d in ch.dep_required:
            if d.when.name in x:
                for t in d.then:
                    if t.name not in x:
                        ok = self.fail(quiet, path, d.keyword, d.schema_path)
        for d in ch.dep_schemas:
            if d.when.name in x:
                ok = self.apply(d.sub, x, path, quiet, d.keyword) and ok
        n = len(x)
        if ch.min and n < ch.min.value:
            ok = self.fail(quiet, path, "minProperties", ch.min.schema_path)
        if ch.max and n > ch.max.value:
            ok = self.fail(quiet, path, "maxProperties", ch.max.schema_path)
        return ok


# ---- synthesis of valid values -----------------------------------------------------

# Characters tried, in order, to fill strings; the last ones exercise escaping and UTF-8.
FILL = ["a", "A", "0", "x", "_", "-", ".", "é"]
TRICKY = "aé€𝄞\"\\\n\t/~ <"


def string_constraints(schema):
    lo = int(schema["minLength"].value) if isinstance(schema.get("minLength"), Num) else 0
    hi = int(schema["maxLength"].value) if isinstance(schema.get("maxLength"), Num) else None
    pats = [schema["pattern"]] if isinstance(schema.get("pattern"), str) else []
    fmt = schema.get("format") if isinstance(schema.get("format"), str) else None
    return lo, hi, pats, fmt


class Synth:
    def __init__(self, doc):
        self.doc = doc
        self._re = {}

    def rx(self, source):
        if source not in self._re:
            self._re[source] = compile_ecma(source)
        return self._re[source]

    def merged(self, node):
        """The keywords of a node and of everything its $ref chain leads to (outer first)."""
        out, seen = {}, set()
        while isinstance(node.schema, dict) and node.ptr not in seen:
            seen.add(node.ptr)
            for k, v in node.schema.items():
                out.setdefault(k, v)
            if "$ref" not in node.schema:
                break
            node = node.ref_target()
        return node, out

    def string_ok(self, s, lo, hi, pats, fmt):
        return (len(s) >= lo and (hi is None or len(s) <= hi) and all(self.rx(p).search(s) for p in pats)
                and (fmt is None or fmt not in KNOWN_FORMATS or format_ok(fmt, s)))

    def make_string(self, length, lo, hi, pats, fmt, tricky=False, avoid=()):
        cands = []
        if fmt in FORMAT_SAMPLES:
            cands += FORMAT_SAMPLES[fmt]
        if tricky:
            cands.append((TRICKY * (length // len(TRICKY) + 1))[:length])
        cands += [c * length for c in FILL]
        for s in cands:
            if self.string_ok(s, lo, hi, pats, fmt) and s not in avoid:
                return s
        return None

    def distinct_strings(self, count, length, lo, hi, pats, fmt):
        """`count` distinct strings of `length` that satisfy the constraints (or fewer)."""
        alphabet = [c for c in "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_-."
                    if self.string_ok(c * length, lo, hi, pats, fmt)]
        out, i = [], 0
        if not alphabet or length == 0:
            return [""] if count and self.string_ok("", lo, hi, pats, fmt) else []
        limit = len(alphabet) ** min(length, 6)
        while len(out) < count and i < limit:
            digits, n = [], i
            for _ in range(length):
                digits.append(alphabet[n % len(alphabet)])
                n //= len(alphabet)
            s = "".join(reversed(digits))
            if self.string_ok(s, lo, hi, pats, fmt) and s not in out:
                out.append(s)
            i += 1
        return out

    def number(self, s, mode, integer):
        lo = hi = None
        lo_x = hi_x = False
        if isinstance(s.get("minimum"), Num):
            lo = s["minimum"].value
        if isinstance(s.get("exclusiveMinimum"), Num) and (lo is None or s["exclusiveMinimum"].value >= lo):
            lo, lo_x = s["exclusiveMinimum"].value, True
        if isinstance(s.get("maximum"), Num):
            hi = s["maximum"].value
        if isinstance(s.get("exclusiveMaximum"), Num) and (hi is None or s["exclusiveMaximum"].value <= hi):
            hi, hi_x = s["exclusiveMaximum"].value, True
        step = s["multipleOf"].value if isinstance(s.get("multipleOf"), Num) else None
        unit = step if step is not None else (Decimal(1) if integer else Decimal("0.01"))
        if lo is None:
            lo, lo_x = (hi - 1000 if hi is not None else Decimal("-12345.5")), False
        if hi is None:
            hi, hi_x = lo + 1000 if lo is not None else Decimal("12345.5"), False
        if integer:
            unit = max(unit, Decimal(1)) if step is None else unit

        def snap_up(v):
            with localcontext() as ctx:
                ctx.prec = 200
                q = (v / unit).to_integral_value(rounding="ROUND_CEILING")
                return q * unit

        def snap_down(v):
            with localcontext() as ctx:
                ctx.prec = 200
                q = (v / unit).to_integral_value(rounding="ROUND_FLOOR")
                return q * unit

        first = snap_up(lo)
        if lo_x and first == lo:
            first += unit
        last = snap_down(hi)
        if hi_x and last == hi:
            last -= unit
        if mode == "min":
            v = first
        elif mode == "max":
            v = last
        else:
            v = snap_down((first + last) / 2)
        return num(v)

    MAX_DEPTH = 4

    def value(self, node, mode, variant=None, depth=0):
        """A valid value for the schema at node (best effort; the evaluator checks). Below
        MAX_DEPTH (recursive schemas) only what is required is built."""
        if depth > self.MAX_DEPTH:
            mode = "min"
        target, s = self.merged(node)
        if isinstance(target.schema, bool):
            return None
        examples = s.get("examples")
        structured = bool(s.get("properties"))  # structs are built member by member
        if mode == "typical" and isinstance(examples, list) and examples and not structured:
            return copy.deepcopy(examples[0])
        if "const" in s:
            return copy.deepcopy(s["const"])
        if isinstance(s.get("enum"), list) and s["enum"]:
            return s["enum"][-1] if mode == "max" else s["enum"][0]
        t = s.get("type")
        if isinstance(t, list):
            t = t[0]
        if t is None:
            t = "object" if "properties" in s or "additionalProperties" in s else "string"
        if t == "string":
            lo, hi, pats, fmt = string_constraints(s)
            if fmt in FORMAT_SAMPLES:
                samples = [x for x in FORMAT_SAMPLES[fmt] if self.string_ok(x, lo, hi, pats, fmt)]
                if samples:
                    return samples[-1] if mode == "max" else samples[0]
            length = lo if mode == "min" else (hi if hi is not None else lo + 24) if mode == "max" \
                else max(lo, min(hi if hi is not None else 8, 8))
            return self.make_string(length, lo, hi, pats, fmt, tricky=(mode == "max" and not pats))
        if t in ("number", "integer"):
            return self.number(s, mode, t == "integer")
        if t == "boolean":
            return mode == "max"
        if t == "null":
            return None
        if t == "array":
            lo = int(s["minItems"].value) if isinstance(s.get("minItems"), Num) else 0
            hi = int(s["maxItems"].value) if isinstance(s.get("maxItems"), Num) else lo + 3
            n = lo if mode == "min" else hi if mode == "max" else max(lo, min(hi, 1))
            if "items" not in s or isinstance(s["items"], list):
                return []
            return [self.value(target.child("items"), mode, depth=depth + 1) for _ in range(n)]
        if t == "object":
            return self.object(target, s, mode, variant, depth)
        return None

    def object(self, node, s, mode, variant, depth=0):
        props = s.get("properties") or {}
        if props:
            required = s.get("required", [])
            disc = validator_model.find_discriminator(node, s) if "oneOf" in s else None
            branch = None
            if disc:
                prop, values = disc
                idx = values.index(variant) if variant in values else 0
                branch = node.child("oneOf", idx)
            out = {}
            for name in props:
                if mode == "min" and name not in required:
                    continue
                pnode = node.child("properties", name)
                if branch is not None and name in (branch.get("properties") or {}):
                    pnode = branch.child("properties", name)
                out[name] = self.value(pnode, mode, depth=depth + 1)
            return out
        add = s.get("additionalProperties")
        vnode = node.child("additionalProperties") if isinstance(add, dict) else None
        pats = s.get("patternProperties") or {}
        if vnode is None and len(pats) == 1:
            vnode = node.child("patternProperties", next(iter(pats)))
        if vnode is None:
            return {}
        lo = int(s["minProperties"].value) if isinstance(s.get("minProperties"), Num) else 0
        hi = int(s["maxProperties"].value) if isinstance(s.get("maxProperties"), Num) else lo + 3
        n = lo if mode == "min" else hi if mode == "max" else max(lo, min(hi, 1))
        names = s.get("propertyNames") if isinstance(s.get("propertyNames"), dict) else {}
        if "$ref" in names:
            names = self.merged(node.child("propertyNames"))[1]
        klo, khi, kpats, kfmt = string_constraints(names)
        kpats = kpats + list(pats)
        klen = (khi if khi is not None else 12) if mode == "max" else max(klo, min(khi or 4, 4))
        keys = self.distinct_strings(n, klen, klo, khi, kpats, kfmt)
        return {k: self.value(vnode, mode, depth=depth + 1) for k in keys}


# ---- building the fixtures -----------------------------------------------------------


class Fixture:
    def __init__(self, name, variant, valid, instance, errors, breaks=None):
        self.name = name
        self.variant = variant
        self.valid = valid
        self.instance = instance
        self.errors = errors          # [(pointer, keyword)] sorted, unique
        self.breaks = breaks          # (schema_path, keyword) for invalid ones


class Fixtures:
    def __init__(self, doc, prefix, tmodel):
        self.doc = doc
        self.vmodel = validator_model.build(doc, prefix)
        self.ev = Evaluator(self.vmodel)
        self.synth = Synth(doc)
        self.tmodel = tmodel
        self.items = []
        self.unreached = []
        self._texts = set()
        root = tmodel.root
        holder = next((m for m in root.members if m.union), None)
        self.tag = holder.union["tag"].json_name if holder else None
        self.variants = [v["value"] for v in holder.type.variants] if holder else [root.short]
        self.holder = holder
        for variant in self.variants:
            self._variant(variant)

    # -- helpers --

    def errors_of(self, inst):
        ok, errs = self.ev.validate(inst)
        return ok, errs

    def add(self, name, variant, inst, breaks=None):
        text = to_json_text(inst)
        if text in self._texts:
            return False
        ok, errs = self.errors_of(inst)
        if (breaks is None) != ok:
            return False
        self._texts.add(text)
        pairs = sorted({(p, k) for p, k, _ in errs})
        self.items.append(Fixture(name, variant, ok, inst, pairs, breaks))
        return True

    def envelope(self, variant, mode, slot_value=None):
        root = self.doc.root
        inst = self.synth.value(root, mode, variant=variant if self.tag else None)
        if self.tag and isinstance(inst, dict):
            inst[self.tag] = variant
            if slot_value is not None:
                inst[self.holder.json_name] = slot_value
        return inst

    def variant_of(self, inst):
        if not self.tag:
            return self.variants[0]
        return inst.get(self.tag) if isinstance(inst, dict) else None

    # -- one variant --

    def _variant(self, variant):
        valid_before = len(self.items)
        # Examples: the root's (for this variant) and the variant payload's own.
        for i, ex in enumerate(self.doc.root.get("examples") or []):
            if self.variant_of(ex) == variant:
                self.add(f"{variant}: root example {i + 1}", variant, copy.deepcopy(ex))
        if self.holder:
            vnode = next(v["node"] for v in self.holder.type.variants if v["value"] == variant)
            target, s = self.synth.merged(vnode)
            for i, ex in enumerate(s.get("examples") or []):
                self.add(f"{variant}: {self.holder.json_name} example {i + 1}", variant,
                         self.envelope(variant, "typical", copy.deepcopy(ex)))
        typical = self.envelope(variant, "typical")
        self.add(f"{variant}: typical", variant, typical)
        self.add(f"{variant}: minimal", variant, self.envelope(variant, "min"))
        self.add(f"{variant}: maximal", variant, self.envelope(variant, "max"))
        ok, _ = self.errors_of(typical)
        if not ok:
            typical = next((f.instance for f in self.items[valid_before:] if f.valid), None)
            if typical is None:
                return
        # Every location the validator visits in the typical instance.
        trace = []
        self.ev.validate(typical, trace)
        # Other enum values, each a valid instance.
        for path, fname, role in trace:
            fn = self.ev.fns[fname]
            if role != "value" or path == (self.tag,):
                continue
            for ch in fn.checks:
                if ch.kind == "enum":
                    for t in ch.tests:
                        if t.how == "string" and get_at(typical, path) != t.value:
                            self.add(f"{variant}: {pointer(path)} = {t.value}", variant,
                                     replace_at(typical, path, t.value))
        self._invalid(variant, typical, trace)
        # The payload of this variant under each other discriminator value.
        if self.tag:
            for other in self.variants:
                if other != variant:
                    self.add(f"{variant}: {self.holder.json_name} under {self.tag} = {other}", variant,
                             replace_at(typical, (self.tag,), other), breaks=(self._dispatch_path(), "oneOf"))

    def _dispatch_path(self):
        return self.doc.root.kw_path("oneOf")

    # -- invalid instances --

    def _targets(self, trace):
        """(schema_path, keyword) of every check on the visited locations."""
        out = []

        def add(sp, kw):
            if (sp, kw) not in out:
                out.append((sp, kw))
        for path, fname, role in trace:
            fn = self.ev.fns[fname]
            for ch in fn.checks:
                k = ch.kind
                if k in ("type", "const", "enum"):
                    add(ch.schema_path, k)
                elif k == "fail":
                    add(ch.schema_path, ch.keyword)
                elif k == "number":
                    for b in ch.bounds:
                        add(b.schema_path, b.keyword)
                    if ch.multiple:
                        add(ch.multiple.schema_path, "multipleOf")
                elif k == "string":
                    for key, kw in (("min", "minLength"), ("max", "maxLength")):
                        if getattr(ch, key):
                            add(getattr(ch, key).schema_path, kw)
                    for p in ch.patterns:
                        add(p.schema_path, "pattern")
                    if ch.format and ch.format.name in KNOWN_FORMATS:
                        add(ch.format.schema_path, "format")
                elif k == "object":
                    for r in ch.required:
                        add(r.schema_path, "required")
                    if ch.additional and ch.additional.sub.never:
                        add(ch.additional.schema_path, "additionalProperties")
                    for key, kw in (("min", "minProperties"), ("max", "maxProperties")):
                        if getattr(ch, key):
                            add(getattr(ch, key).schema_path, kw)
                    for d in ch.dep_required:
                        add(d.schema_path, d.keyword)
                elif k == "array":
                    for key, kw in (("min", "minItems"), ("max", "maxItems")):
                        if getattr(ch, key):
                            add(getattr(ch, key).schema_path, kw)
                    if ch.unique:
                        add(ch.unique, "uniqueItems")
                elif k in ("anyOf", "oneOf", "not"):
                    add(ch.schema_path, k)
                elif k == "oneOf_discriminated" and not ch.covered:
                    add(ch.schema_path, "oneOf")
        return out

    def _string_candidates(self, ch, current):
        lo = ch.min.value if ch.min else 0
        hi = ch.max.value if ch.max else None
        pats = [p.source for p in ch.patterns]
        fmt = ch.format.name if ch.format else None
        sy = self.synth
        out = []
        if lo > 0:
            out.append(sy.make_string(lo - 1, 0, None, pats, None) or "")
            out.append("")
        if hi is not None:
            out.append(sy.make_string(hi + 1, 0, None, pats, None))
            out.append("é" * (hi + 1))
            out.append("é" * hi)
        mid = max(lo, 1) if hi is None else max(lo, min(hi, 4))
        for bad in ("!", " ", "-", "é", "~", "\n"):
            out.append((bad * mid))
            out.append((bad + (current if isinstance(current, str) else "a" * mid))[:max(mid, 1)])
            if isinstance(current, str) and current:
                out.append(bad + current[1:])
        if fmt:
            for bad in ("not-a-" + fmt, "2026-13-40T25:61:00Z", "2026-11-28", "17:00:00"):
                out.append(bad)
        return [c for c in out if c is not None]

    def _number_candidates(self, ch, current):
        vals = []
        unit = Decimal(ch.multiple.text) if ch.multiple else Decimal("0.01")
        for b in ch.bounds:
            v = Decimal(b.text)
            vals += [v - unit, v + unit, v, v - 1, v + 1, v - unit / 2, v + unit / 2]
        if ch.multiple:
            base = current.value if isinstance(current, Num) else Decimal(0)
            vals += [base + unit / 2, base - unit / 2, base + unit / 3, unit / 2, unit * Decimal("1.5")]
        out = []
        for v in vals:
            n = num(v)
            if n is not None:
                out.append(n)
        return out

    def _mutations(self, typical, trace):
        """(label, instance) candidates, in a fixed order."""
        muts = []
        wrong = [Num("1.5"), Num("7"), "text", True, None, {}, []]
        sy = self.synth
        for path, fname, role in trace:
            fn = self.ev.fns[fname]
            p = pointer(path) or "/"
            if role == "name":
                parent, key = path[:-1], path[-1]
                for ch in fn.checks:
                    if ch.kind == "string":
                        for cand in self._string_candidates(ch, key):
                            if cand not in get_at(typical, parent):
                                muts.append((f"key {p} renamed",
                                             edit_object(typical, parent, lambda o, c=cand: rename_key(o, key, c))))
                continue
            current = get_at(typical, path)
            for w in wrong:
                muts.append((f"{p} wrong type", replace_at(typical, path, w)))
            if isinstance(current, Num):
                muts.append((f"{p} not an integer", replace_at(typical, path, num(current.value + Decimal("0.5")))))
            for ch in fn.checks:
                k = ch.kind
                if k in ("enum", "const"):
                    muts.append((f"{p} not allowed", replace_at(typical, path, "zz-not-allowed")))
                    if isinstance(current, str):
                        muts.append((f"{p} not allowed", replace_at(typical, path, current + "-x")))
                elif k == "number":
                    for n in self._number_candidates(ch, current):
                        muts.append((f"{p} = {n.text}", replace_at(typical, path, n)))
                elif k == "string":
                    for cand in self._string_candidates(ch, current):
                        muts.append((f"{p} string", replace_at(typical, path, cand)))
                elif k == "object" and isinstance(current, dict):
                    for name in current:
                        muts.append((f"{p} without {name}",
                                     edit_object(typical, path, lambda o, n=name: {a: b for a, b in o.items() if a != n})))
                    muts.append((f"{p} extra member", edit_object(typical, path,
                                                                   lambda o: dict(o, unexpected_member=Num("1")))))
                    if ch.max:
                        extra = ch.max.value + 1 - len(current)
                        if extra > 0 and current:
                            names_fn = self.ev.fns[ch.names.fn] if ch.names and ch.names.fn \
                                else None
                            strc = next((c for c in names_fn.checks if c.kind == "string"), None) \
                                if names_fn else None
                            lo = strc.min.value if strc and strc.min else 0
                            hi = strc.max.value if strc and strc.max else None
                            pats = [x.source for x in strc.patterns] if strc else []
                            keys = [k2 for k2 in sy.distinct_strings(extra + len(current), max(lo, 3), lo, hi, pats,
                                                                     None) if k2 not in current][:extra]
                            sample = next(iter(current.values()))
                            muts.append((f"{p} too many members",
                                         edit_object(typical, path, lambda o, ks=keys, v=sample:
                                                     dict(o, **{kk: v for kk in ks}))))
                    if ch.min and current:
                        keep = list(current)[:max(ch.min.value - 1, 0)]
                        muts.append((f"{p} too few members",
                                     edit_object(typical, path, lambda o, ks=keep: {a: o[a] for a in ks})))
                elif k == "oneOf_discriminated" and isinstance(current, dict):
                    for case in ch.cases:
                        if current.get(ch.property) != case.value:
                            muts.append((f"{p} other {ch.property}",
                                         replace_at(typical, path + (ch.property,), case.value)))
                    muts.append((f"{p} unknown {ch.property}",
                                 replace_at(typical, path + (ch.property,), "zz-unknown")))
                elif k == "array" and isinstance(current, list):
                    if current:
                        muts.append((f"{p} duplicated", replace_at(typical, path, current + [current[0]])))
                        muts.append((f"{p} shorter", replace_at(typical, path, current[:-1])))
                        if ch.max:
                            muts.append((f"{p} too long",
                                         replace_at(typical, path, (current * (ch.max.value + 1))
                                                    [:ch.max.value + 1])))
                    muts.append((f"{p} empty", replace_at(typical, path, [])))
        return muts

    def _invalid(self, variant, typical, trace):
        targets = self._targets(trace)
        best = {}
        for order, (label, inst) in enumerate(self._mutations(typical, trace)):
            if inst is None:
                continue
            try:
                text = to_json_text(inst)
            except TypeError:
                continue
            if any(isinstance(v, Num) and not v.as_double_exact() for v in _numbers(inst)):
                continue
            ok, errs = self.errors_of(inst)
            if ok:
                continue
            hit = {(sp, kw) for _, kw, sp in errs}
            rank = (len({(p, k) for p, k, _ in errs}), len(errs), order)
            for t in hit:
                if t in targets and (t not in best or rank < best[t][0]):
                    best[t] = (rank, label, inst, text)
        for sp, kw in targets:
            if (sp, kw) not in best:
                self.unreached.append({"variant": variant, "schemaPath": sp, "keyword": kw})
                continue
            _, label, inst, _ = best[(sp, kw)]
            self.add(f"{variant}: breaks {kw} at {sp} ({label})", variant, inst, breaks=(sp, kw))


def _numbers(x):
    if isinstance(x, Num):
        yield x
    elif isinstance(x, list):
        for e in x:
            yield from _numbers(e)
    elif isinstance(x, dict):
        for e in x.values():
            yield from _numbers(e)


def build(doc, prefix, tmodel):
    return Fixtures(doc, prefix, tmodel)


def to_json(fx, doc):
    """The fixture file: one fixture per line, deterministic."""
    import os
    from . import emit  # noqa: F401  (keeps the import graph simple for callers)
    valid = sum(1 for f in fx.items if f.valid)
    lines = ["{",
             f'  "generator": {json.dumps("evgen " + GENERATOR_VERSION)},',
             f'  "schema": {json.dumps(os.path.basename(doc.source_name))},',
             f'  "sha256": {json.dumps(doc.sha256)},',
             f'  "variants": {json.dumps(fx.variants)},',
             f'  "counts": {{"valid": {valid}, "invalid": {len(fx.items) - valid}}},',
             '  "unreached": [']
    for i, u in enumerate(fx.unreached):
        lines.append("    " + json.dumps(u, ensure_ascii=False) + ("," if i + 1 < len(fx.unreached) else ""))
    lines.append("  ],")
    lines.append('  "fixtures": [')
    for i, f in enumerate(fx.items):
        parts = [f'"name": {json.dumps(f.name, ensure_ascii=False)}',
                 f'"variant": {json.dumps(f.variant)}',
                 f'"valid": {"true" if f.valid else "false"}']
        if f.breaks:
            parts.append(f'"breaks": {{"schemaPath": {json.dumps(f.breaks[0], ensure_ascii=False)}, '
                         f'"keyword": {json.dumps(f.breaks[1])}}}')
        parts.append(f'"instance": {to_json_text(f.instance)}')
        errs = ", ".join(f'{{"instancePath": {json.dumps(p, ensure_ascii=False)}, "keyword": {json.dumps(k)}}}'
                         for p, k in f.errors)
        parts.append(f'"errors": [{errs}]')
        lines.append("    {" + ", ".join(parts) + "}" + ("," if i + 1 < len(fx.items) else ""))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"
