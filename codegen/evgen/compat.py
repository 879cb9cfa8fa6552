"""Schema evolution: compares two schemas and classifies every change by who it breaks.

A change breaks
  producers   when the accepted set shrinks: something valid today is refused
              (new required member, narrowed type, tightened bound, enum value
              removed, additionalProperties closed, event type removed);
  consumers   when the accepted set grows in a way the processing and the table
              must handle, or a stored field changes meaning or type (widened
              type, new event type or member, member removed or renamed,
              enum value added, changed unit or DynamoDB attribute type);
and is compatible otherwise (annotations, looser bounds).

Subset relations are decided keyword by keyword where that is decidable;
where it is not (two different patterns, different composition keywords) the
finding says "cannot decide" rather than guess.

Each Finding also states the set relation it claims (`relation`): "narrower"
(some instance valid under the old schema is refused by the new one), "wider"
(the reverse), "changed" (both) or None (a change of meaning only). The
evolution tests (tests/evolution/) check these claims against instances
validated by the compiled validators of both schemas.
"""

import json
import re
from decimal import Decimal, localcontext

from .loader import ANNOTATIONS, Num, json_equal, pointer_fragment, to_json_text
from .validator_model import find_discriminator

PRODUCERS = "producers"
CONSUMERS = "consumers"

ALL_TYPES = frozenset({"null", "boolean", "object", "array", "number", "string"})
DDB_TYPE = {"string": "S", "number": "N", "integer": "N", "boolean": "BOOL", "object": "M", "array": "L",
            "null": "NULL"}
# Keywords whose subset relation this module does not decide: a change gives "cannot decide".
OPAQUE = ("allOf", "anyOf", "not", "if", "then", "else", "dependentRequired", "dependentSchemas", "dependencies",
          "contains", "minContains", "maxContains", "prefixItems", "additionalItems", "patternProperties")
# (lower keyword, upper keyword) pairs of plain counts.
COUNTS = (("minLength", "maxLength", "length"), ("minItems", "maxItems", "item count"),
          ("minProperties", "maxProperties", "member count"))


class Finding:
    def __init__(self, kind, breaks, old_path, new_path, where, detail, relation, undecided=False):
        self.kind = kind              # e.g. "new required member"
        self.breaks = list(breaks)    # [] (compatible), [PRODUCERS], [CONSUMERS] or both
        self.old_path = old_path      # schema location on each side ("-" when absent)
        self.new_path = new_path
        self.where = _where(where)    # instance location (JSON Pointer), with the event type if any
        self.detail = detail
        self.relation = relation      # "narrower", "wider", "changed" or None
        self.undecided = undecided

    @property
    def verdict(self):
        if self.undecided:
            return "cannot decide"
        if self.breaks:
            return "breaks " + " and ".join(self.breaks)
        return "compatible"

    def to_json(self):
        return {"kind": self.kind, "verdict": self.verdict, "breaks": self.breaks, "undecided": self.undecided,
                "old": self.old_path, "new": self.new_path, "where": self.where, "detail": self.detail,
                "relation": self.relation}


class Report:
    def __init__(self, old_doc, new_doc, findings):
        self.old_doc, self.new_doc = old_doc, new_doc
        self.findings = findings
        self.old_version = schema_version(old_doc)
        self.new_version = schema_version(new_doc)

    @property
    def breaking(self):
        return any(f.breaks or f.undecided for f in self.findings)

    def who(self):
        out = []
        for w in (PRODUCERS, CONSUMERS):
            if any(w in f.breaks for f in self.findings):
                out.append(w)
        return out

    @property
    def version_bumped(self):
        return self.new_version > self.old_version

    def to_json(self):
        return {"old": {"source": self.old_doc.source_name, "id": self.old_doc.raw.get("$id"),
                        "version": self.old_version},
                "new": {"source": self.new_doc.source_name, "id": self.new_doc.raw.get("$id"),
                        "version": self.new_version},
                "verdict": "breaking" if self.breaking else "compatible",
                "breaks": self.who(),
                "cannot_decide": sum(1 for f in self.findings if f.undecided),
                "version_bumped": self.version_bumped,
                "findings": [f.to_json() for f in self.findings]}

    def to_text(self):
        lines = [f"schema-diff: {self.old_doc.source_name} (version {self.old_version}) -> "
                 f"{self.new_doc.source_name} (version {self.new_version})"]
        for f in self.findings:
            lines.append(f"  {f.verdict.upper()}: {f.kind} at {f.where or '/'}: {f.detail}")
            lines.append(f"      old {f.old_path}   new {f.new_path}")
        if not self.findings:
            lines.append("  no changes that affect validation or meaning")
        verdict = "breaking" if self.breaking else "compatible"
        who = self.who()
        undecided = sum(1 for f in self.findings if f.undecided)
        extra = []
        if who:
            extra.append("breaks " + " and ".join(who))
        if undecided:
            extra.append(f"{undecided} cannot decide")
        lines.append(f"verdict: {verdict}" + (f" ({'; '.join(extra)})" if extra else "") +
                     f"; version {self.old_version} -> {self.new_version}")
        return "\n".join(lines) + "\n"


def _where(where):
    """'/payload(type=humidity)/unit' -> '/payload/unit [type=humidity]'."""
    variants = re.findall(r"\(([^()=]+=[^()]*)\)", where)
    path = re.sub(r"\([^()=]+=[^()]*\)", "", where)
    return path + (f" [{', '.join(variants)}]" if variants else "")


def schema_version(doc):
    from .types_emit import schema_identity  # noqa: PLC0415 (one parser of the $id)
    return schema_identity(doc)[1]


def diff(old_doc, new_doc):
    """Every change from old_doc to new_doc, in schema order."""
    d = _Differ()
    d.compare(old_doc.root, new_doc.root, "")
    if old_doc.dialect != new_doc.dialect:
        d.add("dialect changed", [], "#/$schema", "#/$schema", "", f"{old_doc.dialect} -> {new_doc.dialect}",
              None, undecided=True)
    return Report(old_doc, new_doc, d.findings)


# ---- helpers ---------------------------------------------------------------------


def _flatten(node):
    """The keywords of node and of its $ref chain (outer first), each with the node it stands in."""
    out, seen = {}, set()
    while node is not None and isinstance(node.schema, dict) and node.ptr not in seen:
        seen.add(node.ptr)
        for k, v in node.active_keywords().items():
            if k != "$ref" and k not in out:
                out[k] = (v, node)
        if "$ref" not in node.active_keywords():
            break
        node = node.ref_target()
    return out, node


def _strip(value):
    """A schema without annotations, as canonical text (for equality of opaque parts)."""
    def walk(v):
        if isinstance(v, dict):
            return {k: walk(x) for k, x in sorted(v.items()) if k not in ANNOTATIONS}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v
    return to_json_text(walk(value))


def _types(kws):
    t = kws.get("type", (None,))[0]
    if t is None:
        return ALL_TYPES
    return frozenset([t] if isinstance(t, str) else t)


def _covers(a, b):
    """Every type of b is accepted by a (integer is a kind of number)."""
    return all(t in a or (t == "integer" and "number" in a) for t in b)


def _num(kws, kw):
    v = kws.get(kw, (None,))[0]
    return v.value if isinstance(v, Num) else None


def _bound(kws, low, integer):
    """The effective lower (low=True) or upper bound as (value, exclusive), None when unbounded."""
    inc = _num(kws, "minimum" if low else "maximum")
    exc = _num(kws, "exclusiveMinimum" if low else "exclusiveMaximum")
    cands = []
    if inc is not None:
        cands.append((inc, False))
    if exc is not None:
        cands.append((exc, True))
    if not cands:
        return None
    if integer:  # an integer bound is inclusive: > 0 is >= 1
        norm = []
        for v, x in cands:
            with localcontext() as ctx:
                ctx.prec = 200
                if low:
                    c = v.to_integral_value(rounding="ROUND_CEILING")
                    norm.append((c + 1 if x and c == v else c, False))
                else:
                    f = v.to_integral_value(rounding="ROUND_FLOOR")
                    norm.append((f - 1 if x and f == v else f, False))
        cands = norm
    # The tighter of the two: the greater lower bound, the smaller upper bound.
    key = (lambda c: (c[0], c[1])) if low else (lambda c: (-c[0], c[1]))
    return max(cands, key=key)


def _tighter(old, new, low):
    """-1 new bound looser, 0 same, 1 tighter; None bounds are unbounded."""
    if old == new:
        return 0
    if new is None:
        return -1
    if old is None:
        return 1
    (ov, ox), (nv, nx) = old, new
    if ov == nv:
        return 1 if nx and not ox else -1
    if low:
        return 1 if nv > ov else -1
    return 1 if nv < ov else -1


def _text(v):
    return to_json_text(v) if not isinstance(v, str) else json.dumps(v)


def _ddb(types):
    return sorted({DDB_TYPE[t] for t in types})


class _Differ:
    def __init__(self):
        self.findings = []
        self.seen = set()

    def add(self, kind, breaks, old_path, new_path, where, detail, relation, undecided=False):
        self.findings.append(Finding(kind, breaks, old_path, new_path, where, detail, relation, undecided))

    # ---- one schema location on each side ------------------------------------------

    def compare(self, old, new, where, skip_enum=False, unit=False):
        if isinstance(old.schema, bool) or isinstance(new.schema, bool):
            return self._boolean(old, new, where)
        ok, oend = _flatten(old)
        nk, nend = _flatten(new)
        # A recursive schema: the pair already being compared further up is not entered again.
        key = (oend.ptr, nend.ptr) if oend is not None and nend is not None else (old.ptr, new.ptr)
        if key in self.seen:
            return None
        self.seen.add(key)
        try:
            return self._compare(old, new, ok, nk, oend, nend, where, skip_enum, unit)
        finally:
            self.seen.discard(key)

    def _compare(self, old, new, ok, nk, oend, nend, where, skip_enum, unit):
        self._annotations(ok, nk, where)
        integer = _types(ok) <= {"integer"} and _types(nk) <= {"integer"}
        self._type(ok, nk, old, new, where)
        if not skip_enum:
            self._enum(ok, nk, old, new, where, unit)
        self._numbers(ok, nk, old, new, where, integer)
        self._counts(ok, nk, old, new, where)
        self._pattern_format(ok, nk, old, new, where)
        self._opaque(ok, nk, old, new, where)
        if "properties" in ok or "properties" in nk or "additionalProperties" in ok or "additionalProperties" in nk \
                or "required" in ok or "required" in nk:
            self._object(ok, nk, oend, nend, where)
        if "propertyNames" in ok and "propertyNames" in nk:
            self.compare(ok["propertyNames"][1].child("propertyNames"), nk["propertyNames"][1].child("propertyNames"),
                         where + "/<member name>")
        elif "propertyNames" in ok or "propertyNames" in nk:
            self._presence(ok, nk, old, new, where, "propertyNames", "member names constrained",
                           "member names unconstrained")
        if "items" in ok and "items" in nk and isinstance(ok["items"][0], (dict, bool)) \
                and isinstance(nk["items"][0], (dict, bool)):
            self.compare(ok["items"][1].child("items"), nk["items"][1].child("items"), where + "/<item>")
        elif "items" in ok and "items" in nk:
            if _strip(ok["items"][0]) != _strip(nk["items"][0]):
                self.add("items changed", [], self._path(ok, old, "items"), self._path(nk, new, "items"), where,
                         "cannot decide how a change of tuple items moves the accepted set", None, undecided=True)
        elif "items" in ok or "items" in nk:
            self._presence(ok, nk, old, new, where, "items", "items constrained", "items unconstrained")
        if "oneOf" in ok or "oneOf" in nk:
            self._one_of(ok, nk, oend, nend, where)

    def _path(self, kws, node, kw):
        return kws[kw][1].kw_path(kw) if kw in kws else node.path

    def _boolean(self, old, new, where):
        o, n = old.schema, new.schema
        if o is n or (not isinstance(o, bool) and not isinstance(n, bool)):
            return
        if o is False or n is True:
            if not (o is False and n is False):
                self.add("schema opened", [CONSUMERS], old.path, new.path, where,
                         f"{_text(o)} -> {_text(n)}", "wider")
            return
        self.add("schema closed", [PRODUCERS], old.path, new.path, where, f"{_text(o)} -> {_text(n)}",
                 "narrower")

    def _annotations(self, ok, nk, where):
        for kw in sorted((set(ok) | set(nk)) & ANNOTATIONS):
            ov, nv = ok.get(kw, (None, None)), nk.get(kw, (None, None))
            if ov[0] is None or nv[0] is None or not json_equal(ov[0], nv[0]):
                self.add(f"{kw} changed", [], ov[1].kw_path(kw) if ov[1] else "-",
                         nv[1].kw_path(kw) if nv[1] else "-", where, "annotation only", None)

    def _type(self, ok, nk, old, new, where):
        ot, nt = _types(ok), _types(nk)
        if ot == nt:
            return
        op, np_ = self._path(ok, old, "type"), self._path(nk, new, "type")
        wider, narrower = not _covers(ot, nt), not _covers(nt, ot)
        desc = f"{'/'.join(sorted(ot))} -> {'/'.join(sorted(nt))}"
        if wider and narrower:
            self.add("type changed", [PRODUCERS, CONSUMERS], op, np_, where, desc, "changed")
        elif narrower:
            self.add("type narrowed", [PRODUCERS], op, np_, where, desc, "narrower")
        elif wider:
            self.add("type widened", [CONSUMERS], op, np_, where, desc, "wider")
        if ot != ALL_TYPES and nt != ALL_TYPES and _ddb(ot) != _ddb(nt):
            self.add("DynamoDB attribute type changed", [CONSUMERS], op, np_, where,
                     f"{'/'.join(_ddb(ot))} -> {'/'.join(_ddb(nt))}: stored items of both versions differ", None)

    def _values(self, kws):
        if "const" in kws:
            return [kws["const"][0]], "const"
        if "enum" in kws and isinstance(kws["enum"][0], list):
            return kws["enum"][0], "enum"
        return None, None

    def _enum(self, ok, nk, old, new, where, unit):
        ov, okw = self._values(ok)
        nv, nkw = self._values(nk)
        if ov is None and nv is None:
            return
        op = self._path(ok, old, okw) if okw else old.path
        np_ = self._path(nk, new, nkw) if nkw else new.path
        if ov is None:
            self.add("enum added", [PRODUCERS], op, np_, where, f"values restricted to {_text(nv)}", "narrower")
            return
        if nv is None:
            self.add("enum dropped", [CONSUMERS], op, np_, where, f"any value allowed, was {_text(ov)}", "wider")
            return
        removed = [v for v in ov if not any(json_equal(v, w) for w in nv)]
        added = [v for v in nv if not any(json_equal(v, w) for w in ov)]
        if removed:
            self.add("enum value removed", [PRODUCERS], op, np_, where,
                     ", ".join(_text(v) for v in removed) + " no longer accepted", "narrower")
        if added:
            self.add("enum value added", [CONSUMERS], op, np_, where,
                     ", ".join(_text(v) for v in added) + " must be handled by consumers", "wider")
        if unit and (removed or added):
            self.add("unit changed", [CONSUMERS], op, np_, where,
                     f"{_text(ov)} -> {_text(nv)}: stored values of both versions are in different units", None)

    def _numbers(self, ok, nk, old, new, where, integer):
        for low, name in ((True, "lower bound"), (False, "upper bound")):
            ob, nb = _bound(ok, low, integer), _bound(nk, low, integer)
            t = _tighter(ob, nb, low)
            if t == 0:
                continue
            kws = ("minimum", "exclusiveMinimum") if low else ("maximum", "exclusiveMaximum")
            op = next((self._path(ok, old, k) for k in kws if k in ok), old.path)
            np_ = next((self._path(nk, new, k) for k in kws if k in nk), new.path)
            desc = f"{_bound_text(ob, low)} -> {_bound_text(nb, low)}"
            if t > 0:
                self.add(f"{name} tightened", [PRODUCERS], op, np_, where, desc, "narrower")
            else:
                self.add(f"{name} loosened", [], op, np_, where, desc, "wider")
        om, nm = _num(ok, "multipleOf"), _num(nk, "multipleOf")
        if om == nm:
            return
        op, np_ = self._path(ok, old, "multipleOf"), self._path(nk, new, "multipleOf")
        desc = f"{om if om is not None else 'none'} -> {nm if nm is not None else 'none'}"
        with localcontext() as ctx:
            ctx.prec = 200
            if nm is None or (om is not None and (om / nm) == (om / nm).to_integral_value()):
                self.add("multipleOf loosened", [], op, np_, where, desc, "wider")
            elif om is None or (nm / om) == (nm / om).to_integral_value():
                self.add("multipleOf tightened", [PRODUCERS], op, np_, where, desc, "narrower")
            else:
                self.add("multipleOf changed", [PRODUCERS, CONSUMERS], op, np_, where, desc, "changed")

    def _counts(self, ok, nk, old, new, where):
        for lo_kw, hi_kw, what in COUNTS:
            for kw, low in ((lo_kw, True), (hi_kw, False)):
                ov, nv = _num(ok, kw), _num(nk, kw)
                if low:  # minimum 0 is no bound
                    ov = None if ov == 0 else ov
                    nv = None if nv == 0 else nv
                if ov == nv:
                    continue
                t = _tighter(None if ov is None else (ov, False), None if nv is None else (nv, False), low)
                op, np_ = self._path(ok, old, kw), self._path(nk, new, kw)
                desc = f"{kw} {ov if ov is not None else 'none'} -> {nv if nv is not None else 'none'}"
                if t > 0:
                    self.add(f"{what} tightened", [PRODUCERS], op, np_, where, desc, "narrower")
                else:
                    self.add(f"{what} loosened", [], op, np_, where, desc, "wider")
        ou, nu = ok.get("uniqueItems", (False,))[0] is True, nk.get("uniqueItems", (False,))[0] is True
        if ou != nu:
            op, np_ = self._path(ok, old, "uniqueItems"), self._path(nk, new, "uniqueItems")
            if nu:
                self.add("uniqueItems added", [PRODUCERS], op, np_, where, "repeated items refused", "narrower")
            else:
                self.add("uniqueItems dropped", [], op, np_, where, "repeated items accepted", "wider")

    def _pattern_format(self, ok, nk, old, new, where):
        for kw, what in (("pattern", "pattern"), ("format", "format")):
            ov, nv = ok.get(kw, (None,))[0], nk.get(kw, (None,))[0]
            if ov == nv:
                continue
            op, np_ = self._path(ok, old, kw), self._path(nk, new, kw)
            if ov is None:
                self.add(f"{what} added", [PRODUCERS], op, np_, where, f"{_text(nv)} now required", "narrower")
            elif nv is None:
                self.add(f"{what} dropped", [], op, np_, where, f"{_text(ov)} no longer required", "wider")
            else:
                self.add(f"{what} changed", [], op, np_, where,
                         f"{_text(ov)} -> {_text(nv)}: cannot decide whether one accepts a subset of the other",
                         None, undecided=True)

    def _opaque(self, ok, nk, old, new, where):
        for kw in OPAQUE:
            ov, nv = ok.get(kw, (None,))[0], nk.get(kw, (None,))[0]
            if ov is None and nv is None:
                continue
            if ov is not None and nv is not None and _strip(ov) == _strip(nv):
                continue
            self.add(f"{kw} changed", [], self._path(ok, old, kw) if kw in ok else "-",
                     self._path(nk, new, kw) if kw in nk else "-", where,
                     f"cannot decide how a change of {kw} moves the accepted set", None, undecided=True)

    def _presence(self, ok, nk, old, new, where, kw, added, dropped):
        op = self._path(ok, old, kw) if kw in ok else "-"
        np_ = self._path(nk, new, kw) if kw in nk else "-"
        if kw in nk:
            self.add(added, [PRODUCERS], op, np_, where, f"{kw} added", "narrower")
        else:
            self.add(dropped, [CONSUMERS], op, np_, where, f"{kw} dropped", "wider")

    # ---- objects -------------------------------------------------------------------

    def _object(self, ok, nk, oend, nend, where):
        oprops = ok.get("properties", ({},))[0]
        nprops = nk.get("properties", ({},))[0]
        oreq = set(ok.get("required", ([],))[0])
        nreq = set(nk.get("required", ([],))[0])
        oadd = ok.get("additionalProperties", (True,))[0]
        nadd = nk.get("additionalProperties", (True,))[0]
        oclosed, nclosed = oadd is False, nadd is False
        onode = ok["properties"][1] if "properties" in ok else oend
        nnode = nk["properties"][1] if "properties" in nk else nend
        disc = self._discriminator(ok, nk, oend, nend)

        removed = [p for p in oprops if p not in nprops]
        added = [p for p in nprops if p not in oprops]
        renamed = {}
        for r in removed:
            for a in added:
                if a not in renamed.values() and _strip(oprops[r]) == _strip(nprops[a]) \
                        and (r in oreq) == (a in nreq):
                    renamed[r] = a
                    break
        for r, a in renamed.items():
            breaks = [CONSUMERS] + ([PRODUCERS] if nclosed or a in nreq else [])
            self.add("renamed member", breaks, onode.kw_path("properties", r), nnode.kw_path("properties", a),
                     f"{where}/{r}", f"{r!r} -> {a!r}: stored items and consumers read another name",
                     "changed" if (oclosed or nclosed) else None)
        for r in removed:
            if r in renamed:
                continue
            self.add("removed member", [CONSUMERS] + ([PRODUCERS] if nclosed else []),
                     onode.kw_path("properties", r), "-", f"{where}/{r}",
                     f"{r!r} is no longer" + (" accepted" if nclosed else " described") +
                     "; stored items still hold it", "narrower" if nclosed else "wider")
        for a in added:
            if a in renamed.values():
                continue
            if a in nreq:
                self.add("new required member", [PRODUCERS, CONSUMERS], "-", nnode.kw_path("properties", a),
                         f"{where}/{a}", f"{a!r} must now be sent",
                         "changed" if oclosed else "narrower")
            else:
                self.add("new member", [CONSUMERS] + ([] if oclosed else [PRODUCERS]), "-",
                         nnode.kw_path("properties", a), f"{where}/{a}",
                         f"optional {a!r}: the processing and the table must handle it",
                         "wider" if oclosed else "narrower")
        for p in oprops:
            if p in nprops:
                if p in nreq and p not in oreq:
                    self.add("new required member", [PRODUCERS], self._req_path(ok, oend),
                             self._req_path(nk, nend), f"{where}/{p}", f"{p!r} was optional, is now required",
                             "narrower")
                elif p in oreq and p not in nreq:
                    self.add("member now optional", [CONSUMERS], self._req_path(ok, oend),
                             self._req_path(nk, nend), f"{where}/{p}",
                             f"{p!r} may now be absent: consumers must handle its absence", "wider")
                self.compare(onode.child("properties", p), nnode.child("properties", p), f"{where}/{p}",
                             skip_enum=(disc is not None and p == disc), unit=(p == "unit" or p.endswith("_unit")))
        for p in sorted((nreq - oreq) - set(nprops)):
            self.add("new required member", [PRODUCERS], self._req_path(ok, oend), self._req_path(nk, nend),
                     f"{where}/{p}", f"{p!r} must now be sent", "narrower")
        self._additional(ok, nk, oend, nend, where, oadd, nadd)

    def _req_path(self, kws, node):
        return self._path(kws, node, "required")

    def _additional(self, ok, nk, oend, nend, where, oadd, nadd):
        op = self._path(ok, oend, "additionalProperties")
        np_ = self._path(nk, nend, "additionalProperties")
        if isinstance(oadd, dict) and isinstance(nadd, dict):
            self.compare(ok["additionalProperties"][1].child("additionalProperties"),
                         nk["additionalProperties"][1].child("additionalProperties"), where + "/<other member>")
        elif oadd is False and nadd is not False:
            self.add("additionalProperties opened", [CONSUMERS], op, np_, where,
                     "members not listed are now accepted", "wider")
        elif nadd is False and oadd is not False:
            self.add("additionalProperties closed", [PRODUCERS], op, np_, where,
                     "members not listed are now refused", "narrower")
        elif isinstance(oadd, dict) != isinstance(nadd, dict):
            self.add("additionalProperties changed", [PRODUCERS] if isinstance(nadd, dict) else [CONSUMERS],
                     op, np_, where, "other members " + ("now constrained" if isinstance(nadd, dict)
                                                          else "no longer constrained"),
                     "narrower" if isinstance(nadd, dict) else "wider")

    def _discriminator(self, ok, nk, oend, nend):
        if "oneOf" not in ok or "oneOf" not in nk:
            return None
        od = find_discriminator(ok["oneOf"][1], {k: v for k, (v, _) in ok.items()})
        nd = find_discriminator(nk["oneOf"][1], {k: v for k, (v, _) in nk.items()})
        return od[0] if od and nd and od[0] == nd[0] else None

    def _one_of(self, ok, nk, oend, nend, where):
        if "oneOf" in ok and "oneOf" in nk:
            onode, nnode = ok["oneOf"][1], nk["oneOf"][1]
            od = find_discriminator(onode, {k: v for k, (v, _) in ok.items()})
            nd = find_discriminator(nnode, {k: v for k, (v, _) in nk.items()})
            if od and nd and od[0] == nd[0]:
                return self._variants(onode, nnode, od, nd, where)
            if _strip(ok["oneOf"][0]) == _strip(nk["oneOf"][0]):
                return None
        self.add("oneOf changed", [], self._path(ok, oend, "oneOf") if "oneOf" in ok else "-",
                 self._path(nk, nend, "oneOf") if "oneOf" in nk else "-", where,
                 "cannot decide how a change of a oneOf without a common discriminator moves the accepted set",
                 None, undecided=True)
        return None

    def _variants(self, onode, nnode, od, nd, where):
        prop = od[0]
        ovals, nvals = od[1], nd[1]
        for i, v in enumerate(ovals):
            if v not in nvals:
                self.add("removed event type", [PRODUCERS], onode.kw_path("oneOf", i), "-",
                         f"{where}/{prop}", f"{prop} {v!r} is no longer accepted", "narrower")
        for j, v in enumerate(nvals):
            if v not in ovals:
                self.add("new event type", [CONSUMERS], "-", nnode.kw_path("oneOf", j), f"{where}/{prop}",
                         f"{prop} {v!r}: the processing and the table must handle it", "wider")
        for i, v in enumerate(ovals):
            if v not in nvals:
                continue
            j = nvals.index(v)
            ob, nb = onode.child("oneOf", i), nnode.child("oneOf", j)
            oprops, nprops = ob.get("properties") or {}, nb.get("properties") or {}
            for p in oprops:
                if p == prop:
                    continue
                if p in nprops:
                    self.compare(ob.child("properties", p), nb.child("properties", p), f"{where}/{p}({prop}={v})")
                else:
                    self.add("oneOf branch changed", [], ob.kw_path("properties", p), nb.path,
                             f"{where}/{p}({prop}={v})", "the branch no longer constrains this member",
                             None, undecided=True)
            for p in nprops:
                if p != prop and p not in oprops:
                    self.add("oneOf branch changed", [], ob.path, nb.kw_path("properties", p),
                             f"{where}/{p}({prop}={v})", "the branch now constrains this member",
                             None, undecided=True)


def _bound_text(b, low):
    if b is None:
        return "unbounded"
    v, x = b
    op = (">" if x else ">=") if low else ("<" if x else "<=")
    return f"{op} {v}"


def pointer(ptr):
    return pointer_fragment(ptr)


__all__ = ["diff", "Finding", "Report", "PRODUCERS", "CONSUMERS", "Decimal"]
