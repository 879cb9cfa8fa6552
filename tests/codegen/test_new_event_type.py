"""The schema drives the code: a new event type added the way README describes needs no other edit.

A copy of schema/events.schema.json gets one more event type (a payload
schema under $defs, a value in the discriminator's enum, a branch of the
root oneOf), found from the schema itself rather than from names written
here. Then, in a temporary folder and without touching generated/:

* `make schema-check` generates everything for the copy, builds it and runs
  its conformance test (valid and invalid fixtures of every type);
* `make validator` builds a validator for the copy, and the differential
  test must find valid instances of the new type and agree with jsonschema.
"""

import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA = os.path.join(ROOT, "schema", "events.schema.json")
DIFFERENTIAL = os.path.join(ROOT, "tests", "differential", "run_differential.py")


def pointer(doc, ref):
    node = doc
    for part in ref.lstrip("#").split("/")[1:]:
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def add_event_type(schema):
    """(new schema, type name): one more type, following the schema's own discriminated oneOf."""
    schema = copy.deepcopy(schema)
    branch = schema["oneOf"][0]
    tag = next(p for p, s in branch["properties"].items() if "const" in s)
    slot = next(p for p in branch["properties"] if p != tag)
    enum_holder = schema["properties"][tag]
    while "$ref" in enum_holder:
        enum_holder = pointer(schema, enum_holder["$ref"])
    name = "probe"
    while name in enum_holder["enum"] or f"{name}_payload" in schema["$defs"]:
        name += "x"
    enum_holder["enum"].append(name)
    schema["$defs"][f"{name}_payload"] = {
        "title": f"{name.capitalize()}Payload",
        "description": "A type added by the test.",
        "type": "object",
        "required": ["speed_mps", "direction"],
        "additionalProperties": False,
        "properties": {
            "speed_mps": {"type": "number", "minimum": 0, "maximum": 100},
            "direction": {"title": f"{name.capitalize()}Direction", "type": "string", "enum": ["N", "E", "S", "W"]},
        },
    }
    new_branch = copy.deepcopy(branch)
    new_branch["properties"][tag] = {"const": name}
    new_branch["properties"][slot] = {"$ref": f"#/$defs/{name}_payload"}
    schema["oneOf"].append(new_branch)
    return schema, name


def make(*args):
    return subprocess.run(["make", "-s", "--no-print-directory", "-C", ROOT, *args], capture_output=True,
                          text=True)


@unittest.skipUnless(shutil.which("make") and os.path.exists(os.path.join(ROOT, "build", "lib", "libev_core.a")),
                     "needs `make build` first")
class NewEventType(unittest.TestCase):
    def test_added_type_passes_conformance_and_differential(self):
        with open(SCHEMA, encoding="utf-8") as fh:
            schema, name = add_event_type(json.load(fh))
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "events.schema.json")  # same file name, so the same C prefix
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(schema, fh, indent=2)
            out = os.path.join(tmp, "gen")
            r = make("schema-check", f"SCHEMA={path}", f"OUT={out}")
            self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-3000:])
            self.assertIn("PASSED", r.stdout + r.stderr)
            with open(os.path.join(out, "fixtures", "events.fixtures.json"), encoding="utf-8") as fh:
                fixtures = json.load(fh)
            self.assertIn(name, fixtures["variants"])
            mine = [f for f in fixtures["fixtures"] if f["variant"] == name]
            self.assertTrue(any(f["valid"] for f in mine) and any(not f["valid"] for f in mine))

            r = make("validator", f"SCHEMA={path}", f"OUT={tmp}/v")
            self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-3000:])
            r = subprocess.run([sys.executable, DIFFERENTIAL, "--evcheck", os.path.join(tmp, "v", "validate"),
                                "--schema", path, "--count", "3000"], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-3000:])
            self.assertRegex(r.stdout, rf"type={name}: [1-9][0-9]+ valid instances")


if __name__ == "__main__":
    unittest.main()
