#!/usr/bin/env bash
# Peak server memory when N callers send a large request at once, with a
# byte budget smaller than their sum: the requests the budget refuses
# should not be buffered first.
#
#   bash bench/budget.sh [BINARY] [N] [MiB per request] [budget MiB]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/mentormatch}; n=${2:-8}; mib=${3:-100}; budget=${4:-256}
[ -x "$bin" ] || cargo build --release --quiet
mkdir -p bench/out
req=bench/out/budget-$mib-mib.json
# One mentee whose name alone is `mib` MiB: decoded in full, then refused
# by validation (names are at most 256 characters).
[ -f "$req" ] || python3 - "$req" "$mib" <<'PY'
import json, sys
r = json.load(open("examples/cmr-2021/request.json"))
r["mentees"][0]["profile"]["name"] = "x" * (int(sys.argv[2]) << 20)
json.dump(r, open(sys.argv[1], "w"))
PY
port=$((20000 + RANDOM % 20000))
"$bin" serve --addr 127.0.0.1:$port --max-message-bytes $(( (mib + 16) << 20 )) \
  --max-inflight-bytes $(( budget << 20 )) 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
sleep 0.5
codes=()
for i in $(seq "$n"); do
  "$bin" call solve --addr http://127.0.0.1:$port "$req" >/dev/null 2>bench/out/budget-$i.err &
done
wait -n 2>/dev/null || true; sleep 0.2
while pgrep -f "call solve --addr http://127.0.0.1:$port" >/dev/null; do sleep 0.2; done
peak=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' /proc/$pid/status)
summary=$(cat bench/out/budget-*.err | grep -o 'InvalidArgument\|ResourceExhausted\|OutOfRange\|Internal' | sort | uniq -c | tr '\n' ' ')
echo "$(basename "$bin"): $n x $mib MiB, budget $budget MiB: server peak RSS $peak MiB; answers: $summary"
rm -f bench/out/budget-*.err
