#!/usr/bin/env python3
"""A Lambda Runtime API serving a sequence of invocations, for the
processing function's test.

usage: processing_fake_runtime.py --event FILE [--event FILE ...] --record FILE
                                  --port-file FILE [--deadline-ms-from-now N]
                                  [--max-seconds N]

Listens on 127.0.0.1 (a free port, written to --port-file once listening).
Under /2018-06-01/runtime:
  GET  invocation/next         the next --event in order, with request id
                               req-1, req-2, ... and the Lambda-Runtime-*
                               headers; once all are served, waits until the
                               server stops (the test stops the bootstrap
                               with SIGTERM, which ends the wait)
  POST invocation/ID/response  \\
  POST invocation/ID/error      > appended to --record as one JSON line
  POST init/error              /  {"path","known","request_id","body"}; 202
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
                index = state["next"]
                state["next"] += 1
            if index >= len(events):
                stop.wait(args.max_seconds)
                self.reply(500, b'{"errorMessage":"the test is over"}')
                return
            deadline = int(time.time() * 1000) + args.deadline_ms_from_now
            self.reply(200, events[index], [
                ("Content-Type", "application/json"),
                ("Lambda-Runtime-Aws-Request-Id", "req-%d" % (index + 1)),
                ("Lambda-Runtime-Deadline-Ms", str(deadline)),
                ("Lambda-Runtime-Invoked-Function-Arn",
                 "arn:aws:lambda:us-east-1:123456789012:function:evpipe-processing"),
                ("Lambda-Runtime-Trace-Id",
                 "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"),
            ])

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace")
            m = re.fullmatch(re.escape(PREFIX) + r"invocation/(req-\d+)/(response|error)", self.path)
            known = bool(m) or self.path == PREFIX + "init/error"
            record = {"path": self.path, "known": known, "request_id": m.group(1) if m else None,
                      "body": body}
            with state["lock"], open(args.record, "a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")
            self.reply(202 if known else 404, b'{"status":"OK"}' if known else b'{"errorMessage":"unknown path"}')

    return Handler


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--event", action="append", required=True)
    p.add_argument("--record", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--deadline-ms-from-now", type=int, default=20000)
    p.add_argument("--max-seconds", type=float, default=120)
    args = p.parse_args()
    events = []
    for path in args.event:
        with open(path, "rb") as f:
            events.append(f.read())
    stop = threading.Event()
    state = {"lock": threading.Lock(), "next": 0}
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(args, events, state, stop))
    server.daemon_threads = True
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
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
