#!/usr/bin/env bash
# Start a throw-away PostgreSQL 15 for the tests (installed on these machines, not running).
# It refuses to run as root, so it runs as the postgres user. Prints the database URL on stdout.
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$PGBIN" ] || { echo "postgresql not installed" >&2; exit 1; }
PORT=${WEIQUAN_TEST_PG_PORT:-54329}
DIR=$(mktemp -d /tmp/weiquan-pg.XXXXXX)
chown postgres "$DIR"
run() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
run "$PGBIN/initdb -D $DIR/data -U postgres -A trust --encoding=UTF8 --locale=C.UTF-8" >/dev/null
run "$PGBIN/pg_ctl -D $DIR/data -o '-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off' -l $DIR/log -w start" >/dev/null
echo "$DIR" > /tmp/weiquan-pg.dir
echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
