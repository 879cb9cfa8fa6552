#!/usr/bin/env bash
# devserver end to end on the local emulators: starts fauxqs and dynalite on
# free loopback ports, then devserver with tests/devserver/template.yaml and
# the test bootstrap (build/devserver-tests/test_bootstrap), runs
# tests/devserver/check_devserver.py against it, then a second devserver
# with a throttled API. Everything started is stopped by PID on any exit;
# devserver must exit 0 on SIGTERM and leave no function process behind.
# usage: tests/devserver/run.sh BUILD_DIR
set -u
build=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
case "$build" in /*) bindir=$build ;; *) bindir=$PWD/$build ;; esac
work=$(mktemp -d "${TMPDIR:-/tmp}/evpipe-devserver.XXXXXX")
pids=()
failed=0

cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
    if [ "$failed" != 0 ]; then
        for f in "$work"/*.log; do echo "--- $(basename "$f") (last 40 lines)" >&2; tail -40 "$f" >&2; done
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Waits until 127.0.0.1:port accepts connections, or the process died, or 60 s.
wait_port() {
    local port=$1 pid=$2 name=$3
    for _ in $(seq 1 600); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "devserver-tests: $name exited during start-up" >&2
            return 1
        fi
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "devserver-tests: $name did not listen on $port within 60 s" >&2
    return 1
}

if [ ! -d node_modules/fauxqs ] || [ ! -e node_modules/.bin/dynalite ]; then
    npm ci --no-audit --no-fund >&2 || { echo "devserver-tests: npm ci failed" >&2; exit 1; }
fi

sqs_port=$(free_port)
FAUXQS_PORT=$sqs_port FAUXQS_HOST=localhost FAUXQS_LOGGER=false \
    node node_modules/fauxqs/dist/cli.js >"$work/fauxqs.log" 2>&1 &
pids+=($!)
wait_port "$sqs_port" $! fauxqs || { failed=1; exit 1; }
ddb_port=$(free_port)
node_modules/.bin/dynalite --port "$ddb_port" >"$work/dynalite.log" 2>&1 &
pids+=($!)
wait_port "$ddb_port" $! dynalite || { failed=1; exit 1; }

unset AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_SQS AWS_ENDPOINT_URL_DYNAMODB
export AWS_REGION=us-east-1
boot=$bindir/devserver-tests/test_bootstrap
# The test page, with a link out of the directory that must never be followed.
cp -r tests/devserver/dashboard "$work/dashboard"
ln -s /etc/hostname "$work/dashboard/escape.txt"

# Starts devserver; sets ds_pid, api_port, dash_port. Extra args follow.
start_devserver() {
    local name=$1; shift
    api_port=$(free_port)
    dash_port=$(free_port)
    "$bindir/bin/devserver" --template tests/devserver/template.yaml --stack-name "$name" \
        --port "$api_port" --dashboard-port "$dash_port" --dashboard-dir "$work/dashboard" \
        --sqs-endpoint "http://127.0.0.1:$sqs_port" --dynamodb-endpoint "http://127.0.0.1:$ddb_port" \
        --bootstrap ApiFunction="$boot" --bootstrap WorkerFunction="$boot" \
        --bootstrap BrokenFunction="$boot" "$@" >"$work/$name.log" 2>&1 &
    ds_pid=$!
    pids+=("$ds_pid")
    wait_port "$api_port" $ds_pid "devserver $name"
}

# SIGTERM, then devserver must exit 0 with none of its function processes left.
stop_devserver() {
    local name=$1
    kill -TERM "$ds_pid"
    local rc=0
    wait "$ds_pid" || rc=$?
    if [ "$rc" != 0 ]; then
        echo "devserver-tests: devserver $name exited $rc after SIGTERM (expected 0)" >&2
        return 1
    fi
    local left=() p
    # A PID counts only while it still runs our test bootstrap (PIDs are reused).
    while read -r p; do
        if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q "$boot"; then left+=("$p"); fi
    done < <(grep -o '"message":"function instance started"[^}]*"pid":[0-9]*' "$work/$name.log" | grep -o '[0-9]*$')
    if [ ${#left[@]} -gt 0 ]; then
        echo "devserver-tests: function processes left after devserver $name stopped: ${left[*]}" >&2
        kill -9 "${left[@]}" 2>/dev/null # ours: they run $boot
        return 1
    fi
    echo "ok: devserver $name stopped with status 0, no function process left"
}

records=$work/records.jsonl
start_devserver main --parameter-overrides "RecordFile=$records" || { failed=1; exit 1; }
python3 tests/devserver/check_devserver.py --api "http://127.0.0.1:$api_port" \
    --dashboard "http://127.0.0.1:$dash_port" --sqs "http://127.0.0.1:$sqs_port" \
    --ddb "http://127.0.0.1:$ddb_port" --records "$records" --log "$work/main.log" --stack main || failed=1
stop_devserver main || failed=1

# Throttling: no refill and a burst of 2, so exactly two requests pass.
start_devserver throttled --parameter-overrides RateLimit=0 BurstLimit=2 || { failed=1; exit 1; }
python3 tests/devserver/check_devserver.py --api "http://127.0.0.1:$api_port" --throttle-only || failed=1
stop_devserver throttled || failed=1

if [ "$failed" != 0 ]; then
    echo "devserver-tests: FAILED" >&2
    exit 1
fi
echo "devserver-tests: all passed"
