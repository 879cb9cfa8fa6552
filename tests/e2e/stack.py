"""The whole local stack for end-to-end tests and the benchmark: tools/run.sh
on free loopback ports with a temporary DATA_DIR, started in its own process
group and stopped by PID (SIGTERM, which run.sh handles as Ctrl-C; SIGINT
would be ignored when the caller itself runs in the background). Clients: plain HTTP for the
API, boto3 for the emulators, the project's own tools (awsreq, evtail)."""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from decimal import Decimal

import boto3

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CREDS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_REGION": "us-east-1",
         "AWS_DEFAULT_REGION": "us-east-1"}


def free_ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def missing_programs(build):
    return [p for p in ("devserver", "ingestion-bootstrap", "processing-bootstrap")
            if not os.access(os.path.join(build, "bin", p), os.X_OK)]


def valid_events():
    """The schema's valid fixtures (generated/), one per event type first."""
    with open(os.path.join(ROOT, "generated", "fixtures", "events.fixtures.json")) as f:
        fixtures = [x for x in json.load(f)["fixtures"] if x["valid"]]
    seen, first, rest = set(), [], []
    for x in fixtures:
        (rest if x["variant"] in seen else first).append(x["instance"])
        seen.add(x["variant"])
    return first + rest


def invalid_events():
    """The fixtures that break the schema and are JSON objects (one event each)."""
    with open(os.path.join(ROOT, "generated", "fixtures", "events.fixtures.json")) as f:
        return [x["instance"] for x in json.load(f)["fixtures"]
                if not x["valid"] and isinstance(x["instance"], dict)]


def exact(text):
    """JSON text -> Python with every number a Decimal (exact comparison)."""
    return json.loads(text, parse_float=Decimal, parse_int=Decimal)


def plain(v):
    """boto3 TypeDeserializer output or exact() output -> comparable (Decimal numbers)."""
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, (int, float, Decimal)):
        return Decimal(str(v)).normalize()
    return v


class Stack:
    def __init__(self, build, devserver_args="", ports=None):
        """ports: (api, dashboard, sqs, dynamodb), or None for free ones."""
        self.build = os.path.abspath(build)
        self.api, self.dash, self.sqs_port, self.ddb_port = ports or free_ports(4)
        self.data = tempfile.mkdtemp(prefix="evpipe-e2e-")
        self.out = open(os.path.join(self.data, "run.out"), "w")
        env = dict(os.environ, PORT=str(self.api), DASHBOARD_PORT=str(self.dash), SQS_PORT=str(self.sqs_port),
                   DYNAMODB_PORT=str(self.ddb_port), DATA_DIR=self.data, RUN_NO_BUILD="1",
                   DEVSERVER_ARGS=devserver_args)
        self.proc = subprocess.Popen([os.path.join(ROOT, "tools", "run.sh"), self.build], cwd=ROOT, env=env,
                                     stdout=self.out, stderr=subprocess.STDOUT, start_new_session=True)
        self.env = dict(os.environ, **CREDS, AWS_ENDPOINT_URL_DYNAMODB=f"http://127.0.0.1:{self.ddb_port}",
                        AWS_ENDPOINT_URL_SQS=f"http://127.0.0.1:{self.sqs_port}")
        for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
            self.env.pop(k, None)
        kw = dict(region_name="us-east-1", aws_access_key_id="local", aws_secret_access_key="local")
        self.ddb = boto3.client("dynamodb", endpoint_url=self.env["AWS_ENDPOINT_URL_DYNAMODB"], **kw)
        self.sqs = boto3.client("sqs", endpoint_url=self.env["AWS_ENDPOINT_URL_SQS"], **kw)
        self.table = self.queue_url = self.dlq_url = None

    def log(self, name="devserver.log", tail=40):
        try:
            with open(os.path.join(self.data, "logs", name)) as f:
                return "".join(f.readlines()[-tail:])
        except OSError as e:
            return str(e)

    def start(self, timeout=240):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"tools/run.sh exited {self.proc.returncode}:\n{self.output()}")
            with open(self.out.name) as f:
                if "evpipe is running" in f.read():
                    break
            time.sleep(0.2)
        else:
            raise RuntimeError(f"no banner from tools/run.sh within {timeout} s:\n{self.output()}")
        tables = self.ddb.list_tables()["TableNames"]
        if len(tables) != 1:
            raise RuntimeError(f"expected one table, found {tables}")
        self.table = tables[0]
        q = self.state()["queues"]
        self.queue_url, self.dlq_url = q["events"]["url"], q["dlq"]["url"]
        return self

    def output(self):
        with open(self.out.name) as f:
            return f.read()[-4000:]

    def stop(self):
        if self.proc.poll() is None:
            # Not SIGINT: a shell started from a background job inherits
            # SIGINT ignored and cannot trap it, so the stack would outlive us.
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.out.close()
        subprocess.run(["rm", "-rf", self.data])

    # ---- the API and the dashboard's state ------------------------------------

    def connection(self):
        return http.client.HTTPConnection("127.0.0.1", self.api, timeout=60)

    def post(self, body, headers=None, conn=None, path="/events"):
        """-> (status, parsed JSON body or raw text, headers)."""
        own = conn is None
        conn = conn or self.connection()
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        try:
            conn.request("POST", path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
        finally:
            if own:
                conn.close()
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = data.decode(errors="replace")
        return r.status, parsed, dict(r.getheaders())

    def state(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.dash}/api/state", timeout=30) as r:
            return json.loads(r.read())

    # ---- the emulators -----------------------------------------------------------

    def depth(self, url):
        a = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"])

    def wait_drained(self, timeout=120):
        """Until the events queue holds nothing (visible or in flight)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.depth(self.queue_url) == 0:
                return True
            time.sleep(0.2)
        return False

    def get_item(self, event_id):
        r = self.ddb.get_item(TableName=self.table, Key={"event_id": {"S": event_id}}, ConsistentRead=True)
        return r.get("Item")

    def wait_items(self, event_ids, timeout=60):
        """Seconds until every id is stored, or None at the timeout."""
        start = time.monotonic()
        pending = set(event_ids)
        while time.monotonic() - start < timeout:
            pending = {i for i in pending if self.get_item(i) is None}
            if not pending:
                return time.monotonic() - start
            time.sleep(0.05)
        return None

    def scan(self, source_prefix=None):
        """Every item (boto3 format), or those whose source starts with the prefix."""
        kw = {"TableName": self.table}
        if source_prefix:
            kw.update(FilterExpression="begins_with(#s, :p)", ExpressionAttributeNames={"#s": "source"},
                      ExpressionAttributeValues={":p": {"S": source_prefix}})
        items = []
        for page in self.ddb.get_paginator("scan").paginate(**kw):
            items.extend(page["Items"])
        return items

    def count(self):
        return sum(p["Count"] for p in self.ddb.get_paginator("scan").paginate(TableName=self.table, Select="COUNT"))

    def peek(self, url, rounds=5):
        """Messages of a queue, left receivable (VisibilityTimeout 0)."""
        seen = {}
        for _ in range(rounds):
            r = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0,
                                         AttributeNames=["All"], MessageAttributeNames=["All"])
            fresh = [m for m in r.get("Messages", []) if m["MessageId"] not in seen]
            if not fresh:
                break
            for m in fresh:
                seen[m["MessageId"]] = m
        return list(seen.values())

    # ---- processes ---------------------------------------------------------------

    def devserver_pid(self):
        out = subprocess.run(["ss", "-Hltnp", f"sport = :{self.api}"], capture_output=True, text=True).stdout
        m = re.search(r"pid=(\d+)", out)
        return int(m.group(1)) if m else None

    def function_pids(self, program):
        """PIDs of a function's processes: descendants of devserver running PROGRAM."""
        dev = self.devserver_pid()
        if dev is None:
            return []
        out = subprocess.run(["ps", "-eo", "pid=,ppid=,args="], capture_output=True, text=True).stdout
        children, args = {}, {}
        for line in out.splitlines():
            parts = line.split(None, 2)
            if len(parts) < 3:
                continue
            pid, ppid = int(parts[0]), int(parts[1])
            children.setdefault(ppid, []).append(pid)
            args[pid] = parts[2]
        found, todo = [], [dev]
        while todo:
            p = todo.pop()
            for c in children.get(p, []):
                todo.append(c)
                if program in args.get(c, ""):
                    found.append(c)
        return sorted(found)
