#!/usr/bin/env python3
"""boto3 side of the PutItem benchmark: the same item as bench_putitem.c,
N threads each with its own client (one PutItem at a time), for S seconds.
Also creates the table when asked (--create). Prints one JSON object like
bench_putitem."""
import argparse
import json
import threading
import time

import boto3
from botocore.config import Config


def client(endpoint):
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="bench", aws_secret_access_key="bench",
                        config=Config(retries={"mode": "standard", "max_attempts": 3}))


def item(worker, i):
    return {"pk": {"S": f"bench-{worker}-{i}"}, "sk": {"N": str(i)}, "tenant": {"S": "acme"},
            "kind": {"S": "order.created"}, "amount": {"N": "129.95"},
            "payload": {"S": "0123456789abcdef" * 4}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--table", required=True)
    ap.add_argument("--concurrency", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--create", action="store_true")
    a = ap.parse_args()
    if a.create:
        c = client(a.endpoint)
        c.create_table(TableName=a.table, BillingMode="PAY_PER_REQUEST",
                       AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                             {"AttributeName": "sk", "AttributeType": "N"}],
                       KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                  {"AttributeName": "sk", "KeyType": "RANGE"}])
        c.get_waiter("table_exists").wait(TableName=a.table, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
        return
    clients = [client(a.endpoint) for _ in range(a.concurrency)]
    for c in clients:  # connect and load the service model before the clock starts
        c.describe_table(TableName=a.table)
    results = [None] * a.concurrency
    start = time.monotonic()
    deadline = start + a.seconds

    def work(w):
        lat, errors, i = [], 0, 0
        c = clients[w]
        while time.monotonic() < deadline:
            t0 = time.monotonic()
            try:
                c.put_item(TableName=a.table, Item=item(w + 500, i))
            except Exception:  # noqa: BLE001 - counted, the run goes on
                errors += 1
            lat.append((time.monotonic() - t0) * 1000)
            i += 1
        results[w] = (lat, errors)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(a.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    lat = sorted(x for r in results for x in r[0])
    errors = sum(r[1] for r in results)
    n = len(lat) - errors
    print(json.dumps({"label": "boto3", "mode": "threads", "concurrency": a.concurrency, "requests": n,
                      "errors": errors, "seconds": round(elapsed, 3), "rps": round(n / elapsed, 1),
                      "p50_ms": round(lat[len(lat) // 2], 3) if lat else 0,
                      "p99_ms": round(lat[int(len(lat) * 0.99)], 3) if lat else 0}))


if __name__ == "__main__":
    main()
