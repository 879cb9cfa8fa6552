"""The schema pairs the evolution tests run: one change each (or the project's own
versions), with the finding kinds the classifier must report and its verdict.

Each pair is built from BASE (a small event schema shaped like
schema/events.schema.json) by one edit, so a pair-level observation of the
samples is an observation of that one change. The project's pair (each
released version in schema/history/ against the next one, and the last
against schema/events.schema.json) is added by pairs().
"""

import copy
import glob
import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

BASE = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:evpipe:schema:events:1",
    "title": "Event",
    "type": "object",
    "required": ["source", "type", "payload"],
    "additionalProperties": False,
    "properties": {
        "source": {"type": "string", "minLength": 1, "maxLength": 16, "pattern": "^[a-z0-9-]+$"},
        "type": {"$ref": "#/$defs/event_type"},
        "payload": {"type": "object"},
        "note": {"type": "string", "maxLength": 8},
        "count": {"type": "integer", "minimum": 0, "maximum": 100},
        "level": {"type": "number", "minimum": -10, "maximum": 10, "multipleOf": 0.5},
        "unit": {"type": "string", "enum": ["c", "f"]},
        "meta": {"type": "object", "properties": {"by": {"type": "string", "maxLength": 4}}},
        "tags": {"type": "object", "maxProperties": 2,
                 "additionalProperties": {"type": "string", "maxLength": 4}},
        "when": {"type": "string"},
        "list": {"type": "array", "maxItems": 3, "items": {"type": "integer", "minimum": 0, "maximum": 9}},
    },
    "oneOf": [
        {"properties": {"type": {"const": "temp"}, "payload": {"$ref": "#/$defs/temp"}}},
        {"properties": {"type": {"const": "hum"}, "payload": {"$ref": "#/$defs/hum"}}},
    ],
    "$defs": {
        "event_type": {"type": "string", "enum": ["temp", "hum"]},
        "temp": {"type": "object", "required": ["value"], "additionalProperties": False,
                 "properties": {"value": {"type": "number", "minimum": -50, "maximum": 50}}},
        "hum": {"type": "object", "required": ["value"], "additionalProperties": False,
                "properties": {"value": {"type": "integer", "minimum": 0, "maximum": 100}}},
    },
}


def _p(s, name):
    return s["properties"][name]


def _add_event_type(s, name, payload):
    s["$defs"]["event_type"]["enum"].append(name)
    s["$defs"][name] = payload
    s["oneOf"].append({"properties": {"type": {"const": name}, "payload": {"$ref": f"#/$defs/{name}"}}})


def _drop_event_type(s, name):
    s["$defs"]["event_type"]["enum"].remove(name)
    s["oneOf"] = [b for b in s["oneOf"] if b["properties"]["type"]["const"] != name]
    del s["$defs"][name]


def _rename(s, old, new):
    s["properties"] = {(new if k == old else k): v for k, v in s["properties"].items()}


# (name, edit(schema), expected finding kinds (sorted), expected exit status: 0 compatible, 1 breaking)
EDITS = [
    ("identical", lambda s: None, [], 0),
    ("description added", lambda s: _p(s, "note").update(description="A remark."), ["description changed"], 0),
    ("examples changed", lambda s: s.update(examples=[{"source": "a", "type": "temp", "payload": {"value": 1}}]),
     ["examples changed"], 0),
    ("new required member", lambda s: (s["properties"].update(site={"type": "string"}), s["required"].append("site")),
     ["new required member"], 1),
    ("optional member now required", lambda s: s["required"].append("note"), ["new required member"], 1),
    ("member now optional", lambda s: s["required"].remove("source"), ["member now optional"], 1),
    ("type narrowed", lambda s: _p(s, "level").update(type="integer"), ["type narrowed"], 1),
    ("type widened", lambda s: _p(s, "count").update(type="number"), ["type widened"], 1),
    ("type changed", lambda s: s["properties"].update(note={"type": "integer"}),
     ["DynamoDB attribute type changed", "length loosened", "type changed"], 1),
    ("maximum tightened", lambda s: _p(s, "count").update(maximum=50), ["upper bound tightened"], 1),
    ("maximum loosened", lambda s: _p(s, "count").update(maximum=200), ["upper bound loosened"], 0),
    ("minimum made exclusive", lambda s: (_p(s, "level").pop("minimum"), _p(s, "level").update(exclusiveMinimum=-10)),
     ["lower bound tightened"], 1),
    ("integer bound written exclusively", lambda s: (_p(s, "count").pop("minimum"),
                                                     _p(s, "count").update(exclusiveMinimum=-1)), [], 0),
    ("payload minimum loosened", lambda s: s["$defs"]["temp"]["properties"]["value"].update(minimum=-60),
     ["lower bound loosened"], 0),
    ("payload maximum tightened", lambda s: s["$defs"]["hum"]["properties"]["value"].update(maximum=90),
     ["upper bound tightened"], 1),
    ("minLength tightened", lambda s: _p(s, "source").update(minLength=3), ["length tightened"], 1),
    ("maxLength loosened", lambda s: _p(s, "note").update(maxLength=32), ["length loosened"], 0),
    ("multipleOf tightened", lambda s: _p(s, "level").update(multipleOf=1), ["multipleOf tightened"], 1),
    ("multipleOf loosened", lambda s: _p(s, "level").update(multipleOf=0.25), ["multipleOf loosened"], 0),
    ("multipleOf changed", lambda s: _p(s, "level").update(multipleOf=0.3), ["multipleOf changed"], 1),
    ("pattern added", lambda s: _p(s, "note").update(pattern="^[a-z]+$"), ["pattern added"], 1),
    ("pattern dropped", lambda s: _p(s, "source").pop("pattern"), ["pattern dropped"], 0),
    ("pattern changed", lambda s: _p(s, "source").update(pattern="^[a-z]+$"), ["pattern changed"], 1),
    ("enum value removed", lambda s: _p(s, "unit").update(enum=["c"]), ["enum value removed", "unit changed"], 1),
    ("enum value added", lambda s: _p(s, "unit").update(enum=["c", "f", "k"]), ["enum value added", "unit changed"],
     1),
    ("additionalProperties closed", lambda s: _p(s, "meta").update(additionalProperties=False),
     ["additionalProperties closed"], 1),
    ("additionalProperties opened", lambda s: s["$defs"]["temp"].pop("additionalProperties"),
     ["additionalProperties opened"], 1),
    ("maxProperties tightened", lambda s: _p(s, "tags").update(maxProperties=1), ["member count tightened"], 1),
    ("map values tightened", lambda s: _p(s, "tags")["additionalProperties"].update(maxLength=2),
     ["length tightened"], 1),
    ("new event type", lambda s: _add_event_type(s, "wind", {
        "type": "object", "required": ["speed"], "additionalProperties": False,
        "properties": {"speed": {"type": "number", "minimum": 0, "maximum": 80}}}), ["new event type"], 1),
    ("removed event type", lambda s: _drop_event_type(s, "hum"), ["removed event type"], 1),
    ("removed member", lambda s: s["properties"].pop("note"), ["removed member"], 1),
    ("renamed member", lambda s: _rename(s, "note", "remark"), ["renamed member"], 1),
    ("new optional member", lambda s: s["properties"].update(batch={"type": "integer", "minimum": 0}),
     ["new member"], 1),
    ("new member of an open object", lambda s: _p(s, "meta")["properties"].update(at={"type": "integer"}),
     ["new member"], 1),
    ("format added", lambda s: _p(s, "when").update(format="date-time"), ["format added"], 1),
    ("maxItems tightened", lambda s: _p(s, "list").update(maxItems=2), ["item count tightened"], 1),
    ("uniqueItems added", lambda s: _p(s, "list").update(uniqueItems=True), ["uniqueItems added"], 1),
    ("item type widened", lambda s: _p(s, "list")["items"].update(type="number"), ["type widened"], 1),
    ("null admitted", lambda s: _p(s, "count").update(type=["integer", "null"]),
     ["DynamoDB attribute type changed", "type widened"], 1),
    ("composition changed", lambda s: _p(s, "count").update({"not": {"const": 5}}), ["not changed"], 1),
]


# Pairs not derived from BASE: (name, old, new, kinds, status).
TREE = {"$defs": {"node": {"type": "object", "properties": {
    "v": {"type": "integer", "maximum": 5},
    "kids": {"type": "array", "maxItems": 2, "items": {"$ref": "#/$defs/node"}}}}},
    "$ref": "#/$defs/node"}
OTHERS = [
    ("recursive schema, bound tightened", TREE,
     {**TREE, "$defs": {"node": {**TREE["$defs"]["node"], "properties": {
         **TREE["$defs"]["node"]["properties"], "v": {"type": "integer", "maximum": 3}}}}},
     ["upper bound tightened"], 1),
]


def draft7(schema):
    """BASE written in draft-07 ($defs -> definitions)."""
    text = json.dumps(schema).replace("#/$defs/", "#/definitions/").replace('"$defs"', '"definitions"')
    out = json.loads(text)
    out["$schema"] = "http://json-schema.org/draft-07/schema#"
    return out


def _version(path):
    m = re.search(r"\.v(\d+)\.schema\.json$", path)
    return int(m.group(1)) if m else 0


def pairs():
    """[(name, old, new, kinds or None, status)]: old/new are file paths or schema values.
    The project's pairs give kinds None (only the samples judge them) and status None."""
    out = []
    for name, edit, kinds, status in EDITS:
        new = copy.deepcopy(BASE)
        edit(new)
        out.append((name, copy.deepcopy(BASE), new, sorted(kinds), status))
    tightened = copy.deepcopy(BASE)
    _p(tightened, "count").update(maximum=50)
    out.append(("draft-07, maximum tightened", draft7(BASE), draft7(tightened), ["upper bound tightened"], 1))
    for name, old, new, kinds, status in OTHERS:
        out.append((name, copy.deepcopy(old), copy.deepcopy(new), sorted(kinds), status))
    history = sorted(glob.glob(os.path.join(ROOT, "schema", "history", "events.v*.schema.json")), key=_version)
    chain = history + [os.path.join(ROOT, "schema", "events.schema.json")]
    for old, new in zip(chain, chain[1:]):
        out.append((f"project {os.path.basename(old)} -> {os.path.relpath(new, ROOT)}", old, new, None, None))
    return out


def as_text(value):
    return json.dumps(value)
