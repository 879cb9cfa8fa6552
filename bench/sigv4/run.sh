#!/usr/bin/env bash
# SigV4 signing speed: evpipe's signer (key cached / derived per signature)
# against botocore's SigV4Auth on the same SQS SendMessage request, in the
# same run. Writes bench/results/sigv4.json.
# usage: bench/sigv4/run.sh BUILD_DIR [seconds_per_mode]
set -euo pipefail
build=${1:-build}
secs=${2:-1.0}
cd "$(dirname "$0")/../.."
bin="$build/bench/bench_sigv4"
[ -x "$bin" ] || { echo "sigv4 bench: $bin not built (make bench)" >&2; exit 1; }
mkdir -p bench/results
c_json=$("$bin" "$secs")
PYTHON=${PYTHON:-python3}
"$PYTHON" - "$c_json" "$secs" <<'PY'
import datetime, json, platform, sys, timeit
import botocore, botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

c = json.loads(sys.argv[1])
secs = float(sys.argv[2])
body = (b'{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/evpipe-events",'
        b'"MessageBody":"{\\"id\\":\\"3f1c9a4e-1b2d-4c6e-9f00-1234567890ab\\",\\"type\\":\\"order.created\\",'
        b'\\"payload\\":{\\"amount\\":1250,\\"currency\\":\\"EUR\\"}}"}')
assert len(body) == c["body_bytes"], (len(body), c["body_bytes"])
creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
signer = botocore.auth.SigV4Auth(creds, "sqs", "us-east-1")
ts = datetime.datetime(2015, 8, 30, 12, 36, 0)
botocore.auth.get_current_datetime = lambda: ts

def sign_once():
    # A fresh request each time, as botocore signs every API call.
    r = AWSRequest(method="POST", url="https://sqs.us-east-1.amazonaws.com/", data=body,
                   headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.SendMessage"})
    signer.add_auth(r)

sign_once()
n, t = 0, 0.0
timer = timeit.Timer(sign_once)
while t < secs:
    t += timer.timeit(number=500)
    n += 500
boto_us = t * 1e6 / n
res = {
    "benchmark": "sigv4",
    "request": "SQS SendMessage POST, 2 headers + host/x-amz-date, %d-byte JSON body" % c["body_bytes"],
    "evpipe_cached_us": round(c["cached_us"], 3),
    "evpipe_uncached_us": round(c["uncached_us"], 3),
    "botocore_us": round(boto_us, 3),
    "ratio_cached_vs_botocore": round(boto_us / c["cached_us"], 1),
    "ratio_uncached_vs_botocore": round(boto_us / c["uncached_us"], 1),
    "target_ratio": 20,
    "botocore_version": botocore.__version__,
    "python": platform.python_version(),
    "machine": platform.machine(),
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
}
print("%-34s %12s %14s %10s" % ("signer", "us/signature", "signatures/s", "vs boto"))
for name, us in (("evpipe ev_sigv4 (key cached)", c["cached_us"]),
                 ("evpipe ev_sigv4 (key derived)", c["uncached_us"]),
                 ("botocore %s SigV4Auth" % botocore.__version__, boto_us)):
    print("%-34s %12.2f %14.0f %9.1fx" % (name, us, 1e6 / us, boto_us / us))
ok = res["ratio_cached_vs_botocore"] >= res["target_ratio"]
print("target >= %dx botocore (cached): %s" % (res["target_ratio"], "met" if ok else "NOT met"))
with open("bench/results/sigv4.json", "w") as f:
    json.dump(res, f, indent=2)
    f.write("\n")
PY
