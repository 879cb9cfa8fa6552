#!/usr/bin/env bash
# `make run`: the whole pipeline on this machine, on loopback.
#
#   dynalite (DynamoDB)  127.0.0.1:$DYNAMODB_PORT (8000)  table kept in $DATA_DIR/dynalite
#   fauxqs (SQS)         127.0.0.1:$SQS_PORT (9324)        messages in memory only
#   devserver            127.0.0.1:$PORT (3000)            API Gateway front + both functions
#                        127.0.0.1:$DASHBOARD_PORT (3001)  dashboard and GET /api/state
#
# devserver creates the queue, the dead-letter queue and the table from
# template.yaml. Ctrl-C (or SIGTERM) stops everything started here, by PID,
# devserver first (it stops the functions), then the emulators.
#
# usage: tools/run.sh [BUILD_DIR]      (make run passes $(BUILD))
# Environment: PORT, DASHBOARD_PORT, SQS_PORT, DYNAMODB_PORT, DATA_DIR (set:
# the table survives a restart; unset: a temporary directory removed on
# exit), DEVSERVER_ARGS (more devserver flags, split on spaces, e.g.
# "--parameter-overrides LogLevel=DEBUG"), RUN_NO_BUILD=1 skips the
# dependency check and the build (tests).
# Exit status: 0 after Ctrl-C, 2 when a port is taken or a program is
# missing, 1 when something failed to start or stopped on its own.
set -uo pipefail
build=${1:-build}
cd "$(dirname "$0")/.." || exit 2
root=$PWD
case "$build" in /*) ;; *) build=$root/$build ;; esac

PORT=${PORT:-3000}
DASHBOARD_PORT=${DASHBOARD_PORT:-3001}
SQS_PORT=${SQS_PORT:-9324}
DYNAMODB_PORT=${DYNAMODB_PORT:-8000}
keep_data=1
if [ -z "${DATA_DIR:-}" ]; then
    keep_data=0
    DATA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/evpipe-run.XXXXXX")
fi
case "$DATA_DIR" in /*) ;; *) DATA_DIR=$root/$DATA_DIR ;; esac

say() { echo "run: $*" >&2; }

pids=() names=()
stopping=0
# Stops what was started, newest first (devserver before the emulators), by
# PID: SIGTERM, up to 10 s, then SIGKILL. Every child runs in its own process
# group (setsid), so whatever a child left behind (a function process of a
# devserver that was killed) is stopped with its group.
cleanup() {
    [ "$stopping" = 1 ] && return
    stopping=1
    local i pid
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        pid=${pids[$i]}
        kill -TERM "$pid" 2>/dev/null || continue
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            say "${names[$i]} (pid $pid) did not stop within 10 s: killing it"
            kill -KILL "$pid" 2>/dev/null
        fi
        wait "$pid" 2>/dev/null
        kill -KILL -- "-$pid" 2>/dev/null # anything left in its process group
    done
    if [ "$keep_data" = 0 ]; then rm -rf "$DATA_DIR"; fi
}
on_signal() {
    echo >&2
    say "stopping"
    cleanup
    exit 0
}
trap cleanup EXIT
trap on_signal INT TERM

# ---- checks before anything starts ------------------------------------------

for v in PORT DASHBOARD_PORT SQS_PORT DYNAMODB_PORT; do
    case "${!v}" in
        '' | *[!0-9]*) say "$v=${!v} is not a port number"; exit 2 ;;
    esac
    if [ "${!v}" -lt 1 ] || [ "${!v}" -gt 65535 ]; then say "$v=${!v} is not a port number"; exit 2; fi
done
if [ "$(printf '%s\n' "$PORT" "$DASHBOARD_PORT" "$SQS_PORT" "$DYNAMODB_PORT" | sort -u | wc -l)" != 4 ]; then
    say "PORT=$PORT DASHBOARD_PORT=$DASHBOARD_PORT SQS_PORT=$SQS_PORT DYNAMODB_PORT=$DYNAMODB_PORT: four different ports needed"
    exit 2
fi

if [ "${RUN_NO_BUILD:-0}" != 1 ]; then
    tools/deps.sh --quiet || exit 2
    make --no-print-directory -s check-generated >/dev/null 2>&1 || make --no-print-directory generate || exit 1
    make --no-print-directory -s -j2 build BUILD="$build" || exit 1
fi

for prog in devserver ingestion-bootstrap processing-bootstrap; do
    if [ ! -x "$build/bin/$prog" ]; then
        say "$build/bin/$prog does not exist: build it with \`make build\` (its source is src/tools/$prog.c or src/bootstrap/)"
        exit 2
    fi
done
if [ ! -f node_modules/fauxqs/dist/cli.js ] || [ ! -f node_modules/dynalite/cli.js ]; then
    say "node_modules/ lacks fauxqs or dynalite: run \`make deps\` (npm ci)"
    exit 2
fi

# A port is free when this machine lets us bind it on 127.0.0.1 (a server
# on 0.0.0.0 or on 127.0.0.1 makes the bind fail; SO_REUSEADDR, as servers
# set it, so connections of an earlier run in TIME_WAIT do not count).
port_busy() {
    python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(0)
finally:
    s.close()
sys.exit(1)
EOF
}
for v in PORT DASHBOARD_PORT SQS_PORT DYNAMODB_PORT; do
    if port_busy "${!v}"; then
        say "port ${!v} ($v) is already in use on 127.0.0.1: stop what listens there (ss -ltnp 'sport = :${!v}') or choose another, e.g. $v=$((${!v} + 10)) make run"
        exit 2
    fi
done

mkdir -p "$DATA_DIR/dynalite" "$DATA_DIR/logs" || { say "cannot create $DATA_DIR"; exit 2; }
logs=$DATA_DIR/logs

# ---- start ------------------------------------------------------------------

# start NAME LOG CMD...: in its own session and process group (setsid), so a
# Ctrl-C reaches this script only and the stop order stays ours.
start() {
    local name=$1 log=$2
    shift 2
    setsid "$@" >>"$log" 2>&1 </dev/null &
    pids+=($!)
    names+=("$name")
}

# Waits until URL answers HTTP (any status), or the process died, or 60 s.
wait_http() {
    local name=$1 pid=$2 url=$3 log=$4
    for _ in $(seq 1 600); do
        if ! kill -0 "$pid" 2>/dev/null; then
            say "$name exited during start-up; the end of $log:"
            tail -n 20 "$log" >&2
            return 1
        fi
        code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url" 2>/dev/null)
        [ -n "$code" ] && [ "$code" != 000 ] && return 0
        sleep 0.1
    done
    say "$name did not answer on $url within 60 s; see $log"
    return 1
}

export AWS_REGION=${AWS_REGION:-us-east-1}
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
unset AWS_SESSION_TOKEN AWS_PROFILE
export AWS_ENDPOINT_URL_SQS=http://127.0.0.1:$SQS_PORT
export AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$DYNAMODB_PORT

start dynalite "$logs/dynalite.log" node --require "$root/tools/loopback.cjs" node_modules/dynalite/cli.js \
    --host 127.0.0.1 --port "$DYNAMODB_PORT" --path "$DATA_DIR/dynalite"
ddb_pid=$!
start fauxqs "$logs/fauxqs.log" env FAUXQS_PORT="$SQS_PORT" FAUXQS_HOST=127.0.0.1 FAUXQS_LOGGER=false \
    node --require "$root/tools/loopback.cjs" node_modules/fauxqs/dist/cli.js
sqs_pid=$!
wait_http dynalite "$ddb_pid" "$AWS_ENDPOINT_URL_DYNAMODB/" "$logs/dynalite.log" || exit 1
wait_http fauxqs "$sqs_pid" "$AWS_ENDPOINT_URL_SQS/" "$logs/fauxqs.log" || exit 1

# shellcheck disable=SC2086 # DEVSERVER_ARGS is split on purpose
start devserver "$logs/devserver.log" "$build/bin/devserver" --template template.yaml \
    --host 127.0.0.1 --port "$PORT" --dashboard-port "$DASHBOARD_PORT" --dashboard-dir dashboard \
    --sqs-endpoint "$AWS_ENDPOINT_URL_SQS" --dynamodb-endpoint "$AWS_ENDPOINT_URL_DYNAMODB" \
    --ingestion-bootstrap "$build/bin/ingestion-bootstrap" --processing-bootstrap "$build/bin/processing-bootstrap" \
    ${DEVSERVER_ARGS:-}
dev_pid=$!
# /api/state answers once the queues and the table exist.
state_url=http://127.0.0.1:$DASHBOARD_PORT/api/state
ready=0
for _ in $(seq 1 600); do
    if ! kill -0 "$dev_pid" 2>/dev/null; then
        say "devserver exited during start-up; the end of $logs/devserver.log:"
        tail -n 20 "$logs/devserver.log" >&2
        exit 1
    fi
    if [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$state_url" 2>/dev/null)" = 200 ]; then ready=1; break; fi
    sleep 0.1
done
[ "$ready" = 1 ] || { say "devserver did not answer $state_url within 60 s; see $logs/devserver.log"; exit 1; }
wait_http devserver "$dev_pid" "http://127.0.0.1:$PORT/" "$logs/devserver.log" || exit 1

sample=$(head -n 1 samples/events.jsonl)
cat <<EOF

evpipe is running (Ctrl-C stops everything).

  API        http://127.0.0.1:$PORT/events
  Dashboard  http://127.0.0.1:$DASHBOARD_PORT/
  Try        curl -i -X POST http://127.0.0.1:$PORT/events -H 'Content-Type: application/json' \\
               -d '$sample'
  Look       AWS_ENDPOINT_URL_DYNAMODB=$AWS_ENDPOINT_URL_DYNAMODB AWS_ENDPOINT_URL_SQS=$AWS_ENDPOINT_URL_SQS \\
               AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=$AWS_REGION $build/bin/evtail --follow

  DynamoDB   $AWS_ENDPOINT_URL_DYNAMODB (dynalite)  data: $DATA_DIR/dynalite$([ "$keep_data" = 0 ] && echo " (temporary: set DATA_DIR= to keep the table)")
  SQS        $AWS_ENDPOINT_URL_SQS (fauxqs)  messages are kept in memory only, lost on exit
  Logs       $logs/ (devserver.log: one JSON line per request and invocation)$([ "$keep_data" = 0 ] && echo ", removed on exit")
EOF

# Wait for devserver; a signal interrupts the wait and runs on_signal.
wait "$dev_pid"
status=$?
[ "$stopping" = 1 ] && exit 0
say "devserver stopped on its own (exit $status); the end of $logs/devserver.log:"
tail -n 20 "$logs/devserver.log" >&2
exit 1
