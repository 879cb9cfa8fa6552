#!/usr/bin/env bash
# The ingestion bootstrap as Lambda runs it: build/bin/ingestion-bootstrap
# against a fake Runtime API (tests/support/fake_runtime_api.py) and fauxqs, on loopback,
# free ports. Events are API Gateway proxy events as `sam local
# generate-event apigateway aws-proxy` writes them (events/).
#   1. queue up: a valid event (202, queued with its attributes, exact
#      body), an invalid one (400, nothing queued), a base64 body, an array
#      with one bad item and an Idempotency-Key, a GET (405); the process
#      stops on SIGTERM with status 0;
#   2. queue down (nothing listens on the endpoint): 503 with Retry-After.
# usage: BUILD=build tests/functions/ingestion_run.sh
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${BUILD:-build}
bin=$build/bin/ingestion-bootstrap
[ -x "$bin" ] || { echo "functions/ingestion: $bin not built (make build)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/evpipe-fn-ingestion.XXXXXX")
pids=()
passed=0
failed=0

cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass() { passed=$((passed + 1)); echo "functions/ingestion: ok: $*"; }
fail() { failed=$((failed + 1)); echo "functions/ingestion: FAIL: $*" >&2; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_port() { # PORT PID NAME: until it accepts connections (60 s bound)
    for _ in $(seq 600); do
        kill -0 "$2" 2>/dev/null || { echo "functions/ingestion: $3 exited during start-up" >&2; return 1; }
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "functions/ingestion: $3 did not listen on $1" >&2
    return 1
}

# run_bootstrap NAME ENDPOINT EVENT...: serves the events to the bootstrap,
# waits for every answer (a liveness bound, not a speed assertion), then
# SIGTERM; the record is $work/NAME.record, the output $work/NAME.log.
run_bootstrap() {
    local name=$1 endpoint=$2; shift 2
    local n=$# record="$work/$name.record" portfile="$work/$name.port" api boot status
    python3 tests/support/fake_runtime_api.py --function-name evpipe-ingestion --record "$record" --port-file "$portfile" --max-seconds 120 "$@" &
    api=$!
    pids+=("$api")
    for _ in $(seq 100); do [ -s "$portfile" ] && break; sleep 0.1; done
    [ -s "$portfile" ] || { fail "$name: the fake Runtime API did not start"; return 1; }
    env -i PATH="$PATH" AWS_LAMBDA_RUNTIME_API="127.0.0.1:$(cat "$portfile")" AWS_REGION=us-east-1 \
        AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_ENDPOINT_URL_SQS="$endpoint" \
        AWS_LAMBDA_FUNCTION_NAME=evpipe-ingestion POWERTOOLS_SERVICE_NAME=ingestion LOG_LEVEL=DEBUG \
        SQS_QUEUE_URL="$QUEUE_URL" SQS_MAX_MESSAGE_BYTES=262144 "$bin" >"$work/$name.log" 2>&1 &
    boot=$!
    pids+=("$boot")
    for _ in $(seq 600); do
        [ -f "$record" ] && [ "$(wc -l <"$record")" -ge "$n" ] && break
        kill -0 "$boot" 2>/dev/null || break
        sleep 0.1
    done
    kill -TERM "$boot" 2>/dev/null
    wait "$boot"
    status=$?
    kill "$api" 2>/dev/null
    if [ ! -f "$record" ] || [ "$(wc -l <"$record")" -lt "$n" ]; then
        fail "$name: not every invocation was answered; output: $(tail -c 800 "$work/$name.log")"
        return 1
    fi
    if [ "$status" = 0 ]; then pass "$name: the bootstrap stopped on SIGTERM with status 0"; else
        fail "$name: the bootstrap exited with $status"; fi
    if grep -q '"level":"\(ERROR\|CRITICAL\)"' "$work/$name.log" && [ "$name" != down ]; then
        fail "$name: error lines in the output: $(grep '"level":"ERROR"' "$work/$name.log" | head -3)"
    fi
    if grep -q 'hunter2\|"test"' "$work/$name.log"; then fail "$name: a secret reached the logs"; fi
}

check() { # CHECK ARGS...: the Python checks, each line counted
    local out rc
    out=$(python3 tests/functions/ingestion_check.py "$@" 2>&1); rc=$?
    passed=$((passed + $(grep -c '^ok:' <<<"$out")))
    grep '^ok:' <<<"$out" | sed 's/^/functions\/ingestion: /'
    [ "$rc" = 0 ] || fail "$(grep -v '^ok:' <<<"$out" | tail -5)"
}

if [ ! -d node_modules/fauxqs ]; then
    echo "functions/ingestion: node_modules missing, running npm ci" >&2
    npm ci --no-audit --no-fund >&2 || { echo "functions/ingestion: 0 passed, 1 failed"; exit 1; }
fi
sqs_port=$(free_port)
FAUXQS_PORT=$sqs_port FAUXQS_HOST=localhost FAUXQS_LOGGER=false \
    node node_modules/fauxqs/dist/cli.js >"$work/fauxqs.log" 2>&1 &
pids+=($!)
wait_port "$sqs_port" $! fauxqs || { echo "functions/ingestion: 0 passed, 1 failed"; exit 1; }
endpoint="http://127.0.0.1:$sqs_port"
QUEUE_URL=$(python3 tests/functions/ingestion_check.py create-queue "$endpoint" "ingestion-$$") ||
    { echo "functions/ingestion: could not create the queue" >&2; exit 1; }

ev=tests/functions/events
if run_bootstrap queued "$endpoint" $ev/post_valid.json $ev/post_invalid.json $ev/post_base64.json \
    $ev/post_array_mixed.json $ev/get_events.json; then
    check queued "$work/queued.record" "$ev" "$endpoint" "$QUEUE_URL"
fi

down_port=$(free_port) # nothing listens there
if run_bootstrap down "http://127.0.0.1:$down_port" $ev/post_valid.json; then
    check down "$work/down.record"
fi

echo "functions/ingestion: $passed passed, $failed failed"
[ "$failed" = 0 ]
