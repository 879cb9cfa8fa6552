#!/usr/bin/env python3
"""End-to-end: the whole pipeline (devserver's API front, the ingestion and
processing bootstraps, fauxqs, dynalite) started by tools/run.sh on free
loopback ports, driven over HTTP and checked in the emulators.

usage: BUILD=build tests/e2e/test_e2e.py [unittest arguments]     (make e2e)
Environment: LOAD_EVENTS (default 10000) and LOAD_CLIENTS (8) for the load
test; E2E_STORE_SECONDS (default 2): how soon an accepted event must be in
the table in the first test (raise it on a slow machine).
Skips, saying so, when devserver or a bootstrap is not built.

The queue's VisibilityTimeout is 180 s in template.yaml (six times the
processing timeout). The poison-message and kill tests shorten it on the
running queue (SetQueueAttributes, 5 s) so a failed receive comes back in
seconds, and put it back afterwards.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stack import ROOT, Stack, exact, invalid_events, missing_programs, plain, valid_events  # noqa: E402

from boto3.dynamodb.types import TypeDeserializer  # noqa: E402

BUILD = os.path.abspath(os.environ.get("BUILD", "build"))
LOAD_EVENTS = int(os.environ.get("LOAD_EVENTS", "10000"))
LOAD_CLIENTS = int(os.environ.get("LOAD_CLIENTS", "8"))
STORE_SECONDS = float(os.environ.get("E2E_STORE_SECONDS", "2"))
SHORT_VISIBILITY = "5"
# The API's throttle (100/s by default) would answer most of the load with
# 429: the end-to-end run lifts it (the throttle has its own devserver test).
DEVSERVER_ARGS = "--parameter-overrides ThrottlingRateLimit=1000000 ThrottlingBurstLimit=1000000"

TD = TypeDeserializer()


def item_plain(item):
    return plain({k: TD.deserialize(v) for k, v in item.items()})


def tag():
    return uuid.uuid4().hex[:10]


class EndToEnd(unittest.TestCase):
    stack = None

    @classmethod
    def setUpClass(cls):
        cls.stack = Stack(BUILD, DEVSERVER_ARGS)
        try:
            cls.stack.start()
        except Exception:
            cls.stack.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        st = cls.stack
        dev = st.devserver_pid()
        pids = [dev] + st.function_pids("-bootstrap") if dev else []
        st.stop()
        left = [p for p in pids if os.path.exists(f"/proc/{p}")]
        assert not left, f"still running after the stack stopped: {left}"

    def assertStoredAs(self, item, event):
        """The stored item holds the event's members as sent (numbers exact)."""
        got = item_plain(item)
        want = plain(exact(event) if isinstance(event, str) else event)
        for k, v in want.items():
            self.assertEqual(got.get(k), v, f"member {k} of the stored item")

    # ---- 0. the stack listens on loopback only -------------------------------------

    def test_0_listens_on_loopback_only(self):
        st = self.stack
        dev = st.devserver_pid()
        self.assertIsNotNone(dev)
        ours = {dev, *st.function_pids("-bootstrap")}
        for port in (st.sqs_port, st.ddb_port):
            out = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True).stdout
            ours.update(int(p) for p in re.findall(r"pid=(\d+)", out))
        listening = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True).stdout.splitlines()
        checked = 0
        for line in listening:
            pids = {int(p) for p in re.findall(r"pid=(\d+)", line)}
            if not pids & ours:
                continue
            local = line.split()[3]
            checked += 1
            self.assertTrue(local.startswith("127.0.0.1:") or local.startswith("[::1]:"),
                            f"a socket of the local stack listens beyond loopback: {line}")
        # API, dashboard, the emulators and a Runtime API port per function instance.
        self.assertGreaterEqual(checked, 4, listening)
        bad = subprocess.run([os.path.join(st.build, "bin", "devserver"), "--host", "0.0.0.0", "--port", "0"],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(bad.returncode, 2, bad.stderr)
        self.assertIn("loopback", bad.stderr)

    # ---- 1. a valid event ----------------------------------------------------------

    def test_1_valid_event_stored_and_read_back(self):
        st = self.stack
        t = tag()
        for n, ev in enumerate(valid_events()[:4]):
            ev = dict(ev, source=f"valid-{t}-{n}")
            text = json.dumps(ev)
            out = subprocess.run(["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "-X", "POST",
                                  "-H", "Content-Type: application/json", "--data-binary", text,
                                  f"http://127.0.0.1:{st.api}/events"], capture_output=True, text=True, timeout=60)
            body, code = out.stdout.rsplit("\n", 1)
            self.assertEqual(code, "202", f"curl POST: {body}")
            event_id = exact(body)["eventId"]
            took = st.wait_items([event_id], timeout=max(STORE_SECONDS, 30))
            self.assertIsNotNone(took, f"{event_id} not stored within 30 s\n{st.log()}")
            self.assertLessEqual(took, STORE_SECONDS, f"{event_id} stored after {took:.2f} s")
            # boto3
            self.assertStoredAs(st.get_item(event_id), text)
            # the project's own client: awsreq (GetItem) and evtail --json
            req = json.dumps({"TableName": st.table, "Key": {"event_id": {"S": event_id}},
                                            "ConsistentRead": True})
            r = subprocess.run([os.path.join(BUILD, "bin", "awsreq"), "--service", "dynamodb", "--target", "GetItem",
                                "-d", req, st.env["AWS_ENDPOINT_URL_DYNAMODB"] + "/"], env=st.env,
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertStoredAs(exact(r.stdout)["Item"], text)
            r = subprocess.run([os.path.join(BUILD, "bin", "evtail"), "--json", "-n", "1000", "--table", st.table],
                               env=st.env, capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            mine = [i for i in exact(r.stdout)["items"] if i.get("event_id") == event_id]
            self.assertEqual(len(mine), 1)
            for k, v in plain(exact(text)).items():
                self.assertEqual(plain(mine[0]).get(k), v, f"evtail: member {k}")
            # the AWS CLI, where installed
            if shutil.which("aws"):
                r = subprocess.run(["aws", "dynamodb", "get-item", "--endpoint-url", st.env["AWS_ENDPOINT_URL_DYNAMODB"],
                                    "--table-name", st.table, "--key", '{"event_id":{"S":"%s"}}' % event_id,
                                    "--output", "json"], env=st.env, capture_output=True, text=True, timeout=120)
                if r.returncode == 0:
                    self.assertStoredAs(exact(r.stdout)["Item"], text)
                else:
                    print(f"aws CLI present but not working ({r.stderr.strip()[:200]}): skipped", file=sys.stderr)

    # ---- 2. refused requests queue nothing --------------------------------------------

    def test_2_refused_requests_queue_nothing(self):
        st = self.stack
        self.assertTrue(st.wait_drained())
        before = st.count()
        t = tag()
        good = dict(valid_events()[0], source=f"refused-{t}")
        cases = [("invalid JSON", b'{"source": "x", "type": ', {}, 400),
                 ("empty body", b"", {}, 400),
                 ("wrong content type", json.dumps(good).encode(), {"Content-Type": "text/plain"}, 415),
                 ("oversize body", ('{"source":"%s","type":"x","payload":{"pad":"%s"}}' % (t, "x" * 300000)).encode(),
                  {}, 413)]
        # The fixtures as generated: changing any member could make one valid.
        for n, inv in enumerate(invalid_events()):
            cases.append((f"schema violation {n}", json.dumps(inv).encode(), {}, 400))
        for name, body, headers, want in cases:
            status, reply, hdrs = st.post(body, headers)
            self.assertEqual(status, want, f"{name}: {str(reply)[:300]}")
            if status != 413 or "problem" in hdrs.get("Content-Type", ""):
                self.assertIn("problem+json", hdrs.get("Content-Type", ""), f"{name}: content type")
        self.assertEqual(st.depth(st.queue_url), 0, "nothing queued by refused requests")
        # A marker behind them: once it is stored and the queue is empty,
        # anything the refused requests had queued would be stored too.
        status, reply, _ = st.post(good)
        self.assertEqual(status, 202, reply)
        self.assertIsNotNone(st.wait_items([reply["eventId"]]))
        self.assertTrue(st.wait_drained())
        self.assertEqual(st.count(), before + 1, "only the marker was stored")
        self.assertEqual(len(st.scan(f"refused-{t}")), 1)

    # ---- 3. a poison message reaches the DLQ and nothing else -----------------------------

    def shorten_visibility(self):
        st = self.stack
        st.sqs.set_queue_attributes(QueueUrl=st.queue_url, Attributes={"VisibilityTimeout": SHORT_VISIBILITY})
        self.addCleanup(st.sqs.set_queue_attributes, QueueUrl=st.queue_url, Attributes={"VisibilityTimeout": "180"})

    def test_3_poison_message_to_dlq(self):
        st = self.stack
        self.shorten_visibility()
        t = tag()
        body = json.dumps(dict(valid_events()[0], source=f"poison-{t}"))
        poison_id = str(uuid.uuid4())
        attrs = {"event_id": {"DataType": "String", "StringValue": poison_id},
                 "event_type": {"DataType": "String", "StringValue": valid_events()[0]["type"]},
                 "schema_version": {"DataType": "Number", "StringValue": "999"},
                 "received_at": {"DataType": "String", "StringValue": "2026-12-02T08:00:00.000Z"}}
        sent = st.sqs.send_message(QueueUrl=st.queue_url, MessageBody=body, MessageAttributes=attrs)
        end = time.monotonic() + 120
        found = []
        while time.monotonic() < end and not found:
            found = [m for m in st.peek(st.dlq_url) if m["Body"] == body]
            time.sleep(0.5)
        self.assertEqual(len(found), 1, f"the poison message is not in the DLQ after 120 s\n{st.log()}")
        self.assertEqual(found[0]["MessageAttributes"]["event_id"]["StringValue"], poison_id)
        self.assertEqual(found[0]["MessageId"], sent["MessageId"])
        self.assertTrue(st.wait_drained(), "the events queue still holds it")
        self.assertIsNone(st.get_item(poison_id), "stored in the table")
        self.assertEqual(st.scan(f"poison-{t}"), [], "stored in the table under another id")

    # ---- 4. idempotency --------------------------------------------------------------------

    def test_4_same_idempotency_key_one_item(self):
        st = self.stack
        t = tag()
        ev = dict(valid_events()[0], source=f"idem-{t}")
        key = f"order-{t}"
        a = st.post(ev, {"Idempotency-Key": key})
        b = st.post(ev, {"Idempotency-Key": key})
        self.assertEqual((a[0], b[0]), (202, 202))
        self.assertEqual(a[1]["eventId"], b[1]["eventId"], "the same key gives the same id")
        self.assertIsNotNone(st.wait_items([a[1]["eventId"]]))
        self.assertTrue(st.wait_drained())
        self.assertEqual(len(st.scan(f"idem-{t}")), 1, "one item")
        self.assertEqual([m for m in st.peek(st.dlq_url) if f"idem-{t}" in m["Body"]], [], "the repeat is not in the DLQ")

    # ---- 5. a function process killed mid-run ------------------------------------------------

    def test_5_killed_function_restarted_nothing_lost(self):
        st = self.stack
        self.shorten_visibility()
        before = st.state()["functions"].get("ProcessingFunction", {}).get("restarts", 0)
        pids = st.function_pids("processing-bootstrap")
        self.assertTrue(pids, "no processing function process found under devserver")
        t = tag()
        events = valid_events()
        ids, errors = [], []

        def load():
            conn = st.connection()
            for n in range(300):
                s, r, _ = st.post(dict(events[n % len(events)], source=f"kill-{t}-{n}"), conn=conn)
                (ids.append(r["eventId"]) if s == 202 else errors.append((s, r)))
            conn.close()

        th = threading.Thread(target=load)
        th.start()
        while len(ids) < 50 and th.is_alive():
            time.sleep(0.01)
        victim = pids[0]
        os.kill(victim, signal.SIGKILL)
        th.join()
        self.assertEqual(errors, [])
        self.assertIsNotNone(st.wait_items(ids, timeout=120), f"events lost after the kill\n{st.log()}")
        self.assertTrue(st.wait_drained())
        stored = st.scan(f"kill-{t}-")
        self.assertEqual(sorted(i["event_id"]["S"] for i in stored), sorted(ids), "exactly the accepted events")
        end = time.monotonic() + 30
        while time.monotonic() < end:
            now = st.function_pids("processing-bootstrap")
            restarts = st.state()["functions"].get("ProcessingFunction", {}).get("restarts", 0)
            if victim not in now and now and restarts > before:
                break
            time.sleep(0.2)
        self.assertNotIn(victim, now)
        self.assertTrue(now, "no processing function process after the kill")
        self.assertGreater(restarts, before, "the restart is not counted in /api/state")
        self.assertEqual([m for m in st.peek(st.dlq_url) if f"kill-{t}-" in m["Body"]], [])

    # ---- 6. load -------------------------------------------------------------------------------

    def test_6_load_every_202_exactly_one_item(self):
        st = self.stack
        t = tag()
        prefix = f"load-{t}-"
        events = valid_events()
        per = [LOAD_EVENTS // LOAD_CLIENTS + (1 if c < LOAD_EVENTS % LOAD_CLIENTS else 0) for c in range(LOAD_CLIENTS)]
        accepted, other = [], []
        lock = threading.Lock()

        def client(c):
            conn = st.connection()
            mine, rest = [], []
            for n in range(per[c]):
                ev = dict(events[(c + n) % len(events)], source=f"{prefix}{c}-{n}")
                try:
                    s, r, _ = st.post(ev, conn=conn)
                except OSError as e:
                    conn.close()
                    conn = st.connection()
                    rest.append(("error", str(e)))
                    continue
                (mine.append(r["eventId"]) if s == 202 else rest.append((s, str(r)[:200])))
            conn.close()
            with lock:
                accepted.extend(mine)
                other.extend(rest)

        started = time.monotonic()
        threads = [threading.Thread(target=client, args=(c,)) for c in range(LOAD_CLIENTS)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        sent_s = time.monotonic() - started
        print(f"\nload: {len(accepted)} accepted, {len(other)} not, in {sent_s:.1f} s "
              f"({len(accepted) / max(sent_s, 1e-9):.0f}/s)", file=sys.stderr)
        self.assertEqual(len(set(accepted)), len(accepted), "an id answered twice")
        self.assertEqual(other, [], "every request of the load is accepted (throttle lifted)")
        end = time.monotonic() + 300
        stored = []
        while time.monotonic() < end:
            if st.depth(st.queue_url) == 0:
                stored = st.scan(prefix)
                if len(stored) >= len(accepted):
                    break
            time.sleep(1)
        ids = [i["event_id"]["S"] for i in stored]
        self.assertEqual(len(ids), len(set(ids)))
        missing = set(accepted) - set(ids)
        extra = set(ids) - set(accepted)
        self.assertEqual(missing, set(), f"{len(missing)} accepted events not stored")
        self.assertEqual(extra, set(), f"{len(extra)} stored events never accepted")
        self.assertEqual([m for m in st.peek(st.dlq_url) if prefix in m["Body"]], [], "load events in the DLQ")


def main():
    # SIGTERM (a timeout, a CI cancel): stop the stack, then exit (unittest
    # would record a SystemExit as one test's error and go on).
    def on_term(*_):
        if EndToEnd.stack is not None:
            EndToEnd.stack.stop()
        os._exit(143)

    signal.signal(signal.SIGTERM, on_term)
    missing = missing_programs(BUILD)
    if missing:
        print(f"e2e: SKIP: not built: {', '.join(os.path.join(BUILD, 'bin', m) for m in missing)} "
              "(devserver and the function bootstraps are needed for the end-to-end tests)")
        return 0
    os.chdir(ROOT)
    prog = unittest.main(argv=sys.argv[:1] + ["-v"] + sys.argv[1:], exit=False)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
