#!/usr/bin/env python3
"""A Lambda Runtime API serving a list of invocations, for the function and
package tests.

usage: fake_runtime_api.py --record FILE --port-file FILE [--event FILE ...]
                           [--request-id ID] [--function-name NAME]
                           [--deadline-ms-from-now N] [--max-seconds N] [EVENT_FILE ...]

Events come from the --event options, then the positional files, in order.
Listens on 127.0.0.1 (a free port, written to --port-file once listening)
and answers, under /2018-06-01/runtime:
  GET  invocation/next           the next event, with the Lambda-Runtime-*
                                 headers (request id "req-<n>", n from 1, or
                                 --request-id for the first); once every
                                 event was served, waits until the server
                                 stops, as Lambda's would while the test
                                 sends SIGTERM
  POST invocation/ID/response     \\
  POST invocation/ID/error         > 202 for an ID it handed out (else 404);
  POST init/error                 /  appended to --record as one JSON line
                                     {"path","known","request_id","headers","body"}
The server stops by itself after --max-seconds, so a test never hangs on it.
"""
import argparse
import json
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime/"
TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


def make_handler(args, events, state, stop):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):  # the tests print what matters
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
                request_id = args.request_id if (n == 0 and args.request_id) else "req-%d" % (n + 1)
                if n < len(events):
                    state["ids"].add(request_id)
            if n >= len(events):
                stop.wait(args.max_seconds)
                self.reply(500, b'{"errorMessage":"the test is over"}')
                return
            deadline = int(time.time() * 1000) + args.deadline_ms_from_now
            self.reply(200, events[n], [
                ("Content-Type", "application/json"),
                ("Lambda-Runtime-Aws-Request-Id", request_id),
                ("Lambda-Runtime-Deadline-Ms", str(deadline)),
                ("Lambda-Runtime-Invoked-Function-Arn",
                 "arn:aws:lambda:us-east-1:123456789012:function:" + args.function_name),
                ("Lambda-Runtime-Trace-Id", TRACE),
            ])

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace")
            m = re.fullmatch(re.escape(PREFIX) + r"invocation/([^/]+)/(response|error)", self.path)
            with state["lock"]:
                known = (m is not None and m.group(1) in state["ids"]) or self.path == PREFIX + "init/error"
                record = {"path": self.path, "known": known, "request_id": m.group(1) if m else None,
                          "headers": dict(self.headers.items()), "body": body}
                with open(args.record, "a", encoding="utf-8") as f:
                    f.write(json.dumps(record) + "\n")
            if known:
                self.reply(202, b'{"status":"OK"}')
            else:
                self.reply(404, b'{"errorMessage":"unknown path or request id"}')

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--event", action="append", default=[])
    ap.add_argument("--record", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--request-id", default=None)
    ap.add_argument("--function-name", default="evpipe-function")
    ap.add_argument("--deadline-ms-from-now", type=int, default=20000)
    ap.add_argument("--max-seconds", type=float, default=120.0)
    ap.add_argument("events", nargs="*")
    args = ap.parse_args()
    events = []
    for path in args.event + args.events:
        with open(path, "rb") as f:
            events.append(f.read())
    if not events:
        ap.error("no event given (--event FILE or EVENT_FILE)")
    stop = threading.Event()
    state = {"lock": threading.Lock(), "served": 0, "ids": set()}
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
