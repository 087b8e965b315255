"""Shared fixtures: an app on a fresh database, a client that checks every page it fetches,
and helpers to create inspectors, inspections, kiosks and codes.

The database is SQLite in a temporary folder unless ``TEST_DATABASE_URL`` names
another (CI sets it to PostgreSQL for a second run).
"""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from tests import pages
from tests.helpers import Factory

HERE = Path(__file__).resolve().parent
ROOT_DIR = HERE.parent
TINY_QUESTIONNAIRES = HERE / "questionnaires"
SHIPPED_QUESTIONNAIRES = HERE.parent / "questionnaires"

# Cheap KDF and password hashing: tests check behaviour, not cost.
os.environ.setdefault("SURVEY_KDF_MEMORY_KIB", "1024")
os.environ.setdefault("SURVEY_KDF_ITERATIONS", "1")
os.environ.setdefault("SURVEY_KDF_LANES", "1")
os.environ.setdefault("SURVEY_PASSWORD_TIME_COST", "1")
os.environ.setdefault("SURVEY_PASSWORD_MEMORY_KIB", "1024")
os.environ.pop("DATABASE_URL", None)
os.environ.pop("SURVEY_PASSPHRASE", None)

from survey_app import create_app  # noqa: E402
from survey_app.extensions import limiter  # noqa: E402
from survey_app.models import db  # noqa: E402

DATABASE_FIXTURES = {"app", "shipped_app", "migrated_database"}


def pytest_collection_modifyitems(config, items) -> None:
    """Every test that reaches the database is a ``db`` test, so the PostgreSQL run in CI
    (``pytest -m db``) takes it too; none has to remember to say so. Browser tests are
    marked ``db`` only where they mean to run on both engines (the production journeys)."""
    for item in items:
        in_browser = "browser" in item.keywords
        if not in_browser and DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


#: The only reasons a test may be skipped when CI=true: it is about the other database engine,
#: or it is a helper someone runs by hand. A skip for a missing tool or service fails in CI.
ALLOWED_CI_SKIPS = ("engine:", "opt-in:")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        reason = str(report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        if not reason.startswith(ALLOWED_CI_SKIPS):
            report.outcome = "failed"
            report.longrepr = f"skipped in CI, where everything it needs can be installed: {reason}"
    return report


@functools.cache
def database_url() -> str | None:
    """The PostgreSQL (or other) database named by ``TEST_DATABASE_URL``, one per xdist worker.

    Parallel workers (``pytest -n``) each get their own database beside the named one
    (``test_gw0``, ``test_gw1``...), created on first use, so they never share tables.
    """
    url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    from sqlalchemy.engine import make_url

    base = make_url(url)
    mine = base.set(database=f"{base.database}_{worker}")
    _create_database(base, mine.database)
    return mine.render_as_string(hide_password=False)


def _create_database(server, name: str) -> None:
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


def is_postgresql() -> bool:
    return (database_url() or "").startswith("postgresql")


def _upgrade(url: str, instance: Path) -> None:
    app = create_app(_config(url, instance, TINY_QUESTIONNAIRES), instance_path=str(instance))
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        db.engine.dispose()


def _config(url: str, instance: Path, questionnaires: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test secret key, not for use anywhere else",
        "SQLALCHEMY_DATABASE_URI": url,
        "QUESTIONNAIRE_DIR": str(questionnaires),
        "PUBLIC_URL": "https://localhost",
    }


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> str:
    """A database at the newest migration: a template file on SQLite, a clean schema on PostgreSQL."""
    instance = tmp_path_factory.mktemp("template")
    url = database_url()
    if url:
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        _upgrade(url, instance)
        return url
    template = instance / "template.sqlite3"
    _upgrade(f"sqlite:///{template}", instance)
    return str(template)


def _fresh_database(migrated_database: str, tmp_path: Path) -> str:
    if database_url():
        engine = create_engine(migrated_database)
        with engine.begin() as connection:
            tables = connection.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            ).scalars()
            names = ", ".join(f'"{name}"' for name in tables)
            if names:
                connection.execute(text(f"TRUNCATE {names} CASCADE"))
        engine.dispose()
        return migrated_database
    path = tmp_path / "survey.sqlite3"
    shutil.copyfile(migrated_database, path)
    return f"sqlite:///{path}"


class UnexpectedStatus(AssertionError):
    pass


class CheckedClient(FlaskClient):
    """A test client that asserts the status of every request and checks every HTML page it
    receives (see tests/pages.py).

    ``expect`` is the status the request must get: 200 by default for GET and HEAD; every
    other method must say what it expects (``client.post(url, data=..., expect=302)``), so
    no test can pass on a status it did not mean (a 400 from a missing CSRF token where an
    authorisation check was meant, say). With ``follow_redirects`` it is the final status.
    Only the fuzz tests, whose input decides the outcome, give a set of statuses
    (``tests/integration/test_fuzz_forms.py``, which then checks what each one stored).
    """

    _depth = 0

    def open(
        self,
        *args,
        expect: int | frozenset[int] | None = None,
        skip_page_check: bool = False,
        **kwargs,
    ):
        self._depth += 1
        try:
            response = super().open(*args, **kwargs)
        finally:
            self._depth -= 1
        if self._depth:  # a redirect followed inside an outer request: that one checks
            return response
        request = response.request
        if expect is None:
            if request.method not in ("GET", "HEAD"):
                raise TypeError(f"say what {request.method} {request.path} must get: expect=...")
            expect = 200
        allowed = expect if isinstance(expect, frozenset) else {expect}
        if response.status_code not in allowed:
            raise UnexpectedStatus(
                f"{request.method} {request.path} got {response.status_code}, expected {expect}"
            )
        if response.mimetype == "text/html" and not skip_page_check:
            pages.check(response.get_data(as_text=True))
        return response


def _make_app(migrated_database, tmp_path, questionnaires):
    url = _fresh_database(migrated_database, tmp_path)
    app = create_app(_config(url, tmp_path, questionnaires), instance_path=str(tmp_path))
    app.test_client_class = CheckedClient
    limiter.reset()
    return app


def _dispose(app) -> None:
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(migrated_database, tmp_path):
    """The app on a fresh database, with the tiny test questionnaires.

    No app context is held open: requests made by the test client get their own.
    Use ``with app.app_context():`` to reach the database directly.
    """
    app = _make_app(migrated_database, tmp_path, TINY_QUESTIONNAIRES)
    yield app
    _dispose(app)


@pytest.fixture
def shipped_app(migrated_database, tmp_path):
    """The app with the real questionnaires in ``questionnaires/``."""
    app = _make_app(migrated_database, tmp_path, SHIPPED_QUESTIONNAIRES)
    yield app
    _dispose(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def factory(app):
    return Factory(app)
