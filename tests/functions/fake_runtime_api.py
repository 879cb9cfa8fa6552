#!/usr/bin/env python3
"""A Lambda Runtime API that serves a list of events, for the function tests.

usage: fake_runtime_api.py --record FILE --port-file FILE [--max-seconds N]
                           [--deadline-ms-from-now N] EVENT_FILE...

Listens on 127.0.0.1 (a free port, written to --port-file once listening)
and answers, under /2018-06-01/runtime:
  GET  invocation/next           the next event file, with the
                                 Lambda-Runtime-* headers (request id
                                 "req-<n>", n from 1, and a trace id); once
                                 every event was served, waits until the
                                 server stops, as Lambda's would while the
                                 test sends SIGTERM
  POST invocation/ID/response     \\
  POST invocation/ID/error         > 202; appended to --record as one JSON
  POST init/error                 /  line {"path","request_id","headers","body"}
The server stops by itself after --max-seconds (so a test never hangs on it).
"""
import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime/"
TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


def make_handler(args, events, state, stop):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def reply(self, status, body=b"", headers=()):
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path != PREFIX + "invocation/next":
                self.reply(404, b'{"errorMessage":"unknown path"}')
                return
            with state["lock"]:
                n = state["served"]
                state["served"] += 1
            if n >= len(events):
                stop.wait(args.max_seconds)
                self.reply(500, b'{"errorMessage":"the test is over"}')
                return
            deadline = int(time.time() * 1000) + args.deadline_ms_from_now
            self.reply(200, events[n], [
                ("Content-Type", "application/json"),
                ("Lambda-Runtime-Aws-Request-Id", "req-%d" % (n + 1)),
                ("Lambda-Runtime-Deadline-Ms", str(deadline)),
                ("Lambda-Runtime-Invoked-Function-Arn",
                 "arn:aws:lambda:us-east-1:123456789012:function:evpipe-ingestion"),
                ("Lambda-Runtime-Trace-Id", TRACE),
            ])

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace")
            parts = self.path[len(PREFIX):].split("/") if self.path.startswith(PREFIX) else []
            request_id = parts[1] if len(parts) == 3 and parts[0] == "invocation" else None
            record = {"path": self.path, "request_id": request_id, "headers": dict(self.headers.items()),
                      "body": body}
            with state["lock"]:
                with open(args.record, "a", encoding="utf-8") as f:
                    f.write(json.dumps(record) + "\n")
            self.reply(202, b'{"status":"OK"}')

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--record", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--deadline-ms-from-now", type=int, default=10000)
    ap.add_argument("--max-seconds", type=float, default=120.0)
    ap.add_argument("events", nargs="+")
    args = ap.parse_args()
    events = []
    for path in args.events:
        with open(path, "rb") as f:
            events.append(f.read())
    stop = threading.Event()
    state = {"lock": threading.Lock(), "served": 0}
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(args, events, state, stop))
    server.daemon_threads = True
    tmp = args.port_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, args.port_file)
    timer = threading.Timer(args.max_seconds, lambda: (stop.set(), server.shutdown()))
    timer.daemon = True
    timer.start()
    try:
        server.serve_forever()
    finally:
        stop.set()
        server.server_close()


if __name__ == "__main__":
    main()
