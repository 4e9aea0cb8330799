#!/usr/bin/env bash
# Headless Chromium and CJK fonts for the browser tests (the HTML report, the Web UI), installed
# when missing on a Debian machine: CI starts fresh, and without the fonts Chinese renders as boxes.
# In CI a missing browser fails those tests rather than skipping them. The last line says what the
# browser tests will run with, so the CI log shows it.
have() { command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "noto.*cjk"; }
if ! have && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 bash -c 'apt-get install -y -qq chromium fonts-noto-cjk >/dev/null 2>&1 ||
     { apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk; } >/dev/null 2>&1' || true
fi
if have; then
  echo "browser tests: $(chromium --version 2>/dev/null | head -1), CJK fonts: $(fc-list | grep -ci 'noto.*cjk') faces" >&2
else
  echo "note: chromium or fonts-noto-cjk could not be installed; the browser tests cannot run" >&2
fi
exit 0
