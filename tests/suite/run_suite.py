#!/usr/bin/env python3
"""Runs the official JSON Schema Test Suite through evgen and the compiled C validators.

For every test group of the chosen dialect the group's schema is compiled by
the generator into C; the generator either succeeds, or refuses the schema
with a message (remote references, unsupported keywords or formats) and the
group is counted as refused, with the reason, never silently skipped. Every
test instance is then validated by the compiled code, parsed from the
suite's own text so that 1.0 stays 1.0.

Required: the suite's top-level files and the optional format files for the
formats evgen asserts. Other optional files are run and reported, but do not
fail the run.

Exit status: 0 when every test of every compiled group of a required file
passes, 1 otherwise, 2 on usage or build errors.
"""

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "codegen"))

from evgen import emit, loader  # noqa: E402
from evgen.errors import SchemaError  # noqa: E402

REQUIRED_FORMATS = set(loader.SUPPORTED_FORMATS)


def suite_files(suite, dialect):
    base = os.path.join(suite, "tests", dialect)
    if not os.path.isdir(base):
        raise SystemExit(f"run_suite: no {base} (is the suite installed? make deps)")
    out = []
    for name in sorted(os.listdir(base)):
        if name.endswith(".json"):
            out.append((name, os.path.join(base, name), True))
    opt = os.path.join(base, "optional")
    if os.path.isdir(opt):
        for dirpath, _, names in sorted(os.walk(opt)):
            for name in sorted(names):
                if not name.endswith(".json"):
                    continue
                rel = os.path.relpath(os.path.join(dirpath, name), base)
                required = rel.startswith("optional/format/") and name[:-5] in REQUIRED_FORMATS
                out.append((rel, os.path.join(dirpath, name), required))
    return out


def pkg_flags(kind):
    return subprocess.run(["pkg-config", kind, "libcjson", "libpcre2-8"], check=True, capture_output=True,
                          text=True).stdout.split()


def compile_one(cc, cflags, src, obj):
    if os.path.exists(obj) and os.path.getmtime(obj) >= os.path.getmtime(src):
        return None
    r = subprocess.run([cc, *cflags, "-c", src, "-o", obj], capture_output=True, text=True)
    return None if r.returncode == 0 else f"{src}: {r.stderr.strip()[:2000]}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suite", required=True, help="suite root (holds tests/<dialect>/)")
    ap.add_argument("--dialect", required=True, choices=[loader.DRAFT7, loader.DRAFT2020])
    ap.add_argument("--build", required=True, help="work folder for generated code and binaries")
    ap.add_argument("--lib-dir", default=os.path.join(ROOT, "build", "lib"))
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--verbose", action="store_true", help="list every refused group and failing test")
    args = ap.parse_args()

    work = os.path.join(args.build, args.dialect)
    gen = os.path.join(work, "gen")
    os.makedirs(gen, exist_ok=True)
    env = emit.environment()
    groups = []      # (file, index, description, prefix or None, reason)
    tests = []       # (group id, file, group description, test description, data text, valid)
    for rel, path, required in suite_files(args.suite, args.dialect):
        with open(path, encoding="utf-8") as f:
            content = loader.parse_json_exact(f.read(), rel)
        for gi, group in enumerate(content):
            gid = len(groups)
            prefix = f"g{gid}"
            try:
                doc = loader.load_value(group["schema"], f"{rel}#{gi}", args.dialect)
                # 2020-12's format.json tests the default, annotation-only format; the
                # optional/format files test assertion, which evgen does by default.
                annotate = args.dialect == loader.DRAFT2020 and rel == "format.json"
                files = emit.render_validator(doc, prefix, env, assert_formats=not annotate)
                for name, text in files.items():
                    p = os.path.join(gen, name)
                    old = open(p, encoding="utf-8").read() if os.path.exists(p) else None
                    if old != text:
                        with open(p, "w", encoding="utf-8") as f:
                            f.write(text)
                groups.append({"file": rel, "required": required, "description": group["description"],
                               "prefix": prefix, "refused": None})
            except SchemaError as e:
                groups.append({"file": rel, "required": required, "description": group["description"],
                               "prefix": None, "refused": str(e)})
            for t in group["tests"]:
                tests.append({"group": gid, "description": t["description"],
                              "data": loader.to_json_text(t["data"]), "valid": bool(t["valid"])})

    # Compile every group, then the driver with a table of validators.
    cflags = ["-std=c11", "-D_GNU_SOURCE", "-O0", "-w", f"-I{os.path.join(ROOT, 'src')}", f"-I{gen}",
              *pkg_flags("--cflags")]
    compiled = [g for g in groups if g["prefix"]]
    table = os.path.join(gen, "suite_table.c")
    lines = ['#include "schema/ev_validator.h"', "#include <stddef.h>"]
    lines += [f"extern const ev_validator {g['prefix']}_validator;" for g in compiled]
    lines.append("const ev_validator *const suite_validators[] = {")
    lines += [f"    {'&' + g['prefix'] + '_validator' if g['prefix'] else 'NULL'}," for g in groups]
    lines.append("};")
    lines.append(f"const size_t suite_validator_count = {len(groups)};")
    text = "\n".join(lines) + "\n"
    if not os.path.exists(table) or open(table).read() != text:
        with open(table, "w") as f:
            f.write(text)
    sources = [os.path.join(gen, f"{g['prefix']}_validate.c") for g in compiled] + [table,
                                                                                    os.path.join(HERE, "suite_driver.c")]
    objs = [os.path.join(work, os.path.basename(s)[:-2] + ".o") for s in sources]
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        errors = [e for e in ex.map(lambda so: compile_one(args.cc, cflags, *so), zip(sources, objs)) if e]
    if errors:
        print("run_suite: generated code failed to compile:\n" + "\n".join(errors[:5]), file=sys.stderr)
        return 2
    driver = os.path.join(work, "suite_driver")
    libs = [os.path.join(args.lib_dir, "libev_schema.a"), os.path.join(args.lib_dir, "libev_core.a")]
    r = subprocess.run([args.cc, *objs, *libs, *pkg_flags("--libs"), "-lpthread", "-lm", "-o", driver],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print(f"run_suite: link failed: {r.stderr[:3000]}", file=sys.stderr)
        return 2

    # Run: one JSON line per test in, one verdict per line out.
    feed = "".join(json.dumps({"g": t["group"], "valid": t["valid"]}) + "\t" + t["data"] + "\n"
                   for t in tests if groups[t["group"]]["prefix"])
    r = subprocess.run([driver], input=feed, capture_output=True, text=True)
    if r.returncode not in (0, 1):
        print(f"run_suite: driver failed ({r.returncode}): {r.stderr[:3000]}", file=sys.stderr)
        return 2
    verdicts = iter(r.stdout.splitlines())
    per_file = {}
    failures = []
    for t in tests:
        g = groups[t["group"]]
        stats = per_file.setdefault(g["file"], {"required": g["required"], "passed": 0, "failed": 0, "refused": 0})
        if not g["prefix"]:
            stats["refused"] += 1
            continue
        verdict = next(verdicts)
        if verdict.startswith("ok"):
            stats["passed"] += 1
        else:
            stats["failed"] += 1
            failures.append((g, t, verdict))

    req = {k: v for k, v in per_file.items() if v["required"]}
    opt = {k: v for k, v in per_file.items() if not v["required"]}
    total = lambda d, key: sum(v[key] for v in d.values())  # noqa: E731
    print(f"JSON Schema Test Suite, {args.dialect} ({args.suite}):")
    print(f"  {'file':<40} {'passed':>7} {'failed':>7} {'refused':>8}")
    for name, v in sorted(per_file.items()):
        mark = "" if v["required"] else "  (optional, informational)"
        print(f"  {name:<40} {v['passed']:>7} {v['failed']:>7} {v['refused']:>8}{mark}")
    refused_groups = [g for g in groups if g["refused"] and g["required"]]
    if refused_groups:
        print(f"  refused groups in required files ({len(refused_groups)}):")
        for g in refused_groups if args.verbose else refused_groups[:40]:
            print(f"    {g['file']}: {g['description']}: {g['refused']}")
    req_failures = [f for f in failures if f[0]["required"]]
    for g, t, verdict in (failures if args.verbose else req_failures)[:60]:
        print(f"  FAIL {g['file']}: {g['description']}: {t['description']}: {verdict}")
    report = {"dialect": args.dialect, "files": per_file,
              "refused": [{"file": g["file"], "group": g["description"], "reason": g["refused"]}
                          for g in groups if g["refused"]]}
    with open(os.path.join(work, "report.json"), "w") as f:
        json.dump(report, f, indent=1, sort_keys=True)
    print(f"required files: {total(req, 'passed')} passed, {total(req, 'failed')} failed, "
          f"{total(req, 'refused')} refused (tests in groups the generator refuses)")
    print(f"optional files: {total(opt, 'passed')} passed, {total(opt, 'failed')} failed, "
          f"{total(opt, 'refused')} refused")
    print(f"suite {args.dialect}: {total(req, 'passed')} passed, {total(req, 'failed')} failed")
    return 1 if req_failures else 0


if __name__ == "__main__":
    sys.exit(main())
