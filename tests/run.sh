#!/usr/bin/env bash
# The test command (make test). Starts what the tests need, runs pytest, then the clock-sensitive
# tests at several shifted start dates (tests/shifted.sh).
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
"$PY" -m pytest "$@"
bash tests/shifted.sh "$@"  # the clock-sensitive tests again, at other start dates (libfaketime)
