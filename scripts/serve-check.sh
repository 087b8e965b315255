#!/usr/bin/env bash
# CI's check that the README's first command works: run scripts/serve.sh on a free port, wait
# until /health answers, sign in as the demo inspector, then stop it.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export PORT
log=$(mktemp)
setsid bash scripts/serve.sh >"$log" 2>&1 &
server=$!
trap 'kill -TERM -- "-$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 180); do
  if curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then cat "$log"; echo "serve.sh exited early" >&2; exit 1; fi
  sleep 1
done
curl -fsS "http://127.0.0.1:$PORT/health"
echo
.venv/bin/python - "$PORT" <<'PY'
import sys
from benchmarks.client import Browser, csrf_token
from survey_app.demo import DEMO_EMAIL, DEMO_PASSWORD

browser = Browser("127.0.0.1", int(sys.argv[1]))
status, _, page = browser.get("/inspector/sign-in")
assert status == 200, status
form = {"csrf_token": csrf_token(page), "email": DEMO_EMAIL, "password": DEMO_PASSWORD}
status, headers, _ = browser.post("/inspector/sign-in", form)
assert status == 302, status
status, _, page = browser.get("/inspector/")
assert status == 200 and b"(demo)" in page, status
print("serve.sh: the demo inspector signed in and sees the demo inspections")
PY
grep -q "Serving on http://127.0.0.1:$PORT" "$log"
