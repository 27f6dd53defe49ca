#!/usr/bin/env bash
# The bilateral solve at scale, this build against a previous one (the
# peer), one after the other in the same run: 10k x 1k (every pair held by
# both), 10k x 1k priced (--held-pairs 1000000), 50k x 5k over all 250 M
# pairs and 100k x 10k over all 1 G pairs (priced here; the peer as it
# was), and verify of both certificates over every pair.
#
#   bash bench/scale.sh [PEER_BINARY]     # default: no peer rows
set -u
cd "$(dirname "$0")/.."
b=target/release/mentormatch
peer=${1:-}
[ -x "$b" ] || cargo build --release --quiet
o=bench/out; mkdir -p $o
g1=$o/synth-10000x1000.json
g5=$o/synth-50000x5000.json
g10=$o/synth-100000x10000.json
[ -f $g1 ] || "$b" generate --mentees 10000 --mentors 1000 --seed 1 -o $g1
[ -f $g5 ] || "$b" generate --mentees 50000 --mentors 5000 --seed 1 -o $g5
[ -f $g10 ] || "$b" generate --mentees 100000 --mentors 10000 --seed 1 -o $g10
for g in $g5 $g10; do
python3 - "$g" "${g%.json}-cert.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); r["include_certificate"] = True
json.dump(r, open(sys.argv[2], "w"))
PY
done
run() { # label binary args...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o $o/scale.time "$@" > $o/scale-out.json 2>/dev/null
  read -r secs kb < <(tail -1 $o/scale.time)
  stats=$(python3 -c "
import json,sys
try:
  s=json.load(open('$o/scale-out.json'))['stats']; print(s['matched'], s['totalScore'])
except Exception: print('-')")
  printf '%-44s %8.2f s %8.0f MiB   %s\n' "$label" "$secs" "$((kb / 1024))" "$stats"
}
big="--max-pairs 300000000 --max-time-ms 300000"
run "10k x 1k, this build (every pair held)" $b solve $g1
[ -n "$peer" ] && run "10k x 1k, peer" $peer solve $g1
run "10k x 1k, this build, --held-pairs 1000000" $b solve $g1 --held-pairs 1000000
run "50k x 5k, this build (priced)" $b solve $g5 $big
[ -n "$peer" ] && run "50k x 5k, peer" $peer solve $g5 $big
huge="--max-pairs 2000000000 --max-mentors 20000 --max-time-ms 300000"
run "100k x 10k, this build (priced)" $b solve $g10 $huge
[ -n "$peer" ] && run "100k x 10k, peer" $peer solve $g10 $huge
verify() { # label request flags...
  local label=$1 req=$2; shift 2
  $b solve "$req" "$@" > $o/scale-cert-resp.json
  /usr/bin/time -f "%e %M" -o $o/scale.time $b verify "$req" $o/scale-cert-resp.json "$@" > $o/scale-verify.txt
  read -r secs kb < <(tail -1 $o/scale.time)
  printf '%-44s %8.2f s %8.0f MiB   %s\n' "$label" "$secs" "$((kb / 1024))" "$(head -c 120 $o/scale-verify.txt)"
}
verify "verify 50k x 5k (250 M pairs)" ${g5%.json}-cert.json $big
verify "verify 100k x 10k (1 G pairs)" ${g10%.json}-cert.json $huge
