#!/usr/bin/env python3
"""In-process cost of the Python reference handlers, per event.

usage: bench_handlers.py [--events N] [--reps R] [--json] [--which ingestion,processing]

Times N events through bench/reference/ingestion_handler.py (one API Gateway
proxy event per request) and N records through processing_handler.py (SQS
events of 10 records, the template's BatchSize), in this process, after a
warm-up. The events come from bench/events/gen_events.py (deterministic; about
90% valid, 10% with the defects clients send); the ingestion side gets all of
them, the processing side the valid ones (what ingestion queues), with the
message attributes ingestion sets. The AWS calls go through boto3 up to the
request (parameter validation, serialisation, the Table resource's
TypeSerializer) and are cut off there by botocore's Stubber: no signing, no
network, as the C benchmarks use a fake sender and writer.

The ingestion side is timed twice: over all events, and over the valid ones
alone (every one sent and answered 202, as in a C case of valid events).

Prints a table (median ns per event over R repetitions, events/s, and the
process's CPU time per event, which load from other processes moves less) and, with
--json, one JSON object instead:
{"benchmark": "reference_handlers", "ingestion": {"ns_per_event": ..., "reps_ns": [...],
 "events": N, "status_counts": {...}}, "processing": {"ns_per_event": ..., ...}, ...}
"""
import argparse
import copy
import hashlib
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
APIGW_TEMPLATE = os.path.join(ROOT, "tests", "package", "events", "apigw_invalid_event.json")
SQS_TEMPLATE = os.path.join(ROOT, "tests", "package", "events", "sqs_one_record.json")
BATCH = 10

# Configuration the handlers read at import; no network is ever used.
os.environ.setdefault("AWS_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
os.environ.setdefault("SQS_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/123456789012/evpipe-events")
os.environ.setdefault("DYNAMODB_TABLE_NAME", "evpipe-events")
sys.path.insert(0, HERE)


def load_events(n):
    """n (text, label) pairs from the benchmark's event generator."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "events.jsonl")
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "events", "gen_events.py"), out,
                        "--count", str(n)], check=True, stdout=subprocess.DEVNULL)
        with open(out) as f:
            texts = f.read().splitlines()
        with open(out[:-6] + ".labels") as f:
            labels = f.read().splitlines()
    return list(zip(texts, labels))


def apigw_events(pairs):
    with open(APIGW_TEMPLATE) as f:
        tpl = json.load(f)
    evs = []
    for i, (text, _) in enumerate(pairs):
        e = copy.deepcopy(tpl)
        e["body"] = text
        e["requestContext"]["requestId"] = "req-%08d" % i
        evs.append(e)
    return evs


def schema_version():
    """The current schema version, as ingestion sends it ($id ends in :N)."""
    with open(os.path.join(ROOT, "schema", "events.schema.json")) as f:
        return int(json.load(f)["$id"].rsplit(":", 1)[1])


def sqs_events(pairs):
    """SQS events of BATCH records, each record a valid event with ingestion's attributes."""
    with open(SQS_TEMPLATE) as f:
        rec_tpl = json.load(f)["Records"][0]
    recs = []
    for i, (text, _) in enumerate(pairs):
        r = copy.deepcopy(rec_tpl)
        r["messageId"] = "00000000-0000-4000-8000-%012d" % i
        r["body"] = text
        r["md5OfBody"] = hashlib.md5(text.encode()).hexdigest()
        ev_type = json.loads(text)["type"]
        r["messageAttributes"] = {
            "event_id": {"stringValue": "0193a000-0000-7000-8000-%012d" % i, "dataType": "String"},
            "event_type": {"stringValue": ev_type, "dataType": "String"},
            "schema_version": {"stringValue": str(schema_version()), "dataType": "Number"},
            "received_at": {"stringValue": "2026-12-02T07:40:00.123Z", "dataType": "String"},
            "source_ip": {"stringValue": "198.51.100.7", "dataType": "String"},
            "request_id": {"stringValue": "req-%08d" % i, "dataType": "String"},
        }
        recs.append(r)
    return [{"Records": recs[i:i + BATCH]} for i in range(0, len(recs), BATCH)]


def stub(client, operation, response, count):
    from botocore.stub import Stubber
    s = Stubber(client)
    for _ in range(count):
        s.add_response(operation, response)
    s.activate()
    return s


def _time_ingestion_pass(h, evs, warm, reps):
    """Median wall and CPU ns per event over reps passes, and the status counts."""
    resp = {"MessageId": "5fea7756-0ea4-451a-a703-a558b933e274", "MD5OfMessageBody": "0" * 32}
    times, cpu, counts = [], [], {}
    for rep in range(reps + 1):
        s = stub(h.sqs, "send_message", resp, len(evs) + len(warm))
        batch = warm if rep == 0 else evs
        t, c = time.perf_counter(), time.process_time()
        outs = [h.lambda_handler(e, None) for e in batch]
        dt, dc = time.perf_counter() - t, time.process_time() - c
        s.deactivate()
        if rep > 0:
            times.append(dt * 1e9 / len(batch))
            cpu.append(dc * 1e9 / len(batch))
            counts = {}
            for o in outs:
                counts[str(o["statusCode"])] = counts.get(str(o["statusCode"]), 0) + 1
    return times, cpu, counts


def time_ingestion(pairs, reps):
    """All events (the generator's mix), then the valid ones alone (each answered 202)."""
    import ingestion_handler as h
    evs = apigw_events(pairs)
    warm = evs[:min(200, len(evs))]
    times, cpu, counts = _time_ingestion_pass(h, evs, warm, reps)
    valid = apigw_events([p for p in pairs if p[1] == "valid"])
    vtimes, vcpu, vcounts = _time_ingestion_pass(h, valid, warm, reps)
    return {"events": len(evs), "ns_per_event": round(statistics.median(times)), "reps_ns": [round(x) for x in times],
            "cpu_ns_per_event": round(statistics.median(cpu)), "status_counts": counts,
            "valid_only": {"events": len(valid), "ns_per_event": round(statistics.median(vtimes)),
                           "cpu_ns_per_event": round(statistics.median(vcpu)), "status_counts": vcounts}}


def time_processing(pairs, reps):
    import processing_handler as h
    valid = [p for p in pairs if p[1] in ("valid", "valid-fp")]
    evs = sqs_events(valid)
    warm = evs[:min(20, len(evs))]
    times, cpu, failures = [], [], 0
    for rep in range(reps + 1):
        s = stub(h.table.meta.client, "put_item", {}, len(valid) + BATCH * len(warm))
        batch = warm if rep == 0 else evs
        n = sum(len(e["Records"]) for e in batch)
        t, c = time.perf_counter(), time.process_time()
        outs = [h.lambda_handler(e, None) for e in batch]
        dt, dc = time.perf_counter() - t, time.process_time() - c
        s.deactivate()
        if rep > 0:
            times.append(dt * 1e9 / n)
            cpu.append(dc * 1e9 / n)
            failures = sum(len(o["batchItemFailures"]) for o in outs)
    return {"events": len(valid), "batch": BATCH, "ns_per_event": round(statistics.median(times)),
            "reps_ns": [round(x) for x in times], "cpu_ns_per_event": round(statistics.median(cpu)),
            "batch_item_failures": failures}


def versions():
    import boto3
    import botocore
    from importlib.metadata import version
    return {"python": platform.python_version(), "boto3": boto3.__version__, "botocore": botocore.__version__,
            "jsonschema": version("jsonschema")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=2000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--which", default="ingestion,processing")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    pairs = load_events(a.events)
    res = {"benchmark": "reference_handlers", "versions": versions()}
    which = a.which.split(",")
    # The handlers print nothing, but keep stdout clean for --json in any case.
    saved, sys.stdout = sys.stdout, io.StringIO()
    try:
        if "ingestion" in which:
            res["ingestion"] = time_ingestion(pairs, a.reps)
        if "processing" in which:
            res["processing"] = time_processing(pairs, a.reps)
    finally:
        sys.stdout = saved
    if a.json:
        print(json.dumps(res))
        return
    print("%-44s %10s %10s %12s" % ("Python reference handler (in process)", "ns/event", "events/s", "CPU ns/event"))
    for k in ("ingestion", "processing"):
        if k in res:
            ns = res[k]["ns_per_event"]
            print("%-44s %10d %10.0f %12d" % (k + "_handler.py", ns, 1e9 / ns, res[k]["cpu_ns_per_event"]))
            v = res[k].get("valid_only")
            if v:
                print("%-44s %10d %10.0f %12d" % ("  valid events only", v["ns_per_event"], 1e9 / v["ns_per_event"],
                                                  v["cpu_ns_per_event"]))


if __name__ == "__main__":
    main()
