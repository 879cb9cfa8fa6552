#!/usr/bin/env python3
"""Keeps the API's request model in template.yaml equal to the generated one.

API Gateway models are draft-04 and must sit inline in the template (SAM's
Models property takes no file). The block between the markers in
template.yaml is therefore written from generated/apigw/events.model.json:
the event model moves under `definitions`, and the root accepts either one
event or a JSON array, whose items the ingestion function checks one by one
(it reports each item's outcome, which a model cannot).

usage: template_model.py [--check] [--template template.yaml] [--model generated/apigw/events.model.json]
--check exits 1 when the template's block is stale (nothing is written).
"""

import argparse
import json
import sys

BEGIN = "# BEGIN generated request model"
END = "# END generated request model"
NAME = "EventRequest"


def inline_refs(node, definitions, path="#"):
    """The schema with every local $ref replaced by its target.

    API Gateway turns the template's models into Swagger definitions, where a
    "#/definitions/..." reference would resolve against the whole API's
    definitions, not the model's own: a model must be self-contained."""
    if isinstance(node, list):
        return [inline_refs(x, definitions, f"{path}/{i}") for i, x in enumerate(node)]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if ref is not None:
        prefix = "#/definitions/"
        if not ref.startswith(prefix) or ref[len(prefix):] not in definitions:
            raise SystemExit(f"template_model: {path}: cannot inline $ref {ref!r}")
        if len(path) > 2000:
            raise SystemExit(f"template_model: {path}: recursive $ref {ref!r} cannot be inlined")
        target = dict(definitions[ref[len(prefix):]])
        target.update({k: v for k, v in node.items() if k != "$ref"})
        return inline_refs(target, definitions, path)
    return {k: inline_refs(v, definitions, f"{path}/{k}") for k, v in node.items() if k != "definitions"}


def request_model(event_model):
    """The draft-04 model of a POST /events body: one event, or an array."""
    model = dict(event_model)
    definitions = model.pop("definitions", {})
    schema_uri = model.pop("$schema", "http://json-schema.org/draft-04/schema#")
    return {
        "$schema": schema_uri,
        "title": NAME,
        "description": "One event, or a JSON array of events that the ingestion function checks item by item.",
        "type": ["object", "array"],
        "anyOf": [inline_refs(model, definitions), {"type": "array"}],
    }


def render_block(model, indent):
    body = json.dumps(model, indent=2, ensure_ascii=False, sort_keys=False)
    pad = " " * indent
    lines = [f"{pad}{NAME}:"] + [pad + "  " + line for line in body.splitlines()]
    return "\n".join(lines) + "\n"


def rewrite(template_text, block):
    lines = template_text.splitlines(keepends=True)
    begin = next((i for i, l in enumerate(lines) if l.strip() == BEGIN), None)
    end = next((i for i, l in enumerate(lines) if l.strip() == END), None)
    if begin is None or end is None or end < begin:
        raise SystemExit(f"template_model: markers '{BEGIN}' / '{END}' not found in order")
    return "".join(lines[: begin + 1]) + block + "".join(lines[end:]), len(lines[begin]) - len(lines[begin].lstrip())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--template", default="template.yaml")
    ap.add_argument("--model", default="generated/apigw/events.model.json")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    with open(args.model, encoding="utf-8") as f:
        model = request_model(json.load(f))
    with open(args.template, encoding="utf-8") as f:
        text = f.read()
    _, indent = rewrite(text, "")
    new_text, _ = rewrite(text, render_block(model, indent))
    if args.check:
        if new_text != text:
            print(f"template_model: the request model in {args.template} is stale: run `make generate`",
                  file=sys.stderr)
            return 1
        return 0
    if new_text != text:
        with open(args.template, "w", encoding="utf-8") as f:
            f.write(new_text)
        print(f"template_model: wrote the request model into {args.template}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
