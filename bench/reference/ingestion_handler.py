"""Reference ingestion handler in the original Python design's style.

The yardstick for the in-process benchmark (bench/reference/bench_handlers.py)
and for the start-up peer (bench/startup/python_bootstrap.py --handler): what
the ingestion function costs when written the usual Python way: json,
jsonschema's Draft202012Validator against schema/events.schema.json, and a
boto3 SQS client created at import time, as Lambda handlers do.

It does the work the C function does for one API Gateway proxy event
(payload format 1.0): method and path, Content-Type, base64 bodies, the size
limit, parse, validate (every error with its JSON Pointer), enrich (event id,
received_at, message attributes, trace header) and SendMessage; 202 with the
event id once SQS answered, application/problem+json otherwise; a JSON
array of 1 to 10 events is validated item by item and the valid ones sent
with one SendMessageBatch. Idempotency-Key is left out. (An item of an
array is re-serialised with json.dumps, as a Python handler would; the C
function keeps each item's text.)

Not a deployable function: it exists to be measured. The send goes through
boto3 (parameter validation, serialisation); the benchmark cuts it off before
signing and the network with botocore's Stubber.
"""
import base64
import datetime
import json
import os
import uuid

import boto3
from jsonschema import Draft202012Validator

SCHEMA_PATH = os.environ.get(
    "EVENTS_SCHEMA", os.path.join(os.path.dirname(__file__), "..", "..", "schema", "events.schema.json"))
with open(SCHEMA_PATH) as _f:
    SCHEMA = json.load(_f)
SCHEMA_VERSION = int(SCHEMA["$id"].rsplit(":", 1)[1])
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)

QUEUE_URL = os.environ.get("SQS_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/123456789012/evpipe-events")
MAX_MESSAGE_BYTES = int(os.environ.get("SQS_MAX_MESSAGE_BYTES", "262144"))
sqs = boto3.client("sqs", region_name=os.environ.get("AWS_REGION", "us-east-1"))


def _response(status, body, content_type="application/json", headers=None):
    h = {"Content-Type": content_type}
    if headers:
        h.update(headers)
    return {"statusCode": status, "headers": h, "body": json.dumps(body), "isBase64Encoded": False}


def _problem(status, title, detail, errors=None):
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return _response(status, body, "application/problem+json")


def _header(event, name):
    for k, v in (event.get("headers") or {}).items():
        if k.lower() == name:
            return v
    return None


def _pointer(path):
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def lambda_handler(event, context):
    if event.get("path") != "/events":
        return _problem(404, "Not Found", "no resource at %s" % event.get("path"))
    if event.get("httpMethod") != "POST":
        return _response(405, {"message": "method not allowed"}, headers={"Allow": "POST"})
    ctype = (_header(event, "content-type") or "application/json").split(";", 1)[0].strip().lower()
    if ctype != "application/json" and not (ctype.startswith("application/") and ctype.endswith("+json")):
        return _problem(415, "Unsupported Media Type", "Content-Type %s is not JSON" % ctype)
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(raw, validate=True).decode("utf-8")
        except ValueError as e:
            return _problem(400, "Bad Request", "body is not valid base64: %s" % e)
    if len(raw.encode("utf-8")) > MAX_MESSAGE_BYTES:
        return _problem(413, "Payload Too Large", "body over %d bytes" % MAX_MESSAGE_BYTES)
    try:
        doc = json.loads(raw)
    except ValueError as e:
        return _problem(400, "Bad Request", "body is not JSON: %s" % e)
    if isinstance(doc, list):
        return _handle_array(event, doc)
    errors = _errors(doc)
    if errors:
        return _problem(400, "Bad Request", "the event does not match the schema", errors)
    event_id, attrs = _enrich(event, doc)
    params = {"QueueUrl": QUEUE_URL, "MessageBody": raw, "MessageAttributes": attrs}
    trace = os.environ.get("_X_AMZN_TRACE_ID")
    if trace:
        params["MessageSystemAttributes"] = {"AWSTraceHeader": {"DataType": "String", "StringValue": trace}}
    try:
        sqs.send_message(**params)
    except Exception as e:  # the queue could not be reached: never a 202
        return _problem(503, "Service Unavailable", "the event could not be queued: %s" % type(e).__name__)
    return _response(202, {"eventId": event_id, "status": "accepted"})


def _errors(doc):
    return [{"pointer": _pointer(e.absolute_path), "keyword": e.validator, "message": e.message}
            for e in VALIDATOR.iter_errors(doc)]


def _enrich(event, doc):
    event_id = str(uuid.uuid4())
    received_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")[:-6] + "Z"
    attrs = {
        "event_id": {"DataType": "String", "StringValue": event_id},
        "event_type": {"DataType": "String", "StringValue": doc["type"]},
        "schema_version": {"DataType": "Number", "StringValue": str(SCHEMA_VERSION)},
        "received_at": {"DataType": "String", "StringValue": received_at},
    }
    rc = event.get("requestContext") or {}
    source_ip = (rc.get("identity") or {}).get("sourceIp")
    if source_ip:
        attrs["source_ip"] = {"DataType": "String", "StringValue": source_ip}
    if rc.get("requestId"):
        attrs["request_id"] = {"DataType": "String", "StringValue": rc["requestId"]}
    return event_id, attrs


def _handle_array(event, docs):
    """1..10 events: each validated, the valid ones sent with one SendMessageBatch."""
    if not docs:
        return _problem(400, "Bad Request", "the array is empty")
    if len(docs) > 10:
        return _problem(413, "Payload Too Large", "at most 10 events per request")
    results, entries = [], []
    for i, doc in enumerate(docs):
        errors = _errors(doc)
        if errors:
            results.append({"index": i, "status": "rejected", "errors": errors})
            continue
        event_id, attrs = _enrich(event, doc)
        entries.append({"Id": str(i), "MessageBody": json.dumps(doc), "MessageAttributes": attrs})
        results.append({"index": i, "eventId": event_id, "status": "accepted"})
    if entries:
        try:
            answer = sqs.send_message_batch(QueueUrl=QUEUE_URL, Entries=entries)
        except Exception:
            answer = {"Failed": [{"Id": e["Id"]} for e in entries]}
        for f in answer.get("Failed", []):
            r = results[int(f["Id"])]
            r["status"] = "failed"
            r.pop("eventId", None)
    accepted = any(r["status"] == "accepted" for r in results)
    return _response(202 if accepted else 400, {"results": results})
