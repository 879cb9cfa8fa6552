"""`generate.py diff` exit codes and output, and `generate.py --history`: the refusal of a
breaking change that keeps the version, the override stated in the banner, and the
previous version's decoder generated (and compiled) beside the current one."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "suite"))

from validator_set import Toolchain  # noqa: E402

GENERATE = os.path.join(ROOT, "codegen", "generate.py")
HISTORY = os.path.join(ROOT, "schema", "history")
BUILT = os.path.exists(os.path.join(ROOT, "build", "lib", "libev_core.a"))


def oldest_release():
    names = sorted(n for n in os.listdir(HISTORY) if n.startswith("events.v"))
    return os.path.join(HISTORY, names[0]), int(names[0].split(".")[1][1:])


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, GENERATE, *args], capture_output=True, text=True, cwd=cwd)


class DiffCommand(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.old, self.version = oldest_release()
        with open(self.old, encoding="utf-8") as f:
            self.schema = json.load(f)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def write(self, name, schema):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(schema, f, indent=1)
        return path

    def tightened(self):
        s = json.loads(json.dumps(self.schema))
        value = s["$defs"]["temperature_payload"]["properties"]["value"]
        value["maximum"] = value["maximum"] - 1
        return s

    def test_exit_codes(self):
        self.assertEqual(run("diff", self.old, self.old).returncode, 0)
        r = run("diff", self.old, self.write("t.json", self.tightened()))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("BREAKS PRODUCERS: upper bound tightened", r.stdout)
        self.assertIn("#/$defs/temperature_payload/properties/value/maximum", r.stdout)
        self.assertEqual(run("diff", os.path.join(self.tmp, "missing.json"), self.old).returncode, 2)
        self.assertEqual(run("diff").returncode, 2)
        self.assertEqual(run("diff", "--format", "yaml", self.old, self.old).returncode, 2)
        self.assertEqual(run("diff", self.old, self.write("bad.json", {"frobnicate": 5})).returncode, 2)

    def test_json_report(self):
        r = run("diff", "--format", "json", self.old, self.write("t.json", self.tightened()))
        report = json.loads(r.stdout)
        self.assertEqual(report["verdict"], "breaking")
        self.assertEqual(report["breaks"], ["producers"])
        (f,) = report["findings"]
        self.assertEqual(f["kind"], "upper bound tightened")
        self.assertEqual(f["old"], f["new"])
        self.assertFalse(report["version_bumped"])

    def test_require_bump(self):
        s = self.tightened()
        self.assertEqual(run("diff", "--require-bump", self.old, self.write("t.json", s)).returncode, 1)
        s["$id"] = s["$id"].rsplit(":", 1)[0] + f":{self.version + 1}"
        r = run("diff", "--require-bump", self.old, self.write("b.json", s))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("consumers first", r.stderr)

    def test_base_without_history_is_skipped_clearly(self):
        repo = os.path.join(self.tmp, "repo")
        os.makedirs(os.path.join(repo, "schema"))
        shutil.copy(self.old, os.path.join(repo, "schema", "events.schema.json"))
        git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
        subprocess.run(git + ["init", "-q"], cwd=repo, check=True)
        subprocess.run(git + ["add", "-A"], cwd=repo, check=True)
        subprocess.run(git + ["commit", "-qm", "one"], cwd=repo, check=True)
        r = run("diff", "--base", "@ci", "--require-bump", "schema/events.schema.json", cwd=repo)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("skipped: cannot find the base", r.stderr)
        self.assertIn("first commit has no parent", r.stderr)


class GenerateWithHistory(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.old, self.version = oldest_release()
        self.hist = os.path.join(self.tmp, "history")
        os.makedirs(self.hist)
        shutil.copy(self.old, self.hist)
        with open(self.old, encoding="utf-8") as f:
            self.schema = json.load(f)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def generate(self, schema, *extra):
        path = os.path.join(self.tmp, "events.schema.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(schema, f, indent=1)
        return run("--schema", path, "--out", os.path.join(self.tmp, "out"), "--history", self.hist, *extra)

    def bumped(self, s):
        s["$id"] = s["$id"].rsplit(":", 1)[0] + f":{self.version + 1}"
        return s

    def test_breaking_change_keeping_the_version_is_refused(self):
        s = json.loads(json.dumps(self.schema))
        s["required"].append("timestamp")
        r = self.generate(s)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn(f"keeps version {self.version}", r.stderr)
        self.assertIn("new required member", r.stderr)
        self.assertIn("ALLOW_BREAKING=1", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "out", "events_types.h")))
        r = self.generate(s, "--allow-breaking")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.tmp, "out", "events_types.h"), encoding="utf-8") as f:
            self.assertIn("Generated with --allow-breaking", f.read())

    def test_compatible_change_keeping_the_version_is_accepted(self):
        s = json.loads(json.dumps(self.schema))
        s["description"] = "Changed words only."
        r = self.generate(s)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.tmp, "out", "events_types.h"), encoding="utf-8") as f:
            self.assertNotIn("allow-breaking", f.read())

    def test_version_going_backwards_is_refused(self):
        later = json.loads(json.dumps(self.schema))
        later["$id"] = later["$id"].rsplit(":", 1)[0] + f":{self.version + 5}"
        with open(os.path.join(self.hist, f"events.v{self.version + 5}.schema.json"), "w", encoding="utf-8") as f:
            json.dump(later, f)
        r = self.generate(json.loads(json.dumps(self.schema)))
        self.assertEqual(r.returncode, 2)
        self.assertIn("versions only go up", r.stderr)
        s = json.loads(json.dumps(self.schema))
        s["$id"] = "urn:evpipe:schema:events"
        r = self.generate(s)
        self.assertEqual(r.returncode, 2)
        self.assertIn("carries no version", r.stderr)

    @unittest.skipUnless(BUILT, "needs `make build` first")
    def test_upgrade_rules_that_refuse_compile(self):
        """A bumped version with changes the upgrade must refuse (removed event type, dropped
        member, new required member, integer -> number, enum value removed) generates code
        that compiles with the project's warnings as errors."""
        s = self.bumped(json.loads(json.dumps(self.schema)))
        s["$defs"]["event_type"]["enum"].remove("humidity")
        s["oneOf"] = [b for b in s["oneOf"] if b["properties"]["type"]["const"] != "humidity"]
        del s["$defs"]["humidity_payload"]
        del s["properties"]["tags"]
        s["properties"]["site"] = {"type": "string"}
        s["required"].append("site")
        s["$defs"]["pressure_payload"]["properties"]["altitude_m"]["type"] = "number"
        s["$defs"]["temperature_payload"]["properties"]["unit"]["enum"].remove("kelvin")
        s["examples"] = []
        r = self.generate(s)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = os.path.join(self.tmp, "out")
        with open(os.path.join(out, "events_versions.c"), encoding="utf-8") as f:
            text = f.read()
        for needle in ("humidity of version", "version 2 dropped", "required in version 2", "(double)(",
                       "has no counterpart in version 2"):
            self.assertIn(needle, text)
        tc = Toolchain.from_make()
        for name in ("events_versions.c", f"events_v{self.version}_codec.c", f"events_v{self.version}_ddb.c",
                     f"events_v{self.version}_validate.c", "events_codec.c"):
            err = tc.compile(os.path.join(out, name), os.path.join(self.tmp, name + ".o"), out)
            self.assertIsNone(err, err)


if __name__ == "__main__":
    unittest.main()
