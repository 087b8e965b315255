#!/usr/bin/env bash
# Install and run the whole test suite (SQLite), in parallel on every core. Extra arguments go to
# pytest (e.g. -k kiosk, or -n 0 to run in one process). Browser tests need Debian's chromium
# at /usr/bin/chromium and the production tests nginx; without them those tests are skipped
# (and fail under CI=true, where they must run).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh "[test]"
ruff check .
ruff format --check .
mypy  # the types of survey_app/ ([tool.mypy] in pyproject.toml)
exec pytest -n auto "$@"
