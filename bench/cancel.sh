#!/usr/bin/env bash
# CPU a server keeps using after its caller leaves: a call is started with
# `mentormatch call`, the client is killed once the server is busy, and the
# server's CPU time (from /proc) is read in 100 ms steps for a second.
#
#   bash bench/cancel.sh REQUEST.json [BINARY] [serve flags…]
#   bash bench/cancel.sh bench/out/synth-100x20-groups.json
set -euo pipefail
cd "$(dirname "$0")/.."
req=$1; bin=${2:-target/release/mentormatch}; shift $(( $# >= 2 ? 2 : 1 ))
[ -x "$bin" ] || cargo build --release --quiet
port=$((20000 + RANDOM % 20000))
"$bin" serve --addr 127.0.0.1:$port --max-concurrent 1 "$@" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
sleep 0.5
ticks() { awk '{print $14 + $15}' /proc/$pid/stat; }
"$bin" call solve --addr http://127.0.0.1:$port "$req" >/dev/null 2>&1 &
client=$!
# Wait until the server uses most of a core (past decoding and validation).
for _ in $(seq 200); do
  a=$(ticks); sleep 0.1; b=$(ticks)
  [ $((b - a)) -ge 8 ] && break
done
sleep 0.5
kill -9 $client 2>/dev/null || true
t0=$(date +%s%N); steps=()
for _ in $(seq 10); do a=$(ticks); sleep 0.1; steps+=($(( $(ticks) - a ))); done
echo "$(basename "$bin"): CPU ticks (10 ms) per 100 ms after the caller left: ${steps[*]}"
