#!/usr/bin/env bash
# PutItem round trips per second against dynalite (in memory, loopback):
# evpipe (bench_putitem) next to boto3 on the same emulator in the same run,
# at concurrency 1 and 10. Prints a table with ratios and writes
# bench/results/putitem.json.
# usage: bench/putitem/run.sh BUILD_DIR   (SECONDS_PER_RUN, default 5)
set -eu
build=${1:-build}
cd "$(dirname "$0")/../.."
secs=${SECONDS_PER_RUN:-5}
bin="$build/bench/bench_putitem"
[ -x "$bin" ] || { echo "putitem: $bin not built (make bench)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/evpipe-bench.XXXXXX")
pid=""
cleanup() {
    # Under set -e a failing wait (the emulator dies by our TERM) would become the script's status.
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -e node_modules/.bin/dynalite ] || npm ci --no-audit --no-fund >&2
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
node_modules/.bin/dynalite --port "$port" >"$work/dynalite.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/dynalite.log" >&2; exit 1; }
    sleep 0.1
done
endpoint="http://127.0.0.1:$port"
table=bench_putitem
python3 bench/putitem/boto3_putitem.py --endpoint "$endpoint" --table "$table" --create

# Warm-up (JIT of the emulator, page cache) so the first measured run is not penalised.
"$bin" --endpoint "$endpoint" --table "$table" --seconds 1 >/dev/null
python3 bench/putitem/boto3_putitem.py --endpoint "$endpoint" --table "$table" --seconds 1 >/dev/null

runs=()
for c in 1 10; do
    runs+=("$("$bin" --endpoint "$endpoint" --table "$table" --concurrency "$c" --seconds "$secs")")
    runs+=("$(python3 bench/putitem/boto3_putitem.py --endpoint "$endpoint" --table "$table" --concurrency "$c" --seconds "$secs")")
done
runs+=("$("$bin" --endpoint "$endpoint" --table "$table" --concurrency 10 --multi --seconds "$secs")")

mkdir -p bench/results
printf '%s\n' "${runs[@]}" | python3 bench/putitem/report.py bench/results/putitem.json
echo "putitem: wrote bench/results/putitem.json"
status=0
for r in "${runs[@]}"; do
    case "$r" in *'"errors":0,'*|*'"errors": 0,'*) ;; *) status=1 ;; esac
done
exit $status
