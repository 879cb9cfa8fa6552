"""Instances near the boundaries of two schemas, for checking what compat.diff claims.

For each schema of a pair, base instances are synthesised (every event type,
smallest / typical / largest, with evgen's fixture synthesiser); every
location either schema describes gets candidate values from both schemas
(each bound, one step inside and outside it, lengths around minLength and
maxLength, every enum value and one that is not, values of every JSON type,
synthesised valid values, and deletion). Each base with one candidate
applied is a sample. Whether a sample is valid is never decided here: the
compiled validators of both schemas say so.
"""

import copy
import os
import sys
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "codegen"))

from evgen import fixtures, validator_model  # noqa: E402
from evgen.loader import Num, to_json_text  # noqa: E402

DELETE = object()
MODES = ("min", "typical", "max")
PROBES = ["x", Num("1"), Num("1.5"), Num("-1"), True, None, {}, []]
PATTERN_PROBES = ["A", "a", "0", "-a", "a.b", "a b", "ab:c", "Z9"]
MAX_PER_PATH = 60


def _n(d):
    d = Decimal(d).normalize()
    text = format(d, "f") if abs(d.adjusted()) < 20 else str(d)
    return Num(text)


class Sampler:
    def __init__(self, docs):
        self.docs = docs
        self.cands = {}       # path tuple -> [value]

    def add(self, path, value):
        vals = self.cands.setdefault(path, [])
        if len(vals) < MAX_PER_PATH and not any(v is value or (v is not DELETE and value is not DELETE and
                                                               to_json_text(v) == to_json_text(value))
                                                for v in vals):
            vals.append(value)

    # ---- candidates per location -----------------------------------------------------

    def walk(self, synth, node, path, depth=0):
        if depth > 6 or isinstance(node.schema, bool):
            return
        target, s = synth.merged(node)
        if isinstance(target.schema, bool):
            return
        for p in PROBES:
            self.add(path, copy.deepcopy(p))
        for mode in MODES:
            try:
                v = synth.value(node, mode)
            except Exception:  # noqa: BLE001 - the synthesiser's best effort
                v = None
            if v is not None:
                self.add(path, v)
        for v in s.get("enum") or []:
            self.add(path, v)
        if "const" in s:
            self.add(path, s["const"])
        if "enum" in s or "const" in s:
            self.add(path, "zz-not-listed")
        for ex in s.get("examples") or []:
            self.add(path, ex)
        self._numbers(s, path)
        self._strings(synth, s, path)
        self._object(synth, target, s, path, depth)
        if isinstance(s.get("items"), dict):
            self.walk(synth, target.child("items"), path + (0,), depth + 1)

    def _numbers(self, s, path):
        step = s["multipleOf"].value if isinstance(s.get("multipleOf"), Num) else None
        deltas = [Decimal(0), Decimal(1), Decimal(-1), Decimal("0.5"), Decimal("-0.5")]
        if step is not None:
            deltas += [step, -step, step / 2]
        for kw in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if isinstance(s.get(kw), Num):
                for d in deltas:
                    self.add(path, _n(s[kw].value + d))
        if step is not None:
            self.add(path, _n(step))
            self.add(path, _n(step * 3 / 2))

    def _strings(self, synth, s, path):
        lo, hi, pats, fmt = fixtures.string_constraints(s)
        lengths = {max(lo - 1, 0), lo, lo + 1, 4}
        if hi is not None:
            lengths |= {hi - 1, hi, hi + 1}
        for n in sorted(lengths):
            if n < 0 or n > 300:
                continue
            self.add(path, "a" * n)
            v = synth.make_string(n, 0, None, pats, fmt)
            if v is not None:
                self.add(path, v)
        if pats or fmt:
            for p in PATTERN_PROBES:
                self.add(path, p)
        for f in fixtures.FORMAT_SAMPLES.get(fmt, []) if fmt else []:
            self.add(path, f)

    def _object(self, synth, target, s, path, depth):
        props = s.get("properties") or {}
        if props or "additionalProperties" in s or s.get("type") == "object":
            self.add(path + ("zz_extra",), Num("1"))
            self.add(path + ("zz_extra",), "x")
        for name in props:
            self.add(path + (name,), DELETE)
            self.walk(synth, target.child("properties", name), path + (name,), depth + 1)
        for name in s.get("required") or []:
            self.add(path + (name,), DELETE)
            self.add(path + (name,), "x")
        if isinstance(s.get("additionalProperties"), dict):
            self.walk(synth, target.child("additionalProperties"), path + ("k1",), depth + 1)
        if "oneOf" in s and props:
            disc = validator_model.find_discriminator(target, s)
            if disc:
                for i in range(len(s["oneOf"])):
                    b = target.child("oneOf", i)
                    for name in b.get("properties") or {}:
                        self.walk(synth, b.child("properties", name), path + (name,), depth + 1)

    # ---- samples -------------------------------------------------------------------------

    def bases(self, doc):
        synth = fixtures.Synth(doc)
        s = doc.root.schema if isinstance(doc.root.schema, dict) else {}
        variants = [None]
        if "oneOf" in s:
            disc = validator_model.find_discriminator(doc.root, s)
            if disc:
                variants = disc[1]
        out = []
        for variant in variants:
            for mode in MODES:
                try:
                    out.append(synth.value(doc.root, mode, variant))
                except Exception:  # noqa: BLE001
                    continue
        return out

    def samples(self):
        bases = []
        for doc in self.docs:
            self.walk(fixtures.Synth(doc), doc.root, ())
            bases += self.bases(doc)
        seen, out = set(), []

        def emit(inst):
            text = to_json_text(inst)
            if text not in seen:
                seen.add(text)
                out.append(text)

        for base in bases:
            emit(base)
            for path, values in self.cands.items():
                if not path:
                    for v in values:
                        if v is not DELETE:
                            emit(v)
                    continue
                for v in values:
                    inst = copy.deepcopy(base)
                    if _apply(inst, path, v):
                        emit(inst)
        return out


def _apply(inst, path, value):
    parent = inst
    for key in path[:-1]:
        if isinstance(parent, dict) and key in parent:
            parent = parent[key]
        elif isinstance(parent, list) and isinstance(key, int) and key < len(parent):
            parent = parent[key]
        else:
            return False
    last = path[-1]
    if isinstance(parent, dict) and isinstance(last, str):
        if value is DELETE:
            if last not in parent:
                return False
            del parent[last]
        else:
            parent[last] = copy.deepcopy(value)
        return True
    if isinstance(parent, list) and isinstance(last, int):
        if value is DELETE or last >= len(parent):
            return False
        parent[last] = copy.deepcopy(value)
        return True
    return False
