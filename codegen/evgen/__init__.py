"""evgen: compiles a JSON Schema into C (types, validators, codecs, marshallers).

Pipeline: loader (read, dialect, $ref/$id registry, keyword checks) ->
models (validator_model, types_model: every decision is made there) ->
templates (Jinja2, formatting only) -> emit (banner, deterministic write).
"""

GENERATOR_VERSION = "1.0.0"
# Bumped whenever generated code needs a different C runtime (src/schema/ev_runtime.h).
RUNTIME_VERSION = 1
