"""The schema's $id and version, as the typed layer exposes them (<PREFIX>_SCHEMA_ID/_VERSION)."""

import unittest

from codegen.evgen.types_emit import schema_identity


class _Doc:
    def __init__(self, raw):
        self.raw = raw


class SchemaIdentityTest(unittest.TestCase):
    def check(self, sid, version):
        literal, got = schema_identity(_Doc({"$id": sid}))
        self.assertEqual(got, version, sid)
        self.assertEqual(literal, f'"{sid}"')

    def test_versions(self):
        self.check("urn:evpipe:schema:events:1", 1)
        self.check("urn:evpipe:schema:events:42", 42)
        self.check("https://example.com/schemas/events/v3", 3)
        self.check("https://example.com/schemas/events/7.json", 7)

    def test_no_version(self):
        self.check("urn:evpipe:schema:events", 0)
        self.check("https://example.com/schemas/events.json", 0)
        self.assertEqual(schema_identity(_Doc({"type": "object"})), (None, 0))
        self.assertEqual(schema_identity(_Doc(True)), (None, 0))


if __name__ == "__main__":
    unittest.main()
