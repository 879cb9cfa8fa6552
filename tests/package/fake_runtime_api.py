#!/usr/bin/env python3
"""A Lambda Runtime API with one invocation, for the package tests.

usage: fake_runtime_api.py --event FILE --record FILE --port-file FILE [--request-id ID]
                           [--deadline-ms-from-now N] [--max-seconds N]

Listens on 127.0.0.1 (a free port, written to --port-file once listening) and
answers, under /2018-06-01/runtime:
  GET  invocation/next            the event of --event, once, with the
                                  Lambda-Runtime-* headers; later calls wait
                                  until the server stops, as Lambda's would
  POST invocation/ID/response     \\
  POST invocation/ID/error         > recorded, 202
  POST init/error                 /
Each POST is appended to --record as one JSON line:
{"path": ..., "headers": {...}, "body": "..."}. The server stops by itself
after --max-seconds (a bound so a test can never hang on it).
"""
import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime/"


def make_handler(args, event, served, stop):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):  # the test prints what matters
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
            with served["lock"]:
                first = not served["done"]
                served["done"] = True
            if not first:
                stop.wait(args.max_seconds)
                self.reply(500, b'{"errorMessage":"the test is over"}')
                return
            deadline = int(time.time() * 1000) + args.deadline_ms_from_now
            self.reply(200, event, [
                ("Content-Type", "application/json"),
                ("Lambda-Runtime-Aws-Request-Id", args.request_id),
                ("Lambda-Runtime-Deadline-Ms", str(deadline)),
                ("Lambda-Runtime-Invoked-Function-Arn",
                 "arn:aws:lambda:us-east-1:123456789012:function:evpipe-test"),
                ("Lambda-Runtime-Trace-Id",
                 "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"),
            ])

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace")
            known = (self.path in (PREFIX + "invocation/%s/response" % args.request_id,
                                   PREFIX + "invocation/%s/error" % args.request_id,
                                   PREFIX + "init/error"))
            record = {"path": self.path, "known": known, "headers": dict(self.headers.items()), "body": body}
            with open(args.record, "a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")
            self.reply(202 if known else 404, b'{"status":"OK"}' if known else b'{"errorMessage":"unknown path"}')

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--event", required=True)
    ap.add_argument("--record", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--request-id", default="8476a536-e9f4-11e8-9739-2dfe598c3fcd")
    ap.add_argument("--deadline-ms-from-now", type=int, default=10000)
    ap.add_argument("--max-seconds", type=float, default=60.0)
    args = ap.parse_args()
    with open(args.event, "rb") as f:
        event = f.read()
    stop = threading.Event()
    served = {"lock": threading.Lock(), "done": False}
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(args, event, served, stop))
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
