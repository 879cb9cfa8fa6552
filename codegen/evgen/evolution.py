"""`make generate` and schema versions: the previous version to keep, and the refusal of a
breaking change that keeps the version (docs/schema-evolution.md).

The current schema's version N is the number ending its $id. The history
folder holds each released version as <stem>.v<K>.schema.json. Baselines the
current schema must stay compatible with (compat.diff finds nothing breaking)
unless its version is bumped:
  * the released version N itself, if the history holds it;
  * the committed schema (git HEAD), when it carries the same version N.
A breaking change against a baseline is refused (SchemaError, exit 2) unless
allow_breaking is set; then the generated banner says so. The previous
version is the highest K < N in the history: its decoder is generated beside
the current one.
"""

import os
import re
import subprocess

from . import compat, loader
from .errors import SchemaError


def history(schema_path, folder):
    """{K: path} of the released versions of the schema's stem in folder."""
    stem = os.path.basename(schema_path).split(".")[0]
    rx = re.compile(re.escape(stem) + r"\.v(\d{1,9})\.schema\.json$")
    out = {}
    if os.path.isdir(folder):
        for name in sorted(os.listdir(folder)):
            m = rx.match(name)
            if m:
                out[int(m.group(1))] = os.path.join(folder, name)
    return out


def committed(schema_path):
    """The schema as committed at git HEAD, or None (no git, no commit, new file)."""
    where = os.path.dirname(os.path.abspath(schema_path))
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, cwd=where)
        if top.returncode != 0:
            return None
        rel = os.path.relpath(os.path.abspath(schema_path), top.stdout.strip())
        r = subprocess.run(["git", "show", f"HEAD:{rel}"], capture_output=True, cwd=top.stdout.strip())
    except OSError:
        return None
    if r.returncode != 0:
        return None
    return loader.Document(loader.parse_json_exact(r.stdout.decode("utf-8"), "#"), f"{rel}@HEAD", r.stdout)


def check(schema_path, doc, folder, allow_breaking):
    """(K, document of version K) for the previous version, or None. Refuses (SchemaError) a
    breaking change that keeps the version, unless allow_breaking."""
    version = compat.schema_version(doc)
    released = {}
    for k, path in history(schema_path, folder).items():
        d = loader.load_file(path)
        if compat.schema_version(d) != k:
            raise SchemaError("#/$id", f"{path}: its $id carries version {compat.schema_version(d)}, "
                                       f"its file name version {k}")
        released[k] = d
    if version == 0:
        if released:
            raise SchemaError("#/$id", f"the $id carries no version (...:N), but {folder} holds released versions "
                                       f"{', '.join(map(str, sorted(released)))}")
        return None
    newer = [k for k in released if k > version]
    if newer:
        raise SchemaError("#/$id", f"version {version} is older than the released version {max(newer)} "
                                   f"in {folder}: versions only go up")
    baselines = []
    if version in released:
        baselines.append(released[version])
    head = committed(schema_path)
    if head is not None and compat.schema_version(head) == version and head.sha256 != doc.sha256:
        baselines.append(head)
    notes = []
    for base in baselines:
        report = compat.diff(base, doc)
        if not report.breaking:
            continue
        bad = [f for f in report.findings if f.breaks or f.undecided]
        listing = "; ".join(f"{f.kind} at {f.where or '/'} ({f.verdict})" for f in bad)
        if not allow_breaking:
            raise SchemaError("#/$id", f"breaking change against {base.source_name} keeps version {version}: "
                                       f"{listing}. Bump the version in $id (...:{version + 1}), or run with "
                                       "ALLOW_BREAKING=1 (--allow-breaking) to generate anyway "
                                       "(see make schema-diff)")
        notes.append(f"Generated with --allow-breaking: {len(bad)} breaking change(s) against "
                     f"{os.path.basename(base.source_name)} keep version {version}.")
    doc.banner_notes = notes
    older = [k for k in released if k < version]
    if not older:
        return None
    k = max(older)
    return k, released[k]
