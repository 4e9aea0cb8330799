#!/usr/bin/env bash
# Tools the deploy/ checks use, installed when missing on a Debian machine (CI starts fresh):
# docker-compose validates deploy/compose.yaml without a Docker engine; kubectl builds the
# kustomization (`kubectl kustomize`, no cluster needed); psql runs deploy/registry-roles.sh
# against the test PostgreSQL. Quick, and never fatal: without a tool its check skips.
want=()
command -v docker-compose >/dev/null 2>&1 || want+=(docker-compose)
command -v kubectl >/dev/null 2>&1 || want+=(kubernetes-client)
command -v psql >/dev/null 2>&1 || want+=(postgresql-client)
[ ${#want[@]} -eq 0 ] && exit 0
command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ] || exit 0
export DEBIAN_FRONTEND=noninteractive
for package in "${want[@]}"; do
  if ! timeout 300 bash -c "apt-get install -y -qq --no-install-recommends $package >/dev/null 2>&1 ||
       { apt-get update -qq && apt-get install -y -qq --no-install-recommends $package; } >/dev/null 2>&1"; then
    echo "note: $package could not be installed; the checks that need it will be skipped" >&2
  fi
done
exit 0
