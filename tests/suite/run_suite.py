#!/usr/bin/env python3
"""Runs the official JSON Schema Test Suite through evgen and the compiled C validators.

For every test group of the chosen dialect the group's schema is compiled by
the generator into C; the generator either succeeds, or refuses the schema
with a message (remote references, unsupported keywords or formats) and the
group is counted as refused, with the reason, never silently skipped. The C
of each group is compiled exactly as `make validator` compiles it (the
Makefile's VALIDATOR_CFLAGS: the project's warnings as errors; see
validator_set.py); a group whose code does not compile, or whose validator
cannot start, fails all its tests. Every test instance is then validated by
the compiled code, parsed from the suite's own text so that 1.0 stays 1.0.

Required: the suite's top-level files and the optional format files for the
formats evgen asserts under the dialect. Other optional files are run and
reported, but their failing tests do not fail the run; generated code that
does not compile fails it wherever it is.

Exit status: 0 when every test of a required file passes and every accepted
schema compiles, 1 otherwise, 2 on usage errors or when the driver cannot be
built.
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "codegen"))
sys.path.insert(0, HERE)

from evgen import loader  # noqa: E402
from validator_set import CANNOT_START, ValidatorSet  # noqa: E402


def suite_files(suite, dialect):
    base = os.path.join(suite, "tests", dialect)
    if not os.path.isdir(base):
        raise SystemExit(f"run_suite: no {base} (is the suite installed? make deps)")
    required_formats = set(loader.asserted_formats(dialect))
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
                required = rel.startswith("optional/format/") and name[:-5] in required_formats
                out.append((rel, os.path.join(dirpath, name), required))
    return out


def load_groups(suite, dialect, vset):
    """Generates every group; returns (groups, tests)."""
    groups, tests = [], []
    for rel, path, required in suite_files(suite, dialect):
        with open(path, encoding="utf-8") as f:
            content = loader.parse_json_exact(f.read(), rel)
        for gi, group in enumerate(content):
            # 2020-12's format.json tests the default, annotation-only format; the
            # optional/format files test assertion, which evgen does by default.
            annotate = dialect == loader.DRAFT2020 and rel == "format.json"
            gid = vset.add(lambda g=group, name=f"{rel}#{gi}": (loader.load_value(g["schema"], name, dialect),
                                                               not annotate))
            entry = vset.entries[gid]
            groups.append({"file": rel, "required": required, "description": group["description"],
                           "entry": entry, "broken": entry["error"]})
            for t in group["tests"]:
                tests.append({"group": gid, "description": t["description"],
                              "data": loader.to_json_text(t["data"]), "valid": bool(t["valid"])})
    return groups, tests


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suite", required=True, help="suite root (holds tests/<dialect>/)")
    ap.add_argument("--dialect", required=True, choices=[loader.DRAFT7, loader.DRAFT2020])
    ap.add_argument("--build", required=True, help="work folder for generated code and binaries")
    ap.add_argument("--jobs", type=int, default=2, help="compilers run at once (default %(default)s)")
    ap.add_argument("--verbose", action="store_true", help="list every refused group and failing test")
    args = ap.parse_args()

    vset = ValidatorSet(os.path.join(args.build, args.dialect), jobs=args.jobs)
    groups, tests = load_groups(args.suite, args.dialect, vset)
    driver = vset.build()
    if driver is None:
        print(f"run_suite: the driver cannot be built: {vset.link_error}", file=sys.stderr)
        return 2
    runnable = [t for t in tests if _runnable(groups[t["group"]])]
    verdicts = iter(vset.run(driver, [(t["group"], t["data"], t["valid"]) for t in runnable]))
    per_file, failures = {}, []
    for t in tests:
        g = groups[t["group"]]
        entry = g["entry"]
        stats = per_file.setdefault(g["file"], {"required": g["required"], "passed": 0, "failed": 0, "refused": 0})
        if entry["refused"]:
            stats["refused"] += 1
            continue
        verdict = f"FAIL {entry['error']}" if entry["error"] else next(verdicts)
        if verdict.startswith(CANNOT_START):
            g["broken"] = verdict[len("FAIL "):]
        if verdict.startswith("ok"):
            stats["passed"] += 1
        else:
            stats["failed"] += 1
            failures.append((g, t, verdict))
    return report(args, groups, per_file, failures)


def _runnable(group):
    return group["entry"]["refused"] is None and group["entry"]["error"] is None


def report(args, groups, per_file, failures):
    req = {k: v for k, v in per_file.items() if v["required"]}
    opt = {k: v for k, v in per_file.items() if not v["required"]}
    total = lambda d, key: sum(v[key] for v in d.values())  # noqa: E731
    print(f"JSON Schema Test Suite, {args.dialect} ({args.suite}):")
    print(f"  {'file':<40} {'passed':>7} {'failed':>7} {'refused':>8}")
    for name, v in sorted(per_file.items()):
        mark = "" if v["required"] else "  (optional, informational)"
        print(f"  {name:<40} {v['passed']:>7} {v['failed']:>7} {v['refused']:>8}{mark}")
    refused_groups = [g for g in groups if g["entry"]["refused"] and g["required"]]
    if refused_groups:
        print(f"  refused groups in required files ({len(refused_groups)}):")
        for g in refused_groups if args.verbose else refused_groups[:40]:
            print(f"    {g['file']}: {g['description']}: {g['entry']['refused']}")
    broken = [g for g in groups if g["broken"]]
    for g in broken:
        print(f"  BROKEN {g['file']}: {g['description']}: {g['broken']}")
    req_failures = [f for f in failures if f[0]["required"]]
    for g, t, verdict in (failures if args.verbose else req_failures)[:60]:
        print(f"  FAIL {g['file']}: {g['description']}: {t['description']}: {verdict[:600]}")
    summary = {"dialect": args.dialect, "files": per_file,
               "refused": [{"file": g["file"], "group": g["description"], "reason": g["entry"]["refused"]}
                           for g in groups if g["entry"]["refused"]],
               "broken": [{"file": g["file"], "group": g["description"], "reason": g["broken"]}
                          for g in broken]}
    with open(os.path.join(args.build, args.dialect, "report.json"), "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)
    print(f"required files: {total(req, 'passed')} passed, {total(req, 'failed')} failed, "
          f"{total(req, 'refused')} refused (tests in groups the generator refuses)")
    print(f"optional files: {total(opt, 'passed')} passed, {total(opt, 'failed')} failed, "
          f"{total(opt, 'refused')} refused")
    print(f"groups whose generated code does not compile or start: {len(broken)}")
    print(f"suite {args.dialect}: {total(req, 'passed')} passed, {total(req, 'failed')} failed")
    return 1 if req_failures or broken else 0


if __name__ == "__main__":
    sys.exit(main())
