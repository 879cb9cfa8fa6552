#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets whose inputs have a layout of
their own (docs/fuzzing.md), from the samples the other tests use:

  next_reply          Runtime API replies to invocation/next (status line,
                      headers, body: the samples' events as bodies)
  gateway_request     the requests behind tests/functions/events/*.json (the
                      API Gateway samples), as method/url/headers/query/body
  batch_failures      the SQS batches of tests/fuzz/corpus/sqs_event with
                      writer outcomes in front
  ingestion_results   arrays of valid and schema-breaking events with queue
                      outcomes and error codes

usage: tests/fuzz/make_seeds.py    (from anywhere; rewrites those folders)
"""
import json
import os
import shutil

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")
SAMPLES = os.path.join(ROOT, "tests", "functions", "events")


def fresh(name):
    d = os.path.join(CORPUS, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def write(d, name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def samples():
    for name in sorted(os.listdir(SAMPLES)):
        if name.endswith(".json"):
            with open(os.path.join(SAMPLES, name), "rb") as f:
                yield name[:-5], f.read()


def next_reply():
    d = fresh("next_reply")
    rid = "8476a536-e9f4-11e8-9739-2dfe598c3fcd"
    head = ("Lambda-Runtime-Aws-Request-Id: {rid}\r\nLambda-Runtime-Deadline-Ms: {dl}\r\n"
            "Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:f\r\n"
            "Lambda-Runtime-Trace-Id: Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1\r\n")
    for name, body in samples():
        write(d, f"invoke_{name}", f"200\r\n{head.format(rid=rid, dl=1800000000000)}\r\n".encode() + body[:64])
    write(d, "past_deadline", f"200\r\n{head.format(rid=rid, dl=1600000000000)}\r\n{{}}".encode())
    write(d, "no_deadline", f"200\nLambda-Runtime-Aws-Request-Id: {rid}\n\n{{}}".encode())
    write(d, "bad_deadline", f"200\n{head.format(rid=rid, dl='12ab')}\n{{}}".encode())
    write(d, "no_request_id", b"200\nLambda-Runtime-Deadline-Ms: 1800000000000\n\n{}")
    write(d, "too_large", f"200\n{head.format(rid=rid, dl=1800000000000)}\n".encode() + b"x" * 100)
    write(d, "container_error", b"500\nContent-Type: application/json\n\n{\"errorType\":\"x\"}")
    write(d, "retry", b"429\n\n")
    write(d, "context", f"200\n{head.format(rid=rid, dl=1800000000000)}Lambda-Runtime-Client-Context: "
                        "{\"custom\":{}}\nLambda-Runtime-Cognito-Identity: {\"cognitoIdentityId\":\"x\"}\n\n".encode())


def gateway_request():
    d = fresh("gateway_request")
    for name, raw in samples():
        ev = json.loads(raw)
        headers = []
        for k, vs in (ev.get("multiValueHeaders") or {}).items():
            headers += [(k, v) for v in vs]
        if not headers:
            headers = list((ev.get("headers") or {}).items())
        query = []
        for k, vs in (ev.get("multiValueQueryStringParameters") or {}).items():
            query += [(k, v) for v in vs]
        headers, query = headers[:7], query[:3]
        body = ev.get("body") or ""
        if ev.get("isBase64Encoded"):
            import base64
            body = base64.b64decode(body)
        else:
            body = body.encode()
        for stage in ("", "/dev"):
            head = bytes([len(headers) | (len(query) << 3) | 0x20])
            fields = [ev["httpMethod"], stage + ev["path"]] + [x for kv in headers + query for x in kv]
            data = head + b"".join(f.encode() + b"\0" for f in fields) + body
            write(d, f"{name}{stage.replace('/', '_')}", data)
    write(d, "items_param", b"\x01GET\0/items/a%2Fb\0Host\0localhost\0")
    write(d, "files_greedy", b"\x00PUT\0/files/a/b/c.bin\0\x00\x01\x02\xff")
    write(d, "no_route", b"\x00PATCH\0/nope\0")


def batch_failures():
    d = fresh("batch_failures")
    src = os.path.join(CORPUS, "sqs_event")
    outcomes = {"written": b"\x00\x00\x00\x00", "mixed": b"\xe4\xe4\xe4\x64", "writer_down": b"\x80\x00\x00\x00"}
    for name in sorted(os.listdir(src)):
        with open(os.path.join(src, name), "rb") as f:
            batch = f.read()
        for oname, o in outcomes.items():
            write(d, f"{os.path.splitext(name)[0]}_{oname}", o + batch)


def ingestion_results():
    d = fresh("ingestion_results")
    cases = {
        "all_taken": (3, 0, [1, 1, 1], b""),
        "mixed_entries": (5, 0, [3, 1, 0, 3, 1], b"InternalError"),
        "transport_down": (2, 1, [1, 1], b""),
        "service_error": (4, 2, [1, 0, 1, 1], b"AWS.SimpleQueueService.NonExistentQueue"),
        "all_rejected": (2, 0, [0, 0], b""),
        "odd_code": (2, 3, [1, 1], "Throttl\u00e9\"\\\n".encode()),
        "ten": (10, 0, [3, 1] * 5, b"Failed"),
    }
    for name, (n, mode, items, code) in cases.items():
        items = (items + [0] * 10)[:10]
        write(d, name, bytes([n - 1, mode]) + bytes(items) + code)


if __name__ == "__main__":
    next_reply()
    gateway_request()
    batch_failures()
    ingestion_results()
