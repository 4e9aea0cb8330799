#!/usr/bin/env bash
# Tools the deploy/ checks use, installed when missing on a Debian machine (CI starts fresh):
# docker-compose validates deploy/compose.yaml without a Docker engine. Quick, and never fatal:
# without it the compose test skips.
command -v docker-compose >/dev/null 2>&1 && exit 0
command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ] || exit 0
export DEBIAN_FRONTEND=noninteractive
if ! timeout 300 bash -c 'apt-get install -y -qq --no-install-recommends docker-compose >/dev/null 2>&1 ||
     { apt-get update -qq && apt-get install -y -qq --no-install-recommends docker-compose; } >/dev/null 2>&1'; then
  echo "note: docker-compose could not be installed; the compose check will be skipped" >&2
fi
exit 0
