#!/usr/bin/env python3
"""A stand-in for build/bin/devserver with the same flags, ports and
GET /api/state shape (docs/devserver.md), for testing the dashboard page and
tools/run.sh without the real one. POST /events answers 202 and records the
request, an invocation of each function, the stored item and, for an event
whose source is "poison", a dead-letter message instead of an item.
Everything else answers 404. Loopback only; SIGINT/SIGTERM: exit 0; a port in
use: exit 2 naming it."""
import argparse
import json
import mimetypes
import os
import signal
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {
    "requests": [],
    "invocations": [],
    "queues": {
        "events": {"url": "http://127.0.0.1:0/000000000000/events", "visible": 0, "in_flight": 0},
        "dlq": {"url": "http://127.0.0.1:0/000000000000/events-dlq", "visible": 0, "in_flight": 0},
    },
    "stored": [],
    "dlq_messages": [],
    "functions": {"IngestionFunction": {"instances": 1, "restarts": 0},
                  "ProcessingFunction": {"instances": 1, "restarts": 0}},
}


def now_text():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)


def push(name, entry, limit=100):
    STATE[name].append(entry)
    del STATE[name][:-limit]


class Api(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, obj, ctype="application/json"):
        body = json.dumps(obj).encode() if not isinstance(obj, bytes) else obj
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        started = time.time()
        rid = str(uuid.uuid4())
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, reply = 404, {"message": "Missing Authentication Token"}
        if self.path == "/events":
            try:
                event = json.loads(body)
                if not isinstance(event, dict):
                    raise ValueError("not an object")
                status, reply = 202, {"event_id": str(uuid.uuid4())}
            except ValueError as e:
                status, reply = 400, {"title": "invalid JSON", "detail": str(e)}
        with LOCK:
            ms = round((time.time() - started) * 1000, 3)
            push("requests", {"time": now_text(), "method": "POST", "path": self.path, "status": status,
                              "duration_ms": ms, "request_id": rid})
            if status == 202:
                push("invocations", {"time": now_text(), "function": "IngestionFunction", "request_id": rid,
                                     "duration_ms": ms, "status": "ok"})
                item = dict(event, event_id=reply["event_id"], received_at=now_text())
                if event.get("source") == "poison":
                    push("invocations", {"time": now_text(), "function": "ProcessingFunction",
                                         "request_id": str(uuid.uuid4()), "duration_ms": 1.5, "status": "error"})
                    push("dlq_messages", {"messageId": str(uuid.uuid4()), "body": json.dumps(event),
                                          "attributes": {"ApproximateReceiveCount": "3"}}, 20)
                    STATE["queues"]["dlq"]["visible"] = len(STATE["dlq_messages"])
                else:
                    push("invocations", {"time": now_text(), "function": "ProcessingFunction",
                                         "request_id": str(uuid.uuid4()), "duration_ms": 2.25, "status": "ok"})
                    STATE["stored"].insert(0, item)
                    del STATE["stored"][20:]
        self.answer(status, reply)

    def do_GET(self):
        self.answer(404, {"message": "Missing Authentication Token"})


def dashboard_handler(directory):
    root = os.path.realpath(directory)

    class Dash(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if path == "/api/state":
                with LOCK:
                    body = json.dumps(STATE).encode()
                ctype = "application/json"
            else:
                name = "index.html" if path == "/" else path.lstrip("/")
                full = os.path.realpath(os.path.join(root, name))
                if not full.startswith(root + os.sep) or not os.path.isfile(full):
                    self.send_error(404)
                    return
                with open(full, "rb") as f:
                    body = f.read()
                ctype = mimetypes.guess_type(full)[0] or "application/octet-stream"
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

    return Dash


def serve(port, handler, name):
    try:
        srv = ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as e:
        print(f"stub_devserver: port {port} ({name}) is not available: {e.strerror}", file=sys.stderr)
        sys.exit(2)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=3000)
    ap.add_argument("--dashboard-port", type=int, default=3001)
    ap.add_argument("--dashboard-dir", default="dashboard")
    args, _ = ap.parse_known_args()
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *a: sys.exit(0))
    serve(args.port, Api, "--port")
    serve(args.dashboard_port, dashboard_handler(args.dashboard_dir), "--dashboard-port")
    print(json.dumps({"msg": "stub devserver listening", "port": args.port,
                      "dashboard_port": args.dashboard_port}), flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
