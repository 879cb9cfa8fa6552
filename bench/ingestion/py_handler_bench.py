#!/usr/bin/env python3
"""The Python reference ingestion handler on the C benchmark's own cases.

usage: py_handler_bench.py [seconds_per_case]   (default 1.0)

bench/ingestion/run.sh runs this beside build/bench/bench_ingestion_handler
and records the ratio per case. The cases are the C benchmark's
(bench/bench_ingestion_handler.c): the same event texts in a proxy event of
the function tests' shape (tests/functions/events/post_valid.json):

  single_valid     one valid event                  -> 202
  single_invalid   one event breaking the schema     -> 400
  array10_valid    an array of 10 valid events       -> 202 (cost per event)
  base64_valid     the single event, base64-encoded  -> 202

through bench/reference/ingestion_handler.py (json, jsonschema, a boto3 SQS
client; the send cut off by botocore's Stubber: no signing, no network).
Prints one JSON object: {"cases": {"single_valid": {"us_per_event": ...,
"us_per_request": ..., "events_per_s": ..., "requests": ...}, ...}}.
"""
import base64
import copy
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "bench", "reference"))
for k, v in (("AWS_REGION", "us-east-1"), ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
             ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
             ("SQS_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/123456789012/evpipe-events")):
    os.environ.setdefault(k, v)

import ingestion_handler as h  # noqa: E402  (after the environment it reads)
from botocore.stub import Stubber  # noqa: E402

# The C benchmark's texts, byte for byte.
EVENT = ('{"source":"sensor-01","type":"temperature","payload":{"value":22.5,'
         '"unit":"celsius"},"timestamp":"2026-11-28T17:00:00Z","tags":{"site":'
         '"lab-3"}}')
INVALID = '{"source":"sensor-01","type":"temperature","payload":{"value":5000,"unit":"celsius"}}'
BLOCK = 100


def proxy(body, b64=False):
    with open(os.path.join(ROOT, "tests", "functions", "events", "post_valid.json")) as f:
        e = json.load(f)
    e = copy.deepcopy(e)
    e["body"] = base64.b64encode(body.encode()).decode() if b64 else body
    e["isBase64Encoded"] = b64
    return e


def run(event, events_per_request, expect, seconds):
    stub = Stubber(h.sqs)
    stub.activate()
    one = {"MessageId": "m", "MD5OfMessageBody": "0" * 32}
    batch = {"Successful": [{"Id": str(i), "MessageId": "m", "MD5OfMessageBody": "0" * 32}
                            for i in range(events_per_request)], "Failed": []}
    spent, requests = 0.0, 0
    while spent < seconds:
        for _ in range(BLOCK):  # untimed: queue the answers of the next block
            if events_per_request > 1:
                stub.add_response("send_message_batch", batch)
            else:
                stub.add_response("send_message", one)
        t = time.perf_counter()
        for _ in range(BLOCK):
            out = h.lambda_handler(event, None)
        spent += time.perf_counter() - t
        requests += BLOCK
        if out["statusCode"] != expect:
            sys.exit("py_handler_bench: expected %d, got %s" % (expect, out))
    stub.deactivate()
    us = spent * 1e6 / requests
    return {"us_per_request": round(us, 3), "us_per_event": round(us / events_per_request, 3),
            "events_per_s": round(1e6 * events_per_request / us), "requests": requests}


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    cases = {
        "single_valid": (proxy(EVENT), 1, 202),
        "single_invalid": (proxy(INVALID), 1, 400),
        "array10_valid": (proxy("[" + ",".join([EVENT] * 10) + "]"), 10, 202),
        "base64_valid": (proxy(EVENT, b64=True), 1, 202),
    }
    out = {"implementation": "bench/reference/ingestion_handler.py (jsonschema, boto3 cut off by Stubber)",
           "cases": {}}
    for name, (event, n, expect) in cases.items():
        run(event, n, expect, min(0.2, seconds))  # warm-up
        out["cases"][name] = run(event, n, expect, seconds)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
