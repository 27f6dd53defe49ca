#!/usr/bin/env bash
# A throwaway PostgreSQL server for the store tests, on a local port.
#
#   eval "$(bash .ci/postgres.sh start)"   # installs it if missing, exports MENTORMATCH_TEST_PG
#   bash .ci/postgres.sh stop
#
# The cluster lives in $PGTEST_DIR (default /tmp/mentormatch-pg) and runs as
# the `postgres` user (PostgreSQL refuses to run as root).
set -euo pipefail
dir=${PGTEST_DIR:-/tmp/mentormatch-pg}
port=${PGTEST_PORT:-54329}
bin() {
  local b
  b=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$b" ] && echo "$b"
}
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-}" in
  start)
    if [ -z "$(bin)" ]; then
      echo "installing PostgreSQL (apt-get)" >&2
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
    fi
    b=$(bin)
    if [ ! -s "$dir/PG_VERSION" ]; then
      rm -rf "$dir"; mkdir -p "$dir"
      [ "$(id -u)" = 0 ] && chown postgres "$dir"
      as_pg "$b/initdb" -D "$dir" -U mentormatch --auth=trust -E UTF8 >/dev/null
    fi
    if ! as_pg "$b/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      as_pg "$b/pg_ctl" -D "$dir" -w -l "$dir/server.log" \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    fi
    as_pg "$b/psql" -h 127.0.0.1 -p "$port" -U mentormatch -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'mentormatch_test'" | grep -q 1 ||
      as_pg "$b/createdb" -h 127.0.0.1 -p "$port" -U mentormatch mentormatch_test
    echo "export MENTORMATCH_TEST_PG=postgres://mentormatch@127.0.0.1:$port/mentormatch_test"
    ;;
  stop)
    b=$(bin) || exit 0
    as_pg "$b/pg_ctl" -D "$dir" -m fast stop >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
