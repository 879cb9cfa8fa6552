#!/usr/bin/env python3
"""Helpers of tests/functions/processing_run.sh (boto3 against dynalite).

usage:
  processing_check.py create-table ENDPOINT TABLE      the table as template.yaml declares it
  processing_check.py events DIR                        writes DIR/batch{1,2,3,4}.json
  processing_check.py answers RECORD EXPECTED_JSON      each invocation's answer, in order
  processing_check.py table ENDPOINT TABLE              the items batch1..3 must leave
Exit status 0 when the check holds; otherwise a message says what differs.
"""
import json
import os
import re
import sys
from datetime import datetime, timezone

import boto3
import yaml

RECEIVED_AT = "2026-12-02T07:40:00.123Z"
RETENTION_DAYS = 30  # processing_run.sh sets EVENT_RETENTION_DAYS to this
IDS = ["0190a6e2-0000-7000-8000-%012x" % i for i in range(1, 10)]


def schema_version():
    """EVENTS_SCHEMA_VERSION as generated from the schema (never written here)."""
    with open("generated/events_types.h", encoding="utf-8") as f:
        m = re.search(r"^#define EVENTS_SCHEMA_VERSION (\d+)", f.read(), re.M)
    if not m:
        sys.exit("no EVENTS_SCHEMA_VERSION in generated/events_types.h")
    return int(m.group(1))


CURRENT = str(schema_version())
# One message of the batch was written by a producer of the previous schema
# version (still in the queue when this function was deployed).
PREVIOUS = str(schema_version() - 1)


def client(endpoint):
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def template_table():
    class Loader(yaml.SafeLoader):
        pass
    # CloudFormation's short tags (!Ref, !GetAtt, ...): their values do not matter here.
    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    with open("template.yaml", encoding="utf-8") as f:
        template = yaml.load(f, Loader=Loader)
    return template["Resources"]["EventsTable"]["Properties"]


def create_table(endpoint, table):
    props = template_table()
    c = client(endpoint)
    c.create_table(TableName=table, BillingMode=props["BillingMode"],
                   AttributeDefinitions=props["AttributeDefinitions"], KeySchema=props["KeySchema"],
                   GlobalSecondaryIndexes=props["GlobalSecondaryIndexes"])
    c.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    print("table %s created with the template's keys and %d GSI" % (table, len(props["GlobalSecondaryIndexes"])))


def record(message_id, body, event_id, event_type, receive_count="1", version=CURRENT):
    attrs = {
        "event_id": event_id, "event_type": event_type, "received_at": RECEIVED_AT,
        "source_ip": "203.0.113.9", "request_id": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
    }
    message_attributes = {k: {"stringValue": v, "stringListValues": [], "binaryListValues": [],
                              "dataType": "String"} for k, v in attrs.items()}
    message_attributes["schema_version"] = {"stringValue": version, "stringListValues": [], "binaryListValues": [],
                                            "dataType": "Number"}
    return {
        "messageId": message_id,
        "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...",
        "body": body,
        "attributes": {"ApproximateReceiveCount": receive_count, "SentTimestamp": "1796197200123",
                       "SenderId": "AIDAIENQZJOLO23YVJ4VO", "ApproximateFirstReceiveTimestamp": "1796197200130"},
        "messageAttributes": message_attributes,
        "md5OfBody": "0" * 32,
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:evpipe-events",
        "awsRegion": "us-east-1",
    }


# Bodies as text, numbers exactly as a client sent them.
T_F = '{"source":"sensor-1","type":"temperature","payload":{"value":98.6,"unit":"fahrenheit"}}'
T_F2 = '{"source":"sensor-1","type":"temperature","payload":{"value":98.7,"unit":"fahrenheit"}}'
P_PSI = '{"source":"station:north","type":"pressure","payload":{"value":14.696,"unit":"psi"}}'
P_PA = '{"source":"station:north","type":"pressure","payload":{"value":101325,"unit":"Pa","altitude_m":120}}'
H = '{"source":"greenhouse.7","type":"humidity","payload":{"value":61.25},"tags":{"site":"lab-3"}}'
T_K = '{"source":"sensor-2","type":"temperature","payload":{"value":0,"unit":"kelvin"}}'


def events(directory):
    batch1 = [record("m-1", T_F, IDS[0], "temperature"), record("m-2", P_PSI, IDS[1], "pressure"),
              record("m-3", P_PA, IDS[2], "pressure"), record("m-4", H, IDS[3], "humidity", version=PREVIOUS)]
    # The same messages again (a redelivery after a lost response).
    batch2 = [dict(r, attributes=dict(r["attributes"], ApproximateReceiveCount="2")) for r in batch1]
    batch3 = [record("m-conflict", T_F2, IDS[0], "temperature"), record("m-5", T_K, IDS[4], "temperature"),
              record("m-invalid", '{"source":"sensor-1","type":"temperature"}', IDS[5], "temperature")]
    batch4 = [record("m-7", T_F, IDS[6], "temperature"), record("m-8", H, IDS[7], "humidity")]
    for name, recs in (("batch1", batch1), ("batch2", batch2), ("batch3", batch3), ("batch4", batch4)):
        with open(os.path.join(directory, name + ".json"), "w", encoding="utf-8") as f:
            json.dump({"Records": recs}, f)


def answers(record_file, expected_json):
    expected = json.loads(expected_json)
    with open(record_file, encoding="utf-8") as f:
        posts = [json.loads(line) for line in f if line.strip()]
    if len(posts) != len(expected):
        sys.exit("expected %d answers, got %d: %s" % (len(expected), len(posts), posts))
    for i, (post, want) in enumerate(zip(posts, expected)):
        if not (post["known"] and post["path"].endswith("/req-%d/response" % (i + 1))):
            sys.exit("answer %d is not a response to req-%d: %s %s" % (i + 1, i + 1, post["path"], post["body"]))
        body = json.loads(post["body"])
        got = [f["itemIdentifier"] for f in body.get("batchItemFailures", [])]
        if list(body) != ["batchItemFailures"] or got != want:
            sys.exit("answer %d: expected failures %s, got %s" % (i + 1, want, post["body"]))
        print("req-%d answered %s" % (i + 1, post["body"]))


def table(endpoint, name):
    c = client(endpoint)
    items = {}
    for page in c.get_paginator("scan").paginate(TableName=name, ConsistentRead=True):
        for item in page["Items"]:
            items[item["event_id"]["S"]] = item
    want_ids = {IDS[0], IDS[1], IDS[2], IDS[3], IDS[4]}
    if set(items) != want_ids:
        sys.exit("expected items %s, found %s" % (sorted(want_ids), sorted(items)))
    received = datetime(2026, 12, 2, 7, 40, 0, 123000, tzinfo=timezone.utc)
    expires = str(int(received.timestamp()) + RETENTION_DAYS * 86400)
    # (event id, message id, value_normalised, unit_normalised, original_value, original_unit, version)
    expected = [
        (IDS[0], "m-1", "37", "celsius", "98.6", "fahrenheit", CURRENT),  # the first write stays
        (IDS[1], "m-2", "1013.254", "hPa", "14.696", "psi", CURRENT),
        (IDS[2], "m-3", "1013.25", "hPa", "101325", "Pa", CURRENT),
        (IDS[3], "m-4", "61.25", "percent", "61.25", "percent", PREVIOUS),  # sent under the previous version
        (IDS[4], "m-5", "-273.15", "celsius", "0", "kelvin", CURRENT),
    ]
    for event_id, message_id, value, unit, original, original_unit, version in expected:
        item = items[event_id]
        got = (item["message_id"]["S"], item["value_normalised"]["N"], item["unit_normalised"]["S"],
               item["original_value"]["N"], item["original_unit"]["S"], item["received_at"]["S"],
               item["expires_at"]["N"], item["schema_version"]["N"], item["source_ip"]["S"],
               len(item["content_hash"]["S"]))
        want = (message_id, value, unit, original, original_unit, RECEIVED_AT, expires, version, "203.0.113.9", 64)
        if got != want:
            sys.exit("item %s: expected %s, got %s" % (event_id, want, got))
    pa = items[IDS[2]]["payload"]["M"]
    if pa != {"value": {"N": "101325"}, "unit": {"S": "Pa"}, "altitude_m": {"N": "120"}}:
        sys.exit("item %s: payload %s" % (IDS[2], pa))
    # The GSI by-source-time answers for a source, in received_at order.
    q = c.query(TableName=name, IndexName="by-source-time",
                KeyConditionExpression="#s = :s AND received_at <= :t",
                ExpressionAttributeNames={"#s": "source"},
                ExpressionAttributeValues={":s": {"S": "station:north"}, ":t": {"S": RECEIVED_AT}})
    if sorted(i["event_id"]["S"] for i in q["Items"]) != [IDS[1], IDS[2]]:
        sys.exit("GSI by-source-time for station:north: %s" % q["Items"])
    print("table: %d items with the exact normalised values, expires_at %s, GSI by-source-time answers"
          % (len(items), expires))


def main():
    cmd = sys.argv[1]
    if cmd == "create-table":
        create_table(sys.argv[2], sys.argv[3])
    elif cmd == "events":
        events(sys.argv[2])
    elif cmd == "answers":
        answers(sys.argv[2], sys.argv[3])
    elif cmd == "table":
        table(sys.argv[2], sys.argv[3])
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
