#!/usr/bin/env bash
# The processing bootstrap as Lambda runs it: a fake Runtime API
# (tests/support/fake_runtime_api.py) hands it SQS batches, and it writes to
# dynalite, a table created as template.yaml declares it. Checks:
#   1. a batch of four events: four items with the exact normalised values;
#   2. the same batch again (redelivery): no failure, no second item;
#   3. a conflicting event (same event_id, other content) and an invalid body:
#      both batch item failures, the stored item unchanged, a valid one stored;
#   4. the table unreachable (dynalite stopped): every record a batch item
#      failure in a response (never a success);
#   5. no DYNAMODB_TABLE_NAME: init/error posted, exit status 1.
# Everything on 127.0.0.1 with free ports; servers stopped by PID.
# usage: BUILD=build tests/functions/processing_run.sh
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${BUILD:-build}
boot=$build/bin/processing-bootstrap
work=$(mktemp -d "${TMPDIR:-/tmp}/evpipe-processing.XXXXXX")
pids=()
passed=0
failed=0

cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass() { passed=$((passed + 1)); echo "processing: ok: $*"; }
fail() { failed=$((failed + 1)); echo "processing: FAILED: $*" >&2; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_port() { # port pid name: bounded (60 s), stops early when the process died
    local _
    for _ in $(seq 600); do
        kill -0 "$2" 2>/dev/null || { echo "processing: $3 exited during start-up" >&2; return 1; }
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# run_bootstrap NAME ENDPOINT EVENTS...: the bootstrap serves the events,
# then gets SIGTERM; the posts are in $work/NAME.record, its output in
# $work/NAME.log.
run_bootstrap() {
    local name=$1 endpoint=$2 port fake bpid n=0 _ ev args=()
    shift 2
    for ev in "$@"; do args+=(--event "$ev"); n=$((n + 1)); done
    rm -f "$work/$name.port" "$work/$name.record"
    python3 tests/support/fake_runtime_api.py --function-name evpipe-processing "${args[@]}" --record "$work/$name.record" \
        --port-file "$work/$name.port" --deadline-ms-from-now 8000 --max-seconds 120 &
    fake=$!
    pids+=("$fake")
    for _ in $(seq 100); do [ -s "$work/$name.port" ] && break; sleep 0.1; done
    port=$(cat "$work/$name.port" 2>/dev/null) || { fail "$name: the fake Runtime API did not start"; return 1; }
    env AWS_LAMBDA_RUNTIME_API="127.0.0.1:$port" AWS_LAMBDA_FUNCTION_NAME=evpipe-processing \
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128 LOG_LEVEL=INFO POWERTOOLS_SERVICE_NAME=evpipe \
        POWERTOOLS_METRICS_NAMESPACE=evpipe DYNAMODB_TABLE_NAME="${TABLE-evpipe-events}" EVENT_RETENTION_DAYS=30 \
        AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
        AWS_ENDPOINT_URL_DYNAMODB="$endpoint" "$boot" >"$work/$name.log" 2>&1 &
    bpid=$!
    pids+=("$bpid")
    # Bounded wait for every answer (a liveness bound, not a speed assertion).
    for _ in $(seq 600); do
        [ -s "$work/$name.record" ] && [ "$(wc -l <"$work/$name.record")" -ge "$n" ] && break
        kill -0 "$bpid" 2>/dev/null || break
        sleep 0.1
    done
    if [ "${EXPECT_EXIT:-0}" = 1 ]; then # it stops by itself: give it time to (bounded)
        for _ in $(seq 300); do kill -0 "$bpid" 2>/dev/null || break; sleep 0.1; done
    fi
    kill -TERM "$bpid" 2>/dev/null
    wait "$bpid"
    BOOT_STATUS=$?
    kill "$fake" 2>/dev/null
    wait "$fake" 2>/dev/null
    return 0
}

main() {
    [ -x "$boot" ] || { echo "processing: $boot is not built (make build)" >&2; exit 1; }
    if [ ! -e node_modules/.bin/dynalite ]; then
        echo "processing: node_modules missing, running npm ci" >&2
        npm ci --no-audit --no-fund >&2 || { echo "processing: npm ci failed" >&2; exit 1; }
    fi
    local ddb_port ddb endpoint
    ddb_port=$(free_port)
    node_modules/.bin/dynalite --port "$ddb_port" >"$work/dynalite.log" 2>&1 &
    ddb=$!
    pids+=("$ddb")
    wait_port "$ddb_port" "$ddb" dynalite || { echo "processing: dynalite did not start" >&2; exit 1; }
    endpoint="http://127.0.0.1:$ddb_port"
    python3 tests/functions/processing_check.py create-table "$endpoint" evpipe-events || exit 1
    python3 tests/functions/processing_check.py events "$work" || exit 1

    run_bootstrap up "$endpoint" "$work/batch1.json" "$work/batch1.json" "$work/batch3.json"
    if python3 tests/functions/processing_check.py answers "$work/up.record" \
        '[[], [], ["m-conflict", "m-invalid"]]'; then
        pass "batch stored, redelivery without failures, conflict and invalid body reported"
    else
        fail "the answers differ; bootstrap output: $(tail -c 1500 "$work/up.log")"
    fi
    if python3 tests/functions/processing_check.py table "$endpoint" evpipe-events; then
        pass "items in the table: exact numbers, one item per event, the first write kept"
    else
        fail "the table differs"
    fi
    if grep -q '"reason":"conflict"' "$work/up.log" && grep -q '"EventConflicts":1' "$work/up.log" &&
        grep -q '"DuplicateEvents":4' "$work/up.log" && grep -q '"reason":"invalid-event"' "$work/up.log" &&
        grep -q '"EventsStored":4' "$work/up.log" && grep -q '"DynamoDbWriteLatency":' "$work/up.log"; then
        pass "logs and metrics: conflict and invalid body logged, EventsStored 4, DuplicateEvents 4, EventConflicts 1, DynamoDbWriteLatency"
    else
        fail "logs/metrics lack the conflict, invalid-event or counts: $(tail -c 1500 "$work/up.log")"
    fi
    if [ "$BOOT_STATUS" = 0 ]; then pass "SIGTERM: exit status 0"; else fail "SIGTERM: exit status $BOOT_STATUS"; fi

    kill "$ddb" 2>/dev/null
    wait "$ddb" 2>/dev/null
    run_bootstrap down "$endpoint" "$work/batch4.json"
    if python3 tests/functions/processing_check.py answers "$work/down.record" '[["m-7", "m-8"]]' &&
        grep -q '"reason":"write-failed"\|"reason":"deadline"' "$work/down.log"; then
        pass "table unreachable: every record a batch item failure"
    else
        fail "table unreachable: $(tail -c 1500 "$work/down.log")"
    fi

    TABLE="" EXPECT_EXIT=1 run_bootstrap noconfig "$endpoint" "$work/batch4.json"
    if [ "$BOOT_STATUS" = 1 ] && grep -q '/init/error' "$work/noconfig.record" &&
        grep -q 'DYNAMODB_TABLE_NAME is not set' "$work/noconfig.record"; then
        pass "no DYNAMODB_TABLE_NAME: init/error posted, exit status 1"
    else
        fail "no DYNAMODB_TABLE_NAME: exit $BOOT_STATUS, posts: $(cat "$work/noconfig.record" 2>/dev/null)"
    fi

    echo "functions: processing: $passed passed, $failed failed"
    [ "$failed" = 0 ]
}

main
