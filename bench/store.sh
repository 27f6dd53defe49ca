#!/usr/bin/env bash
# The run store's cost: the example without groups through `mentormatch
# load` at RATE calls/s for SECONDS, with no store, a SQLite file and a
# PostgreSQL database (needs MENTORMATCH_TEST_PG, e.g. from
# `eval "$(bash .ci/postgres.sh start)"`); then the database growth of one
# stored 10k x 1k Solve in each.
#
#   bash bench/store.sh [RATE] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-500}; secs=${2:-20}
: "${MENTORMATCH_TEST_PG:?start PostgreSQL first: eval \"\$(bash .ci/postgres.sh start)\"}"
cargo build --release --quiet
bin=target/release/mentormatch
req=bench/out/example-no-groups.json
mkdir -p bench/out
[ -f "$req" ] || python3 -c "import json; r = json.load(open('examples/cmr-2021/request.json')); r['policy'].pop('groups', None); json.dump(r, open('$req', 'w'))"
big=bench/out/synth-10000x1000.json
[ -f "$big" ] || "$bin" generate --mentees 10000 --mentors 1000 --seed 1 -o "$big"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "machine: $(nproc) cores shared by the server, the load generator and PostgreSQL"
for store in none sqlite postgres; do
  case $store in
    none) flags=(--no-store) ;;
    sqlite) flags=(--db "$tmp/runs.sqlite") ;;
    postgres) flags=(--db "$MENTORMATCH_TEST_PG") ;;
  esac
  port=$((20000 + RANDOM % 20000))
  "$bin" serve --addr 127.0.0.1:$port "${flags[@]}" 2>"$tmp/server-$store.log" &
  pid=$!
  sleep 1
  "$bin" load "$req" --addr http://127.0.0.1:$port --rate 50 --duration-s 2 >/dev/null
  echo "== $store"
  "$bin" load "$req" --addr http://127.0.0.1:$port --rate "$rate" --duration-s "$secs" | grep -E 'answered|latency|errors'
  case $store in
    sqlite)
      before=$(du -cb "$tmp"/runs.sqlite* | tail -1 | cut -f1)
      "$bin" call solve --addr http://127.0.0.1:$port "$big" >/dev/null
      after=$(du -cb "$tmp"/runs.sqlite* | tail -1 | cut -f1)
      echo "one 10k x 1k Solve run: +$(( (after - before) / 1024 )) KiB (file and WAL)" ;;
    postgres)
      size() { psql "$MENTORMATCH_TEST_PG" -tAc "SELECT pg_total_relation_size('runs') + pg_total_relation_size('events')"; }
      before=$(size)
      "$bin" call solve --addr http://127.0.0.1:$port "$big" >/dev/null
      after=$(size)
      echo "one 10k x 1k Solve run: +$(( (after - before) / 1024 )) KiB (runs and events, TOAST included)" ;;
  esac
  kill -TERM $pid; wait $pid || true
done
