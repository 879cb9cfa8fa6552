"""The API Gateway request model: the schema rewritten as JSON Schema draft-04.

API Gateway models accept draft-04 only. Keywords draft-04 can express are
translated ($defs -> definitions, const -> one-value enum, numeric
exclusive bounds -> boolean form, dependentRequired -> dependencies);
keywords it cannot express (propertyNames, format assertions it does not
know, if/then/else, contains, ...) and decimal multipleOf (which validators
that divide in binary floating point get wrong) are dropped from the model and listed in
its description: the ingestion function enforces the full schema anyway, so
the model is a first filter and documentation, never the only check.
"""

import json

from .loader import Num, to_json_text

_KEEP = {"title", "description", "type", "enum", "multipleOf", "maximum", "minimum", "maxLength",
         "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxProperties", "minProperties",
         "required", "format", "default"}
_DRAFT4_FORMATS = {"date-time", "email", "hostname", "ipv4", "ipv6", "uri"}


def _num(value):
    return json.loads(to_json_text(value)) if isinstance(value, Num) else value


def _plain(value):
    return json.loads(to_json_text(value))


class _Translator:
    def __init__(self):
        self.dropped = set()

    def schema(self, s, path):
        if s is True:
            return {}
        if s is False:
            return {"not": {}}
        out = {}
        for kw, v in s.items():
            p = f"{path}/{kw}"
            if kw in ("$schema", "$id", "$comment", "examples", "$anchor") or kw.startswith("x-"):
                continue
            if kw == "$ref":
                out["$ref"] = v.replace("#/$defs/", "#/definitions/")
            elif kw in ("$defs", "definitions"):
                out.setdefault("definitions", {}).update(
                    {k: self.schema(sub, f"{p}/{k}") for k, sub in v.items()})
            elif kw == "properties" or kw == "patternProperties":
                out[kw] = {k: self.schema(sub, f"{p}/{k}") for k, sub in v.items()}
            elif kw in ("additionalProperties", "not", "additionalItems"):
                out[kw] = self.schema(v, p) if isinstance(v, dict) else v
            elif kw == "items":
                out[kw] = [self.schema(x, f"{p}/{i}") for i, x in enumerate(v)] if isinstance(v, list) \
                    else self.schema(v, p)
            elif kw == "prefixItems":
                out["items"] = [self.schema(x, f"{p}/{i}") for i, x in enumerate(v)]
            elif kw in ("allOf", "anyOf", "oneOf"):
                out[kw] = [self.schema(x, f"{p}/{i}") for i, x in enumerate(v)]
            elif kw == "const":
                out["enum"] = [_plain(v)]
            elif kw in ("exclusiveMinimum", "exclusiveMaximum"):
                bound = "minimum" if kw == "exclusiveMinimum" else "maximum"
                out[bound] = _num(v)
                out[kw] = True
            elif kw == "dependentRequired":
                out.setdefault("dependencies", {}).update(_plain(v))
            elif kw == "format" and v not in _DRAFT4_FORMATS:
                self.dropped.add(p)
            elif kw == "multipleOf" and not (isinstance(v, Num) and v.is_integer()):
                # A validator dividing in binary floating point rejects 16.88 as a
                # multiple of 0.01; only the function's exact check is trusted.
                self.dropped.add(p)
            elif kw in _KEEP:
                out[kw] = _plain(v) if kw in ("enum", "default") else _num(v)
            else:
                self.dropped.add(p)
        return out


def render(doc, prefix):
    t = _Translator()
    model = {"$schema": "http://json-schema.org/draft-04/schema#"}
    model.update(t.schema(doc.raw, "#"))
    note = ("API Gateway request model derived from the event schema. The ingestion function "
            "validates the full schema.")
    if t.dropped:
        note += " Not expressible in draft-04 and enforced by the function only: " + ", ".join(sorted(t.dropped)) + "."
    own = model.get("description")
    model["description"] = f"{own} ({note})" if own else note
    text = json.dumps(model, indent=2, ensure_ascii=False) + "\n"
    return {f"apigw/{prefix}.model.json": text}
