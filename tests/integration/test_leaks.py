"""Leaks the threat model did not list at first (issue 12, finding 9): each closed, tested."""

from __future__ import annotations

import ast
import base64
import datetime as dt
import hashlib
import html as html_module
import os
import re
import socket
import stat
import types
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from survey_app import responses
from survey_app.models import Inspection, SealedResponse, db
from tests.conftest import ROOT_DIR
from tests.helpers import PASSPHRASE, post_form, sign_in
from tests.integration.test_cli import passphrase_env, run, submit

pytestmark = pytest.mark.db

LONGER_MINIMUM = 30
SHORTER_THAN_IT = "thirteen char"  # long enough for the default 12, too short for 30


def test_a_raised_passphrase_minimum_is_a_form_error_not_a_500(app, client, factory):
    app.config["MINIMUM_PASSPHRASE_LENGTH"] = LONGER_MINIMUM
    email = factory.inspector("admin")
    establishment = factory.establishment()
    inspection_id = factory.inspection([email], passphrase=PASSPHRASE * 2)
    sign_in(client, email)
    page = f"/inspector/inspections/{inspection_id}/keys"
    for form in "/inspector/inspections/new", page:  # the hints say the minimum in force
        shown = client.get(form, expect=200).get_data(as_text=True)
        assert f"at least {LONGER_MINIMUM} characters" in shown
        assert "at least 12 characters" not in shown
    refused = post_form(
        client,
        "/inspector/inspections/new",
        establishment=establishment,
        kind="full",
        passphrase=SHORTER_THAN_IT,
        confirm=SHORTER_THAN_IT,
        expect=400,
    )
    assert f"at least {LONGER_MINIMUM} characters" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inspection)) == 1
    refused = post_form(
        client,
        page,
        page + "/passphrase",
        change_current=PASSPHRASE * 2,
        change_new=SHORTER_THAN_IT,
        change_confirm=SHORTER_THAN_IT,
        expect=400,
    )
    assert f"at least {LONGER_MINIMUM} characters" in refused.get_data(as_text=True)


# --- files the commands write ----------------------------------------------------------------


@pytest.fixture
def loose_umask():
    """The umask most systems have (group and others may read new files)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_backups_exports_and_code_sheets_are_readable_by_their_owner_only(
    app, factory, tmp_path, loose_umask
):
    inspection_id = factory.inspection()
    submit(app, inspection_id, "children", {"feel_safe": "yes"}, 2)
    written = {
        "backup": tmp_path / "survey.backup",
        "export": tmp_path / "evidence.json",
        "sheet": tmp_path / "slips.pdf",
    }
    for path in written.values():  # already there, readable by all: must not stay so
        path.write_bytes(b"old")
        path.chmod(0o644)
    run(app, "backup", str(written["backup"]))
    run(app, "export", inspection_id, "--output", str(written["export"]), env=passphrase_env())
    run(
        app,
        "inspections",
        "staff-codes",
        inspection_id,
        "--count",
        "2",
        "--pdf",
        str(written["sheet"]),
    )
    modes = {name: oct(mode(path)) for name, path in written.items()}
    assert modes == dict.fromkeys(written, "0o600")
    assert written["backup"].stat().st_size > 100
    fresh = tmp_path / "fresh.json"
    run(app, "export", inspection_id, "--output", str(fresh), env=passphrase_env())
    assert oct(mode(fresh)) == "0o600"


def test_the_standalone_html_export_runs_no_script_and_fetches_nothing(app, factory, tmp_path):
    inspection_id = factory.inspection()
    submit(app, inspection_id, "children", {"feel_safe": "yes"}, 1)
    output = tmp_path / "evidence.html"
    run(
        app,
        "export",
        inspection_id,
        "--format",
        "html",
        "--output",
        str(output),
        env=passphrase_env(),
    )
    html = output.read_text(encoding="utf-8")
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert policy, "the standalone document carries no Content-Security-Policy"
    policy = html_module.unescape(policy.group(1))  # as the browser reads the attribute
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert "script-src" not in directives and "unsafe" not in policy
    (css,) = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert directives["style-src"] == f"'sha256-{digest}'"  # the document's own styles apply
    assert "<script" not in html


# --- gunicorn's logs ---------------------------------------------------------------------------

SET_UP_TOKEN = "SetUpToken-5be0c1d7a9"
CLIENT = "198.51.100.213"  # TEST-NET-2: never a real client
CLIENT_V6 = "2001:db8::7:1"  # documentation prefix
QUERY_MARKER = "QueryMarker-4471"


def gunicorn_setting(name: str):
    tree = ast.parse((ROOT_DIR / "gunicorn.conf.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == name:
            return ast.literal_eval(node.value)
    raise AssertionError(f"gunicorn.conf.py sets no {name}")


@pytest.fixture
def shipped_logger(tmp_path):
    """gunicorn's logger as gunicorn.conf.py configures it, writing to two files."""
    from gunicorn.config import Config

    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("errorlog", str(tmp_path / "error.log"))
    config.set("access_log_format", gunicorn_setting("access_log_format"))
    config.set("logger_class", gunicorn_setting("logger_class"))
    logger = config.logger_class(config)
    yield logger
    for handler in logger.error_log.handlers + logger.access_log.handlers:
        handler.close()


def test_the_access_log_leaves_out_the_tablet_set_up_token(shipped_logger, tmp_path):
    path = f"/kiosk/enrol/{SET_UP_TOKEN}"
    environ = {
        "REMOTE_ADDR": CLIENT,
        "REQUEST_METHOD": "POST",
        "RAW_URI": path,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    response = types.SimpleNamespace(status="302 FOUND", sent=0, headers=[])
    shipped_logger.access(
        response, types.SimpleNamespace(headers=[]), environ, dt.timedelta(milliseconds=3)
    )
    logged = (tmp_path / "access.log").read_text()
    assert '"POST /kiosk/enrol/..." 302' in logged  # the log works, and says only this
    assert SET_UP_TOKEN not in logged and CLIENT not in logged


def test_the_error_log_names_no_client_token_or_query(shipped_logger, tmp_path):
    from gunicorn.http.errors import InvalidRequestLine
    from gunicorn.workers.base import Worker

    worker = types.SimpleNamespace(log=shipped_logger, cfg=shipped_logger.cfg)
    for address in (CLIENT, CLIENT_V6):
        ours, theirs = socket.socketpair()
        with ours, theirs:  # a malformed request, answered 400 by gunicorn itself
            bad = InvalidRequestLine(f"GET /kiosk/enrol/{SET_UP_TOKEN}?{QUERY_MARKER} junk")
            Worker.handle_error(worker, None, ours, (address, 50123), bad)
    try:  # what gunicorn logs when the app fails on a request it could read
        raise RuntimeError(f"failed on /kiosk/enrol/{SET_UP_TOKEN}?q={QUERY_MARKER}")
    except RuntimeError:
        shipped_logger.exception(
            "Error handling request %s %s", "GET", f"/kiosk/enrol/{SET_UP_TOKEN}?q={QUERY_MARKER}"
        )
    logged = (tmp_path / "error.log").read_text()
    assert "Invalid request from ip=..." in logged and "Error handling request GET" in logged
    assert "RuntimeError" in logged  # the traceback is kept, cleaned
    for secret in (CLIENT, CLIENT_V6, SET_UP_TOKEN, QUERY_MARKER):
        assert secret not in logged, secret


def test_a_double_tap_causes_no_database_error_for_the_server_to_log(app, factory):
    """PostgreSQL logs every error with its detail and statement (for a unique violation, the
    ballot's hash) and the time to the millisecond; a reused ballot must not be one."""
    inspection_id = factory.inspection()
    errors = []
    with app.app_context():
        engine = db.engine

    def record(context) -> None:
        errors.append(type(context.original_exception).__name__)

    event.listen(engine, "handle_error", record)
    try:
        with app.app_context():
            inspection = db.session.get(Inspection, inspection_id)
            library = app.extensions["questionnaires"]
            questionnaire = library.current("children", inspection.establishment.type)
            ballot = {"nonce": "tapped twice"}
            responses.submit(inspection, questionnaire, {}, ballot)
            with pytest.raises(responses.AlreadySubmitted):
                responses.submit(inspection, questionnaire, {}, ballot)
            assert db.session.scalar(select(func.count()).select_from(SealedResponse)) == 1
    finally:
        event.remove(engine, "handle_error", record)
    assert errors == []


def test_the_sqlite_database_and_its_log_are_readable_by_their_owner_only(loose_umask, tmp_path):
    """SQLite makes its files with the umask; the app narrows them to 0600 on connecting."""
    from survey_app import create_app

    database = tmp_path / "survey.sqlite3"
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"},
        instance_path=str(tmp_path),
    )
    with app.app_context():
        db.session.execute(db.text("CREATE TABLE probe (x)"))
        db.session.commit()
        db.engine.dispose()
        with db.engine.connect() as connection:  # a new connection: its files are narrowed
            connection.exec_driver_sql("SELECT 1")
            files = [p for p in tmp_path.iterdir() if p.name.startswith("survey.sqlite3")]
            assert database in files and len(files) == 3, files  # the file, -wal and -shm
            assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
