#!/usr/bin/env python3
"""Checks for tests/functions/ingestion_run.sh (boto3 against fauxqs).

usage: ingestion_check.py create-queue ENDPOINT NAME          prints the queue URL
       ingestion_check.py queued RECORD EVENTS_DIR ENDPOINT QUEUE_URL
       ingestion_check.py down RECORD

`queued`: the answers the bootstrap posted for the events of
ingestion_run.sh (in its order) and what reached the queue: exactly the
accepted events, each body byte for byte as sent, with the attributes of
docs/ingestion.md. `down`: the answer is a 503 with Retry-After.
Prints one line per check; exit 1 on the first failure.
"""
import base64
import json
import re
import sys

import boto3

ORDER = ["post_valid", "post_invalid", "post_base64", "post_array_mixed", "get_events"]
RFC3339_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
def schema_version():
    """EVENTS_SCHEMA_VERSION as generated from the schema (never written here)."""
    with open("generated/events_types.h", encoding="utf-8") as f:
        m = re.search(r"^#define EVENTS_SCHEMA_VERSION (\d+)", f.read(), re.M)
    if not m:
        fail("no EVENTS_SCHEMA_VERSION in generated/events_types.h")
    return m.group(1)


UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-([78])[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def ok(msg):
    print("ok: " + msg)


def client(endpoint):
    return boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def answers(record):
    """request id -> (proxy response, parsed body)"""
    out = {}
    with open(record, encoding="utf-8") as f:
        for line in f:
            post = json.loads(line)
            if not post["path"].endswith("/response"):
                fail("the bootstrap posted %s: %s" % (post["path"], post["body"][:300]))
            resp = json.loads(post["body"])
            out[post["request_id"]] = (resp, json.loads(resp["body"]))
    return out


def expect(cond, msg):
    if not cond:
        fail(msg)
    ok(msg)


def receive_all(sqs, url):
    got = []
    for _ in range(5):
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                MessageAttributeNames=["All"], AttributeNames=["All"])
        msgs = r.get("Messages", [])
        if not msgs and got:
            break
        got.extend(msgs)
    return got


def attrs(m):
    return {k: (v["DataType"], v["StringValue"]) for k, v in m.get("MessageAttributes", {}).items()}


def check_queued(record, events_dir, endpoint, url):
    events = {n: json.load(open("%s/%s.json" % (events_dir, n), encoding="utf-8")) for n in ORDER}
    a = answers(record)
    expect(len(a) == len(ORDER), "one answer per invocation (%d)" % len(a))
    r, b = a["req-1"]
    expect(r["statusCode"] == 202 and b["status"] == "accepted" and UUID.match(b["eventId"]),
           "valid event: 202 with an event id")
    ids = {b["eventId"]: "post_valid"}
    r, b = a["req-2"]
    expect(r["statusCode"] == 400 and r["headers"]["Content-Type"] == "application/problem+json"
           and any(e["pointer"] == "/payload/value" for e in b["errors"]),
           "invalid event: 400 problem+json with the pointer /payload/value")
    r, b = a["req-3"]
    expect(r["statusCode"] == 202, "base64 body: 202")
    ids[b["eventId"]] = "post_base64"
    r, b = a["req-4"]
    res = b["results"]
    expect(r["statusCode"] == 202 and [x["status"] for x in res] == ["accepted", "rejected"]
           and res[1]["errors"][0]["pointer"].startswith("/1"),
           "array: 202, item 0 accepted, item 1 rejected with pointers under /1")
    expect(UUID.match(res[0]["eventId"]).group(1) == "8", "array with Idempotency-Key: a UUIDv8 id")
    ids[res[0]["eventId"]] = "post_array_mixed"
    r, b = a["req-5"]
    expect(r["statusCode"] == 405 and r["headers"].get("Allow") == "POST", "GET /events: 405 with Allow: POST")

    msgs = receive_all(client(endpoint), url)
    expect(len(msgs) == 3, "the queue holds exactly the 3 accepted events (got %d)" % len(msgs))
    for m in msgs:
        at = attrs(m)
        eid = at.get("event_id", ("", ""))[1]
        name = ids.get(eid)
        if name is None:
            fail("a message whose event_id %r no answer gave" % eid)
        ev = events[name]
        body = base64.b64decode(ev["body"]).decode() if ev["isBase64Encoded"] else ev["body"]
        if name == "post_array_mixed":
            body = '{"source":"greenhouse.7","type":"humidity","payload":{"value":61.25}}'
        expect(m["Body"] == body, "%s: the body is the event's text, byte for byte" % name)
        sent = json.loads(body)
        expect(at["event_type"] == ("String", sent["type"]), "%s: event_type %s" % (name, sent["type"]))
        version = schema_version()
        expect(at["schema_version"] == ("Number", version), "%s: schema_version Number %s" % (name, version))
        expect(at["received_at"][0] == "String" and RFC3339_MS.match(at["received_at"][1]),
               "%s: received_at %s" % (name, at["received_at"][1]))
        expect(at["source_ip"] == ("String", ev["requestContext"]["identity"]["sourceIp"]), "%s: source_ip" % name)
        expect(at["request_id"] == ("String", ev["requestContext"]["requestId"]), "%s: request_id" % name)
        expect(len(at) == 6, "%s: six message attributes" % name)


def check_down(record):
    a = answers(record)
    r, b = a["req-1"]
    expect(r["statusCode"] == 503 and "Retry-After" in r["headers"]
           and b["type"].endswith(":queue-unavailable") and "eventId" not in b,
           "queue unreachable: 503 with Retry-After, no event id")


def main():
    cmd = sys.argv[1]
    if cmd == "create-queue":
        print(client(sys.argv[2]).create_queue(QueueName=sys.argv[3])["QueueUrl"])
    elif cmd == "queued":
        check_queued(*sys.argv[2:6])
    elif cmd == "down":
        check_down(sys.argv[2])
    else:
        fail("unknown command " + cmd)


if __name__ == "__main__":
    main()
