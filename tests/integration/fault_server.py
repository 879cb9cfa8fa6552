#!/usr/bin/env python3
"""Loopback fault server for the retry/timeout tests (itest_faults).

Every request to any path except /_control/* takes the next scripted action
from a queue (default when empty: 200 with body "{}"). Actions (JSON):
  {"status": 500, "type": "InternalServerError", "message": "..."}
      answer with a JSON-protocol error body (__type, message)
  {"status": 200, "body": {...}}             answer with this JSON body
  {"status": 403, "raw": "<xml/>"}           answer with this text as the body
  {"close": true}                            close the connection, no answer
  {"sleep_ms": 1500, ...}                    wait first, then act
  {"sqs_send_echo": true}                    answer SendMessage with MD5s that
      this script computes itself from the request (an implementation of the
      SQS MD5 algorithm independent of the C one)
  {"empty": true, "status": 400}             answer with no body at all
Any action may add:
  "headers": {"Name": "value"}               extra response headers
  "filler_headers": N                        N extra 100-byte header lines
  "date_offset_s": S                         a Date header S seconds from now
  "crc32": "good" | "bad"                    an x-amz-crc32 of the body (or off by one)
Control: POST /_control/script (JSON list, appended), POST /_control/reset,
GET /_control/log (list of {"target", "body", "headers"} of the requests).

usage: fault_server.py PORT_FILE   (binds 127.0.0.1:0, writes the port)
"""
import base64
import hashlib
import json
import struct
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
script = []
log = []


def md5_attrs(attrs):
    h = hashlib.md5()
    for name in sorted(attrs):
        a = attrs[name]
        dt = a["DataType"]
        for part in (name.encode(), dt.encode()):
            h.update(struct.pack(">I", len(part)) + part)
        if dt.startswith("Binary"):
            v = base64.b64decode(a.get("BinaryValue", ""))
            h.update(b"\x02" + struct.pack(">I", len(v)) + v)
        else:
            v = a.get("StringValue", "").encode()
            h.update(b"\x01" + struct.pack(">I", len(v)) + v)
    return h.hexdigest()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    action = {}

    def date_time_string(self, timestamp=None):
        if timestamp is None:
            timestamp = time.time() + self.action.get("date_offset_s", 0)
        return super().date_time_string(timestamp)

    def send_action_headers(self, data):
        for k, v in self.action.get("headers", {}).items():
            self.send_header(k, v)
        for i in range(self.action.get("filler_headers", 0)):
            self.send_header("X-Filler-%d" % i, "f" * 100)
        crc = self.action.get("crc32")
        if crc:
            value = zlib.crc32(data) & 0xFFFFFFFF
            self.send_header("x-amz-crc32", str(value if crc == "good" else (value + 1) & 0xFFFFFFFF))

    def send_json(self, status, obj, extra=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", "fault-%d" % len(log))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_action_headers(data)
        self.end_headers()
        self.wfile.write(data)

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("Content-Length", "42")
        self.end_headers()

    def do_GET(self):
        self.action = {}
        if self.path == "/_control/log":
            with lock:
                self.send_json(200, log)
        else:
            self.send_json(404, {"__type": "NotFound"})

    def do_POST(self):
        self.action = {}
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else b""
        if self.path == "/_control/script":
            with lock:
                script.extend(json.loads(body))
            return self.send_json(200, {"queued": len(script)})
        if self.path == "/_control/reset":
            with lock:
                script.clear()
                log.clear()
            return self.send_json(200, {})
        with lock:
            log.append({"target": self.headers.get("X-Amz-Target", ""), "body": body.decode("utf-8", "replace"),
                        "authorization": self.headers.get("Authorization", ""),
                        "headers": [[k, v] for k, v in self.headers.items()]})
            action = script.pop(0) if script else {"status": 200, "body": {}}
        self.action = action
        if action.get("sleep_ms"):
            time.sleep(action["sleep_ms"] / 1000.0)
        if action.get("close"):
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass
            return
        if action.get("sqs_send_echo"):
            req = json.loads(body)
            out = {"MessageId": "fault-msg", "MD5OfMessageBody": hashlib.md5(req["MessageBody"].encode()).hexdigest()}
            if req.get("MessageAttributes"):
                out["MD5OfMessageAttributes"] = md5_attrs(req["MessageAttributes"])
            if req.get("MessageSystemAttributes"):
                out["MD5OfMessageSystemAttributes"] = md5_attrs(req["MessageSystemAttributes"])
            out.update(action.get("override", {}))
            return self.send_json(200, out)
        status = action.get("status", 200)
        if "raw" in action or action.get("empty"):
            data = action.get("raw", "").encode()
            self.send_response(status)
            if data:
                self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", "fault-%d" % len(log))
            self.send_action_headers(data)
            self.end_headers()
            self.wfile.write(data)
            return
        if status >= 300:
            err = {"__type": "com.amazonaws.fault#" + action.get("type", "InternalServerError"),
                   "message": action.get("message", "injected fault")}
            return self.send_json(status, err)
        return self.send_json(status, action.get("body", {}))


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that timed out before a slow answer leaves a broken pipe: expected here.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def main():
    server = Server(("127.0.0.1", 0), Handler)
    with open(sys.argv[1], "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
