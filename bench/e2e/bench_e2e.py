#!/usr/bin/env python3
"""End-to-end benchmark: sustained events/s from POST to stored item and the
p50/p99 ingestion latency (POST to answer), for

  evpipe     the local stack (tools/run.sh: devserver, the C bootstraps,
             fauxqs, dynalite with its table on disk), 8 HTTP clients
             (build/bench/bench_e2e_load: 8 threads, a kept-alive connection
             each, about 0.14 ms of CPU per request, so the measuring side
             does not take the CPU the stack needs; the Python http.client
             clients used before took at least 0.7 ms per request); the ingestion function may run 8 instances
             (--max-instances 8), one per client, as Lambda scales out to
             the concurrent requests and as the reference's 8 callers each
             run their own handler;
  reference  the original design in Python (bench/reference: json +
             jsonschema + boto3 handlers) on its own fauxqs and dynalite
             (table on disk too), driven in-process: 8 client processes call
             the ingestion handler with an API Gateway proxy event (no HTTP
             in front, which favours it), 4 poller processes play the SQS event
             source mapping (ReceiveMessage 10, the processing handler,
             DeleteMessageBatch of the successes);

next to dynalite's raw PutItem ceiling (build/bench/bench_putitem, 8
threads, on the reference's dynalite) measured in the same run. Targets:
evpipe >= 70% of the ceiling, >= 10x the reference.

usage: bench_e2e.py --build DIR --out FILE [--events N] [--clients C] [--seconds S]
Prints a table and writes FILE (JSON). evpipe's part is skipped, saying so,
when devserver or a bootstrap is not built.
"""
import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
import multiprocessing as mp

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, os.path.join(ROOT, "bench", "reference"))
from stack import CREDS, Stack, free_ports, missing_programs, valid_events  # noqa: E402

DEVSERVER_ARGS = "--max-instances 8 --parameter-overrides ThrottlingRateLimit=1000000 ThrottlingBurstLimit=1000000"


def note(msg):
    print(f"e2e: {msg}", file=sys.stderr, flush=True)


def pct(samples, q):
    if not samples:
        return None
    s = sorted(samples)
    return round(s[min(len(s) - 1, int(q * len(s)))], 3)


_BASE = []


def base_events():
    """The schema's valid fixtures that the reference's jsonschema accepts too
    (it refuses some exact decimals, e.g. -273.15 under multipleOf 0.01,
    because it divides binary floats), so both pipelines get the same load."""
    if not _BASE:
        from jsonschema import Draft202012Validator, FormatChecker
        with open(os.path.join(ROOT, "schema", "events.schema.json")) as f:
            v = Draft202012Validator(json.load(f), format_checker=FormatChecker())
        _BASE.extend(e for e in valid_events() if v.is_valid(e))
    return _BASE


def events_for(prefix, n):
    base = base_events()
    return [dict(base[i % len(base)], source=f"{prefix}{i}") for i in range(n)]


def drive(clients, events, send):
    """Each client is its own process (forked; no GIL shared between
    clients, as separate callers or Lambda containers), all released
    together. send(ctx, event) -> (status, event_id, seconds), ctx a dict
    private to the process. Returns (accepted ids, latencies ms, other
    statuses, start time)."""
    ctx = mp.get_context("fork")
    results = ctx.Queue()
    ready = ctx.Barrier(clients + 1)
    chunks = [events[c::clients] for c in range(clients)]

    def worker(c):
        mine, ml, mo = [], [], []
        state = {}
        ready.wait()
        for ev in chunks[c]:
            status, eid, secs = send(state, ev)
            ml.append(secs * 1000)
            (mine.append(eid) if status == 202 else mo.append(status))
        results.put((mine, ml, mo))

    procs = [ctx.Process(target=worker, args=(c,)) for c in range(clients)]
    for p in procs:
        p.start()
    ready.wait()
    start = time.monotonic()
    accepted, lat, other = [], [], []
    for _ in procs:
        mine, ml, mo = results.get()
        accepted.extend(mine)
        lat.extend(ml)
        other.extend(mo)
    for p in procs:
        p.join()
    return accepted, lat, other, start


# ---- evpipe ---------------------------------------------------------------------------

CPU_KINDS = ("dynalite", "fauxqs", "devserver", "ingestion-bootstrap", "processing-bootstrap")


def cpu_by_kind(root_pid):
    """CPU seconds (user + system) so far of root_pid's descendants, by
    program (CPU_KINDS), from /proc; {} where /proc is missing. A process
    that ended is no longer counted: for the stack's long-lived processes."""
    procs = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return {}
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        procs[int(name)] = (cmd, int(fields[1]), int(fields[11]) + int(fields[12]))
    mine, grew = {root_pid}, True
    while grew:
        grew = False
        for pid, (_, ppid, _) in procs.items():
            if ppid in mine and pid not in mine:
                mine.add(pid)
                grew = True
    out, tick = {}, os.sysconf("SC_CLK_TCK")
    for pid in mine:
        if pid in procs:
            kind = next((k for k in CPU_KINDS if k in procs[pid][0]), None)
            if kind:
                out[kind] = out.get(kind, 0) + procs[pid][2] / tick
    return out


def cpu_delta(before, after):
    return {k: round(after.get(k, 0) - before.get(k, 0), 2) for k in CPU_KINDS if k in after or k in before}


def run_evpipe(build, n, clients):
    st = Stack(build, DEVSERVER_ARGS)
    try:
        st.start()
        warm = events_for("warm-", 50)
        for ev in warm:
            st.post(ev)
        st.wait_drained()
        prefix = "bench-e2e-"

        events_file = os.path.join(st.data, "bench-events.jsonl")
        with open(events_file, "w") as f:
            for ev in events_for(prefix, n):
                f.write(json.dumps(ev) + "\n")
        cpu0 = cpu_by_kind(os.getpid())
        load = subprocess.run([os.path.join(build, "bench", "bench_e2e_load"), "--url",
                               f"http://127.0.0.1:{st.api}/events", "--events", events_file, "--clients",
                               str(clients)], capture_output=True, text=True)
        sent_at = time.monotonic()
        try:
            gen = json.loads(load.stdout)
        except ValueError:
            raise RuntimeError(f"bench_e2e_load failed ({load.returncode}): {load.stdout} {load.stderr}")
        if gen["first_error"]:
            note(f"evpipe: {gen['refused']} refused, {gen['errors']} unanswered; first: {gen['first_error']}")
        start = gen["start_monotonic"]
        accepted = range(gen["accepted"])
        other = [None] * (gen["refused"] + gen["errors"])
        # The queue is empty once the last batch is written and deleted: poll
        # its depth (cheap), then count the items once, off the clock (a Scan
        # of thousands of items would slow dynalite, and so the pipeline).
        stored, done, cpu1 = 0, None, {}
        end = sent_at + 600
        while time.monotonic() < end:
            if st.depth(st.queue_url) == 0:
                done = time.monotonic()
                cpu1 = cpu_by_kind(os.getpid())
                stored = len(st.scan(prefix))
                if stored >= len(accepted):
                    break
            time.sleep(0.05)
        done = done or time.monotonic()
        cpu = cpu_delta(cpu0, cpu1)
        cpu["bench_e2e_load"] = gen["cpu_seconds"]  # its own getrusage: it has ended
        return {"cpu_seconds": cpu, "accepted": len(accepted), "refused": len(other), "stored": stored,
                "seconds": round(done - start, 3), "send_seconds": round(sent_at - start, 3),
                "events_per_s": round(stored / (done - start), 1),
                "ingest_p50_ms": gen["p50_ms"], "ingest_p99_ms": gen["p99_ms"]}
    finally:
        st.stop()


# ---- reference ----------------------------------------------------------------------------

def start_emulators(work):
    ddb_port, sqs_port = free_ports(2)
    loop = os.path.join(ROOT, "tools", "loopback.cjs")
    log = open(os.path.join(work, "emulators.log"), "w")
    procs = [subprocess.Popen(["node", "--require", loop, "node_modules/dynalite/cli.js", "--host", "127.0.0.1",
                               "--port", str(ddb_port), "--path", os.path.join(work, "dynalite")],
                              cwd=ROOT, stdout=log, stderr=log),
             subprocess.Popen(["node", "--require", loop, "node_modules/fauxqs/dist/cli.js"], cwd=ROOT, stdout=log,
                              stderr=log, env=dict(os.environ, FAUXQS_PORT=str(sqs_port), FAUXQS_HOST="127.0.0.1",
                                                   FAUXQS_LOGGER="false"))]
    import socket
    for port in (ddb_port, sqs_port):
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), 0.5).close()
                break
            except OSError:
                time.sleep(0.1)
    return procs, f"http://127.0.0.1:{ddb_port}", f"http://127.0.0.1:{sqs_port}"


def ceiling(build, endpoint, seconds, clients):
    bench = os.path.join(build, "bench", "bench_putitem")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "putitem", "boto3_putitem.py"), "--endpoint", endpoint,
                    "--table", "bench_ceiling", "--create"], check=True)
    subprocess.run([bench, "--endpoint", endpoint, "--table", "bench_ceiling", "--seconds", "1"], check=True,
                   capture_output=True)
    out = subprocess.run([bench, "--endpoint", endpoint, "--table", "bench_ceiling", "--concurrency", str(clients),
                          "--seconds", str(seconds)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def run_reference(n, clients, ddb_url, sqs_url, pollers=4):
    import boto3
    from botocore.config import Config
    kw = dict(region_name="us-east-1", aws_access_key_id="local", aws_secret_access_key="local",
              config=Config(read_timeout=30, retries={"mode": "standard", "max_attempts": 3}))
    os.environ.update(CREDS)
    sqs = boto3.client("sqs", endpoint_url=sqs_url, **kw)
    ddb = boto3.client("dynamodb", endpoint_url=ddb_url, **kw)
    dlq = sqs.create_queue(QueueName="ref-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue = sqs.create_queue(QueueName="ref-events", Attributes={"VisibilityTimeout": "180", "RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})})["QueueUrl"]
    ddb.create_table(TableName="ref-events", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "event_id", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "event_id", "KeyType": "HASH"}])
    ddb.get_waiter("table_exists").wait(TableName="ref-events", WaiterConfig={"Delay": 0.2})
    os.environ.update(SQS_QUEUE_URL=queue, DYNAMODB_TABLE_NAME="ref-events")
    import ingestion
    import processing
    ingestion.QUEUE_URL, processing.TABLE = queue, "ref-events"
    # One boto3 client per process (a forked child makes its own, never
    # using its parent's connections), as one per Lambda container.
    clients_of = {}

    def client_for(service, url):
        key = (os.getpid(), threading.get_ident(), service)
        if key not in clients_of:
            clients_of[key] = boto3.session.Session().client(service, endpoint_url=url, **kw)
        return clients_of[key]

    def sqs_client():
        return client_for("sqs", sqs_url)

    def ddb_client():
        return client_for("dynamodb", ddb_url)

    class PerThread:
        def __init__(self, make):
            self.make = make

        def __getattr__(self, name):
            return getattr(self.make(), name)

    ingestion.sqs = PerThread(sqs_client)
    processing.ddb = PerThread(ddb_client)

    fork = mp.get_context("fork")
    deleted = fork.Value("i", 0)
    stop = fork.Event()

    def esm():
        while not stop.is_set():
            r = sqs_client().receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                             AttributeNames=["All"], MessageAttributeNames=["All"])
            msgs = r.get("Messages", [])
            if not msgs:
                continue
            records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                        "attributes": m.get("Attributes", {}),
                        "messageAttributes": {k: {"stringValue": v.get("StringValue"), "dataType": v["DataType"]}
                                              for k, v in m.get("MessageAttributes", {}).items()},
                        "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs", "awsRegion": "us-east-1"}
                       for m in msgs]
            res = processing.handler({"Records": records}, None)
            failed = {f["itemIdentifier"] for f in res["batchItemFailures"]}
            ok = [{"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(records)
                  if r["messageId"] not in failed]
            if ok:
                sqs_client().delete_message_batch(QueueUrl=queue, Entries=ok)
            with deleted.get_lock():
                deleted.value += len(ok)

    def send(ctx, ev):
        body = json.dumps(ev)
        proxy = {"resource": "/events", "path": "/events", "httpMethod": "POST",
                 "headers": {"Content-Type": "application/json"}, "body": body, "isBase64Encoded": False,
                 "requestContext": {"requestId": "r", "identity": {"sourceIp": "127.0.0.1"}, "stage": "dev"}}
        t0 = time.monotonic()
        r = ingestion.handler(proxy, None)
        secs = time.monotonic() - t0
        return r["statusCode"], json.loads(r["body"]).get("eventId") or r["body"], secs

    for ev in events_for("warm-", 20):  # load models, connect
        r = send({}, ev)
        if r[0] != 202:
            raise RuntimeError(f"reference ingestion refused a valid event: {r} {ev}")
    note("reference: warmed up, starting the pollers; queue: " + json.dumps(sqs.get_queue_attributes(
        QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]))
    # The event source mapping's pollers: one process each.
    workers = [fork.Process(target=esm) for _ in range(pollers)]
    for w in workers:
        w.start()
    while deleted.value < 20:
        time.sleep(0.05)
    with deleted.get_lock():
        deleted.value = 0
    accepted, lat, other, start = drive(clients, events_for("ref-", n), send)
    sent_at = time.monotonic()
    while time.monotonic() < sent_at + 600 and deleted.value < len(accepted):
        time.sleep(0.05)
    done = time.monotonic()
    stop.set()
    for w in workers:
        w.join()
    return {"accepted": len(accepted), "refused": len(other), "stored": deleted.value,
            "seconds": round(done - start, 3), "send_seconds": round(sent_at - start, 3),
            "events_per_s": round(deleted.value / (done - start), 1),
            "ingest_p50_ms": pct(lat, 0.50), "ingest_p99_ms": pct(lat, 0.99)}


def main():
    # SIGTERM (a timeout, a CI cancel) unwinds like Ctrl-C, so what was started is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "e2e.json"))
    ap.add_argument("--events", type=int, default=int(os.environ.get("BENCH_EVENTS", "3000")))
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("SECONDS_PER_RUN", "5")))
    ap.add_argument("--evpipe-only", action="store_true",
                    help="only evpipe's part (profiling); prints its result, writes nothing")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    os.chdir(ROOT)
    result = {"benchmark": "end to end: POST /events to stored item", "events": a.events, "clients": a.clients,
              "cpus": os.cpu_count(), "machine": platform.machine(),
              "load_average_1m_at_start": round(os.getloadavg()[0], 2),
              "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "note": "events_per_s: stored events / (first POST to last item stored); ingest latency: POST to "
                      "answer per request; ceiling: bench_putitem, 8 threads, on the reference's dynalite "
                      "(table on disk, like make run's)",
              "targets": {"vs_ceiling": 0.7, "vs_reference": 10}}
    if a.evpipe_only:
        print(json.dumps(run_evpipe(build, a.events, a.clients), indent=2))
        return 0
    work = tempfile.mkdtemp(prefix="evpipe-bench-e2e-")
    procs, ddb_url, sqs_url = start_emulators(work)
    try:
        note("dynalite PutItem ceiling")
        cpu0 = cpu_by_kind(os.getpid())
        c = ceiling(build, ddb_url, a.seconds, a.clients)
        cpu = cpu_delta(cpu0, cpu_by_kind(os.getpid())).get("dynalite")
        result["dynalite_putitem_ceiling"] = {"rps": c["rps"], "p50_ms": c["p50_ms"], "p99_ms": c["p99_ms"],
                                              "errors": c["errors"],
                                              # table creation and the 1 s warm-up included
                                              "dynalite_cpu_ms_per_put": round(cpu * 1000 / c["requests"], 3)
                                              if cpu and c.get("requests") else None}
        note(f"reference pipeline, {a.events} events")
        result["reference"] = run_reference(a.events, a.clients, ddb_url, sqs_url)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()
        subprocess.run(["rm", "-rf", work])
    missing = missing_programs(build)
    if missing:
        result["evpipe"] = None
        result["evpipe_skipped"] = "not built: " + ", ".join(missing)
    else:
        note(f"evpipe, {a.events} events")
        result["evpipe"] = run_evpipe(build, a.events, a.clients)
        r = result["evpipe"]
        if r["stored"]:
            r["cpu_ms_per_event"] = {k: round(v * 1000 / r["stored"], 3) for k, v in r["cpu_seconds"].items()
                                     if v is not None}
    ceil_rps = result["dynalite_putitem_ceiling"]["rps"]
    ref = result["reference"]["events_per_s"]
    ours = result["evpipe"]["events_per_s"] if result["evpipe"] else None
    result["ratio_vs_ceiling"] = round(ours / ceil_rps, 3) if ours else None
    result["ratio_vs_reference"] = round(ours / ref, 2) if ours and ref else None
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(f"{'':28}{'events/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    print(f"{'dynalite PutItem ceiling':28}{ceil_rps:>10}{c['p50_ms']:>10}{c['p99_ms']:>10}")
    for label in ("evpipe", "reference"):
        r = result[label]
        if r:
            print(f"{label:28}{r['events_per_s']:>10}{r['ingest_p50_ms']:>10}{r['ingest_p99_ms']:>10}")
        else:
            print(f"{label:28}  skipped: {result['evpipe_skipped']}")
    if ours:
        print(f"evpipe / ceiling = {result['ratio_vs_ceiling']} (target >= 0.7); "
              f"evpipe / reference = {result['ratio_vs_reference']} (target >= 10)")
    print(f"e2e: wrote {os.path.relpath(a.out, ROOT)}")
    bad = [r for r in (result["reference"], result["evpipe"]) if r and (r["stored"] < r["accepted"] or r["refused"])]
    return 1 if bad or c["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
