#!/usr/bin/env bash
# The test command (make test). Starts what the tests need, then runs pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
stop_pg() {
  if [ -f /tmp/weiquan-pg.dir ]; then
    dir=$(cat /tmp/weiquan-pg.dir)
    if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/pg_ctl -D $dir/data -m fast stop" >/dev/null 2>&1 || true
    else "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir" /tmp/weiquan-pg.dir
  fi
}
if [ -z "${WEIQUAN_TEST_PG_URL:-}" ] && ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  stop_pg
  WEIQUAN_TEST_PG_URL=$(bash tests/postgres.sh)
  export WEIQUAN_TEST_PG_URL
  trap stop_pg EXIT
fi
bash tests/deploy-tools.sh
.venv/bin/python -m pytest "$@"
