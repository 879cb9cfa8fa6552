"""Reference ingestion handler in the original Python design's style:
json + jsonschema + boto3, one SendMessage per accepted event. Used only by
the end-to-end benchmark (bench/e2e) as the baseline evpipe is compared with."""
import json
import os
import uuid
from datetime import datetime, timezone

import boto3
from jsonschema import Draft202012Validator, FormatChecker

_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
with open(os.path.join(_ROOT, "schema", "events.schema.json")) as _f:
    SCHEMA = json.load(_f)
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=FormatChecker())
SCHEMA_VERSION = SCHEMA["$id"].rsplit(":", 1)[-1]  # urn:evpipe:schema:events:<version>
sqs = boto3.client("sqs")
QUEUE_URL = os.environ.get("SQS_QUEUE_URL", "")


def _problem(status, title, detail, errors=None):
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return {"statusCode": status, "headers": {"Content-Type": "application/problem+json"}, "body": json.dumps(body)}


def handler(event, context):
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    ctype = headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if ctype != "application/json" and not ctype.endswith("+json"):
        return _problem(415, "Unsupported Media Type", f"content type {ctype} is not JSON")
    try:
        body = json.loads(event.get("body") or "")
    except ValueError as e:
        return _problem(400, "Invalid JSON", str(e))
    errors = [{"pointer": "/" + "/".join(str(p) for p in e.absolute_path), "message": e.message}
              for e in VALIDATOR.iter_errors(body)]
    if errors:
        return _problem(400, "Invalid event", "the event breaks the schema", errors)
    event_id = str(uuid.uuid4())
    received_at = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    ident = (event.get("requestContext") or {}).get("identity") or {}
    attrs = {"event_id": {"DataType": "String", "StringValue": event_id},
             "event_type": {"DataType": "String", "StringValue": body["type"]},
             "schema_version": {"DataType": "Number", "StringValue": SCHEMA_VERSION},
             "received_at": {"DataType": "String", "StringValue": received_at}}
    if ident.get("sourceIp"):
        attrs["source_ip"] = {"DataType": "String", "StringValue": ident["sourceIp"]}
    sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=event["body"], MessageAttributes=attrs)
    return {"statusCode": 202, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"eventId": event_id, "status": "accepted"})}
