#!/usr/bin/env bash
# The clock-sensitive tests (pytest -m clock) again, with the clock of pytest and of the
# time-skipping servers it starts shifted by libfaketime to each start date below (tests/run.sh
# runs this after the suite; any failure fails the run). PostgreSQL stays unshifted: its
# parametrized cases are left to the unshifted run.
#   WEIQUAN_SHIFTED_DATES="2027-02-05 …" picks other dates; "" skips the shifted runs.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${WEIQUAN_PYTHON:-.venv/bin/python}
# A Friday whose 15th day is a Saturday (2027-01-02, after New Year's Day), the year's last day,
# the eve of Spring Festival 2027, and a day in the past (the days before the National Day week).
# A plain working day is what the unshifted run usually is; dropped to keep CI within 15 minutes.
DATES=${WEIQUAN_SHIFTED_DATES-2026-12-18 2026-12-31 2027-02-05 2026-10-16}
[ -n "$DATES" ] || exit 0

LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1  # Debian's libfaketime
if [ ! -e "$LIB" ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 bash -c 'apt-get install -y -qq libfaketime >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq libfaketime; } >/dev/null 2>&1' || true
fi
LIB=$(dpkg -L libfaketime 2>/dev/null | grep '/libfaketime\.so\.1$' || echo "$LIB")
if [ ! -e "$LIB" ]; then
  [ -n "${CI:-}" ] && { echo "libfaketime is missing: the date-shifted runs cannot run" >&2; exit 1; }
  echo "note: libfaketime is not installed; the date-shifted runs are skipped" >&2
  exit 0
fi

# One run per date, as many at a time as there are cores (WEIQUAN_SHIFTED_JOBS): each waits on its
# servers more than it computes.
shifted() {  # DATE OFFSET pytest-args…
  local day=$1 offset=$2 rc=0
  shift 2
  # A relative offset (the clock runs on from there), the monotonic clock left alone: with
  # libfaketime's monotonic fix the idle time-skipping server spins.
  LD_PRELOAD=$LIB FAKETIME="${offset}d" FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_FORCE_MONOTONIC_FIX=0 \
    "$PY" -m pytest -m clock -k "not postgresql" -p no:cacheprovider "$@" || rc=$?
  [ "$rc" = 5 ] && rc=0  # the tests asked for hold no clock-sensitive one
  return "$rc"
}

today=$(TZ=Asia/Shanghai date +%F)  # the cases' calendar is Shanghai's
jobs=${WEIQUAN_SHIFTED_JOBS:-$(nproc)}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
offset() { local n=$(( ($(date -u -d "$1" +%s) - $(date -u -d "$today" +%s)) / 86400 )); [ "$n" -lt 0 ] || n="+$n"; echo "$n"; }
for day in $DATES; do
  offset=$(offset "$day")
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  { rc=0; shifted "$day" "$offset" "$@" >"$logs/$day.log" 2>&1 || rc=$?; echo "$rc" >"$logs/$day.rc"; } &
done
wait
failed=""
for day in $DATES; do
  echo "== clock-sensitive tests, started on $day in Shanghai (FAKETIME=$(offset "$day")d)"
  cat "$logs/$day.log"
  [ "$(cat "$logs/$day.rc")" = 0 ] || failed="$failed $day"
done
[ -z "$failed" ] || { echo "the clock-sensitive tests failed when started on:$failed" >&2; exit 1; }
