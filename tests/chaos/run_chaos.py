#!/usr/bin/env python3
"""Chaos run: the whole local stack under injected faults, then the no-loss
invariant (tests/chaos/invariant.py).

The stack is make run's (tools/run.sh, via tests/e2e/stack.py) with a fault
proxy (fault_proxy.py) between the functions and each emulator: 5xx
answers, throttling errors, latency, connections dropped before the
emulator sees the request, and after it acted (the reply lost). Meanwhile,
at seeded moments, the run kills and restarts the DynamoDB emulator
(dynalite keeps its table on disk), takes SQS away for a moment (an outage
at the proxy: fauxqs keeps messages in memory only, so killing it would
lose what SQS itself never loses), and kills function processes with
SIGKILL (devserver restarts them and fails their invocations). The
checker reads the emulators directly, not through the proxies.

Ends with one line:
  events sent N, accepted N, faults injected N (by kind), lost N, duplicated N
and exit status 0 when lost and duplicated are 0 and nothing refused was
stored. Seeded: the same SEED gives the same events, fault schedule and
fault decisions per request ordinal.

usage: run_chaos.py [--build DIR] [--events N] [--seed N] [--rate R] [--clients N]
"""
import argparse
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import json

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, HERE)

from stack import Stack, free_ports, missing_programs  # noqa: E402
import invariant  # noqa: E402

# Failed records come back after this many seconds instead of the
# template's 180 (set on the running queue, as the e2e tests do).
VISIBILITY_S = "3"


class Proxy:
    def __init__(self, name, upstream_port, seed, work):
        self.name = name
        port_file = os.path.join(work, f"{name}.port")
        # The work folder is kept between runs: a port file left by the last
        # run would name a proxy that is gone.
        if os.path.exists(port_file):
            os.remove(port_file)
        self.log = open(os.path.join(work, f"{name}.log"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "fault_proxy.py"), "--upstream", f"http://127.0.0.1:{upstream_port}",
             "--port-file", port_file, "--seed", str(seed), "--rate", "0"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        for _ in range(300):
            if os.path.exists(port_file):
                break
            if self.proc.poll() is not None:
                raise RuntimeError(f"fault proxy {name} exited at start")
            time.sleep(0.05)
        with open(port_file) as f:
            self.port = int(f.read())

    def control(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/_chaos/{path}", data=data,
                                     method="GET" if data is None else "POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Dynalite:
    """Kills the running dynalite (found by its port) and starts it again on
    the same port and data directory; remembers the PID it started."""

    def __init__(self, stack):
        self.stack = stack
        self.proc = None

    def pid(self):
        out = subprocess.run(["ss", "-Hltnp", f"sport = :{self.stack.ddb_port}"], capture_output=True,
                             text=True).stdout
        for part in out.split("pid=")[1:]:
            return int(part.split(",")[0])
        return None

    def restart(self, down_s):
        pid = self.pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if self.pid() is None and not os.path.exists(f"/proc/{pid}"):
                break
            time.sleep(0.05)
        time.sleep(down_s)
        log = open(os.path.join(self.stack.data, "logs", "dynalite-restarted.log"), "a")
        self.proc = subprocess.Popen(
            ["node", "--require", os.path.join(ROOT, "tools", "loopback.cjs"),
             os.path.join(ROOT, "node_modules", "dynalite", "cli.js"), "--host", "127.0.0.1",
             "--port", str(self.stack.ddb_port), "--path", os.path.join(self.stack.data, "dynalite")],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        for _ in range(200):
            if self.pid() is not None:
                return True
            time.sleep(0.05)
        raise RuntimeError("dynalite did not come back after a restart")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def chaos_schedule(rng, duration_hint, events):
    """[(at seconds, action)], seeded; more actions for larger runs."""
    n = max(3, min(30, events // 300))
    kinds = ["dynamodb_restart", "sqs_outage", "kill_processing", "kill_ingestion"]
    plan = [(rng.uniform(0.5, duration_hint), kinds[i % len(kinds)]) for i in range(n)]
    return sorted(plan)


def run_chaos(stack, proxies, dynalite, plan, stop_flag, counts):
    start = time.monotonic()
    for at, action in plan:
        while time.monotonic() - start < at:
            if stop_flag.is_set():
                return
            time.sleep(0.05)
        if action == "dynamodb_restart":
            if dynalite.restart(down_s=0.5):
                counts[action] += 1
        elif action == "sqs_outage":
            proxies["sqs"].control("outage", {"seconds": 1.0})
            counts[action] += 1
        else:
            program = "processing-bootstrap" if action == "kill_processing" else "ingestion-bootstrap"
            pids = stack.function_pids(program)
            if pids:
                os.kill(pids[0], signal.SIGKILL)
                counts[action] += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"))
    ap.add_argument("--events", type=int, default=int(os.environ.get("EVENTS", "2000")))
    ap.add_argument("--seed", type=int, default=int(os.environ.get("SEED", "1")))
    ap.add_argument("--rate", type=float, default=float(os.environ.get("RATE", "0.05")))
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--drain-timeout", type=float, default=180)
    args = ap.parse_args()

    missing = missing_programs(os.path.abspath(args.build))
    if missing:
        print(f"chaos: FAILED: not built: {', '.join(missing)} (make build)")
        return 1
    work = os.path.join(os.path.abspath(args.build), "chaos")
    os.makedirs(work, exist_ok=True)
    api, dash, sqs_port, ddb_port = free_ports(4)
    proxies = {"sqs": Proxy("sqs", sqs_port, args.seed, work),
               "dynamodb": Proxy("dynamodb", ddb_port, args.seed + 1, work)}
    devserver_args = (f"--sqs-endpoint http://127.0.0.1:{proxies['sqs'].port} "
                      f"--dynamodb-endpoint http://127.0.0.1:{proxies['dynamodb'].port} "
                      "--parameter-overrides ThrottlingRateLimit=1000000 ThrottlingBurstLimit=1000000")
    stack = Stack(args.build, devserver_args, ports=(api, dash, sqs_port, ddb_port))
    dynalite = Dynalite(stack)
    stop_flag = threading.Event()
    counts = {"dynamodb_restart": 0, "sqs_outage": 0, "kill_processing": 0, "kill_ingestion": 0}
    try:
        stack.start()
        stack.sqs.set_queue_attributes(QueueUrl=stack.queue_url, Attributes={"VisibilityTimeout": VISIBILITY_S})
        for p in proxies.values():
            p.control("rate", {"rate": args.rate})
        rng = random.Random(args.seed)
        # Roughly how long sending takes (measured: hundreds of events/s).
        plan = chaos_schedule(rng, max(2.0, args.events / 250.0), args.events)
        chaos = threading.Thread(target=run_chaos, args=(stack, proxies, dynalite, plan, stop_flag, counts))
        chaos.start()
        records = invariant.send_events(f"http://127.0.0.1:{api}/events", args.events, args.seed, args.clients)
        stop_flag.set()
        chaos.join()
        for p in proxies.values():
            p.control("rate", {"rate": 0})
        drained = stack.wait_drained(timeout=args.drain_timeout)
        items = stack.scan(source_prefix="chaos-")
        dlq = [m["Body"] for m in stack.peek(stack.dlq_url, rounds=1000)]
        faults = dict(counts)
        for name, p in proxies.items():
            for kind, n in p.control("stats")["faults"].items():
                faults[f"{name}_{kind}"] = n
        verdict = invariant.check(records, items, dlq)
        for line in verdict.problems[:20]:
            print("chaos: " + line)
        if not drained:
            print("chaos: the queue did not drain within the timeout; in flight items count as lost")
        print(f"chaos: seed {args.seed}, rate {args.rate}: rejected {verdict.rejected}, "
              f"unavailable {verdict.unavailable} (stored {verdict.unavailable_stored}), in DLQ {verdict.in_dlq}, "
              f"refused but stored {verdict.rejected_stored}")
        print(invariant.summary_line(verdict, faults))
        return 0 if verdict.ok() and drained else 1
    finally:
        stop_flag.set()
        dynalite.stop()
        stack.stop()
        for p in proxies.values():
            p.stop()


if __name__ == "__main__":
    sys.exit(main())
