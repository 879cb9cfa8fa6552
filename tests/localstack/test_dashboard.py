#!/usr/bin/env python3
"""The dashboard page in a real headless browser (Debian's chromium).

Starts the local stack on free loopback ports (tools/run.sh with
build/bin/devserver; where that is not built, tests/localstack/stub_devserver.py,
which serves the same page and a GET /api/state of the same shape), POSTs
events, waits until /api/state lists them, renders the page with
`chromium --headless --dump-dom` and checks the rendered DOM: the requests and
their status codes, the functions, the queues, the stored events, and that
markup inside an event is shown as text, never turned into elements.

usage: tests/localstack/test_dashboard.py [BUILD_DIR]
Skips (exit 0, saying so) when no chromium is installed (`make deps` installs it).
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from html.parser import HTMLParser

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from stack import free_ports  # noqa: E402
NAME = "test_dashboard"
INJECT = '<b id="injected">bold</b><img src=x onerror="document.title=\'pwned\'">'


def browser():
    for b in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(b)
        if path:
            return path
    return None


def http(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def valid_events():
    """The schema's valid fixtures (generated/), one per event type first."""
    with open(os.path.join(ROOT, "generated", "fixtures", "events.fixtures.json")) as f:
        fixtures = [x for x in json.load(f)["fixtures"] if x["valid"]]
    seen, first, rest = set(), [], []
    for x in fixtures:
        (rest if x["variant"] in seen else first).append(x["instance"])
        seen.add(x["variant"])
    return first + rest


class Dom(HTMLParser):
    """Text per element id (the page's tables) and every id seen."""

    def __init__(self):
        super().__init__()
        self.stack = []
        self.ids = set()
        self.text = {}
        self.tags = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if "id" in a:
            self.ids.add(a["id"])
        if tag not in ("img", "br", "meta", "link", "input", "hr"):
            self.stack.append(a.get("id"))

    def handle_endtag(self, tag):
        if tag not in ("img", "br", "meta", "link", "input", "hr") and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        for i in self.stack:
            if i:
                self.text[i] = self.text.get(i, "") + data


class Stack:
    def __init__(self, build, work):
        self.api, self.dash, self.sqs, self.ddb = free_ports(4)
        self.stub = not os.access(os.path.join(build, "bin", "devserver"), os.X_OK)
        self.log = open(os.path.join(work, "stack.log"), "w")
        env = dict(os.environ, PORT=str(self.api), DASHBOARD_PORT=str(self.dash), SQS_PORT=str(self.sqs),
                   DYNAMODB_PORT=str(self.ddb), RUN_NO_BUILD="1")
        if self.stub:
            cmd = [sys.executable, os.path.join(ROOT, "tests/localstack/stub_devserver.py"), "--port", str(self.api),
                   "--dashboard-port", str(self.dash), "--dashboard-dir", os.path.join(ROOT, "dashboard")]
        else:
            cmd = [os.path.join(ROOT, "tools/run.sh"), build]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def state(self):
        status, body = http("GET", f"http://127.0.0.1:{self.dash}/api/state")
        return json.loads(body) if status == 200 else None

    def wait_ready(self, timeout=180):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                return False
            try:
                if self.state() is not None and http("GET", f"http://127.0.0.1:{self.api}/")[0]:
                    return True
            except OSError:
                pass
            time.sleep(0.2)
        return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def render(chromium, url, work):
    profile = tempfile.mkdtemp(prefix="chromium-", dir=work)
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
           f"--user-data-dir={profile}", "--virtual-time-budget=4000", "--dump-dom", url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"chromium exited {out.returncode}: {out.stderr[-2000:]}")
    return out.stdout


def main():
    # SIGTERM (a timeout, a CI cancel) unwinds like Ctrl-C, so what was started is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BUILD", "build"))
    chromium = browser()
    if not chromium:
        print(f"{NAME}: SKIP: no chromium installed (`make deps` installs Debian's chromium), page not rendered")
        return 0
    failures = []

    def check(cond, what):
        print(f"{NAME}: {'ok' if cond else 'FAIL'}: {what}")
        if not cond:
            failures.append(what)

    work = tempfile.mkdtemp(prefix="evpipe-dash-")
    stack = Stack(build, work)
    try:
        print(f"{NAME}: stack: {'stub_devserver.py (build/bin/devserver not built)' if stack.stub else 'tools/run.sh'}")
        if not stack.wait_ready():
            with open(os.path.join(work, "stack.log")) as f:
                print(f.read()[-3000:])
            check(False, "the stack started")
            return 1
        tag = "dash-" + uuid.uuid4().hex[:8]
        sources = []
        for i, ev in enumerate(valid_events()[:3]):
            ev = dict(ev, source=f"{tag}-{i}", tags={"note": INJECT})
            sources.append(ev["source"])
            status, body = http("POST", f"http://127.0.0.1:{stack.api}/events", json.dumps(ev).encode(),
                                {"Content-Type": "application/json"})
            check(status == 202, f"POST event {i} -> 202 (got {status} {body[:200]!r})")
        status, _ = http("POST", f"http://127.0.0.1:{stack.api}/events", b"{not json",
                         {"Content-Type": "application/json"})
        check(status == 400, f"POST invalid JSON -> 400 (got {status})")

        # The page is checked once /api/state holds the events: what is
        # tested is the rendering, not how fast the pipeline is.
        end = time.monotonic() + 60
        while time.monotonic() < end:
            st = stack.state() or {}
            stored = {it.get("source") for it in st.get("stored", [])}
            if all(s in stored for s in sources):
                break
            time.sleep(0.2)
        check(all(s in stored for s in sources), "/api/state lists the stored events")

        dom = render(chromium, f"http://127.0.0.1:{stack.dash}/", work)
        p = Dom()
        p.feed(dom)
        t = p.text
        check("ok" in [tag_a.get("data-state") for tag_n, tag_a in p.tags if tag_a.get("id") == "status"],
              "the page read /api/state (status line says ok)")
        check("202" in t.get("requests", ""), "requests table shows status 202")
        check("400" in t.get("requests", ""), "requests table shows status 400")
        check("/events" in t.get("requests", ""), "requests table shows the path")
        check("IngestionFunction" in t.get("functions", "") and "ProcessingFunction" in t.get("functions", ""),
              "functions table names both functions")
        check("IngestionFunction" in t.get("invocations", ""), "invocations table lists ingestion invocations")
        check("dead-letter" in t.get("queues", "") and "events" in t.get("queues", ""), "queues table shows both queues")
        for s in sources:
            check(s in t.get("stored", ""), f"stored events show source {s}")
        check("<b id=" in t.get("stored", "") and "<img src=x onerror=" in t.get("stored", ""),
              "markup inside an event is shown as text")
        check("injected" not in p.ids and not any(n == "img" for n, _ in p.tags),
              "markup inside an event created no element")
        title = re.search(r"<title>([^<]*)</title>", dom)
        check(title is not None and title.group(1) != "pwned", "no script from an event ran (title unchanged)")
        if stack.stub:
            status, _ = http("POST", f"http://127.0.0.1:{stack.api}/events",
                             json.dumps({"source": "poison", "type": "x", "payload": {}}).encode())
            dom = render(chromium, f"http://127.0.0.1:{stack.dash}/", work)
            p = Dom()
            p.feed(dom)
            check("poison" in p.text.get("dlq", ""), "dead-letter messages are listed")
    finally:
        stack.stop()
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{NAME}: {len(failures)} failure(s)")
        return 1
    print(f"{NAME}: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
