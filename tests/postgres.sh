#!/usr/bin/env bash
# Start a throw-away PostgreSQL 15 for the tests (installed on these machines, not running).
# It refuses to run as root, so it runs as the postgres user. Prints "URL DIR" on stdout; stop it
# with `tests/postgres.sh stop DIR`. Each run has its own directory and a free port, so several
# checkouts on one machine can test at the same time.
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$PGBIN" ] || { echo "postgresql not installed" >&2; exit 1; }
run() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
if [ "${1:-}" = stop ]; then
  run "$PGBIN/pg_ctl -D $2/data -m fast stop" >/dev/null 2>&1 || true
  rm -rf "$2"
  exit 0
fi
PORT=${WEIQUAN_TEST_PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
DIR=$(mktemp -d /tmp/weiquan-pg.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres "$DIR"
run "$PGBIN/initdb -D $DIR/data -U postgres -A trust --encoding=UTF8 --locale=C.UTF-8" >/dev/null
run "$PGBIN/pg_ctl -D $DIR/data -o '-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off' -l $DIR/log -w start" >/dev/null
echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres $DIR"
