"""A broad, deterministic set of small schemas for the compile property test.

Every schema here is one the generator accepts; the property is that the
C it writes compiles with the project's warnings as errors. The set covers
each keyword alone with its edge values (boolean subschemas in every
applicator position, empty lists, zero counts, constant folding cases), then
seeded random combinations of two or three keywords, nested one level, in
both dialects. Numbers are written as JSON text so the generator reads them
exactly.
"""

import itertools
import json
import random

DRAFT7_URI = "http://json-schema.org/draft-07/schema#"

BOOLS = (True, False)
COUNTS = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")
TYPES = ("null", "boolean", "object", "array", "number", "string", "integer")
LITERALS = (None, True, False, 0, -1, 1.5, "", "a", "é", [], [1, "a"], {}, {"a": [None]})


def _applicator_slots(sub):
    """Every 2020-12 keyword position that holds a subschema, filled with `sub`."""
    return [
        {"not": sub}, {"allOf": [sub]}, {"anyOf": [sub]}, {"oneOf": [sub]}, {"allOf": [sub, sub]},
        {"anyOf": [sub, {"type": "string"}]}, {"oneOf": [sub, {"type": "string"}]},
        {"oneOf": [sub, sub]}, {"if": sub}, {"if": sub, "then": sub}, {"if": sub, "else": sub},
        {"if": {"type": "string"}, "then": sub, "else": sub}, {"then": sub}, {"items": sub},
        {"prefixItems": [sub]}, {"prefixItems": [sub], "items": sub}, {"contains": sub},
        {"contains": sub, "minContains": 0}, {"contains": sub, "maxContains": 0},
        {"properties": {"a": sub}}, {"patternProperties": {"^a": sub}}, {"additionalProperties": sub},
        {"properties": {"a": {}}, "additionalProperties": sub}, {"propertyNames": sub},
        {"dependentSchemas": {"a": sub}}, {"$defs": {"d": sub}, "$ref": "#/$defs/d"},
        {"$defs": {"d": sub}, "properties": {"a": {"$ref": "#/$defs/d"}}},
        {"$defs": {"d": sub}, "not": {"$ref": "#/$defs/d"}},
    ]


def _draft7_slots(sub):
    return [
        {"items": [sub]}, {"items": [sub], "additionalItems": sub}, {"additionalItems": sub},
        {"dependencies": {"a": sub}}, {"dependencies": {"a": []}}, {"dependencies": {"a": ["b"]}},
        {"definitions": {"d": sub}, "$ref": "#/definitions/d"}, {"contains": sub}, {"not": sub},
        {"if": sub, "then": sub, "else": sub}, {"propertyNames": sub}, {"additionalProperties": sub},
    ]


def _single_keywords():
    out = []
    for sub in (True, False):
        out += _applicator_slots(sub)
    out += _applicator_slots({})[::3] + _applicator_slots({"not": {}})[1::3]
    for kw in COUNTS:
        out += [{kw: 0}, {kw: 2}]
    out += [{"minContains": 0}, {"maxContains": 0},
            {"contains": {"type": "integer"}, "minContains": 2, "maxContains": 3}]
    out += [{"type": t} for t in TYPES] + [{"type": list(TYPES)}, {"type": ["integer", "number"]}]
    out += [{"enum": []}, {"enum": [None]}, {"enum": list(LITERALS)}, {"enum": ["a", "b", "cc"]}, {"enum": [1, 2]}]
    out += [{"const": v} for v in LITERALS]
    out += [{"minimum": 0}, {"maximum": -1.5}, {"exclusiveMinimum": 0}, {"exclusiveMaximum": 1e300},
            {"minimum": 1, "maximum": 1}, {"multipleOf": 1}, {"multipleOf": 0.01}, {"multipleOf": 10},
            {"multipleOf": 3}, {"multipleOf": 1e-5}, {"multipleOf": 2.5, "minimum": 0}]
    out += [{"pattern": "^[a-z]+$"}, {"pattern": "a.*b"}, {"pattern": ""}, {"pattern": "^[0-9]{2}-[a-z]*$"},
            {"patternProperties": {"^[a-z]+$": {"type": "integer"}, "x": {}}}]
    out += [{"format": f} for f in ("date-time", "date", "time", "email", "hostname", "ipv4", "ipv6", "uri",
                                    "uuid")]
    out += [{"required": []}, {"required": ["a"]}, {"required": ["a", "b"], "properties": {"a": {}}},
            {"dependentRequired": {}}, {"dependentRequired": {"a": []}}, {"dependentRequired": {"a": ["b"]}},
            {"dependentRequired": {"a": ["b"]}, "properties": {"a": {}, "b": {}}},
            {"properties": {}}, {"patternProperties": {}}, {"dependentSchemas": {}}, {"$defs": {}},
            {"uniqueItems": True}, {"uniqueItems": False}, {"items": {"type": "string"}, "uniqueItems": True}]
    out += [{"properties": {f"p{i}": {"type": "integer"} for i in range(70)}, "required": ["p0", "p69"]},
            {"properties": {"self": {"$ref": "#"}}}, {"items": {"$ref": "#"}},
            {"type": "object", "required": ["k"], "oneOf": [
                {"properties": {"k": {"const": "a"}}}, {"properties": {"k": {"enum": ["b"]}}}]},
            {"type": "object", "required": ["k"], "properties": {"k": {"enum": ["a", "b"]}}, "oneOf": [
                {"properties": {"k": {"const": "a"}}}, {"properties": {"k": {"const": "b"}}}]},
            {"title": "T", "description": "d */ /* x", "$comment": "c", "examples": [1], "default": 2,
             "deprecated": True, "readOnly": True, "writeOnly": False, "x-ext": 1}]
    return out


def _random_schema(rng, pool, depth):
    keys = rng.sample(range(len(pool)), rng.randint(2, 3))
    schema = {}
    for k in keys:
        for kw, value in pool[k].items():
            if kw not in schema:
                schema[kw] = value
    if depth > 0 and rng.random() < 0.6:
        inner = _random_schema(rng, pool, depth - 1)
        slot = rng.choice(_applicator_slots(inner))
        for kw, value in slot.items():
            schema.setdefault(kw, value)
    return schema


def schemas(seed=20261128, combinations=50):
    """[(name, schema text)] in a fixed order; draft-07 ones carry $schema."""
    singles = _single_keywords()
    draft7 = []
    for sub in (True, False, {"type": "integer"}):
        draft7 += _draft7_slots(sub)
    draft7 += [{"format": f} for f in ("date-time", "date", "time", "email", "hostname", "ipv4", "ipv6", "uri")]
    draft7 += [dict(s) for s in singles[::8] if not any(k in s for k in (
        "prefixItems", "$defs", "dependentSchemas", "dependentRequired", "minContains", "maxContains",
        "format", "deprecated", "$ref", "readOnly"))]
    rng = random.Random(seed)
    pool = [s for s in singles if "$defs" not in s and "$ref" not in json.dumps(s)]
    combos = [_random_schema(rng, pool, 1) for _ in range(combinations)]
    out = [(f"single_{i}", json.dumps(s)) for i, s in enumerate(singles)]
    out += [(f"draft7_{i}", json.dumps(dict({"$schema": DRAFT7_URI}, **s))) for i, s in enumerate(draft7)]
    out += [(f"combo_{i}", json.dumps(s)) for i, s in enumerate(combos)]
    # Every pair of boolean subschemas in the two-schema applicators.
    for a, b in itertools.product(BOOLS, BOOLS):
        for kw in ("allOf", "anyOf", "oneOf"):
            out.append((f"bools_{kw}_{a}_{b}".lower(), json.dumps({kw: [a, b]})))
        out.append((f"bools_if_{a}_{b}".lower(), json.dumps({"if": a, "then": b, "else": not b})))
    return out
