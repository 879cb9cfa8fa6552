"""Renders the typed layer: C types, JSON codec, DynamoDB marshallers, fixtures and the
generated conformance test. The models (types_model, fixtures) decide; templates format."""

import json
import re

from . import RUNTIME_VERSION, emit, fixtures, types_model

# The version is the number that ends the schema's $id: urn:evpipe:schema:events:3,
# https://example.com/events/v3, .../events/3.json.
_VERSION_RE = re.compile(r"(?:[:/]v?)(\d{1,9})(?:\.json)?$")


def schema_identity(doc):
    """(`$id` as a C string literal or None, version number or 0 when the $id carries none)."""
    sid = doc.raw.get("$id") if isinstance(doc.raw, dict) else None
    if not isinstance(sid, str):
        return None, 0
    m = _VERSION_RE.search(sid)
    return json.dumps(sid), int(m.group(1)) if m else 0


def render(doc, prefix, env=None):
    env = env or emit.environment()
    model = types_model.build(doc, prefix)
    title = doc.root.get("title") if isinstance(doc.root.get("title"), str) else prefix
    fx = fixtures.build(doc, prefix, model)
    schema_id, schema_version = schema_identity(doc)
    ctx = {
        "schema_id": schema_id,
        "schema_version": schema_version,
        "banner": emit.banner(doc),
        "prefix": prefix,
        "title": title,
        "model": model,
        "runtime_version": RUNTIME_VERSION,
        "guard": f"EV_GENERATED_{prefix.upper()}_TYPES_H",
        "umbrella_guard": f"EV_GENERATED_{prefix.upper()}_H",
        "fixtures": fx,
        "sha256": doc.sha256,
        "fixtures_path": f"fixtures/{prefix}.fixtures.json",
    }
    return {
        f"{prefix}.h": env.get_template("umbrella.h.j2").render(ctx),
        f"{prefix}_types.h": env.get_template("types.h.j2").render(ctx),
        f"{prefix}_codec.c": env.get_template("codec.c.j2").render(ctx),
        f"{prefix}_ddb.c": env.get_template("ddb.c.j2").render(ctx),
        f"fixtures/{prefix}.fixtures.json": fixtures.to_json(fx, doc),
        f"tests/test_{prefix}_conformance.c": env.get_template("conformance.c.j2").render(ctx),
    }
