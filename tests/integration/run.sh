#!/usr/bin/env bash
# Integration tests: starts the emulators on free loopback ports, runs every
# build/itests/* binary against them, stops the emulators by PID on any exit,
# and prints "N passed, N failed".
#   fauxqs (SQS)          -> itest_sqs       EV_ITEST_SQS_ENDPOINT
#   dynalite (DynamoDB)   -> itest_dynamodb  EV_ITEST_DDB_ENDPOINT
#   moto_server, SigV4 on -> itest_moto      EV_ITEST_MOTO_ENDPOINT/_KEY/_SECRET
#   fault_server.py       -> itest_faults    EV_ITEST_FAULT_ENDPOINT
# Other binaries get all the variables. usage: tests/integration/run.sh BUILD_DIR
set -u
build=${1:-build}
cd "$(dirname "$0")/../.."
case "$build" in /*) bindir=$build ;; *) bindir=$PWD/$build ;; esac
work=$(mktemp -d "${TMPDIR:-/tmp}/evpipe-itest.XXXXXX")
pids=()

cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Waits until host:port accepts connections, or the process died, or 60 s.
wait_port() {
    local port=$1 pid=$2 name=$3
    for _ in $(seq 1 600); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "integration: $name exited during start-up:" >&2
            tail -20 "$work/$name.log" >&2
            return 1
        fi
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "integration: $name did not listen on $port within 60 s" >&2
    return 1
}

if [ ! -d node_modules/fauxqs ] || [ ! -e node_modules/.bin/dynalite ]; then
    echo "integration: node_modules missing, running npm ci" >&2
    npm ci --no-audit --no-fund >&2 || { echo "0 passed, 1 failed"; exit 1; }
fi

start_failed=0

sqs_port=$(free_port)
FAUXQS_PORT=$sqs_port FAUXQS_HOST=localhost FAUXQS_LOGGER=false \
    node node_modules/fauxqs/dist/cli.js >"$work/fauxqs.log" 2>&1 &
pids+=($!)
wait_port "$sqs_port" $! fauxqs || start_failed=1

ddb_port=$(free_port)
node_modules/.bin/dynalite --port "$ddb_port" >"$work/dynalite.log" 2>&1 &
pids+=($!)
wait_port "$ddb_port" $! dynalite || start_failed=1

moto_port=$(free_port)
INITIAL_NO_AUTH_ACTION_COUNT=0 python3 -m moto.server -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
pids+=($!)
wait_port "$moto_port" $! moto || start_failed=1

python3 tests/integration/fault_server.py "$work/fault.port" >"$work/fault.log" 2>&1 &
fault_pid=$!
pids+=($fault_pid)
for _ in $(seq 1 100); do [ -s "$work/fault.port" ] && break; sleep 0.1; done
fault_port=$(cat "$work/fault.port" 2>/dev/null || echo 0)
wait_port "$fault_port" $fault_pid fault || start_failed=1

moto_creds=""
if [ $start_failed = 0 ]; then
    moto_creds=$(python3 tests/integration/moto_setup.py "http://127.0.0.1:$moto_port") || start_failed=1
fi
if [ $start_failed != 0 ]; then
    echo "integration: emulators failed to start" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

export EV_ITEST_SQS_ENDPOINT="http://127.0.0.1:$sqs_port"
export EV_ITEST_DDB_ENDPOINT="http://127.0.0.1:$ddb_port"
export EV_ITEST_MOTO_ENDPOINT="http://127.0.0.1:$moto_port"
export EV_ITEST_MOTO_KEY=${moto_creds%% *}
export EV_ITEST_MOTO_SECRET=${moto_creds#* }
export EV_ITEST_FAULT_ENDPOINT="http://127.0.0.1:$fault_port"
# Nothing may reach a real AWS endpoint or use a developer's credentials.
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_SQS AWS_ENDPOINT_URL_DYNAMODB
export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test

passed=0; failed=0; failed_names=()
shopt -s nullglob
for t in "$bindir"/itests/*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    echo "== $name"
    if [ "${VALGRIND:-0}" = 1 ]; then
        cmd=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "$t")
    else
        cmd=("$t")
    fi
    if timeout 600 "${cmd[@]}"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1)); failed_names+=("$name")
    fi
done
if [ $((passed + failed)) = 0 ]; then
    echo "integration: no test binaries in $build/itests" >&2
    failed=1
fi
if [ "$failed" -gt 0 ]; then
    echo "integration: failing: ${failed_names[*]:-none}" >&2
    for f in "$work"/*.log; do echo "--- $(basename "$f")" >&2; tail -5 "$f" >&2; done
fi
echo "integration: $passed passed, $failed failed"
[ "$failed" = 0 ]
