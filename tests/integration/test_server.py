"""The real server as shipped (gunicorn with gunicorn.conf.py, production mode): rate limits that
every worker shares, quiet connections that block nobody, and a refusal to run workers that would
each keep their own count.

Runs on SQLite (one worker with many threads, in-memory limits) and, in CI's second run, on
PostgreSQL (two workers sharing Redis).
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from benchmarks.client import Browser, csrf_token
from benchmarks.server import ROOT, free_port, gunicorn, make_certificate, serve_tls
from tests.production import production_env

pytestmark = pytest.mark.db

SIGN_IN_LIMIT = 10  # SURVEY_SIGN_IN_LIMIT's default: 10 per minute


def test_a_rate_limit_counts_every_request_whatever_worker_takes_it(app, factory, tmp_path):
    """30 wrong sign-ins in a minute from one address: exactly 10 are checked, 20 wait
    (refused with 429). Each names a different account, so the per-account limit (5 a
    minute) does not come into it.

    Before, two workers with in-memory limits let 20 of 30 through a 10-a-minute limit.
    """
    env = production_env(app, tmp_path)
    host, port = env["SURVEY_BIND"].split(":")
    browser = Browser(host, int(port))
    with gunicorn(env, log_dir=tmp_path):
        _, _, page = browser.get("/inspector/sign-in")
        token = csrf_token(page)
        statuses = [
            browser.post(
                "/inspector/sign-in",
                {"csrf_token": token, "email": f"nobody{n}@example.org", "password": "wrong!!"},
            )[0]
            for n in range(30)
        ]
    assert statuses == [400] * SIGN_IN_LIMIT + [429] * (30 - SIGN_IN_LIMIT), statuses


def test_several_workers_without_a_shared_store_refuse_to_start(app, tmp_path):
    env = production_env(app, tmp_path)
    env.pop("REDIS_URL", None)
    env["SURVEY_WORKERS"] = "2"
    if not env["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("engine: PostgreSQL in production mode needs Redis for other reasons too")
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last == (
        "survey-app will not start in production mode: SURVEY_WORKERS=2 needs REDIS_URL: "
        "without a shared store each worker would count rate limits on its own "
        "(use one worker, which has many threads)"
    )


def test_fifty_idle_tls_connections_do_not_block_the_service(app, tmp_path):
    """With gunicorn serving TLS itself (laptop mode), connections that open and say nothing,
    before or after the TLS handshake, leave /health answering.

    Before, two sync workers stalled /health for over 8 s behind two idle connections. The
    time it takes is measured by ``python -m benchmarks.idle_connections``; this test only
    gives it a generous bound, so a slow machine does not fail it.
    """
    certificate = make_certificate(tmp_path / "tls")
    env = serve_tls(production_env(app, tmp_path, port=free_port()), certificate)
    context = certificate.client_context()
    host, port = env["SURVEY_BIND"].split(":")
    with gunicorn(env, log_dir=tmp_path), contextlib.ExitStack() as idle:
        for number in range(50):
            raw = idle.enter_context(socket.create_connection((host, int(port))))
            if number % 2:  # half of them complete the handshake, then stay quiet
                idle.enter_context(context.wrap_socket(raw, server_hostname=host))
        time.sleep(0.2)
        for _ in range(5):
            started = time.monotonic()
            with urllib.request.urlopen(  # noqa: S310 - our own server
                f"https://{host}:{port}/health", timeout=10, context=context
            ) as response:
                assert response.status == 200
            assert time.monotonic() - started < 3
