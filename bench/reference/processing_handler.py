"""Reference processing handler in the original Python design's style.

The yardstick for the in-process benchmark (bench/reference/bench_handlers.py):
what the processing function costs when written the usual Python way. Per
SQS record: json.loads with Decimal numbers (DynamoDB refuses floats),
jsonschema's Draft202012Validator against schema/events.schema.json, the
message attributes ingestion sets (event_id, received_at, schema_version,
...), the business rules (temperature in celsius, pressure in hPa, the
original value and unit kept; Decimal arithmetic, half-even rounding), then
a conditional PutItem (attribute_not_exists(event_id)) through a boto3
DynamoDB Table resource created at import time; a record that fails is
reported in batchItemFailures, a duplicate counts as success.

The attribute names follow the function's table layout in spirit
(value_normalised, unit_normalised, original_value, original_unit); the
benchmark measures cost, not the exact item. Records are written one after
the other, as a straightforward Python handler does.

Not a deployable function: it exists to be measured. The benchmark cuts the
PutItem off before signing and the network with botocore's Stubber (the
resource's TypeSerializer, parameter validation and serialisation still run).
"""
import datetime
import decimal
import json
import os

import boto3
from botocore.exceptions import ClientError
from jsonschema import Draft202012Validator

SCHEMA_PATH = os.environ.get(
    "EVENTS_SCHEMA", os.path.join(os.path.dirname(__file__), "..", "..", "schema", "events.schema.json"))
with open(SCHEMA_PATH) as _f:
    # Decimal numbers in the schema too, so multipleOf and the bounds compare Decimals exactly.
    SCHEMA = json.load(_f, parse_float=decimal.Decimal)
SCHEMA_VERSION = int(SCHEMA["$id"].rsplit(":", 1)[1])
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)

TABLE_NAME = os.environ.get("DYNAMODB_TABLE_NAME", "evpipe-events")
RETENTION_DAYS = int(os.environ.get("EVENT_RETENTION_DAYS", "365"))
table = boto3.resource("dynamodb", region_name=os.environ.get("AWS_REGION", "us-east-1")).Table(TABLE_NAME)

D = decimal.Decimal
CENTS = D("0.01")
MILLIS = D("0.001")
HPA_PER = {"Pa": D("0.01"), "hPa": D(1), "kPa": D(10), "bar": D(1000), "psi": D("68.94757293168361")}


class RecordError(Exception):
    pass


def _normalise(doc):
    p = doc["payload"]
    value, unit = D(p["value"]), p.get("unit")  # an integer reading arrives as int
    if doc["type"] == "temperature":
        if unit == "fahrenheit":
            c = ((value - 32) * 5 / 9).quantize(CENTS, rounding=decimal.ROUND_HALF_EVEN)
        elif unit == "kelvin":
            c = value - D("273.15")
        else:
            c = value
        return {"value_normalised": c, "unit_normalised": "celsius", "original_value": value,
                "original_unit": unit}
    if doc["type"] == "pressure":
        h = (value * HPA_PER[unit]).quantize(MILLIS, rounding=decimal.ROUND_HALF_EVEN)
        return {"value_normalised": h, "unit_normalised": "hPa", "original_value": value, "original_unit": unit}
    return {"value_normalised": value, "unit_normalised": unit or "percent"}


def _attr(record, name, required=True):
    a = (record.get("messageAttributes") or {}).get(name)
    if a is None:
        if required:
            raise RecordError("message attribute %s is missing" % name)
        return None
    return a.get("stringValue")


def _item(record):
    try:
        doc = json.loads(record["body"], parse_float=D)
    except ValueError as e:
        raise RecordError("body is not JSON: %s" % e)
    errors = list(VALIDATOR.iter_errors(doc))
    if errors:
        raise RecordError("body does not match the schema: %s" % errors[0].message)
    version = int(_attr(record, "schema_version"))
    if version != SCHEMA_VERSION:
        raise RecordError("unsupported schema version %d" % version)
    received_at = _attr(record, "received_at")
    received = datetime.datetime.fromisoformat(received_at.replace("Z", "+00:00"))
    item = dict(doc)
    item.update(_normalise(doc))
    item.update({
        "event_id": _attr(record, "event_id"),
        "received_at": received_at,
        "schema_version": version,
        "event_type": _attr(record, "event_type"),
        "expires_at": int(received.timestamp()) + RETENTION_DAYS * 86400,
        "message_id": record["messageId"],
    })
    for name in ("source_ip", "request_id"):
        v = _attr(record, name, required=False)
        if v:
            item[name] = v
    return item


def _process(record):
    item = _item(record)
    try:
        table.put_item(Item=item, ConditionExpression="attribute_not_exists(event_id)")
    except ClientError as e:
        if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        # Already stored: a redelivery. (A conflict check would read the item back.)


def lambda_handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            _process(record)
        except Exception:  # reported, retried by SQS, then the DLQ
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
