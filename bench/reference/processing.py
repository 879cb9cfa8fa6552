"""Reference processing handler in the original Python design's style:
json + jsonschema + boto3, one conditional PutItem per record, partial batch
responses. Used only by the end-to-end benchmark (bench/e2e)."""
import json
import logging
import os
from datetime import datetime, timedelta
from decimal import Decimal

import boto3
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError
from jsonschema import Draft202012Validator, FormatChecker

_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
with open(os.path.join(_ROOT, "schema", "events.schema.json")) as _f:
    VALIDATOR = Draft202012Validator(json.load(_f), format_checker=FormatChecker())
ddb = boto3.client("dynamodb")
TABLE = os.environ.get("DYNAMODB_TABLE_NAME", "")
RETENTION_DAYS = int(os.environ.get("EVENT_RETENTION_DAYS", "365"))
SER = TypeSerializer()
log = logging.getLogger("processing")


def _item(record):
    event = json.loads(record["body"], parse_float=Decimal)
    VALIDATOR.validate(json.loads(record["body"]))
    attrs = {k: v.get("stringValue") for k, v in record.get("messageAttributes", {}).items()}
    received = attrs["received_at"]
    expires = datetime.fromisoformat(received.replace("Z", "+00:00")) + timedelta(days=RETENTION_DAYS)
    item = dict(event, event_id=attrs["event_id"], received_at=received, event_type=attrs["event_type"],
                schema_version=Decimal(attrs["schema_version"]), expires_at=int(expires.timestamp()),
                message_id=record["messageId"])
    return {k: SER.serialize(v) for k, v in item.items()}


def handler(event, context):
    failures = []
    for record in event.get("Records", []):
        try:
            ddb.put_item(TableName=TABLE, Item=_item(record), ConditionExpression="attribute_not_exists(event_id)")
        except ClientError as e:
            if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
                log.error("record %s: %s", record["messageId"], e)
                failures.append({"itemIdentifier": record["messageId"]})
        except Exception as e:  # noqa: BLE001 - a bad record fails alone
            log.error("record %s: %r", record["messageId"], e)
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
