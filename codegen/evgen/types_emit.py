"""Renders the typed layer: C types, JSON codec, DynamoDB marshallers, fixtures and the
generated conformance test. The models (types_model, fixtures) decide; templates format."""

from . import RUNTIME_VERSION, emit, fixtures, types_model


def render(doc, prefix, env=None):
    env = env or emit.environment()
    model = types_model.build(doc, prefix)
    title = doc.root.get("title") if isinstance(doc.root.get("title"), str) else prefix
    fx = fixtures.build(doc, prefix, model)
    ctx = {
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
