#!/usr/bin/env bash
# A sparse programme two ways: 2,000 x 300 where each mentee has three
# candidate mentors, stated as `allowed_mentors` lists and as the
# `policy.forbidden_pairs` of every other pair (which needs --max-list
# raised). Request size, wall time, peak RSS, and whether both give the
# same pairs.
#
#   bash bench/sparse.sh
set -eu
cd "$(dirname "$0")/.."
b=target/release/mentormatch
[ -x "$b" ] || cargo build --release --quiet
o=bench/out/sparse; mkdir -p $o
"$b" generate --mentees 2000 --mentors 300 --seed 11 --max-capacity 8 -o $o/base.json
python3 - "$o" <<'PY'
import json, sys
o = sys.argv[1]
req = json.load(open(f"{o}/base.json"))
ids = [m["profile"]["id"] for m in req["mentors"]]
n = len(ids)
forbidden = []
for k, e in enumerate(req["mentees"]):
    allowed = sorted({(k * 7) % n, (k * 13 + 5) % n, (k * 31 + 11) % n})
    names = [ids[m] for m in allowed]
    e["allowedMentors"] = names
    e["preferredMentors"] = [p for p in e.get("preferredMentors", []) if p in names]
    eid = e["profile"]["id"]
    forbidden += [{"mentorId": ids[m], "menteeId": eid} for m in range(n) if m not in allowed]
json.dump(req, open(f"{o}/allowed.json", "w"))
for e in req["mentees"]:
    del e["allowedMentors"]
req.setdefault("policy", {})["forbiddenPairs"] = forbidden
json.dump(req, open(f"{o}/forbidden.json", "w"))
PY
run() { # label out args...
  local label=$1 out=$2; shift 2
  /usr/bin/time -f "%e %M" -o $o/time "$@" > $out 2>/dev/null
  read -r secs kb < <(tail -1 $o/time)
  printf '%-34s %7.2f s %6d MiB\n' "$label" "$secs" "$((kb / 1024))"
}
ls -l $o/allowed.json $o/forbidden.json | awk '{printf "%-34s %9.1f MB\n", $9, $5 / 1e6}'
run "allowed_mentors (default limits)" $o/a.json $b solve $o/allowed.json
run "forbidden_pairs (--max-list 1e6)" $o/f.json $b solve --max-list 1000000 $o/forbidden.json
python3 - $o/a.json $o/f.json <<'PY'
import json, sys
a, f = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda r: sorted((p["menteeId"], p["mentorId"], p["score"]) for p in r.get("pairs", []))
print(f"pairs {len(a.get('pairs', []))}, same as forbidden_pairs: {key(a) == key(f)}")
PY
