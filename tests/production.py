"""The production configuration for tests: gunicorn with the repository's gunicorn.conf.py in
production mode, serving TLS itself (laptop mode with a certificate) or behind a TLS-terminating
nginx, on the test's own database (SQLite, or PostgreSQL with Redis for the rate limits).

Used by the browser journeys (tests/browser/test_production_journeys.py) and the several-servers
test (tests/integration/test_several_servers.py).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks.server import (
    NGINX,
    Certificate,
    environment,
    free_port,
    gunicorn,
    make_certificate,
    nginx,
    serve_tls,
)
from tests.conftest import TINY_QUESTIONNAIRES

REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class Served:
    """Where a browser reaches the service, the certificate it must trust, and the gunicorn
    processes behind it (each one's folder holds its access and error logs)."""

    base_url: str
    certificate: Certificate
    servers: tuple = ()
    folders: tuple = ()

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])


def production_env(app, folder: Path, port: int | None = None) -> dict:
    """Production-mode settings for gunicorn on ``app``'s database, secret key and questionnaires."""
    port = port or free_port()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    env = environment(url, folder, port)
    env.update(
        SURVEY_SECRET_KEY=app.config["SECRET_KEY"],
        SURVEY_QUESTIONNAIRE_DIR=str(TINY_QUESTIONNAIRES),
        SURVEY_KDF_MEMORY_KIB="19456",
        SURVEY_RATELIMIT_PREFIX=f"test-{secrets.token_hex(6)}",
    )
    if not url.startswith("sqlite"):
        env["REDIS_URL"] = REDIS_URL
    return env


@contextlib.contextmanager
def served_over_tls(
    app, folder: Path, *, wsgi: str = "wsgi:app", env: dict | None = None
) -> Iterator[Served]:
    """gunicorn serving HTTPS itself, as the laptop mode with a certificate does; ``wsgi``
    names the app to serve (a test's own, e.g. ``tests.slow_wsgi:app``), ``env`` adds settings."""
    certificate = make_certificate(folder / "tls")
    env = serve_tls({**production_env(app, folder), **(env or {})}, certificate)
    with gunicorn(env, app=wsgi, log_dir=folder) as server:
        yield Served(env["SURVEY_PUBLIC_URL"], certificate, (server,), (folder,))


@contextlib.contextmanager
def served_behind_proxy(
    app,
    folder: Path,
    servers: int = 1,
    *,
    wsgi: str = "wsgi:app",
    env: dict | None = None,
    read_timeout: str = "300s",
) -> Iterator[Served]:
    """``servers`` gunicorns on plain HTTP behind one nginx that terminates TLS (its
    ``proxy_read_timeout`` is ``read_timeout``); ``wsgi`` and ``env`` as for ``served_over_tls``."""
    extra = env or {}
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (apt-get install nginx)")
    certificate = make_certificate(folder / "tls")
    proxy_port = free_port()
    public_url = f"https://127.0.0.1:{proxy_port}"
    prefix = f"test-{secrets.token_hex(6)}"  # every server counts in the same Redis keys
    with contextlib.ExitStack() as stack:
        upstreams, processes, folders = [], [], []
        for number in range(servers):
            here = folder / f"server{number}"
            here.mkdir(parents=True, exist_ok=True)
            settings = production_env(app, here)
            settings.pop("SURVEY_INSECURE_HTTP", None)
            settings.update(
                SURVEY_PUBLIC_URL=public_url, SURVEY_PROXY_COUNT="1", SURVEY_RATELIMIT_PREFIX=prefix
            )
            settings.update(extra)
            processes.append(stack.enter_context(gunicorn(settings, app=wsgi, log_dir=here)))
            upstreams.append(settings["SURVEY_BIND"])
            folders.append(here)
        stack.enter_context(
            nginx(upstreams, certificate, folder / "nginx", proxy_port, read_timeout=read_timeout)
        )
        yield Served(public_url, certificate, tuple(processes), tuple(folders))
