"""The start-up peer: a Python Lambda bootstrap loop.

usage: python3 python_bootstrap.py [--handler ingestion|processing]

What a Python function's process does before it can serve: the interpreter
starts, imports boto3 and jsonschema (the original design's dependencies),
and, with --handler, imports a reference handler from bench/reference/ (which
loads the schema, builds the Draft202012Validator and creates its boto3
client at import time, as Lambda handlers do). Then the loop a custom runtime
runs: GET invocation/next on $AWS_LAMBDA_RUNTIME_API, call the handler (or
echo the event), POST the response. bench/startup/run.sh times the process
from spawn to its first GET with startup_probe.
"""
import http.client
import json
import os
import sys

import boto3  # noqa: F401  (what the original functions import)
import jsonschema  # noqa: F401

BASE = "/2018-06-01/runtime"


def load_handler(argv):
    if len(argv) == 3 and argv[1] == "--handler":
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
        module = __import__(argv[2] + "_handler")
        return module.lambda_handler
    if len(argv) != 1:
        sys.exit("usage: python_bootstrap.py [--handler ingestion|processing]")
    return lambda event, context: event


def main():
    handler = load_handler(sys.argv)
    conn = http.client.HTTPConnection(os.environ["AWS_LAMBDA_RUNTIME_API"])
    while True:
        conn.request("GET", BASE + "/invocation/next")
        r = conn.getresponse()
        body = r.read()
        request_id = r.getheader("Lambda-Runtime-Aws-Request-Id")
        out = json.dumps(handler(json.loads(body), None)).encode()
        conn.request("POST", "%s/invocation/%s/response" % (BASE, request_id), body=out,
                     headers={"Content-Type": "application/json"})
        conn.getresponse().read()


if __name__ == "__main__":
    main()
