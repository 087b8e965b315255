#!/usr/bin/env bash
# Install and run the whole test suite (SQLite). Extra arguments go to pytest.
# Browser tests need Debian's chromium at /usr/bin/chromium; without it they are skipped
# (and fail under CI=true, where they must run).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh "[test]"
ruff check .
ruff format --check .
exec pytest "$@"
