"""Builds many generated validators into one driver, the way `make validator` compiles one.

Shared by the official-suite runner (tests/suite/run_suite.py) and the
generator's compile tests (tests/codegen/): each schema goes through the
generator into its own translation unit (generated validators have
file-scope static names, so two cannot share one), every unit is compiled
with the Makefile's VALIDATOR_CFLAGS (the project's warnings as errors),
two at a time, and the ones that compile are linked with
tests/suite/suite_driver.c into a single driver that answers for all of
them.

The compiler, flags and libraries come from the Makefile: its recipes put
them in the environment (EV_CC, EV_VALIDATOR_CFLAGS, EV_VALIDATOR_LIBS); run
by hand, the helper asks `make validator-flags`. Paths in them are relative
to the repository root, where every command runs.

A schema the generator refuses is a refusal (its SchemaError); a generated
unit that does not compile, or a validator that cannot start, is a failure.
"""

import concurrent.futures
import json
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "codegen"))

from evgen import emit  # noqa: E402
from evgen.errors import SchemaError  # noqa: E402

DRIVER_SOURCE = os.path.join(HERE, "suite_driver.c")
CANNOT_START = "FAIL the validator cannot start"  # the driver's verdict for a validator whose init fails


class Toolchain:
    """The compiler command line of `make validator`."""

    def __init__(self, cc, cflags, libs):
        self.cc = cc
        self.cflags = cflags
        self.libs = libs

    @classmethod
    def from_make(cls):
        env = os.environ
        if "EV_VALIDATOR_CFLAGS" in env:
            return cls(shlex.split(env.get("EV_CC", "cc")), shlex.split(env["EV_VALIDATOR_CFLAGS"]),
                       shlex.split(env.get("EV_VALIDATOR_LIBS", "")))
        clean = {k: v for k, v in env.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
        r = subprocess.run(["make", "-s", "--no-print-directory", "-C", ROOT, "validator-flags"],
                           capture_output=True, text=True, env=clean)
        if r.returncode != 0:
            raise SystemExit(f"validator_set: `make validator-flags` failed: {r.stderr.strip()}")
        values = dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)
        return cls(shlex.split(values["cc"]), shlex.split(values["cflags"]), shlex.split(values["libs"]))

    def compile(self, src, obj, include):
        """None when `src` compiles into `obj`, else the compiler's message."""
        if os.path.exists(obj) and os.path.getmtime(obj) >= os.path.getmtime(src):
            return None
        r = subprocess.run([*self.cc, f"-I{include}", *self.cflags, "-c", src, "-o", obj],
                           capture_output=True, text=True, cwd=ROOT)
        if r.returncode == 0:
            return None
        if os.path.exists(obj):
            os.remove(obj)
        return (r.stderr.strip() or r.stdout.strip() or f"exit status {r.returncode}")[:4000]

    def link(self, objs, out):
        r = subprocess.run([*self.cc, *objs, *self.libs, "-o", out], capture_output=True, text=True, cwd=ROOT)
        return None if r.returncode == 0 else r.stderr.strip()[:4000]


class ValidatorSet:
    """Generated validators g0, g1, ... in `work`, compiled and linked into one driver."""

    def __init__(self, work, toolchain=None, jobs=2):
        self.work = os.path.abspath(work)
        self.gen = os.path.join(self.work, "gen")
        os.makedirs(self.gen, exist_ok=True)
        self.toolchain = toolchain or Toolchain.from_make()
        self.jobs = jobs
        self.env = emit.environment()
        self.entries = []          # {"prefix", "refused", "error"}

    def add(self, load):
        """Generates one validator; `load()` returns (doc, assert_formats). Returns its index.
        A SchemaError is recorded as a refusal; any other exception is a generator failure."""
        index = len(self.entries)
        entry = {"prefix": f"g{index}", "refused": None, "error": None}
        self.entries.append(entry)
        try:
            doc, assert_formats = load()
            files = emit.render_validator(doc, entry["prefix"], self.env, assert_formats=assert_formats)
        except SchemaError as e:
            entry["refused"] = str(e)
            return index
        except Exception as e:  # noqa: BLE001 - a crash of the generator is a failure of that schema
            entry["error"] = f"the generator failed: {type(e).__name__}: {e}"
            return index
        for name, text in files.items():
            _write_if_changed(os.path.join(self.gen, name), text)
        return index

    def build(self):
        """Compiles every generated unit, then the driver; returns the driver's path (None if it
        cannot be built: the reason is in self.link_error). Units that do not compile get an error."""
        self._forget_objects_of_other_flags()
        todo = [e for e in self.entries if e["refused"] is None and e["error"] is None]
        sources = [os.path.join(self.gen, f"{e['prefix']}_validate.c") for e in todo]
        objs = [os.path.join(self.work, f"{e['prefix']}_validate.o") for e in todo]
        with concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs) as ex:
            results = list(ex.map(lambda so: self.toolchain.compile(so[0], so[1], self.gen), zip(sources, objs)))
        for entry, err in zip(todo, results):
            if err:
                entry["error"] = "generated code does not compile: " + err
        ok = [(e, o) for e, o in zip(todo, objs) if not e["error"]]
        table = os.path.join(self.gen, "suite_table.c")
        _write_if_changed(table, self._table(e for e, _ in ok))
        extra = []
        for src in (table, DRIVER_SOURCE):
            obj = os.path.join(self.work, os.path.basename(src)[:-2] + ".o")
            err = self.toolchain.compile(src, obj, self.gen)
            if err:
                self.link_error = f"{src} does not compile: {err}"
                return None
            extra.append(obj)
        driver = os.path.join(self.work, "driver")
        err = self.toolchain.link([o for _, o in ok] + extra, driver)
        self.link_error = err
        return None if err else driver

    def _forget_objects_of_other_flags(self):
        """Objects are reused only when the command line that made them is the same."""
        stamp = os.path.join(self.work, "flags.stamp")
        tc = self.toolchain
        text = shlex.join([*tc.cc, *tc.cflags, "--", *tc.libs]) + "\n"
        old = open(stamp, encoding="utf-8").read() if os.path.exists(stamp) else None
        if old != text:
            for name in os.listdir(self.work):
                if name.endswith(".o"):
                    os.remove(os.path.join(self.work, name))
            _write_if_changed(stamp, text)

    def _table(self, compiled):
        compiled = {e["prefix"] for e in compiled}
        lines = ['#include "schema/ev_validator.h"', "", "#include <stddef.h>", ""]
        lines += [f"extern const ev_validator {e['prefix']}_validator;" for e in self.entries
                  if e["prefix"] in compiled]
        lines.append("extern const ev_validator *const suite_validators[];")
        lines.append("extern const size_t suite_validator_count;")
        lines.append("const ev_validator *const suite_validators[] = {")
        lines += [f"    {'&' + e['prefix'] + '_validator' if e['prefix'] in compiled else 'NULL'},"
                  for e in self.entries]
        if not self.entries:
            lines.append("    NULL,")
        lines.append("};")
        lines.append(f"const size_t suite_validator_count = {len(self.entries)};")
        return "\n".join(lines) + "\n"

    def run(self, driver, cases):
        """cases: [(index, instance JSON text, expected validity)] of built validators. Returns one
        verdict line per case: `ok`, or `FAIL ...` (which includes a validator that cannot start)."""
        feed = "".join(json.dumps({"g": i, "valid": bool(v)}) + "\t" + text + "\n" for i, text, v in cases)
        r = subprocess.run([driver], input=feed, capture_output=True, text=True)
        if r.returncode not in (0, 1):
            raise RuntimeError(f"driver failed ({r.returncode}): {r.stderr[:3000]}")
        verdicts = r.stdout.splitlines()
        if len(verdicts) != len(cases):
            raise RuntimeError(f"driver answered {len(verdicts)} lines for {len(cases)} cases")
        return verdicts


def _write_if_changed(path, text):
    old = None
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            old = f.read()
    if old != text:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
