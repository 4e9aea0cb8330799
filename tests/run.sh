#!/usr/bin/env bash
# The test command (make test). Starts what the tests need, then runs pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m pytest "$@"
