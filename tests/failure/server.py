"""Run the real server (gunicorn with the repo config) on the test database."""

from __future__ import annotations

from pathlib import Path

from benchmarks.server import environment, free_port
from tests.conftest import TINY_QUESTIONNAIRES, is_postgresql


def server_env(app, folder: Path) -> tuple[dict, int]:
    """Settings for gunicorn on ``app``'s database, with the same secret key and questionnaires."""
    port = free_port()
    env = environment(app.config["SQLALCHEMY_DATABASE_URI"], folder, port)
    env.update(
        SURVEY_SECRET_KEY=app.config["SECRET_KEY"],
        SURVEY_QUESTIONNAIRE_DIR=str(TINY_QUESTIONNAIRES),
        SURVEY_KDF_MEMORY_KIB="19456",
    )
    if is_postgresql():
        # The PostgreSQL run need not have Redis: production checks are tested on SQLite.
        env.update(SURVEY_ENV="development")
    return env, port
