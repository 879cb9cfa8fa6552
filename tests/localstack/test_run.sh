#!/usr/bin/env bash
# tools/run.sh (`make run`) as a user runs it: on free loopback ports, wait
# for the banner, POST an event, Ctrl-C (SIGINT), and check that nothing it
# started is left running or listening. Also: a port in use is refused at
# once, naming the port; with DATA_DIR the table and its items survive a
# restart.
#   usage: tests/localstack/test_run.sh [BUILD_DIR]
# Skips (exit 0, saying so) when BUILD_DIR/bin/devserver does not exist.
set -uo pipefail
build=${1:-${BUILD:-build}}
cd "$(dirname "$0")/../.." || exit 1
case "$build" in /*) ;; *) build=$PWD/$build ;; esac
name=test_run

if [ ! -x "$build/bin/devserver" ]; then
    echo "$name: SKIP: $build/bin/devserver does not exist (src/devserver not built), nothing to run"
    exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/evpipe-test-run.XXXXXX")
run_pid=""
holder_pid=""
failures=0
cleanup() {
    [ -n "$run_pid" ] && kill -TERM "$run_pid" 2>/dev/null && wait "$run_pid" 2>/dev/null
    [ -n "$holder_pid" ] && kill "$holder_pid" 2>/dev/null && wait "$holder_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "$name: FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "$name: ok: $*"; }

free_ports() {
    python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

listening() { # port -> 0 when something listens on it
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# start_run OUT [VAR=value...]: tools/run.sh in the background with job
# control on, so it has its own process group and SIGINT is not ignored
# (a background job of a script without job control ignores it), and with
# SIGINT reset to its default: when this test itself was started with SIGINT
# ignored (CI running `make test` as a background job), a shell cannot
# trap a signal ignored at its start, and Ctrl-C could not be tested.
start_run() {
    local out=$1
    shift
    set -m
    env --default-signal=INT "$@" PORT="$p_api" DASHBOARD_PORT="$p_dash" SQS_PORT="$p_sqs" DYNAMODB_PORT="$p_ddb" RUN_NO_BUILD=1 \
        tools/run.sh "$build" >"$out" 2>&1 &
    run_pid=$!
    set +m
}

wait_banner() {
    local out=$1
    for _ in $(seq 1 1800); do
        grep -q "evpipe is running" "$out" && return 0
        kill -0 "$run_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "--- run.sh output:" >&2
    cat "$out" >&2
    return 1
}

# The PIDs of whatever listens on our ports (ss -ltnp), to check later that
# they are gone.
listener_pids() {
    local p
    for p in "$p_api" "$p_dash" "$p_sqs" "$p_ddb"; do
        ss -Hltnp "sport = :$p" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2
    done | sort -u
}

stop_run() { # SIGINT, as Ctrl-C sends; then nothing may be left
    local label=$1 pids
    pids=$(listener_pids)
    kill -INT "$run_pid"
    local stopped=0
    for _ in $(seq 1 300); do
        kill -0 "$run_pid" 2>/dev/null || { stopped=1; break; }
        sleep 0.1
    done
    if [ "$stopped" = 0 ]; then fail "$label: run.sh still running 30 s after SIGINT"; return; fi
    wait "$run_pid"
    local status=$?
    run_pid=""
    [ "$status" = 0 ] && ok "$label: exit 0 after SIGINT" || fail "$label: exit $status after SIGINT (expected 0)"
    local left=""
    for pid in $pids; do kill -0 "$pid" 2>/dev/null && left="$left $pid($(cat /proc/"$pid"/comm 2>/dev/null))"; done
    [ -z "$left" ] && ok "$label: the $(echo $pids | wc -w) listening processes are gone" || fail "$label: still running:$left"
    for p in "$p_api" "$p_dash" "$p_sqs" "$p_ddb"; do
        listening "$p" && fail "$label: port $p still listening"
    done
    for f in "$build/bin/ingestion-bootstrap" "$build/bin/processing-bootstrap"; do
        for pid in $(pgrep -f -x "$f" 2>/dev/null); do
            # Only function processes of this test's devserver: their
            # AWS_LAMBDA_RUNTIME_API names no port of a still running one
            # we could tell apart, so check the environment for our SQS port.
            if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -q ":$p_sqs\$"; then
                fail "$label: function process $pid ($f) left running"
            fi
        done
    done
}

read -r p_api p_dash p_sqs p_ddb <<<"$(free_ports 4)"

# ---- 1. start, banner, POST, Ctrl-C -----------------------------------------
start_run "$work/run1.out"
if wait_banner "$work/run1.out"; then
    ok "banner printed"
    grep -q "http://127.0.0.1:$p_api" "$work/run1.out" || fail "banner does not name the API URL"
    grep -q "http://127.0.0.1:$p_dash" "$work/run1.out" || fail "banner does not name the dashboard URL"
    grep -q "curl" "$work/run1.out" || fail "banner has no curl example"
    event=$(head -n 1 samples/events.jsonl)
    code=$(curl -s -o "$work/post.out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        --data-binary "$event" "http://127.0.0.1:$p_api/events")
    [ "$code" = 202 ] && ok "POST /events -> 202" || fail "POST /events -> $code: $(cat "$work/post.out")"
    stop_run "run"
else
    fail "no banner"
    kill -TERM "$run_pid" 2>/dev/null; wait "$run_pid" 2>/dev/null; run_pid=""
fi

# ---- 2. a port in use --------------------------------------------------------
python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); time.sleep(600)' \
    "$p_sqs" &
holder_pid=$!
for _ in $(seq 1 100); do listening "$p_sqs" && break; sleep 0.1; done
start_run "$work/busy.out"
stopped=0
for _ in $(seq 1 600); do kill -0 "$run_pid" 2>/dev/null || { stopped=1; break; }; sleep 0.1; done
if [ "$stopped" = 1 ]; then
    wait "$run_pid"; status=$?; run_pid=""
    [ "$status" = 2 ] && ok "port in use: exit 2" || fail "port in use: exit $status (expected 2)"
    grep -q "port $p_sqs (SQS_PORT) is already in use" "$work/busy.out" \
        && ok "port in use: the message names port $p_sqs" || fail "port in use: message: $(cat "$work/busy.out")"
else
    fail "port in use: run.sh still running after 60 s"
    kill -TERM "$run_pid"; wait "$run_pid" 2>/dev/null; run_pid=""
fi
for p in "$p_api" "$p_dash" "$p_ddb"; do listening "$p" && fail "port in use: port $p was opened anyway"; done
kill "$holder_pid"; wait "$holder_pid" 2>/dev/null; holder_pid=""

# ---- 3. DATA_DIR: the table survives a restart --------------------------------
count_items() {
    AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1 python3 - "$p_ddb" <<'EOF'
import sys, boto3
ddb = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1")
n = 0
for t in ddb.list_tables()["TableNames"]:
    n += sum(p["Count"] for p in ddb.get_paginator("scan").paginate(TableName=t, Select="COUNT"))
print(n)
EOF
}
data=$work/data
start_run "$work/run2.out" DATA_DIR="$data"
if wait_banner "$work/run2.out"; then
    curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
        --data-binary "$(sed -n 2p samples/events.jsonl)" "http://127.0.0.1:$p_api/events"
    n=0
    for _ in $(seq 1 30); do n=$(count_items); [ "${n:-0}" -ge 1 ] && break; sleep 0.5; done
    [ "${n:-0}" -ge 1 ] && ok "DATA_DIR: the event is stored" || fail "DATA_DIR: nothing stored after 30 tries"
    stop_run "DATA_DIR run"
    [ -d "$data/dynalite" ] && ok "DATA_DIR kept after exit" || fail "DATA_DIR/dynalite removed on exit"
    start_run "$work/run3.out" DATA_DIR="$data"
    if wait_banner "$work/run3.out"; then
        m=$(count_items)
        [ "${m:-0}" = "$n" ] && ok "DATA_DIR: after a restart the table still holds $n item(s)" \
            || fail "DATA_DIR: $n item(s) before the restart, ${m:-none} after"
        stop_run "DATA_DIR restart"
    else
        fail "DATA_DIR: no banner on restart"
    fi
else
    fail "DATA_DIR: no banner"
fi

if [ "$failures" -gt 0 ]; then
    echo "$name: $failures failure(s)"
    exit 1
fi
echo "$name: all passed"
