"""gunicorn settings: ``gunicorn wsgi:app`` from the repository root reads this file.

Environment (see docs/deployment.md):

* ``SURVEY_BIND`` (default ``127.0.0.1:8000``), ``SURVEY_WORKERS`` (default 1 without Redis,
  2 with ``REDIS_URL``), ``SURVEY_THREADS`` (default 64), ``SURVEY_TIMEOUT`` (seconds, default 30);
* ``SURVEY_CERTFILE`` and ``SURVEY_KEYFILE`` serve HTTPS directly (the laptop mode with TLS);
* ``SURVEY_ENV`` defaults to ``production`` here: the app refuses to start on unsafe settings.

The access log never carries the client address (gunicorn's default ``%(h)s``), forwarded
addresses, the query string, the user agent or the request body: only the time, the
method and path (a tablet set-up token taken out), the status, the size and the duration.
The error log carries no client address, set-up token or query string either
(``survey_app.gunicorn_logging``).
"""

import os
import sys

os.environ.setdefault("SURVEY_ENV", "production")

bind = [os.environ.get("SURVEY_BIND", "127.0.0.1:8000")]
# Threaded workers: a connection that is open but quiet (a tablet's browser keeping it alive, a
# phone on a weak signal) holds at most one thread, never the whole worker. Laptop mode with TLS
# keeps 50 idle connections open without delaying anyone (docs/performance.md has the figures).
worker_class = "gthread"
# Rate limits live in the worker's memory unless REDIS_URL names a shared store, so without
# Redis there is one worker (many threads) and every limit counts every request.
workers = int(os.environ.get("SURVEY_WORKERS") or (2 if os.environ.get("REDIS_URL") else 1))
threads = int(os.environ.get("SURVEY_THREADS", "64"))
timeout = int(os.environ.get("SURVEY_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Bound what a client can send: a whole questionnaire is a few kilobytes.
limit_request_line = 4094
limit_request_fields = 60
limit_request_field_size = 8190

certfile = os.environ.get("SURVEY_CERTFILE") or None
keyfile = os.environ.get("SURVEY_KEYFILE") or None

accesslog = os.environ.get("SURVEY_ACCESS_LOG", "-")
errorlog = os.environ.get("SURVEY_ERROR_LOG", "-")
loglevel = os.environ.get("SURVEY_LOG_LEVEL", "info")
# %(U)s is the path without the query string; %(M)s the duration in milliseconds.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# Takes the tablet set-up token out of logged paths, and client addresses, tokens and query
# strings out of the error log (gunicorn names the client on every bad request).
logger_class = "survey_app.gunicorn_logging.PrivateLogger"
# gunicorn may trust X-Forwarded-Proto from the load balancer only (the app's
# SURVEY_PROXY_COUNT handles X-Forwarded-For for rate limits).
forwarded_allow_ips = os.environ.get("SURVEY_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "survey-app"
# No management socket in the home folder: the service is run and stopped by its supervisor.
control_socket_disable = True


def on_starting(server):
    """Refuse to start, with a one-line reason, before any worker is forked."""
    from survey_app import config

    if config.is_production():
        reason = config.production_problem() or config.server_problem(workers)
        if reason:
            sys.exit(f"survey-app will not start in production mode: {reason}")
