#!/usr/bin/env bash
# The test command (make test). Starts what the tests need, runs pytest and, beside it, the
# clock-sensitive tests at several shifted start dates (tests/shifted.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${WEIQUAN_PYTHON:-.venv/bin/python}
if [ -z "${WEIQUAN_TEST_PG_URL:-}" ] && ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  started=$(bash tests/postgres.sh)
  read -r WEIQUAN_TEST_PG_URL PGDIR <<<"$started"
  export WEIQUAN_TEST_PG_URL
  trap 'bash tests/postgres.sh stop "$PGDIR"' EXIT
fi
bash tests/deploy-tools.sh
bash tests/browser-tools.sh
# The clock-sensitive tests again at other start dates (libfaketime), one date at a time beside the
# main run (WEIQUAN_SHIFTED_JOBS): the main run leaves a core idle much of the time. Their report
# follows the main one.
shifted_log=$(mktemp)
trap 'rm -f "$shifted_log"; [ -z "${PGDIR:-}" ] || bash tests/postgres.sh stop "$PGDIR"' EXIT
WEIQUAN_SHIFTED_JOBS=${WEIQUAN_SHIFTED_JOBS:-1} bash tests/shifted.sh "$@" >"$shifted_log" 2>&1 &
shifted=$!
rc=0
"$PY" -m pytest "$@" || rc=$?
shifted_rc=0
wait "$shifted" || shifted_rc=$?
cat "$shifted_log"
[ "$rc" = 0 ] || exit "$rc"
exit "$shifted_rc"
