#!/usr/bin/env bash
# End-to-end timings of `mentormatch solve` on seeded synthetic programmes:
# read JSON, validate, score every mentor × mentee pair, solve, explain,
# write JSON. Reports each run's phases and peak RSS (VmHWM).
#
#   bash bench/bench.sh                 # 1k×100 and 10k×1k, 3 runs each
#   bash bench/bench.sh 10000 1000 5    # one size, 5 runs
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/mentormatch
out=bench/out
mkdir -p "$out"
sizes=("1000 100" "10000 1000")
runs=3
if [ $# -ge 2 ]; then sizes=("$1 $2"); runs=${3:-3}; fi
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for size in "${sizes[@]}"; do
  read -r mentees mentors <<<"$size"
  req="$out/synth-${mentees}x${mentors}.json"
  [ -f "$req" ] || "$bin" generate --mentees "$mentees" --mentors "$mentors" --seed 1 --max-capacity 20 -o "$req"
  for i in $(seq "$runs"); do
    printf '%6d x %-5d run %d: ' "$mentees" "$mentors" "$i"
    "$bin" solve "$req" --timings -o "$out/response-${mentees}x${mentors}.json" 2>&1 >/dev/null | tail -1
  done
  python3 - "$out/response-${mentees}x${mentors}.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["stats"]
print(f"    matched {s.get('matched', 0)}/{s.get('mentees', 0)}, total score {s.get('totalScore', 0)}, "
      f"feasible pairs {s.get('candidatePairsFeasible')} of {s.get('candidatePairsTotal')}")
PY
done
