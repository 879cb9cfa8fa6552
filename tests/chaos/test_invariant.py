"""The invariant checker itself: it must see every kind of violation."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from invariant import Sent, check, summary_line  # noqa: E402


def item(nonce, event_id):
    return {"event_id": {"S": event_id}, "tags": {"M": {"chaos_nonce": {"S": nonce}}}}


def body(nonce):
    return '{"source":"s","tags":{"chaos_nonce":"%s"}}' % nonce


class Invariant(unittest.TestCase):
    def test_clean_run(self):
        recs = [Sent("a", "valid", 202, "id-a"), Sent("b", "valid", 202, "id-b"), Sent("c", "invalid", 400),
                Sent("d", "valid", 503)]
        v = check(recs, [item("a", "id-a")], [body("b")])
        self.assertTrue(v.ok(), v.problems)
        self.assertEqual((v.accepted, v.rejected, v.unavailable, v.in_dlq), (2, 1, 1, 1))

    def test_lost(self):
        v = check([Sent("a", "valid", 202, "id-a")], [], [])
        self.assertEqual(v.lost, 1)
        self.assertFalse(v.ok())

    def test_duplicated(self):
        v = check([Sent("a", "valid", 202, "id-a")], [item("a", "id-a"), item("a", "id-x")], [])
        self.assertEqual(v.duplicated, 1)
        self.assertFalse(v.ok())

    def test_stored_under_another_id(self):
        v = check([Sent("a", "valid", 202, "id-a")], [item("a", "id-x")], [])
        self.assertFalse(v.ok())

    def test_refused_but_stored(self):
        v = check([Sent("c", "invalid", 400)], [item("c", "id-c")], [])
        self.assertEqual(v.rejected_stored, 1)
        self.assertFalse(v.ok())
        v = check([Sent("c", "invalid", 400)], [], [body("c")])
        self.assertFalse(v.ok())

    def test_unavailable_may_be_stored(self):
        v = check([Sent("d", "valid", 503)], [item("d", "id-d")], [])
        self.assertTrue(v.ok())
        self.assertEqual(v.unavailable_stored, 1)

    def test_summary_line(self):
        v = check([Sent("a", "valid", 202, "id-a")], [item("a", "id-a")], [])
        line = summary_line(v, {"sqs_drop": 2, "dynamodb_restart": 1, "none": 0})
        self.assertEqual(line, "events sent 1, accepted 1, faults injected 3 (dynamodb_restart 1, sqs_drop 2), "
                               "lost 0, duplicated 0")


if __name__ == "__main__":
    unittest.main()
