"""Tests of evgen itself: refusals name the schema path, output is deterministic, --check works."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GENERATE = os.path.join(ROOT, "codegen", "generate.py")
SCHEMA = os.path.join(ROOT, "schema", "events.schema.json")


def run(*args):
    return subprocess.run([sys.executable, GENERATE, *args], capture_output=True, text=True)


class Refusals(unittest.TestCase):
    """Each bad schema stops generation (exit 2) with the schema path and the reason."""

    CASES = [
        ({"type": "object", "properties": {"a": {"typo": 1}}}, "#/properties/a/typo", "unknown keyword"),
        ({"items": {"$dynamicRef": "#x"}}, "#/items/$dynamicRef", "dynamic references"),
        ({"unevaluatedProperties": False}, "#/unevaluatedProperties", "not supported"),
        ({"$ref": "https://example.invalid/other.json"}, "#/$ref", "remote reference"),
        ({"$ref": "#/$defs/missing"}, "#/$ref", "points to nothing"),
        ({"$defs": {"a": {"$ref": "#/$defs/nope"}}}, "#/$defs/a/$ref", "points to nothing"),
        ({"minLength": -1}, "#/minLength", "non-negative integer"),
        ({"minLength": "3"}, "#/minLength", "non-negative integer"),
        ({"type": "strng"}, "#/type", "type must be one of"),
        ({"format": "duration"}, "#/format", "not supported"),
        # draft-07 defines no uuid: an unknown format there, refused like every unknown format
        ({"$schema": "http://json-schema.org/draft-07/schema#", "format": "uuid"}, "#/format",
         "not defined by draft7"),
        ({"format": "no-such-format"}, "#/format", "unknown formats are refused"),
        ({"maximum": 9007199254740993}, "#/maximum", "cannot be represented exactly"),
        ({"multipleOf": 0}, "#/multipleOf", "greater than 0"),
        ({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"allOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"},
         "#/$defs/b/allOf/0", "reference cycle"),
        ({"required": ["a", "a"]}, "#/required", "twice"),
        ({"enum": ["a\u0000b"]}, "#/enum/0", "U+0000"),
        ({"$schema": "http://json-schema.org/draft-04/schema#"}, "#/$schema", "unsupported dialect"),
        ({"properties": []}, "#/properties", "object of schemas"),
        ({"allOf": []}, "#/allOf", "non-empty array"),
        ({"properties": {"a": 5}}, "#/properties/a", "must be an object or a boolean"),
        # a schema reached only through a $ref into an unknown keyword is checked too
        ({"$ref": "#/foo/a", "foo": {"a": {"$ref": "#/foo/b"}, "b": {"maxLenght": 3}}}, "#/foo/b/maxLenght",
         "unknown keyword"),
        ({"const": {"a": 9007199254740993}}, "#/const/a", "cannot be represented exactly"),
        ('{"enum": [[1e400]]}', "#/enum/0/0", "cannot be represented exactly"),
        ('{"minimum": NaN}', "#:", "not valid JSON"),
        ({"minLength": 3000000000}, "#/minLength", "too large"),
    ]

    def test_refusals(self):
        with tempfile.TemporaryDirectory() as tmp:
            for schema, path, reason in self.CASES:
                with self.subTest(schema=schema):
                    f = os.path.join(tmp, "s.json")
                    with open(f, "w") as fh:
                        fh.write(schema if isinstance(schema, str) else json.dumps(schema))
                    r = run("--schema", f, "--out", os.path.join(tmp, "out"), "--validator-only")
                    self.assertEqual(r.returncode, 2, r.stderr)
                    self.assertIn(path if path.endswith(":") else path + ":", r.stderr)
                    self.assertIn(reason, r.stderr)
                    self.assertFalse(os.path.exists(os.path.join(tmp, "out", "s_validate.c")))

    def test_duplicate_member_in_schema(self):
        with tempfile.TemporaryDirectory() as tmp:
            f = os.path.join(tmp, "s.json")
            with open(f, "w") as fh:
                fh.write('{"type": "object", "type": "string"}')
            r = run("--schema", f, "--out", tmp, "--validator-only")
            self.assertEqual(r.returncode, 2)
            self.assertIn("duplicate member name 'type'", r.stderr)

    def test_ref_into_unknown_keyword_is_a_definition(self):
        with tempfile.TemporaryDirectory() as tmp:
            f = os.path.join(tmp, "s.json")
            for schema in ({"things": {"a": {"type": "integer"}}, "$ref": "#/things/a"},
                           {"$ref": "#/foo", "foo": {"$ref": "#/bar"}, "bar": {"type": "string"}}):
                with open(f, "w") as fh:
                    json.dump(schema, fh)
                r = run("--schema", f, "--out", tmp, "--validator-only")
                self.assertEqual(r.returncode, 0, r.stderr)


class Output(unittest.TestCase):
    def test_deterministic_and_check(self):
        with tempfile.TemporaryDirectory() as tmp:
            a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
            for out in (a, b):
                r = run("--schema", SCHEMA, "--out", out)
                self.assertEqual(r.returncode, 0, r.stderr)
            for dirpath, _, names in os.walk(a):
                for name in names:
                    pa = os.path.join(dirpath, name)
                    pb = os.path.join(b, os.path.relpath(pa, a))
                    with open(pa, "rb") as x, open(pb, "rb") as y:
                        self.assertEqual(x.read(), y.read(), pa)
            self.assertEqual(run("--schema", SCHEMA, "--out", a, "--check").returncode, 0)
            victim = os.path.join(a, "events_validate.c")
            with open(victim, "a") as fh:
                fh.write("/* hand edit */\n")
            r = run("--schema", SCHEMA, "--out", a, "--check")
            self.assertEqual(r.returncode, 1)
            self.assertIn("events_validate.c", r.stderr)
            os.remove(victim)
            self.assertEqual(run("--schema", SCHEMA, "--out", a, "--check").returncode, 1)
            self.assertEqual(run("--schema", SCHEMA, "--out", a).returncode, 0)
            self.assertEqual(run("--schema", SCHEMA, "--out", a, "--check").returncode, 0)

    def test_banner_and_version_lock(self):
        with tempfile.TemporaryDirectory() as tmp:
            self.assertEqual(run("--schema", SCHEMA, "--out", tmp, "--validator-only").returncode, 0)
            with open(os.path.join(tmp, "events_validate.c")) as fh:
                text = fh.read()
            self.assertTrue(text.startswith("/* Generated by evgen"))
            self.assertIn("sha256", text.splitlines()[0])
            self.assertIn("#if EV_RUNTIME_VERSION != 1", text)


class ApiGatewayModel(unittest.TestCase):
    """The draft-04 model is a valid draft-04 schema and never rejects an event the full schema accepts."""

    def test_model(self):
        import jsonschema  # noqa: PLC0415 (test-only dependency)
        with tempfile.TemporaryDirectory() as tmp:
            self.assertEqual(run("--schema", SCHEMA, "--out", tmp).returncode, 0)
            with open(os.path.join(tmp, "apigw", "events.model.json")) as fh:
                model = json.load(fh)
            fixtures = os.path.join(tmp, "fixtures", "events.fixtures.json")
            with open(fixtures) as fh:
                data = json.load(fh)
        self.assertEqual(model["$schema"], "http://json-schema.org/draft-04/schema#")
        jsonschema.Draft4Validator.check_schema(model)
        self.assertNotIn("$defs", model)
        self.assertNotIn('"#/$defs/', json.dumps(model))
        self.assertIn("propertyNames", model["description"])  # dropped keywords are named
        v = jsonschema.Draft4Validator(model)
        valid = [f for f in data["fixtures"] if f["valid"]]
        self.assertGreater(len(valid), 5)
        for f in valid:
            self.assertTrue(v.is_valid(f["instance"]), f)


@unittest.skipUnless(shutil.which("make") and os.path.exists(os.path.join(ROOT, "build", "lib", "libev_core.a")),
                     "needs `make build` first")
class OtherSchema(unittest.TestCase):
    def check(self, schema, verdicts):
        """Builds a validator for `schema` with make validator; each (document, valid?) must hold."""
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "s.schema.json")
            with open(path, "w") as fh:
                fh.write(schema if isinstance(schema, str) else json.dumps(schema))
            out = os.path.join(tmp, "v")
            r = subprocess.run(["make", "-s", "-C", ROOT, "validator", f"SCHEMA={path}", f"OUT={out}"],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            docs = "".join(d + "\n" for d, _ in verdicts)
            p = subprocess.run([os.path.join(out, "validate")], input=docs, capture_output=True, text=True)
            got = [line.split("\t")[0] == "valid" for line in p.stdout.splitlines()]
            self.assertEqual(got, [v for _, v in verdicts], p.stdout)

    def test_draft7_ref_hides_const_in_oneof_branch(self):
        # The $ref hides the const, so branch 0 accepts any kind: oneOf is not a discriminated union.
        self.check({"$schema": "http://json-schema.org/draft-07/schema#", "definitions": {"any": {}},
                    "type": "object", "required": ["kind"],
                    "oneOf": [{"properties": {"kind": {"$ref": "#/definitions/any", "const": "a"}}},
                              {"properties": {"kind": {"const": "b"}}, "required": ["kind"]}]},
                   [('{"kind": "b"}', False), ('{"kind": "zzz"}', True), ('{"kind": "a"}', True)])

    def test_multiple_of_with_many_digits_is_not_a_power_of_ten(self):
        self.check('{"multipleOf": 10000000000000000000000000000001}',
                   [("1e31", False), ("10000000000000000000000000000001", False), ("0", True)])

    def test_pcre_only_pattern_fails_the_build(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "p.schema.json")
            with open(path, "w") as fh:
                json.dump({"pattern": "a\\Z"}, fh)
            r = subprocess.run(["make", "-s", "-C", ROOT, "validator", f"SCHEMA={path}", f"OUT={tmp}/v"],
                               capture_output=True, text=True)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("ECMA-262", r.stdout + r.stderr)

    def test_make_validator(self):
        with tempfile.TemporaryDirectory() as tmp:
            schema = os.path.join(tmp, "point.schema.json")
            with open(schema, "w") as fh:
                json.dump({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
                           "required": ["x"], "properties": {"x": {"type": "integer", "minimum": 0}},
                           "dependencies": {"y": ["x"]}}, fh)
            out = os.path.join(tmp, "v")
            r = subprocess.run(["make", "-s", "-C", ROOT, "validator", f"SCHEMA={schema}", f"OUT={out}"],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            p = subprocess.run([os.path.join(out, "validate")], input='{"x": 1}\n{"x": -1}\nnot json\n',
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 1)
            lines = p.stdout.splitlines()
            self.assertEqual(lines[0], "valid")
            self.assertTrue(lines[1].startswith("invalid\t"))
            self.assertEqual(json.loads(lines[1].split("\t", 1)[1])[0]["keyword"], "minimum")
            self.assertEqual(json.loads(lines[2].split("\t", 1)[1])[0]["keyword"], "json")


if __name__ == "__main__":
    unittest.main()
