#!/usr/bin/env python3
"""evgen command line: compile a JSON Schema into C.

    python3 codegen/generate.py --schema schema/events.schema.json --out generated/
    python3 codegen/generate.py --schema S --out D --check          # exit 1 if D is stale
    python3 codegen/generate.py --schema S --out D --validator-only # validator + CLI symbol only
    python3 codegen/generate.py diff OLD NEW [--format json]       # schema evolution (docs/schema-evolution.md)
    python3 codegen/generate.py diff --base REF [NEW]              # OLD read from git at REF

Exit status: 0 done (or up to date with --check), 1 stale (--check), 2 the
schema is refused (the message names the schema path) or usage error.
"""

import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from evgen import emit, loader  # noqa: E402
from evgen.errors import SchemaError  # noqa: E402


def default_prefix(schema_path):
    stem = os.path.basename(schema_path).split(".")[0]
    prefix = re.sub(r"[^a-z0-9_]", "_", stem.lower()).strip("_") or "schema"
    return prefix if prefix[0].isalpha() else "s_" + prefix


def render_previous(doc, prev_doc, prefix, prev_version, env):
    """The previous version's validator, types and coders (prefix <prefix>_v<K>) and the
    versions layer that decodes either version into the current struct."""
    from evgen import types_emit, types_model, versions  # noqa: PLC0415
    prev_prefix = f"{prefix}_v{prev_version}"
    files = emit.render_validator(prev_doc, prev_prefix, env)
    typed = types_emit.render(prev_doc, prev_prefix, env)
    files.update({k: v for k, v in typed.items() if k.startswith(prev_prefix + "_") and k != prev_prefix + ".h"})
    cur_version = types_emit.schema_identity(doc)[1]
    files.update(versions.render(env, emit.banner(doc), prefix, types_model.build(doc, prefix),
                                 types_model.build(prev_doc, prev_prefix), cur_version, prev_version, prev_prefix))
    return files


def render(doc, prefix, validator_only, assert_formats=True):
    env = emit.environment()
    files = emit.render_validator(doc, prefix, env, assert_formats)
    if validator_only:
        files[".validator-symbol"] = f"{prefix}_validator\n"
        return files
    from evgen import apigw, types_emit  # full mode: the project's typed event API
    files.update(types_emit.render(doc, prefix, env))
    files.update(apigw.render(doc, prefix))
    return files


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["diff"]:
        from evgen import compat_cli  # noqa: PLC0415
        return compat_cli.main(argv[1:])
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--schema", required=True, help="JSON Schema file (2020-12 or draft-07)")
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--prefix", help="C symbol prefix (default: the schema file's stem)")
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if the output would change")
    ap.add_argument("--validator-only", action="store_true",
                    help="emit only the validator (for `make validator` and other schemas)")
    ap.add_argument("--default-dialect", choices=[loader.DRAFT2020, loader.DRAFT7], default=loader.DRAFT2020,
                    help="dialect for a schema without $schema (default %(default)s)")
    ap.add_argument("--history", help="folder of released versions (<stem>.v<N>.schema.json): the previous "
                                      "version's decoder is generated beside the current one, and a breaking "
                                      "change that keeps the version is refused (default: the schema's "
                                      "folder's history/, when it exists)")
    ap.add_argument("--no-history", action="store_true", help="ignore released versions, even history/")
    ap.add_argument("--allow-breaking", action="store_true",
                    help="generate even when a breaking change keeps the version (stated in the banner)")
    ap.add_argument("--formats", choices=["assert", "annotate"], default="assert",
                    help="`format` asserts (default) or is only an annotation, as 2020-12 specifies "
                         "without the format-assertion vocabulary")
    args = ap.parse_args(argv)
    if args.no_history:
        args.history = None
    elif args.history is None:
        # The same output whoever runs the generator: `make generate` and a
        # plain `generate.py --schema schema/events.schema.json` agree.
        beside = os.path.join(os.path.dirname(os.path.abspath(args.schema)), "history")
        args.history = beside if os.path.isdir(beside) else None
    prefix = args.prefix or default_prefix(args.schema)
    if not re.match(r"^[a-z][a-z0-9_]*$", prefix):
        ap.error(f"--prefix {prefix!r} is not a lower-case C identifier")
    try:
        doc = loader.load_file(args.schema, args.default_dialect)
        if args.formats == "annotate" and not args.validator_only:
            ap.error("--formats annotate is only for --validator-only")
        prev = None
        if args.history and not args.validator_only:
            from evgen import evolution  # noqa: PLC0415
            prev = evolution.check(args.schema, doc, args.history, args.allow_breaking)
        files = render(doc, prefix, args.validator_only, args.formats == "assert")
        if prev is not None:
            files.update(render_previous(doc, prev[1], prefix, prev[0], emit.environment()))
    except SchemaError as e:
        print(f"evgen: {args.schema}: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"evgen: {e}", file=sys.stderr)
        return 2
    differ = emit.write_tree(args.out, files, check=args.check)
    if args.check:
        if differ:
            print(f"evgen: {args.out} is stale ({', '.join(differ)}): run `make generate`", file=sys.stderr)
            return 1
        return 0
    for rel in differ:
        print(f"evgen: wrote {os.path.join(args.out, rel)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
