#!/usr/bin/env bash
# What-if at scale: the 10k × 1k synthetic programme (seed 1), its optimal
# pairs as the baseline, one scenario "m17 withdraws", stability weight 5.
# Times `mentormatch whatif` (read JSON, validate, score the scenario,
# warm-started flow from the baseline, diff, write) against a cold `solve`
# of the same programme, with peak RSS.
#
#   bash bench/whatif.sh [mentees mentors [runs]]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/mentormatch
out=bench/out
mkdir -p "$out"
mentees=${1:-10000}
mentors=${2:-1000}
runs=${3:-3}
req="$out/synth-${mentees}x${mentors}.json"
[ -f "$req" ] || "$bin" generate --mentees "$mentees" --mentors "$mentors" --seed 1 --max-capacity 20 -o "$req"
"$bin" solve "$req" -o "$out/response-${mentees}x${mentors}.json"
w="$out/whatif-${mentees}x${mentors}.json"
python3 - "$req" "$out/response-${mentees}x${mentors}.json" "$w" <<'PY'
import json, sys
base = json.load(open(sys.argv[1]))
resp = json.load(open(sys.argv[2]))
json.dump({
    "base": base,
    "baselinePairs": [{"mentorId": p["mentorId"], "menteeId": p["menteeId"]} for p in resp["pairs"]],
    "stabilityWeight": 5,
    "scenarios": [{"name": "m17 withdraws", "edits": [{"removeMentor": "m17"}]}],
}, open(sys.argv[3], "w"))
PY
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
rss() { /usr/bin/time -f "%e s wall, %M KiB peak RSS" "$@" 2>&1 >/dev/null | tail -1; }
for i in $(seq "$runs"); do
  printf 'what-if run %d: %s\n' "$i" "$(rss "$bin" whatif "$w" -o "$out/whatif-response.json")"
  printf 'cold solve run %d: %s\n' "$i" "$(rss "$bin" solve "$req" -o /dev/null)"
done
python3 - "$out/whatif-response.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["results"][0]["diff"]
print(f"kept {len(d.get('kept', []))}, moved {len(d.get('moved', []))}, added {len(d.get('added', []))}, "
      f"dropped {len(d.get('dropped', []))}, score change {d.get('scoreChange', 0)}")
PY
