"""Every schema the generator accepts compiles the way users build it, and means what it says.

The generated C is compiled with the Makefile's VALIDATOR_CFLAGS (the
project's warnings as errors, see tests/suite/validator_set.py), never with
warnings silenced:

* Regressions: schemas whose constant parts once left a parameter or a
  comparison unused (`{"not": true}`, `{"enum": []}`, a `$ref` to `false`,
  `{"minLength": 0}`, ...) compile, and their verdicts are right.
* Property: a broad, seeded set of small schemas (tests/codegen/small_schemas.py)
  all compile, and the compiled validators agree with Python jsonschema on a
  fixed set of instances.
"""

import decimal
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "codegen"))
sys.path.insert(0, os.path.join(ROOT, "tests", "suite"))
sys.path.insert(0, HERE)

import small_schemas  # noqa: E402
from evgen import loader  # noqa: E402
from validator_set import ValidatorSet  # noqa: E402

BUILT = os.path.exists(os.path.join(ROOT, "build", "lib", "libev_core.a"))

# (schema, [(instance, valid?)]): each once failed to compile with -Werror.
REGRESSIONS = [
    ({"not": True}, [("1", False), ('"a"', False)]),
    ({"not": False}, [("1", True)]),
    ({"allOf": [False]}, [("{}", False), ("null", False)]),
    ({"allOf": [True]}, [("{}", True)]),
    ({"anyOf": [True]}, [("[]", True)]),
    ({"anyOf": [False]}, [("[]", False)]),
    ({"oneOf": [True, True]}, [("0", False)]),
    ({"oneOf": [False, True]}, [("0", True)]),
    ({"enum": []}, [("null", False), ("0", False)]),
    ({"$defs": {"t": True}, "$ref": "#/$defs/t"}, [("5", True)]),
    ({"$defs": {"f": False}, "$ref": "#/$defs/f"}, [("5", False)]),
    ({"dependentRequired": {"a": []}}, [('{"a": 1}', True), ("{}", True)]),
    ({"$schema": small_schemas.DRAFT7_URI, "dependencies": {"a": []}}, [('{"a": 1}', True)]),
    ({"if": False, "then": False}, [("1", True)]),
    ({"if": True, "then": False}, [("1", False)]),
    ({"minLength": 0}, [('""', True), ("1", True)]),
    ({"minItems": 0}, [("[]", True)]),
    ({"minProperties": 0}, [("{}", True)]),
    ({"contains": False, "minContains": 0}, [("[1]", True)]),
]

# Instances every small schema is tried on (no trailing newlines: `$` differs between ECMA-262 and Python).
INSTANCES = ["null", "true", "false", "0", "-1", "1.5", "2.0", "1e300", '""', '"a"', '"abc"', '"\u00e9"',
             '"2026-11-28"', "[]", "[1]", "[1, 1]", '["a", 2, null]', "[[1], {}]", "{}", '{"a": 1}',
             '{"a": "x", "b": null}', '{"b": []}', '{"self": {"self": {}}}', '{"p0": 1, "p69": 2}', '{"k": "a"}',
             '{"k": "b"}', '{"k": "c"}', '{"aa": 1, "ab": "x"}']


def jsonschema_verdicts(schema_text):
    """Python jsonschema's verdict on each instance, numbers read exactly and 1.0 an integer."""
    import jsonschema  # noqa: PLC0415 (test-only dependency)
    schema = json.loads(schema_text, parse_float=Decimal)
    base = jsonschema.Draft7Validator if schema.get("$schema") == small_schemas.DRAFT7_URI \
        else jsonschema.Draft202012Validator

    def is_integer(_, x):
        if isinstance(x, bool):
            return False
        return isinstance(x, int) or (isinstance(x, Decimal) and x.is_finite() and x == x.to_integral_value())

    validator = jsonschema.validators.extend(base, type_checker=base.TYPE_CHECKER.redefine("integer", is_integer))
    v = validator(schema)
    with decimal.localcontext() as ctx:
        ctx.prec = 1000
        return [v.is_valid(json.loads(i, parse_float=Decimal)) for i in INSTANCES]


@unittest.skipUnless(BUILT, "needs `make build` first")
class CompileWithWarningsAsErrors(unittest.TestCase):
    def build(self, work, schemas):
        vset = ValidatorSet(work)
        for text in schemas:
            vset.add(lambda t=text: (loader.load_value(loader.parse_json_exact(t, "#"), "s"), True))
        driver = vset.build()
        self.assertIsNotNone(driver, getattr(vset, "link_error", None))
        for text, entry in zip(schemas, vset.entries):
            self.assertIsNone(entry["refused"], text)
            self.assertIsNone(entry["error"], text)
        return vset, driver

    def test_regressions(self):
        with tempfile.TemporaryDirectory() as tmp:
            vset, driver = self.build(tmp, [json.dumps(s) for s, _ in REGRESSIONS])
            cases = [(i, inst, valid) for i, (_, verdicts) in enumerate(REGRESSIONS) for inst, valid in verdicts]
            got = vset.run(driver, cases)
            for (i, inst, valid), verdict in zip(cases, got):
                self.assertEqual(verdict, "ok", f"{json.dumps(REGRESSIONS[i][0])} on {inst}: {verdict}")

    def test_small_schemas_compile_and_agree_with_jsonschema(self):
        schemas = small_schemas.schemas()
        with tempfile.TemporaryDirectory() as tmp:
            vset, driver = self.build(tmp, [text for _, text in schemas])
            cases = []
            for i, (_, text) in enumerate(schemas):
                if '"format"' in text:  # format checkers differ between implementations
                    continue
                cases += [(i, inst, valid) for inst, valid in zip(INSTANCES, jsonschema_verdicts(text))]
            got = vset.run(driver, cases)
            bad = [f"{schemas[i][1]} on {inst}: {verdict}" for (i, inst, _), verdict in zip(cases, got)
                   if verdict != "ok"]
            self.assertEqual(bad, [], f"{len(bad)} of {len(cases)} verdicts differ from jsonschema")
            self.assertGreater(len(cases), 5000)

    @unittest.skipUnless(shutil.which("make"), "needs make")
    def test_make_validator_builds_a_constant_schema(self):
        """The user's path end to end: `make validator` on a schema that folds to a constant."""
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "c.schema.json")
            with open(path, "w") as fh:
                json.dump({"not": True}, fh)
            r = subprocess.run(["make", "-s", "-C", ROOT, "validator", f"SCHEMA={path}", f"OUT={tmp}/v"],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            p = subprocess.run([os.path.join(tmp, "v", "validate")], input="1\n", capture_output=True, text=True)
            self.assertEqual(p.returncode, 1)
            self.assertEqual(json.loads(p.stdout.split("\t", 1)[1])[0]["keyword"], "not")


if __name__ == "__main__":
    unittest.main()
