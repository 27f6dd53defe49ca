#!/usr/bin/env bash
# Load on a running `mentormatch serve`: open loop at a fixed rate for a
# fixed time (`mentormatch load`), with the server's memory before and after.
# The server and the load generator share this machine's cores.
#
#   bash bench/load.sh REQUEST.json RATE SECONDS [serve flags…]
#   bash bench/load.sh bench/out/example-no-groups.json 1000 60
#   BIN=/tmp/mm-prev bash bench/load.sh bench/out/example-no-groups.json 1000 60
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-target/release/mentormatch}   # BIN=… measures another build
[ -n "${BIN:-}" ] || cargo build --release --quiet
req=$1; rate=$2; secs=$3; shift 3
mkdir -p bench/out
if [ "$req" = bench/out/example-no-groups.json ] && [ ! -f "$req" ]; then
  python3 -c "import json; r = json.load(open('examples/cmr-2021/request.json')); r['policy'].pop('groups', None); json.dump(r, open('$req', 'w'))"
fi
port=$((20000 + RANDOM % 20000))
"$bin" serve --addr 127.0.0.1:$port "$@" 2>bench/out/load-server.log &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
sleep 0.5
rss() { awk '/VmRSS/ {printf "%.1f MiB", $2 / 1024}' /proc/$pid/status; }
echo "machine: $(nproc) cores shared by the server and the load generator"
"$bin" load "$req" --addr http://127.0.0.1:$port --rate 50 --duration-s 2 >/dev/null  # warm up
echo "server RSS before: $(rss)"
"$bin" load "$req" --addr http://127.0.0.1:$port --rate "$rate" --duration-s "$secs"
echo "server RSS after: $(rss)"
kill -TERM $pid; wait $pid || true
