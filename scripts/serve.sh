#!/usr/bin/env bash
# Install, migrate, load the demo and serve on http://127.0.0.1:5000 (SQLite in ./instance).
# Laptop mode: plain HTTP on this machine only. See docs/deployment.md for anything else.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh ""
export SURVEY_INSECURE_HTTP=1
flask --app wsgi db upgrade
flask --app wsgi demo
echo "Serving on http://127.0.0.1:5000 (Ctrl+C to stop)"
exec flask --app wsgi run --host 127.0.0.1 --port 5000
