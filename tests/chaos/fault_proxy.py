#!/usr/bin/env python3
"""Loopback fault-injecting HTTP proxy in front of an AWS emulator.

Forwards every request to UPSTREAM (http://127.0.0.1:PORT) and, at the set
rates, injects one fault instead of (or after) forwarding:

  error5xx     answer 500 InternalFailure / 503 ServiceUnavailable (not forwarded)
  throttle     answer 400 ThrottlingException (not forwarded)
  latency      wait LATENCY_MS, then forward
  drop         close the connection without an answer (not forwarded)
  drop_after   forward, let the upstream act, then close without an answer:
               the work is done but the client cannot know (the case that
               makes retries produce duplicates)

The decision for the n-th request is a pure function of (seed, n), so a run
with the same seed and the same request order injects the same faults.
Control endpoints (answered by the proxy itself, never forwarded):
  GET  /_chaos/stats             {"requests": N, "faults": {"kind": N, ...}}
  POST /_chaos/rate   {"rate": R} change the total fault rate (0 stops faults)
  POST /_chaos/outage {"seconds": S} refuse every request (connection closed,
                      counted as "outage") for S seconds: the service is down

usage: fault_proxy.py --upstream URL --port-file FILE [--seed N] [--rate R]
                      [--kinds error5xx,throttle,latency,drop,drop_after]
                      [--latency-ms N]
Binds 127.0.0.1:0 and writes the port to FILE. Loopback only.
"""
import argparse
import hashlib
import http.client
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KINDS = ("error5xx", "throttle", "latency", "drop", "drop_after")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.seed = args.seed
        self.rate = args.rate
        self.kinds = [k for k in args.kinds.split(",") if k]
        for k in self.kinds:
            if k not in KINDS:
                raise SystemExit(f"fault_proxy: unknown fault kind {k!r} (known: {', '.join(KINDS)})")
        self.latency_ms = args.latency_ms
        up = urllib.parse.urlsplit(args.upstream)
        if up.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit(f"fault_proxy: upstream {args.upstream} is not on loopback")
        self.up_host, self.up_port = up.hostname, up.port or 80
        self.requests = 0
        self.faults = {k: 0 for k in self.kinds}
        self.faults["outage"] = 0
        self.outage_until = 0.0

    def decide(self):
        """The fault for the next request (or None), from (seed, ordinal)."""
        with self.lock:
            n = self.requests
            self.requests += 1
            rate = self.rate
            if time.monotonic() < self.outage_until:
                self.faults["outage"] += 1
                return "outage", b"\0" * 32
        h = hashlib.sha256(f"{self.seed}:{n}".encode()).digest()
        roll = int.from_bytes(h[:8], "big") / 2**64
        if not self.kinds or roll >= rate:
            return None, h
        kind = self.kinds[h[8] % len(self.kinds)]
        with self.lock:
            self.faults[kind] += 1
        return kind, h


STATE = None


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the stats endpoint counts
        pass

    def _answer(self, status, body, ctype="application/x-amz-json-1.0"):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", "chaos-proxy")
        self.end_headers()
        self.wfile.write(data)

    def _drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(2)
        except OSError:
            pass

    def _control(self, body):
        if self.command == "GET" and self.path == "/_chaos/stats":
            with STATE.lock:
                self._answer(200, {"requests": STATE.requests, "faults": dict(STATE.faults)}, "application/json")
            return
        if self.command == "POST" and self.path == "/_chaos/rate":
            try:
                rate = float(json.loads(body or b"{}")["rate"])
            except (ValueError, KeyError, TypeError) as e:
                self._answer(400, {"message": f"bad rate: {e}"}, "application/json")
                return
            with STATE.lock:
                STATE.rate = rate
            self._answer(200, {"rate": rate}, "application/json")
            return
        if self.command == "POST" and self.path == "/_chaos/outage":
            try:
                seconds = float(json.loads(body or b"{}")["seconds"])
            except (ValueError, KeyError, TypeError) as e:
                self._answer(400, {"message": f"bad outage: {e}"}, "application/json")
                return
            with STATE.lock:
                STATE.outage_until = time.monotonic() + seconds
            self._answer(200, {"seconds": seconds}, "application/json")
            return
        self._answer(404, {"message": "unknown control path"}, "application/json")

    def _forward(self, body):
        conn = http.client.HTTPConnection(STATE.up_host, STATE.up_port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, resp.getheaders(), data

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.startswith("/_chaos/"):
            self._control(body)
            return
        kind, h = STATE.decide()
        if kind == "error5xx":
            if h[9] & 1:
                self._answer(500, {"__type": "InternalFailure", "message": "injected: internal failure"})
            else:
                self._answer(503, {"__type": "ServiceUnavailable", "message": "injected: service unavailable"})
            return
        if kind == "throttle":
            self._answer(400, {"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
                               "message": "injected: rate exceeded"})
            return
        if kind in ("drop", "outage"):
            self._drop()
            return
        if kind == "latency":
            time.sleep(STATE.latency_ms / 1000.0)
        try:
            status, headers, data = self._forward(body)
        except OSError as e:
            self._answer(502, {"__type": "InternalFailure", "message": f"upstream unreachable: {e}"})
            return
        if kind == "drop_after":
            self._drop()
            return
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle


def main():
    global STATE
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rate", type=float, default=0.1)
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--latency-ms", type=int, default=300)
    args = ap.parse_args()
    STATE = State(args)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    server.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os
    os.replace(args.port_file + ".tmp", args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
