"""Backups restore into a fresh database in which every response still opens.

On SQLite the backup is the file written by the online backup API; on PostgreSQL
(TEST_DATABASE_URL) it is a pg_dump archive restored with pg_restore into a new database.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from survey_app import create_app, inspections, responses
from survey_app.evidence import report
from survey_app.models import Inspection, db
from tests.conftest import TINY_QUESTIONNAIRES, database_url, is_postgresql
from tests.helpers import PASSPHRASE

pytestmark = pytest.mark.db

RESPONSES = 12
MARKER = "MARKER-BACKUP-41f2"


def _submit(app, inspection_id: str, count: int) -> None:
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        questionnaire = app.extensions["questionnaires"].current("children", "stc")
        for number in range(count):
            answers = {
                "feel_safe": "yes" if number % 2 else "no",
                "anything_else": f"{MARKER}-{number}",
            }
            responses.submit(inspection, questionnaire, answers, {"nonce": secrets.token_hex(8)})


def _opens_everything(url: str, instance: Path, inspection_id: str) -> tuple[int, int]:
    """(responses opened, evidence respondents) in the database at ``url``."""
    restored = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "another key: a restore needs only the passphrase",
            "SQLALCHEMY_DATABASE_URI": url,
            "QUESTIONNAIRE_DIR": str(TINY_QUESTIONNAIRES),
        },
        instance_path=str(instance),
    )
    with restored.app_context():
        try:
            inspection = db.session.get(Inspection, inspection_id)
            unsealer = inspections.unlock(inspection, PASSPHRASE)
            broken = responses.BrokenSeals()
            opened = sum(1 for _ in responses.open_all(inspection, unsealer, broken))
            assert broken.count == 0
            evidence = report.build(inspection, unsealer)
            respondents = sum(q["respondents"] for q in evidence["questionnaires"])
            return opened, respondents
        finally:
            db.engine.dispose()


def _restore_postgresql(dump: Path) -> tuple[str, str]:
    """Restore ``dump`` into a new database; returns (its URL, the admin URL to drop it)."""
    source = make_url(database_url())
    name = f"survey_restore_{secrets.token_hex(4)}"
    admin = create_engine(source, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    target = source.set(database=name)
    arguments = [shutil.which("pg_restore") or "pg_restore", "--no-owner", "--exit-on-error"]
    for flag, value in (("--host", target.host), ("--port", target.port)):
        if value:
            arguments += [flag, str(value)]
    if target.username:
        arguments += ["--username", target.username]
    subprocess.run([*arguments, "--dbname", name, str(dump)], check=True, timeout=60)
    return target.render_as_string(hide_password=False), name


def _drop_postgresql(name: str) -> None:
    admin = create_engine(database_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_a_restored_backup_opens_every_response(app, factory, tmp_path):
    inspection_id = factory.inspection()
    _submit(app, inspection_id, RESPONSES)
    target = tmp_path / "backup.dump"

    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0

    # Answers written after the backup are not in it: it is a snapshot.
    _submit(app, inspection_id, 1)

    restore_dir = tmp_path / "restored"
    restore_dir.mkdir()
    if is_postgresql():
        url, name = _restore_postgresql(target)
        try:
            assert _opens_everything(url, restore_dir, inspection_id) == (RESPONSES, RESPONSES)
        finally:
            _drop_postgresql(name)
    else:
        restored_file = restore_dir / "survey.sqlite3"
        shutil.copyfile(target, restored_file)
        url = f"sqlite:///{restored_file}"
        assert _opens_everything(url, restore_dir, inspection_id) == (RESPONSES, RESPONSES)


def test_the_backup_holds_no_answer_text(app, factory, tmp_path):
    inspection_id = factory.inspection()
    _submit(app, inspection_id, 3)
    target = tmp_path / "backup.dump"
    assert app.test_cli_runner().invoke(args=["backup", str(target)]).exit_code == 0
    assert MARKER.encode() not in target.read_bytes()


def test_a_backup_into_a_missing_folder_fails_with_one_line(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "nope" / "b.dump")])
    assert result.exit_code != 0
    assert "no folder" in result.output
    assert "Traceback" not in result.output
