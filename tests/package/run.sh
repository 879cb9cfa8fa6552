#!/usr/bin/env bash
# Package tests: the Lambda zips run where provided.al2023 runs them.
#
# usage: tests/package/run.sh --lambda-dir DIR --bin DIR [--max-glibc 2.34] [--functions "Name ..."]
#
#   checkers   tools/elf_check.sh refuses a program needing a newer glibc or
#              a non-glibc library, tools/lambda_arch.sh a template for
#              another architecture (so a pass of theirs means something)
#   contents   each zip holds exactly an executable `bootstrap`; every ELF in
#              it needs glibc <= MAX and no library but glibc's
#   chroot     each package runs in a chroot holding only the package (in
#              /var/task) and glibc's files copied from this machine:
#              awsreq signs exactly as the host build does, fetches over TLS
#              from a local server trusting only the CA bundle at Amazon
#              Linux's path and refuses a server it should not trust; evcheck
#              validates the samples exactly as the host build does; each
#              function's bootstrap answers one invocation of a fake Runtime API
#   sizes      each zip's size (and what takes it), under a ceiling
#
# The chroot stage needs root (chroot(2)); without it, it prints SKIP and why.
# Servers started here listen on 127.0.0.1 and are stopped by PID on exit.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2

LAMBDA_DIR=
BIN=
MAX_GLIBC=2.34
FUNCTIONS=
CEILING_BYTES=3000000
while [ $# -gt 0 ]; do
  case $1 in
    --lambda-dir) LAMBDA_DIR=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    --max-glibc) MAX_GLIBC=$2; shift 2 ;;
    --functions) FUNCTIONS=$2; shift 2 ;;
    *) echo "usage: tests/package/run.sh --lambda-dir DIR --bin DIR [--max-glibc X.Y] [--functions \"Name ...\"]" >&2; exit 2 ;;
  esac
done
[ -n "$LAMBDA_DIR" ] && [ -n "$BIN" ] || { echo "package-tests: --lambda-dir and --bin are required" >&2; exit 2; }

passed=0; failed=0; skipped=0
pids=()
WORK=$(mktemp -d "${TMPDIR:-/tmp}/evpipe-package.XXXXXX")
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT

pass() { passed=$((passed + 1)); echo "package-tests: ok   $*"; }
fail() { failed=$((failed + 1)); echo "package-tests: FAIL $*" >&2; }
skip() { skipped=$((skipped + 1)); echo "package-tests: SKIP $*"; }

# expect_refusal NAME CMD...: CMD must exit non-zero (a checker doing its job).
expect_refusal() {
  local name=$1; shift
  if "$@" >"$WORK/refusal.out" 2>&1; then
    fail "$name: accepted what it must refuse: $(tr '\n' ' ' <"$WORK/refusal.out")"
  else
    pass "$name: refused ($(grep -m1 -E 'FAIL|refusing|not part|is installed' "$WORK/refusal.out" | cut -c1-110))"
  fi
}

test_checkers() {
  local cc=${CC:-cc} other
  printf '#include <stdio.h>\n#include <stdlib.h>\nint main(void) { printf("%%u\\n", arc4random()); return 0; }\n' \
    >"$WORK/newer.c"
  if "$cc" "$WORK/newer.c" -o "$WORK/newer" 2>/dev/null; then
    expect_refusal "elf-check on a program needing arc4random (GLIBC_2.36)" \
      tools/elf_check.sh --max-glibc "$MAX_GLIBC" "$WORK/newer"
  else
    skip "elf-check on a newer-glibc program: this C library has no arc4random (glibc < 2.36), nothing to refuse"
  fi
  printf '#include <cjson/cJSON.h>\nint main(void) { return cJSON_Version() == 0; }\n' >"$WORK/shared.c"
  if "$cc" "$WORK/shared.c" -o "$WORK/shared" -lcjson 2>/dev/null; then
    expect_refusal "elf-check on a program needing libcjson.so.1" tools/elf_check.sh "$WORK/shared"
  else
    skip "elf-check on a program needing a shared library: no shared libcjson to link here"
  fi
  # The lock is checked on every build: an installed archive of another version is refused.
  if command -v dpkg-query >/dev/null; then
    sed -E 's/^(binary libpcre2-dev) .*/\1 0.0-not-this-one/' packaging/vendor.lock >"$WORK/vendor.lock"
    expect_refusal "vendor.sh with a lock pinning another libpcre2-dev" \
      env VENDOR_LOCK_POLICY=strict tools/vendor.sh --lock "$WORK/vendor.lock" --out "$WORK/vendor"
  else
    skip "vendor.sh lock check: not a Debian system"
  fi
  case $("$cc" -dumpmachine) in x86_64-*) other=arm64 ;; *) other=x86_64 ;; esac
  sed -E "s/Architectures: \[[a-z0-9_]+\]/Architectures: [$other]/" template.yaml >"$WORK/template.yaml"
  expect_refusal "lambda-arch on a template declaring $other" tools/lambda_arch.sh "$WORK/template.yaml" "$cc"
}

# unpack NAME: WORK/pkg/NAME/ holds the zip's files.
unpack() {
  local name=$1 zip="$LAMBDA_DIR/$1.zip" listing
  rm -rf "$WORK/pkg/$name" && mkdir -p "$WORK/pkg/$name"
  [ -f "$zip" ] || { fail "$name: $zip does not exist"; return 1; }
  listing=$(unzip -Z1 "$zip" | paste -sd ' ')
  [ "$listing" = bootstrap ] || { fail "$name: the zip holds '$listing', not just 'bootstrap'"; return 1; }
  unzip -q "$zip" -d "$WORK/pkg/$name" || { fail "$name: unzip failed"; return 1; }
  [ -x "$WORK/pkg/$name/bootstrap" ] || { fail "$name: bootstrap is not executable in the zip"; return 1; }
}

test_contents() {
  local name=$1 out
  unpack "$name" || return 1
  if out=$(tools/elf_check.sh --max-glibc "$MAX_GLIBC" "$WORK/pkg/$name" 2>&1); then
    pass "$name: ${out#elf-check: ok "$WORK"/pkg/}"
  else
    fail "$name: $out"
  fi
}

# make_root NAME: WORK/root-NAME with the package in /var/task and glibc's files.
make_root() {
  local name=$1 root="$WORK/root-$1" multiarch interp lib
  multiarch=$(${CC:-cc} -print-multiarch)
  interp=$(readelf -l "$WORK/pkg/$name/bootstrap" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
  mkdir -p "$root/var/task" "$root/lib/$multiarch" "$root/tmp" "$(dirname "$root$interp")"
  cp "$WORK/pkg/$name/bootstrap" "$root/var/task/bootstrap"
  cp -L "$interp" "$root$interp"
  # What glibc installs as libraries: the C library and the parts of it that
  # older programs link by name (all in libc.so.6 since glibc 2.34).
  for lib in libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2 librt.so.1 libresolv.so.2; do
    cp -L "/lib/$multiarch/$lib" "$root/lib/$multiarch/$lib"
  done
  echo "$root"
}

can_chroot() {
  [ "$(id -u)" = 0 ] || { CHROOT_WHY="not root (chroot needs root; run make test as root)"; return 1; }
  CHROOT=$(command -v chroot) || { CHROOT_WHY="no chroot command"; return 1; }
  local root rc
  root=$(make_root "$1")
  chroot "$root" /var/task/bootstrap --help >"$WORK/probe.out" 2>&1; rc=$?
  # 125 is chroot's own failure; anything else is the program's answer.
  if [ $rc = 125 ]; then
    CHROOT_WHY="chroot(2) is not permitted here: $(head -n 1 "$WORK/probe.out")"
    return 1
  fi
}

run_in_root() { # ROOT CMD...: CMD inside ROOT with a Lambda-like, otherwise empty environment
  local root=$1; shift
  env -i PATH=/var/task LAMBDA_TASK_ROOT=/var/task AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=AKIDEXAMPLE \
    AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY "${EXTRA_ENV[@]}" "$CHROOT" "$root" "$@"
}

test_awsreq_chroot() {
  local root expected actual
  root=$(make_root awsreq)
  EXTRA_ENV=()
  local args=(--service sqs --date 20150830T123600Z --target GetQueueUrl -d '{"QueueName":"evpipe"}' --dry-run
    https://sqs.us-east-1.amazonaws.com/)
  expected=$(env -i AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=AKIDEXAMPLE \
    AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY "$BIN/awsreq" "${args[@]}" 2>&1)
  actual=$(run_in_root "$root" /var/task/bootstrap "${args[@]}" 2>&1)
  if [ -n "$expected" ] && [ "$actual" = "$expected" ]; then
    pass "awsreq in the chroot: dry-run signature identical to the host build's ($(grep -o 'Signature=[0-9a-f]\{12\}' <<<"$actual")...)"
  else
    fail "awsreq in the chroot: dry run differs from the host build's:"$'\n'"$actual"$'\n'"--- host:"$'\n'"$expected"
  fi
  test_awsreq_tls "$root"
}

# TLS servers on 127.0.0.1 whose certificate is trusted only through the CA
# bundle at Amazon Linux 2023's path inside the chroot, in the shapes AWS
# endpoints use: RSA and ECDSA certificates, TLS 1.3 and TLS 1.2 with ECDHE
# and AES-GCM. Then a bundle without the server's CA must be refused.
test_awsreq_tls() {
  local root=$1 shape key_opts server_opts port out rc
  mkdir -p "$root/etc/pki/tls/certs"
  EXTRA_ENV=()
  for shape in "rsa tls1.2" "ecdsa tls1.3"; do
    case $shape in
      rsa*) key_opts=(-newkey rsa:2048) ;;
      ecdsa*) key_opts=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
    esac
    case $shape in
      *tls1.3) server_opts=(-tls1_3) ;;
      *tls1.2) server_opts=(-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256) ;;
    esac
    openssl req -x509 "${key_opts[@]}" -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
      -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1 ||
      { fail "awsreq TLS ($shape): openssl cannot make a test certificate"; continue; }
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    openssl s_server -quiet -accept "127.0.0.1:$port" -cert "$WORK/cert.pem" -key "$WORK/key.pem" \
      "${server_opts[@]}" -www </dev/null >/dev/null 2>&1 &
    pids+=($!)
    wait_for_port "$port" || { fail "awsreq TLS ($shape): the test server did not listen on 127.0.0.1:$port"; continue; }
    cp "$WORK/cert.pem" "$root/etc/pki/tls/certs/ca-bundle.crt"
    out=$(run_in_root "$root" /var/task/bootstrap --service sqs "https://127.0.0.1:$port/" 2>&1); rc=$?
    if [ $rc = 0 ] && grep -q 's_server' <<<"$out"; then
      pass "awsreq in the chroot: HTTPS GET ($shape) verified with /etc/pki/tls/certs/ca-bundle.crt"
    else
      fail "awsreq in the chroot: HTTPS GET ($shape) failed (exit $rc): $(head -c 300 <<<"$out")"
    fi
  done
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=other \
    -keyout "$WORK/other.key" -out "$root/etc/pki/tls/certs/ca-bundle.crt" >/dev/null 2>&1
  out=$(run_in_root "$root" /var/task/bootstrap --service sqs "https://127.0.0.1:$port/" 2>&1); rc=$?
  if [ $rc != 0 ] && grep -qi 'certificate' <<<"$out"; then
    pass "awsreq in the chroot: refuses the server when the bundle does not hold its CA (exit $rc)"
  else
    fail "awsreq in the chroot: accepted an untrusted server (exit $rc): $(head -c 300 <<<"$out")"
  fi
}

wait_for_port() { # bounded: 100 tries of 0.1 s
  local _
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

test_evcheck_chroot() {
  local root expected actual rc_host rc
  root=$(make_root evcheck)
  cp samples/events.jsonl "$root/tmp/events.jsonl"
  expected=$("$BIN/evcheck" samples/events.jsonl 2>&1); rc_host=$?
  EXTRA_ENV=()
  actual=$(run_in_root "$root" /var/task/bootstrap /tmp/events.jsonl 2>&1); rc=$?
  if [ "$rc" = "$rc_host" ] && [ "$actual" = "$expected" ] && [ -n "$actual" ]; then
    pass "evcheck in the chroot: $(wc -l <<<"$actual") verdicts on samples/events.jsonl identical to the host build's (exit $rc)"
  else
    fail "evcheck in the chroot (exit $rc, host $rc_host):"$'\n'"$actual"$'\n'"--- host:"$'\n'"$expected"
  fi
}

# test_function NAME EVENT CHECK: the bootstrap answers one invocation; CHECK
# is a python expression on `body` (the posted JSON) that must hold.
test_function() {
  local name=$1 event=$2 check=$3 root port record="$WORK/$1.record"
  root=$(make_root "$name")
  rm -f "$WORK/$name.port" "$record"
  python3 tests/support/fake_runtime_api.py --function-name "evpipe-$name" --event "$event" --record "$record" \
    --port-file "$WORK/$name.port" --max-seconds 60 &
  pids+=($!)
  for _ in $(seq 100); do [ -s "$WORK/$name.port" ] && break; sleep 0.1; done
  port=$(cat "$WORK/$name.port" 2>/dev/null) || { fail "$name: the fake Runtime API did not start"; return; }
  # shellcheck disable=SC2016 # $LATEST is Lambda's literal version name
  EXTRA_ENV=(AWS_LAMBDA_RUNTIME_API="127.0.0.1:$port" _HANDLER=bootstrap AWS_LAMBDA_FUNCTION_NAME="evpipe-$name"
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128 AWS_LAMBDA_FUNCTION_VERSION='$LATEST' LOG_LEVEL=INFO
    POWERTOOLS_SERVICE_NAME=evpipe SQS_QUEUE_URL=http://127.0.0.1:9/123456789012/evpipe-events
    SQS_MAX_MESSAGE_BYTES=262144 DYNAMODB_TABLE_NAME=evpipe-events AWS_ENDPOINT_URL=http://127.0.0.1:9)
  run_in_root "$root" /var/task/bootstrap >"$WORK/$name.log" 2>&1 &
  local boot=$!
  pids+=("$boot")
  # Bounded wait for the answer (a liveness bound, not a speed assertion).
  for _ in $(seq 300); do [ -s "$record" ] && break; kill -0 "$boot" 2>/dev/null || break; sleep 0.1; done
  kill "$boot" 2>/dev/null
  if [ ! -s "$record" ]; then
    fail "$name: no answer reached the Runtime API; its output: $(tail -c 600 "$WORK/$name.log")"
    return
  fi
  if python3 - "$record" "$check" <<'EOF'; then
import json, sys
post = json.loads(open(sys.argv[1]).readline())
ok = post["known"] and post["path"].endswith("/response")
try:
    body = json.loads(post["body"])
    ok = ok and bool(eval(sys.argv[2], {}, {"body": body}))
except ValueError:
    ok = False
print(("answered %s: %s" % (post["path"], post["body"][:160])).replace("\n", " "))
sys.exit(0 if ok else 1)
EOF
    pass "$name in the chroot (above: its answer to the fake Runtime API)"
  else
    fail "$name in the chroot: its answer does not satisfy $check; output: $(tail -c 600 "$WORK/$name.log")"
  fi
}

test_sizes() {
  local zips=() n
  for n in "$@"; do zips+=("$LAMBDA_DIR/$n.zip"); done
  if tools/lambda_report.sh --libraries --budget "$CEILING_BYTES" "${zips[@]}"; then
    pass "sizes: every zip under the $CEILING_BYTES-byte ceiling (the target is 1.5 MB)"
  else
    fail "sizes: a zip is over the $CEILING_BYTES-byte ceiling"
  fi
}

main() {
  local names functions n
  read -ra functions <<<"$FUNCTIONS"
  names=(awsreq evcheck "${functions[@]}")
  test_checkers
  for n in "${names[@]}"; do test_contents "$n"; done
  if can_chroot awsreq; then
    test_awsreq_chroot
    test_evcheck_chroot
    for n in "${functions[@]}"; do
      case $n in
        # An API Gateway request whose event breaks the schema (value > 1000): a 400
        # problem+json naming the value, answered before any call to the queue.
        IngestionFunction) test_function "$n" tests/package/events/apigw_invalid_event.json \
          'body.get("statusCode") == 400 and body["headers"].get("Content-Type") == "application/problem+json" and "\"pointer\":\"/payload/value\"" in body["body"] and "\"keyword\":\"maximum\"" in body["body"]' ;;
        # A valid event whose table cannot be reached (nothing listens on
        # 127.0.0.1:9): the record must come back as a failure, never a success.
        ProcessingFunction) test_function "$n" tests/package/events/sqs_one_record.json \
          'any(f.get("itemIdentifier") == "059f36b4-87a3-44ab-83d2-661975830a7d" for f in body.get("batchItemFailures", []))' ;;
        *) fail "$n: no chroot test for this function" ;;
      esac
    done
  else
    skip "chroot runs of ${names[*]}: $CHROOT_WHY"
  fi
  [ -z "$FUNCTIONS" ] && echo "package-tests: note: src/bootstrap/ingestion.c and processing.c do not exist yet;" \
    "their packages are tested here once they do"
  test_sizes "${names[@]}"
  echo "package-tests: $passed passed, $failed failed, $skipped skipped"
  [ "$failed" = 0 ]
}

main
