"""`generate.py diff` exit codes and output, and `generate.py --history`: the refusal of a
breaking change that keeps the version, the override stated in the banner, and the
previous version's decoder generated (and compiled) beside the current one."""

import glob
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
# Decodes each stdin line as a version-PREVIOUS body: "OK<TAB>json" or "STATUS<TAB>path<TAB>message".
DRIVER = r"""
#include <stdio.h>
#include <string.h>
#include "events_versions.h"
int main(void)
{
    char line[8192];
    ev_json_init();
    while (fgets(line, sizeof line, stdin) != NULL) {
        cJSON *x = ev_json_parse(line, strlen(line), NULL);
        ev_arena arena;
        ev_arena_init(&arena, 0);
        events_event ev;
        ev_codec_error err;
        memset(&err, 0, sizeof err);
        ev_codec_status s = events_decode_version(EVENTS_VERSION_PREVIOUS, x, &arena, &ev, &err);
        if (s == EV_CODEC_OK) {
            ev_buf b = EV_BUF_INIT;
            events_event_encode(&ev, &b, &err);
            printf("OK\t%s\n", b.data);
            ev_buf_free(&b);
        } else {
            printf("%s\t%s\t%s\n", ev_codec_status_name(s), err.path, err.message);
        }
        ev_arena_free(&arena);
        cJSON_Delete(x);
    }
    return 0;
}
"""
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

    def build_upgrader(self, schema):
        """Generates the schema (bumped) beside the released version, compiles everything with
        the project's flags and links a driver that decodes version-N-1 bodies (stdin lines)."""
        r = self.generate(schema)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = os.path.join(self.tmp, "out")
        driver_c = os.path.join(self.tmp, "driver.c")
        with open(driver_c, "w", encoding="utf-8") as f:
            f.write(DRIVER)
        tc = Toolchain.from_make()
        objs = []
        for src in sorted(glob.glob(os.path.join(out, "*.c"))) + [driver_c]:
            obj = src[:-2] + ".o"
            err = tc.compile(src, obj, out)
            self.assertIsNone(err, err)
            objs.append(obj)
        exe = os.path.join(self.tmp, "upgrade")
        err = tc.link(objs, exe)
        self.assertIsNone(err, err)
        return exe

    def upgrade(self, exe, bodies):
        r = subprocess.run([exe], input="".join(json.dumps(b) + "\n" for b in bodies), capture_output=True,
                           text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        return [line.split("\t") for line in r.stdout.splitlines()]

    @unittest.skipUnless(BUILT, "needs `make build` first")
    def test_upgrade_refuses_what_it_cannot_carry(self):
        """Removed event type, dropped member, removed enum value: the body is refused with the
        member's path, never decoded with the data dropped; integer -> number is carried."""
        s = self.bumped(json.loads(json.dumps(self.schema)))
        s["$defs"]["event_type"]["enum"].remove("humidity")
        s["oneOf"] = [b for b in s["oneOf"] if b["properties"]["type"]["const"] != "humidity"]
        del s["$defs"]["humidity_payload"]
        del s["properties"]["tags"]
        s["$defs"]["pressure_payload"]["properties"]["altitude_m"]["type"] = "number"
        s["$defs"]["temperature_payload"]["properties"]["unit"]["enum"].remove("kelvin")
        s["examples"] = []
        exe = self.build_upgrader(s)
        got = self.upgrade(exe, [
            {"source": "s", "type": "humidity", "payload": {"value": 1}},
            {"source": "s", "type": "temperature", "payload": {"value": 1, "unit": "kelvin"}},
            {"source": "s", "type": "temperature", "payload": {"value": 1, "unit": "celsius"}, "tags": {"a": "b"}},
            {"source": "s", "type": "pressure", "payload": {"value": 1, "unit": "Pa", "altitude_m": 12}},
            {"source": "s", "type": "temperature", "payload": {"value": 1, "unit": "celsius"}},
        ])
        self.assertEqual(got[0], ["mismatch", "/type", 'value "humidity" of version 1 has no counterpart in version 2'])
        self.assertEqual(got[1][:2], ["mismatch", "/payload/unit"])
        self.assertIn('"kelvin"', got[1][2])
        self.assertEqual(got[2][:2], ["mismatch", "/tags"])
        self.assertIn("dropped", got[2][2])
        self.assertEqual(got[3][0], "OK")
        self.assertEqual(json.loads(got[3][1])["payload"]["altitude_m"], 12)
        self.assertEqual(got[4], ["OK", '{"source":"s","type":"temperature","payload":{"value":1,"unit":"celsius"}}'])

    @unittest.skipUnless(BUILT, "needs `make build` first")
    def test_upgrade_refuses_a_new_required_member(self):
        s = self.bumped(json.loads(json.dumps(self.schema)))
        s["properties"]["site"] = {"type": "string"}
        s["required"].append("site")
        s["examples"] = []
        exe = self.build_upgrader(s)
        got = self.upgrade(exe, [{"source": "s", "type": "temperature", "payload": {"value": 1, "unit": "celsius"}}])
        self.assertEqual(got[0][:2], ["mismatch", "/site"])
        self.assertIn("required in version 2", got[0][2])


if __name__ == "__main__":
    unittest.main()
