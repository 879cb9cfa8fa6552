#!/usr/bin/env python3
"""build/bin/evtail against the emulators: dynalite and fauxqs on free
loopback ports (stopped by PID), a table and a queue pair made with boto3,
items put with boto3, messages in the dead-letter queue; then evtail --json
and its text view are checked: newest first, the limit, numbers exact, the
dead-letter messages still there after the peek, no control characters
reaching the terminal, and the table/queue found without flags.

usage: tests/localstack/test_evtail.py [BUILD_DIR]
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import boto3

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from stack import free_ports  # noqa: E402
NAME = "test_evtail"


def wait_port(port, proc, name):
    for _ in range(600):
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited during start-up (exit {proc.returncode})")
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not listen on {port}")


def start_emulators(work):
    ddb_port, sqs_port = free_ports(2)
    loop = os.path.join(ROOT, "tools", "loopback.cjs")
    procs = []
    log = open(os.path.join(work, "emulators.log"), "w")
    procs.append(subprocess.Popen(["node", "--require", loop, "node_modules/dynalite/cli.js", "--host", "127.0.0.1",
                                   "--port", str(ddb_port)], cwd=ROOT, stdout=log, stderr=log))
    env = dict(os.environ, FAUXQS_PORT=str(sqs_port), FAUXQS_HOST="127.0.0.1", FAUXQS_LOGGER="false")
    procs.append(subprocess.Popen(["node", "--require", loop, "node_modules/fauxqs/dist/cli.js"], cwd=ROOT, env=env,
                                  stdout=log, stderr=log))
    return procs, ddb_port, sqs_port


def main():
    # SIGTERM (a timeout, a CI cancel) unwinds like Ctrl-C, so what was started is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BUILD", "build"))
    evtail = os.path.join(build, "bin", "evtail")
    failures = []

    def check(cond, what):
        print(f"{NAME}: {'ok' if cond else 'FAIL'}: {what}")
        if not cond:
            failures.append(what)

    work = tempfile.mkdtemp(prefix="evpipe-evtail-")
    procs, ddb_port, sqs_port = start_emulators(work)
    try:
        try:
            wait_port(ddb_port, procs[0], "dynalite")
            wait_port(sqs_port, procs[1], "fauxqs")
        except RuntimeError:
            with open(os.path.join(work, "emulators.log")) as f:
                print(f.read()[-3000:], file=sys.stderr)
            raise
        env = dict(os.environ, AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_REGION="us-east-1",
                   AWS_ENDPOINT_URL_DYNAMODB=f"http://127.0.0.1:{ddb_port}",
                   AWS_ENDPOINT_URL_SQS=f"http://127.0.0.1:{sqs_port}")
        for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
            env.pop(k, None)
        kw = dict(region_name="us-east-1", aws_access_key_id="local", aws_secret_access_key="local")
        ddb = boto3.client("dynamodb", endpoint_url=env["AWS_ENDPOINT_URL_DYNAMODB"], **kw)
        sqs = boto3.client("sqs", endpoint_url=env["AWS_ENDPOINT_URL_SQS"], **kw)
        ddb.create_table(TableName="events-local", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "event_id", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "event_id", "KeyType": "HASH"}])
        ddb.get_waiter("table_exists").wait(TableName="events-local", WaiterConfig={"Delay": 0.2})
        sqs.create_queue(QueueName="events")
        dlq_url = sqs.create_queue(QueueName="events-dead-letter")["QueueUrl"]

        exact = "22.500000000000000000000000000000000001"
        n_items = 30
        for i in range(n_items):
            item = {"event_id": {"S": f"id-{i:03d}"}, "received_at": {"S": f"2026-12-02T08:{i // 60:02d}:{i % 60:02d}.000Z"},
                    "event_type": {"S": "temperature"}, "source": {"S": f"sensor-{i}"},
                    "payload": {"M": {"value": {"N": exact if i == n_items - 1 else str(i)}, "unit": {"S": "celsius"},
                                      "ok": {"BOOL": True}, "none": {"NULL": True},
                                      "list": {"L": [{"N": "1"}, {"S": "x"}]}}}}
            ddb.put_item(TableName="events-local", Item=item)
        ddb.put_item(TableName="events-local", Item={"event_id": {"S": "evil"},
                                                     "received_at": {"S": "2026-12-02T07:00:00.000Z"},
                                                     "source": {"S": "a\x1b[31mred\x07"}})
        for i in range(3):
            sqs.send_message(QueueUrl=dlq_url, MessageBody=json.dumps({"poison": i}),
                             MessageAttributes={"event_id": {"DataType": "String", "StringValue": f"p{i}"}})

        out = subprocess.run([evtail, "--json", "-n", "5"], env=env, capture_output=True, text=True, timeout=60)
        check(out.returncode == 0, f"evtail --json exits 0 (got {out.returncode}: {out.stderr.strip()})")
        doc = json.loads(out.stdout) if out.returncode == 0 else {}
        items = doc.get("items", [])
        check(doc.get("table") == "events-local", "the only table is found without --table")
        check(doc.get("scanned") == n_items + 1, f"every item scanned ({doc.get('scanned')})")
        check([it["event_id"] for it in items] == [f"id-{i:03d}" for i in range(n_items - 1, n_items - 6, -1)],
              "the 5 newest, newest first")
        check(f'"value":{exact}' in out.stdout, "a 38-digit number is printed exactly, as a number")
        check(items and items[0]["payload"]["ok"] is True and items[0]["payload"]["none"] is None
              and items[0]["payload"]["list"] == [1, "x"], "BOOL, NULL and L unmarshalled")
        dlq = doc.get("dlq") or {}
        check(dlq.get("url") == dlq_url, "the dead-letter queue is found by its name")
        bodies = sorted(m["body"] for m in dlq.get("messages", []))
        check(bodies == sorted(json.dumps({"poison": i}) for i in range(3)), f"3 dead-letter messages peeked ({bodies})")
        check(all(m["messageAttributes"].get("event_id", {}).get("stringValue", "").startswith("p")
                  for m in dlq.get("messages", [])), "message attributes shown")
        again = subprocess.run([evtail, "--json", "-n", "5"], env=env, capture_output=True, text=True, timeout=60)
        got = json.loads(again.stdout)["dlq"]["messages"] if again.returncode == 0 else []
        check(sorted(m["body"] for m in got) == bodies, "the peek left the messages receivable (a second peek sees them)")

        out = subprocess.run([evtail, "-n", "40", "--table", "events-local", "--dlq-url", dlq_url], env=env,
                             capture_output=True, text=True, timeout=60)
        check(out.returncode == 0, "evtail (text) exits 0")
        check("\x1b" not in out.stdout and "\x07" not in out.stdout, "no control characters reach the terminal")
        check("a?[31mred?" in out.stdout, "control characters shown as '?'")
        lines = [ln for ln in out.stdout.splitlines() if ln.startswith("2026-")]
        check(len(lines) == n_items + 1 and lines[0].startswith("2026-12-02T08:00:29"),
              "text view: every item, newest first")
        check("3 message(s) peeked" in out.stdout, "text view: dead-letter messages")

        out = subprocess.run([evtail, "--table", "nope"], env=env, capture_output=True, text=True, timeout=60)
        check(out.returncode == 1 and "ResourceNotFoundException" in out.stderr,
              f"a missing table: exit 1 with the service's error ({out.stderr.strip()[:200]})")
        out = subprocess.run([evtail, "-n", "0"], env=env, capture_output=True, text=True, timeout=60)
        check(out.returncode == 2, "a bad -n: exit 2")

        f = subprocess.Popen([evtail, "--follow", "--interval", "0.2", "--json", "--no-dlq"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = f.stdout.readline()
        second = f.stdout.readline()
        f.send_signal(signal.SIGINT)
        rc = f.wait(30)
        check(bool(first) and bool(second) and json.loads(second)["dlq"] is None, "--follow refreshes")
        check(rc == 0, f"--follow stops on SIGINT with exit 0 (got {rc})")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{NAME}: {len(failures)} failure(s)")
        return 1
    print(f"{NAME}: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
