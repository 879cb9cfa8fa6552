"""`generate.py diff`: compares two schemas (see compat.py and docs/schema-evolution.md).

    generate.py diff OLD [NEW]                   NEW defaults to schema/events.schema.json
    generate.py diff --base REF [NEW]            OLD is NEW's path as committed at git REF
    generate.py diff --base @release [NEW]       the last release tag (v*), else HEAD~1
    generate.py diff --base @ci [NEW]            the merge-base with origin/main, else HEAD~1
    --format json                                the report as JSON on stdout
    --require-bump                               fail only on a breaking change whose $id keeps the version

Exit status: 0 compatible (or, with --require-bump, breaking with a version
bump), 1 breaking, 2 usage error (unreadable file or ref, schema refused).
A base that cannot be found (a shallow clone without parents) is reported
and the check is skipped with status 0.
"""

import argparse
import json
import os
import subprocess
import sys

from . import compat, loader
from .errors import SchemaError

DEFAULT_NEW = "schema/events.schema.json"


class Usage(Exception):
    pass


class NoBase(Exception):
    pass


def _git(args, cwd):
    return subprocess.run(["git", *args], capture_output=True, text=True, cwd=cwd)


def _repo_root(path):
    r = _git(["rev-parse", "--show-toplevel"], os.path.dirname(os.path.abspath(path)) or ".")
    if r.returncode != 0:
        raise Usage(f"{path} is not inside a git checkout: give OLD as a file instead of --base")
    return r.stdout.strip()


def resolve_base(spec, root):
    """A commit for --base: a ref, @release or @ci. NoBase when the history holds none."""
    if spec == "@release":
        r = _git(["describe", "--tags", "--abbrev=0", "--match", "v*"], root)
        if r.returncode == 0 and r.stdout.strip():
            return r.stdout.strip(), "the last release tag"
        spec = "HEAD~1"
    elif spec == "@ci":
        for ref in ("origin/main", "main"):
            if _git(["rev-parse", "--verify", "--quiet", ref + "^{commit}"], root).returncode == 0:
                head = _git(["rev-parse", "HEAD"], root).stdout.strip()
                mb = _git(["merge-base", "HEAD", ref], root)
                if mb.returncode == 0 and mb.stdout.strip() and mb.stdout.strip() != head:
                    return mb.stdout.strip(), f"the merge-base with {ref}"
        spec = "HEAD~1"
    r = _git(["rev-parse", "--verify", "--quiet", spec + "^{commit}"], root)
    if r.returncode != 0:
        shallow = _git(["rev-parse", "--is-shallow-repository"], root).stdout.strip() == "true"
        why = "this is a shallow clone (fetch more history: git fetch --deepen=1, or --unshallow)" if shallow \
            else "the history has no such commit (a first commit has no parent)"
        raise NoBase(f"cannot find the base {spec!r}: {why}; pass BASE=<ref> or OLD=<file>")
    return r.stdout.strip(), spec


def load_at(ref, path, root):
    rel = os.path.relpath(os.path.abspath(path), root)
    r = subprocess.run(["git", "show", f"{ref}:{rel}"], capture_output=True, cwd=root)
    if r.returncode != 0:
        return None
    text = r.stdout.decode("utf-8")
    return loader.Document(loader.parse_json_exact(text, "#"), f"{rel}@{ref[:12]}", r.stdout)


def main(argv):
    ap = argparse.ArgumentParser(prog="generate.py diff", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", help="OLD [NEW] (with --base: [NEW])")
    ap.add_argument("--base", help="git ref, @release or @ci: read OLD from git")
    ap.add_argument("--format", choices=["text", "json"], default="text")
    ap.add_argument("--require-bump", action="store_true",
                    help="exit 1 only for a breaking change that keeps the $id's version")
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    try:
        report = _run(args)
    except NoBase as e:
        print(f"schema-diff: skipped: {e}", file=sys.stderr)
        return 0
    except Usage as e:
        print(f"schema-diff: {e}", file=sys.stderr)
        return 2
    except SchemaError as e:
        print(f"schema-diff: schema refused: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"schema-diff: {e}", file=sys.stderr)
        return 2
    if report is None:
        return 0
    if args.format == "json":
        print(json.dumps(report.to_json(), indent=2))
    else:
        sys.stdout.write(report.to_text())
    if not report.breaking:
        return 0
    if args.require_bump:
        if report.version_bumped:
            print(f"schema-diff: breaking, and the version is bumped ({report.old_version} -> "
                  f"{report.new_version}): roll out consumers first (docs/schema-evolution.md)", file=sys.stderr)
            return 0
        print(f"schema-diff: a breaking change keeps version {report.new_version}: bump the version in $id "
              "(urn:evpipe:schema:events:N+1) or undo the change", file=sys.stderr)
    return 1


def _run(args):
    if args.base:
        if len(args.files) > 1:
            raise Usage("with --base give at most NEW")
        new_path = args.files[0] if args.files else DEFAULT_NEW
        root = _repo_root(new_path)
        ref, what = resolve_base(args.base, root)
        old = load_at(ref, new_path, root)
        if old is None:
            print(f"schema-diff: {new_path} does not exist at {what} ({ref[:12]}): nothing to compare",
                  file=sys.stderr)
            return None
    else:
        if not args.files or len(args.files) > 2:
            raise Usage("give OLD [NEW] or --base REF [NEW]")
        old = loader.load_file(args.files[0])
        new_path = args.files[1] if len(args.files) > 1 else DEFAULT_NEW
    new = loader.load_file(new_path)
    return compat.diff(old, new)
