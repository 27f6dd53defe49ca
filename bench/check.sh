#!/usr/bin/env bash
# `check` against `solve` on the 10k x 1k programmes (places plenty, and
# places short: seed 2, capacities <= 12), this build and a previous one
# (the peer) one after the other in one run: wall time and peak RSS.
#
#   bash bench/check.sh [PEER_BINARY]     # default: no peer rows
set -u
cd "$(dirname "$0")/.."
b=target/release/mentormatch
peer=${1:-}
[ -x "$b" ] || cargo build --release --quiet
o=bench/out; mkdir -p $o
g1=$o/synth-10000x1000.json
g2=$o/synth-10000x1000-s2-cap12.json
[ -f $g1 ] || "$b" generate --mentees 10000 --mentors 1000 --seed 1 -o $g1
[ -f $g2 ] || "$b" generate --mentees 10000 --mentors 1000 --seed 2 --max-capacity 12 -o $g2
run() { # label binary args...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o $o/check.time "$@" > $o/check-out.txt 2>/dev/null
  read -r secs kb < <(tail -1 $o/check.time)
  printf '%-40s %8.2f s %8.0f MiB   %s\n' "$label" "$secs" "$((kb / 1024))" \
    "$(grep -o 'at most [0-9]* matched' $o/check-out.txt)"
}
for g in $g1 $g2; do
  name=$(basename "$g" .json)
  run "$name: check, this build" $b check $g
  [ -n "$peer" ] && run "$name: check, peer" $peer check $g
  run "$name: solve, this build" $b solve $g
done
