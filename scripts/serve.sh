#!/usr/bin/env bash
# Install, migrate, load the demo and serve it with the real server: gunicorn with
# gunicorn.conf.py in production mode, laptop mode on the embedded SQLite database.
#
#   ./scripts/serve.sh                     http://127.0.0.1:5000, this computer only
#   PORT=8080 ./scripts/serve.sh           another port
#   HOST=0.0.0.0 ./scripts/serve.sh        reachable from tablets and phones on this network
#   SURVEY_CERTFILE=cert.pem SURVEY_KEYFILE=key.pem HOST=0.0.0.0 ./scripts/serve.sh
#                                          the same over HTTPS (docs/deployment.md)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh ""

PORT=${PORT:-5000}
HOST=${HOST:-127.0.0.1}
flask --app wsgi db upgrade
flask --app wsgi demo

# The commands above made the instance folder's secret key; every server process signs with it.
SURVEY_SECRET_KEY=$(cat instance/secret_key)
export SURVEY_SECRET_KEY SURVEY_ENV=production SURVEY_BIND="$HOST:$PORT"
if [ -n "${SURVEY_CERTFILE:-}" ]; then
  scheme=https
  unset SURVEY_INSECURE_HTTP
else
  scheme=http
  export SURVEY_INSECURE_HTTP=1 # laptop mode: plain HTTP on this machine or its local network
fi

if [ "$HOST" = "127.0.0.1" ] || [ "$HOST" = "localhost" ]; then
  addresses="127.0.0.1"
else
  # This machine's addresses on the local network, as a tablet would type them.
  addresses=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+(\.[0-9]+){3}$' || true)
  addresses=${addresses:-$HOST}
fi
first=$(echo "$addresses" | head -n 1)
export SURVEY_PUBLIC_URL="${SURVEY_PUBLIC_URL:-$scheme://$first:$PORT}"

echo
echo "Serving on $scheme://$HOST:$PORT (Ctrl+C to stop)."
echo "  Inspectors sign in at $SURVEY_PUBLIC_URL/inspector/sign-in"
if [ "$addresses" = "127.0.0.1" ]; then
  echo "  Only this computer can reach it. For tablets and phones on this network, run"
  echo "  HOST=0.0.0.0 PORT=$PORT ./scripts/serve.sh and open the address it prints on the tablet."
else
  echo "  On a tablet or phone on the same network, open one of:"
  for address in $addresses; do echo "    $scheme://$address:$PORT/"; done
  echo "  Set-up links and staff slips use $SURVEY_PUBLIC_URL (set SURVEY_PUBLIC_URL to change it)."
fi
echo
exec gunicorn -c gunicorn.conf.py wsgi:app
