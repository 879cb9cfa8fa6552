#!/usr/bin/env python3
"""devserver's behaviour, seen from outside: HTTP to its API, the Runtime API
emulator's handling of crashes and timeouts (through the log), and, when
given the queue endpoint, the SQS event source mapping and the dead-letter
queue. Run by tests/devserver/run.sh, which starts everything.

Waits poll for a state with a generous limit (a shared machine is slow at
times); nothing asserts how long something took.
"""
import argparse
import base64
import json
import sys
import time
import urllib.error
import urllib.request
import uuid

FAILURES = []


def check(cond, what):
    if cond:
        print(f"ok: {what}")
    else:
        print(f"FAIL: {what}", file=sys.stderr)
        FAILURES.append(what)
    return cond


def http(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def wait_for(what, fn, limit_s=60):
    """Polls fn() until it returns something true; None after limit_s."""
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.2)
    print(f"FAIL: gave up waiting for {what}", file=sys.stderr)
    return None


def log_lines(path):
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def check_api(api, log):
    body = b'{"source":"s1","type":"temperature","payload":{"value":21.5,"unit":"celsius"}}'
    status, headers, raw = http("POST", f"{api}/echo?a=1&a=2&b=x", body,
                                {"Content-Type": "application/json", "X-Multi": "one"})
    check(status == 200, f"POST /echo answers the function's status (got {status})")
    ev = json.loads(raw)
    check(ev["resource"] == "/echo" and ev["path"] == "/echo" and ev["httpMethod"] == "POST",
          "event: resource, path, httpMethod")
    check(ev["body"] == body.decode() and ev["isBase64Encoded"] is False, "event: text body as sent")
    check(ev["headers"].get("X-Multi") == "one" and ev["multiValueHeaders"].get("X-Multi") == ["one"],
          "event: headers in the client's case, with multiValueHeaders")
    check(ev["queryStringParameters"] == {"a": "2", "b": "x"}, "event: queryStringParameters keep the last value")
    check(ev["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x"]},
          "event: multiValueQueryStringParameters keep every value")
    ctx = ev["requestContext"]
    check(ctx["identity"]["sourceIp"] == "127.0.0.1", "event: requestContext.identity.sourceIp")
    check(ctx["requestId"] == headers.get("x-amzn-RequestId"), "event: requestId is the x-amzn-RequestId answered")
    uuid.UUID(ctx["requestId"])
    check(ctx["stage"] == "test" and ctx["path"] == "/test/echo" and ctx["resourcePath"] == "/echo",
          "event: stage from the template, path with the stage")
    check(isinstance(ctx["requestTimeEpoch"], int) and ctx["protocol"] == "HTTP/1.1", "event: requestTimeEpoch, protocol")
    check(ev["pathParameters"] is None and ev["stageVariables"] is None, "event: no path parameters, null stageVariables")
    check(headers.get_all("X-Tag") == ["a", "b"], "response: multiValueHeaders become repeated headers")

    binary = bytes([0, 1, 2, 255, 254])
    status, _, raw = http("POST", f"{api}/echo", binary, {"Content-Type": "application/octet-stream"})
    ev = json.loads(raw)
    check(ev["isBase64Encoded"] is True and base64.b64decode(ev["body"]) == binary, "event: binary body as base64")

    status, _, raw = http("GET", f"{api}/items/42")
    ev = json.loads(raw)
    check(status == 200 and ev["resource"] == "/items/{id}" and ev["pathParameters"] == {"id": "42"},
          "route /items/{id} (ANY): pathParameters")
    status, _, raw = http("DELETE", f"{api}/test/items/7")
    check(status == 200 and json.loads(raw)["path"] == "/items/7", "a path with the stage first reaches the same route")
    status, _, raw = http("GET", f"{api}/fail/a/b/binary")
    check(status == 200 and raw == bytes([0, 1, 2, 255]), "response: isBase64Encoded body is decoded")

    for method, path in (("GET", "/nope"), ("GET", "/echo"), ("POST", "/items")):
        status, _, raw = http(method, f"{api}{path}")
        check(status == 403 and json.loads(raw) == {"message": "Missing Authentication Token"},
              f"{method} {path}: 403 Missing Authentication Token")

    status, _, raw = http("POST", f"{api}/echo", b"x" * (10 * 1024 * 1024 + 1), {"Content-Type": "text/plain"})
    check(status == 413, f"a body over 10 MB: 413 (got {status})")

    for path, status_name in (("/fail/crash", "crash"), ("/fail/slow", "timeout"), ("/fail/error", "error"),
                              ("/fail/malformed", None)):
        status, _, raw = http("GET", f"{api}{path}")
        check(status == 502 and json.loads(raw) == {"message": "Internal server error"}, f"{path}: 502 Internal server error")
        if status_name:
            found = wait_for(f"a {status_name} invocation in the log", lambda s=status_name: [
                l for l in log_lines(log) if l.get("kind") == "invocation" and l.get("status") == s
                and l.get("function") == "ApiFunction"], 10)
            check(bool(found), f"{path}: the log has an invocation with status {status_name}")
    check(any(l.get("message", "").startswith("malformed Lambda proxy response") for l in log_lines(log)),
          "a malformed proxy response is logged with its reason")
    status, _, _ = http("GET", f"{api}/items/after-crash")
    check(status == 200, "the function answers again after its crash and timeout (restarted)")
    exits = [l for l in log_lines(log) if l.get("message") == "function instance exited" and l.get("function") == "ApiFunction"]
    check(len(exits) >= 2, "the crashed and the timed-out instances were seen to exit")
    status, _, raw = http("GET", f"{api}/broken")
    check(status == 502, f"a function whose init fails: 502 (got {status})")
    inits = wait_for("init failures logged and retried", lambda: len(
        [l for l in log_lines(log) if l.get("message") == "function init failed" and l.get("function") == "BrokenFunction"
         and l.get("error_type") == "Runtime.ConfigInvalid"]) >= 2 or None, 30)
    check(bool(inits), "init/error is logged with its type, and the instance is started again")
    broken = [l for l in log_lines(log) if l.get("kind") == "invocation" and l.get("function") == "BrokenFunction"]
    check(any(l.get("status") == "error" and l.get("error_type") == "Runtime.ConfigInvalid" for l in broken),
          "the invocation that met the failed init fails with the init error")
    reqs = [l for l in log_lines(log) if l.get("kind") == "request"]
    check(all({"method", "path", "status", "duration_ms", "request_id"} <= l.keys() for l in reqs) and len(reqs) > 10,
          "one log line per request with method, path, status, duration_ms, request_id")


def sqs(endpoint, op, body):
    """One SQS JSON-protocol call (the emulator checks no signature)."""
    status, _, raw = http("POST", endpoint + "/", json.dumps(body).encode(), {
        "X-Amz-Target": f"AmazonSQS.{op}", "Content-Type": "application/x-amz-json-1.0",
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, "
                         "SignedHeaders=host, Signature=00"})
    if status != 200:
        raise RuntimeError(f"SQS {op}: HTTP {status}: {raw[:300]!r}")
    return json.loads(raw) if raw else {}


def queue_counts(endpoint, url):
    a = sqs(endpoint, "GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["All"]})["Attributes"]
    return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])


def records(path):
    try:
        return log_lines(path)
    except FileNotFoundError:
        return []


def check_esm(endpoint, stack, record_file):
    url = sqs(endpoint, "GetQueueUrl", {"QueueName": f"{stack}-WorkQueue"})["QueueUrl"]
    dlq = sqs(endpoint, "GetQueueUrl", {"QueueName": f"{stack}-WorkDeadLetterQueue"})["QueueUrl"]
    run = uuid.uuid4().hex[:8]
    ok_bodies = [f"ok-{run}-{i}" for i in range(3)]
    for b in ok_bodies:
        sqs(endpoint, "SendMessage", {"QueueUrl": url, "MessageBody": b, "MessageAttributes": {
            "event_type": {"DataType": "String", "StringValue": "temperature"},
            "schema_version": {"DataType": "Number", "StringValue": "3"}}})
    got = wait_for("the three messages delivered to the consumer",
                   lambda: len({r["body"] for r in records(record_file)} & set(ok_bodies)) == 3 or None)
    check(bool(got), "the event source mapping delivers every message")
    rec = next(r for r in records(record_file) if r["body"] == ok_bodies[0])
    check(rec["eventSource"] == "aws:sqs" and rec["eventSourceARN"].endswith(f":{stack}-WorkQueue")
          and rec["awsRegion"] == "us-east-1", "record: eventSource, eventSourceARN, awsRegion")
    import hashlib
    check(rec["md5OfBody"] == hashlib.md5(ok_bodies[0].encode()).hexdigest(), "record: md5OfBody")
    attrs = rec["attributes"]
    check(attrs.get("ApproximateReceiveCount") == "1" and attrs.get("SentTimestamp", "").isdigit()
          and "ApproximateFirstReceiveTimestamp" in attrs, "record: attributes with receive count and timestamps")
    ma = rec["messageAttributes"]
    check(ma.get("event_type", {}).get("stringValue") == "temperature" and ma["event_type"].get("dataType") == "String"
          and ma.get("schema_version", {}).get("dataType") == "Number", "record: messageAttributes {stringValue, dataType}")
    check(bool(rec.get("messageId")) and bool(rec.get("receiptHandle")), "record: messageId, receiptHandle")
    drained = wait_for("the queue to be empty", lambda: queue_counts(endpoint, url) == (0, 0) or None)
    check(bool(drained), "successful messages are deleted")
    # A message delivered twice (its visibility timeout passed while a new
    # instance started) is possible, as in Lambda; once the queue is empty,
    # nothing deleted may come back.
    before = len([r for r in records(record_file) if r["body"] in ok_bodies])
    time.sleep(6)  # three visibility timeouts
    after = len([r for r in records(record_file) if r["body"] in ok_bodies])
    check(after == before and queue_counts(endpoint, url) == (0, 0), "a deleted message is never delivered again")

    fail_body, whole_body = f"please fail {run}", f"whole-batch-error {run}"
    for b in (fail_body, whole_body):
        sqs(endpoint, "SendMessage", {"QueueUrl": url, "MessageBody": b})

    def seen_twice(body):
        counts = {r["attributes"]["ApproximateReceiveCount"] for r in records(record_file) if r["body"] == body}
        return {"1", "2"} <= counts or None
    check(bool(wait_for("the failed item delivered again", lambda: seen_twice(fail_body))),
          "a batchItemFailures message becomes visible again and is delivered again")
    check(bool(wait_for("the failed batch delivered again", lambda: seen_twice(whole_body))),
          "the messages of a failed invocation are delivered again")

    def in_dlq():
        bodies = set()
        for _ in range(3):
            r = sqs(endpoint, "ReceiveMessage", {"QueueUrl": dlq, "MaxNumberOfMessages": 10, "VisibilityTimeout": 0})
            bodies |= {m["Body"] for m in r.get("Messages", [])}
        return {fail_body, whole_body} <= bodies or None
    check(bool(wait_for("both failing messages in the dead-letter queue", in_dlq)),
          "after maxReceiveCount receives, failing messages reach the dead-letter queue")
    counts = [r["attributes"]["ApproximateReceiveCount"] for r in records(record_file) if r["body"] == fail_body]
    check(max(int(c) for c in counts) <= 2, f"no delivery past maxReceiveCount 2 (receive counts {counts})")


def ddb(endpoint, op, body):
    status, _, raw = http("POST", endpoint + "/", json.dumps(body).encode(), {
        "X-Amz-Target": f"DynamoDB_20120810.{op}", "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, "
                         "SignedHeaders=host, Signature=00"})
    if status != 200:
        raise RuntimeError(f"DynamoDB {op}: HTTP {status}: {raw[:300]!r}")
    return json.loads(raw)


def raw_get(base, path):
    """GET with the path exactly as given (no client-side normalisation)."""
    import http.client
    host, port = base.split("//")[1].split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    c.request("GET", path)
    r = c.getresponse()
    return r.status, r.read()


def check_dashboard(dash, stack, ddb_endpoint):
    for path, ctype in (("/", "text/html"), ("/index.html", "text/html"), ("/app.js", "text/javascript"),
                        ("/style.css", "text/css")):
        status, headers, _ = http("GET", f"{dash}{path}")
        check(status == 200 and headers.get("Content-Type", "").startswith(ctype), f"dashboard {path}: 200 {ctype}")
    for path in ("/../template.yaml", "/%2e%2e/template.yaml", "/escape.txt", "/nothing.js", "/a/../../x"):
        status, _ = raw_get(dash, path)
        check(status == 404, f"dashboard {path}: 404, nothing outside the directory (got {status})")
    status, _, _ = http("POST", f"{dash}/api/state", b"{}")
    check(status == 405, "dashboard: POST refused")

    table = f"{stack}-TestTable"
    for i, when in enumerate(("2026-12-02T07:00:00.000Z", "2026-12-02T08:00:00.000Z")):
        ddb(ddb_endpoint, "PutItem", {"TableName": table, "Item": {
            "event_id": {"S": f"e{i}"}, "source": {"S": "s"}, "received_at": {"S": when},
            "payload": {"M": {"value": {"N": "21.50"}, "unit": {"S": "celsius"}}},
            "tags": {"L": [{"S": "a"}, {"BOOL": True}, {"NULL": True}]}, "big": {"N": "12345678901234567890.123"}}})
    status, headers, raw = http("GET", f"{dash}/api/state")
    check(status == 200 and headers.get("Cache-Control") == "no-store", "GET /api/state: 200, not cached")
    st = json.loads(raw)
    check(set(st) >= {"requests", "invocations", "queues", "stored", "dlq_messages", "functions"},
          "state: requests, invocations, queues, stored, dlq_messages, functions")
    check(0 < len(st["requests"]) <= 100 and {"time", "method", "path", "status", "duration_ms", "request_id"}
          <= st["requests"][-1].keys(), "state: requests with time, method, path, status, duration_ms, request_id")
    statuses = {i["status"] for i in st["invocations"]}
    check({"ok", "error", "timeout", "crash"} <= statuses and len(st["invocations"]) <= 100,
          f"state: invocations with every status ({sorted(statuses)})")
    q = st["queues"]
    check(q["events"]["url"].endswith(f"/{stack}-WorkQueue") and isinstance(q["events"]["visible"], int)
          and isinstance(q["events"]["in_flight"], int), "state: the events queue with visible and in_flight")
    check(q["dlq"]["url"].endswith(f"/{stack}-WorkDeadLetterQueue") and q["dlq"]["visible"] + q["dlq"]["in_flight"] >= 2,
          f"state: the dead-letter queue holds the failed messages ({q['dlq']}; a peek with VisibilityTimeout 0 "
          "counts as in flight on fauxqs for an instant)")
    bodies = {m["body"] for m in st["dlq_messages"]}
    check(any(b.startswith("please fail") for b in bodies) and any(b.startswith("whole-batch-error") for b in bodies)
          and all({"messageId", "body", "attributes"} <= m.keys() for m in st["dlq_messages"]),
          "state: dlq_messages with messageId, body, attributes")
    st2 = json.loads(http("GET", f"{dash}/api/state")[2])
    check({m["body"] for m in st2["dlq_messages"]} == bodies, "peeking the dead-letter queue does not consume it")
    fn = st["functions"]
    check(fn["ApiFunction"]["restarts"] >= 2 and fn["ApiFunction"]["instances"] >= 1
          and "WorkerFunction" in fn, f"state: functions with instances and restarts ({fn})")
    stored = st["stored"]
    check([i["event_id"] for i in stored[:2]] == ["e1", "e0"], "state: stored items newest first by received_at")
    check(stored and stored[0]["payload"] == {"value": 21.5, "unit": "celsius"} and stored[0]["tags"] == ["a", True, None],
          "state: items unmarshalled to plain JSON")
    check(b'"big":12345678901234567890.123' in raw, "state: numbers keep their exact text")


def check_throttle(api):
    statuses = [http("POST", f"{api}/echo", b"{}")[0] for _ in range(5)]
    check(statuses[:2] == [200, 200] and statuses[2:] == [429] * 3, f"burst 2, rate 0: two pass, then 429 ({statuses})")
    status, headers, raw = http("POST", f"{api}/echo", b"{}")
    body = json.loads(raw)
    check(status == 429 and body["title"] == "Too Many Requests" and body["requestId"] == headers.get("x-amzn-RequestId")
          and headers.get("Content-Type") == "application/problem+json" and headers.get("Retry-After") == "1"
          and headers.get("X-Not-Static") is None,
          "429 shaped by the template's GatewayResponses.THROTTLED (status, static headers, body with the request id)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--api", required=True)
    ap.add_argument("--dashboard")
    ap.add_argument("--sqs")
    ap.add_argument("--ddb")
    ap.add_argument("--records")
    ap.add_argument("--log")
    ap.add_argument("--stack")
    ap.add_argument("--throttle-only", action="store_true")
    a = ap.parse_args()
    if a.throttle_only:
        check_throttle(a.api)
    else:
        check_api(a.api, a.log)
        if a.sqs:
            check_esm(a.sqs, a.stack, a.records)
        if a.dashboard:
            check_dashboard(a.dashboard, a.stack, a.ddb)
    if FAILURES:
        print(f"check_devserver: {len(FAILURES)} failed", file=sys.stderr)
        return 1
    print("check_devserver: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
