"""Attacks on "sealed and anonymous by construction" (docs/threat-model.md).

Each test plays an adversary: someone holding a copy of the database files or a dump,
someone reading the logs, someone trying to join staff codes to answers or to put the
answers in the order they arrived, someone moving ciphertexts between inspections, and
someone trying to submit without the right to. Markers are unique strings that must never
appear anywhere at rest.
"""

from __future__ import annotations

import ast
import datetime as dt
import logging
import shutil
import sqlite3
import subprocess
import sys
import types
from pathlib import Path

import pytest
from sqlalchemy import event, select, text

from survey_app import at_rest, inspections, keys, sealing
from survey_app.evidence import report
from survey_app.models import Inspection, SealedResponse, WrappedKey, db
from tests import pg_pages
from tests.conftest import ROOT_DIR, database_url, is_postgresql
from tests.helpers import PASSPHRASE, csrf_token, enrol_kiosk, post_form, sign_in, start_kiosk

pytestmark = pytest.mark.db

CHILD_MARKER = "CHILD-MARKER-3b7f91"
STAFF_MARKER = "STAFF-MARKER-c02e5d"
AGENT_MARKER = "MarkerAgent/UA-8d41a6"
FORWARDED_MARKER = "203.0.113.177"  # TEST-NET-3: never a real client
REMOTE_MARKER = "198.51.100.213"  # TEST-NET-2
MARKERS = (CHILD_MARKER, STAFF_MARKER, AGENT_MARKER, FORWARDED_MARKER, REMOTE_MARKER)


def disguised(client):
    """Every request from this client carries marker client details."""
    client.environ_base.update(
        {
            "HTTP_USER_AGENT": AGENT_MARKER,
            "HTTP_X_FORWARDED_FOR": FORWARDED_MARKER,
            "HTTP_X_REAL_IP": FORWARDED_MARKER,
            "REMOTE_ADDR": REMOTE_MARKER,
        }
    )
    return client


def child_answers(app, factory, inspection_id, **answers):
    kiosk = disguised(app.test_client())
    enrol_kiosk(kiosk, factory.kiosk_token(inspection_id))
    start_kiosk(kiosk, expect=302)
    page = kiosk.get("/kiosk/questionnaire")
    sent = kiosk.post(
        "/kiosk/questionnaire",
        data={"csrf_token": csrf_token(page.get_data(as_text=True)), **answers},
        expect=302,
    )
    assert sent.status_code == 302 and "/thanks" in sent.headers["Location"]


def staff_answers(app, inspection_id, code, **answers):
    phone = disguised(app.test_client())
    post_form(phone, f"/staff/{inspection_id}", code=code, language="en", expect=302)
    url = f"/staff/{inspection_id}/questionnaire"
    page = phone.get(url)
    sent = phone.post(
        url, data={"csrf_token": csrf_token(page.get_data(as_text=True)), **answers}, expect=302
    )
    assert sent.status_code == 302 and "/thanks" in sent.headers["Location"]


def marker_hits(data: bytes) -> list[str]:
    """Markers found in raw bytes: as text (UTF-8 or UTF-16) or as hex, as dumps show bytea."""
    found = []
    for marker in MARKERS:
        forms = (marker.encode(), marker.encode("utf-16-le"), marker.encode().hex().encode())
        if any(form in data for form in forms):
            found.append(marker)
    return found


def scan_folder(folder: Path) -> dict[str, list[str]]:
    hits = {}
    for path in folder.rglob("*"):
        if path.is_file() and (found := marker_hits(path.read_bytes())):
            hits[str(path)] = found
    return hits


@pytest.fixture
def surveyed(app, factory, caplog):
    """An inspection that children and staff answered with markers, every log captured."""
    caplog.set_level(logging.DEBUG)
    inspection_id = factory.inspection([factory.inspector()])
    codes = factory.staff_codes(inspection_id, 2)
    child_answers(app, factory, inspection_id, feel_safe="yes", anything_else=CHILD_MARKER)
    child_answers(app, factory, inspection_id, feel_safe="no", anything_else=CHILD_MARKER + "2")
    staff_answers(app, inspection_id, codes[0], children_safe="yes", comments=STAFF_MARKER)
    staff_answers(app, inspection_id, codes[1], children_safe="no", comments=STAFF_MARKER + "2")
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(SealedResponse)) == 4
    return inspection_id


def open_all(app, inspection_id) -> dict[str, dict]:
    """The inspector's view, to prove the markers really went in."""
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        unsealer = inspections.unlock(inspection, PASSPHRASE)
        opened = {}
        for row in db.session.scalars(select(SealedResponse)):
            context = sealing.response_context(
                inspection_id, row.questionnaire_id, row.questionnaire_version
            )
            opened[row.id] = unsealer.open_answers(row.sealed, context)
        db.session.rollback()
        return opened


# --- whoever holds the database files, a dump, the logs ----------------------------------------


def test_no_marker_in_the_database_files_instance_folder_or_logs(app, surveyed, tmp_path, caplog):
    answers = open_all(app, surveyed)
    assert {a.get("anything_else") or a.get("comments") for a in answers.values()} >= {
        CHILD_MARKER,
        STAFF_MARKER,
    }
    assert scan_folder(tmp_path) == {}, "while the survey is open"
    logged = caplog.text + "".join(repr(record.args) for record in caplog.records)
    assert marker_hits(logged.encode()) == []
    # Closing rewrites the files (VACUUM, WAL truncated): still nothing.
    inspections_close(app, surveyed)
    assert scan_folder(tmp_path) == {}, "after closing"
    files = {path.name for path in tmp_path.rglob("*") if path.is_file()}
    assert "survey.sqlite3" in files or is_postgresql()


def inspections_close(app, inspection_id):
    with app.app_context():
        inspections.close_inspection(db.session.get(Inspection, inspection_id), "test")


@pytest.mark.skipif(not is_postgresql(), reason="engine: needs TEST_DATABASE_URL on PostgreSQL")
@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="needs pg_dump")
def test_no_marker_in_a_postgresql_dump(app, surveyed):
    url = database_url().replace("postgresql+psycopg://", "postgresql://")
    dump = subprocess.run(["pg_dump", "--no-owner", url], capture_output=True, check=True).stdout
    assert b"sealed_response" in dump
    assert marker_hits(dump) == []


def test_stored_responses_hold_no_client_detail_and_only_the_day(app, surveyed):
    with app.app_context():
        columns = {column.name for column in SealedResponse.__table__.columns}
        assert columns == {
            "id",
            "inspection_id",
            "questionnaire_id",
            "questionnaire_version",
            "received_on",
            "sealed",
        }
        days = set(db.session.scalars(select(SealedResponse.received_on)))
    assert len(days) == 1 and type(days.pop()) is dt.date


def gunicorn_access_log_format() -> str:
    tree = ast.parse((ROOT_DIR / "gunicorn.conf.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "access_log_format":
            return ast.literal_eval(node.value)
    raise AssertionError("gunicorn.conf.py sets no access_log_format")


def test_the_shipped_gunicorn_access_log_carries_no_client_detail(tmp_path):
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("access_log_format", gunicorn_access_log_format())
    headers = [
        ("USER-AGENT", AGENT_MARKER),
        ("X-FORWARDED-FOR", FORWARDED_MARKER),
        ("REFERER", f"https://example.org/{CHILD_MARKER}"),
    ]
    environ = {
        "REMOTE_ADDR": REMOTE_MARKER,
        "REQUEST_METHOD": "POST",
        "RAW_URI": f"/kiosk/questionnaire?note={CHILD_MARKER}",
        "PATH_INFO": "/kiosk/questionnaire",
        "QUERY_STRING": f"note={CHILD_MARKER}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_USER_AGENT": AGENT_MARKER,
        "HTTP_X_FORWARDED_FOR": FORWARDED_MARKER,
        "HTTP_REFERER": f"https://example.org/{CHILD_MARKER}",
    }
    response = types.SimpleNamespace(status="302 FOUND", sent=0, headers=[])
    Logger(config).access(
        response, types.SimpleNamespace(headers=headers), environ, dt.timedelta(milliseconds=12)
    )
    logged = (tmp_path / "access.log").read_bytes()
    assert b"/kiosk/questionnaire" in logged  # the log works, and says only this
    assert marker_hits(logged) == []


# --- joining staff codes to answers, and putting answers in arrival order ----------------------


def test_staff_codes_and_ballots_share_nothing_with_responses(app, surveyed):
    with app.app_context(), db.engine.connect() as connection:
        response_values = {
            value
            for row in connection.execute(text("SELECT * FROM sealed_response"))
            for value in row
        }
        for table in ("staff_code", "spent_ballot", "kiosk"):
            for row in connection.execute(text(f"SELECT * FROM {table}")):  # noqa: S608
                shared = set(row) & response_values
                assert shared <= {surveyed}, (table, shared)  # only the inspection id
        code_columns = {c["name"] for c in db.inspect(db.engine).get_columns("staff_code")}
    assert not code_columns & {"spent_at", "used_at", "response_id", "ballot_hash", "at"}


def arrival_order(app, factory, count: int) -> tuple[str, list[str]]:
    """Submit ``count`` children's responses one after another; their ids in arrival order."""
    inspection_id = factory.inspection()
    for index in range(count):
        child_answers(app, factory, inspection_id, anything_else=f"arrival {index}")
    opened = open_all(app, inspection_id)
    by_index = {int(a["anything_else"].split()[1]): rid for rid, a in opened.items()}
    return inspection_id, [by_index[index] for index in range(count)]


def natural_order(app) -> list[str]:
    with app.app_context(), db.engine.connect() as connection:
        return list(connection.execute(text("SELECT id FROM sealed_response")).scalars())


def test_reading_the_table_gives_random_key_order_not_arrival(app, factory):
    inspection_id, arrived = arrival_order(app, factory, 8)
    if not is_postgresql():  # SQLite keeps WITHOUT ROWID rows in key order all along
        assert natural_order(app) == sorted(arrived)
    inspections_close(app, inspection_id)
    assert natural_order(app) == sorted(arrived)
    with app.app_context():
        days = set(db.session.scalars(select(SealedResponse.received_on)))
    assert len(days) == 1


def test_after_closing_the_sqlite_file_layout_follows_keys_not_arrival(app, factory, tmp_path):
    if is_postgresql():
        pytest.skip("engine: SQLite file layout")
    inspection_id, arrived = arrival_order(app, factory, 8)
    inspections_close(app, inspection_id)
    with app.app_context():
        sealed = dict(db.session.execute(select(SealedResponse.id, SealedResponse.sealed)).all())
    wal = tmp_path / "survey.sqlite3-wal"
    assert not wal.exists() or wal.stat().st_size == 0  # the log no longer holds commit order
    data = (tmp_path / "survey.sqlite3").read_bytes()
    page_size = int.from_bytes(data[16:18], "big")
    offsets = {rid: data.find(blob) for rid, blob in sealed.items()}
    assert all(offset > 0 for offset in offsets.values())
    # Inside a page SQLite writes cells from the end towards the start, so an attacker reads
    # write order from the offsets. After the rebuild that order is the random keys' order.
    pages: dict[int, list[str]] = {}
    for rid in sorted(offsets, key=lambda rid: -offsets[rid]):
        pages.setdefault(offsets[rid] // page_size, []).append(rid)
    assert len(pages) >= 2  # the attack is tried across pages, not within one
    for written in pages.values():
        assert written == sorted(written)


def test_forget_order_says_so_when_a_reader_keeps_the_sqlite_log_from_being_emptied(
    app, factory, tmp_path
):
    if is_postgresql():
        pytest.skip("engine: SQLite write-ahead log")
    arrival_order(app, factory, 2)
    with app.app_context():
        engine = db.engine
    engine.dispose()
    # Cut SQLite's 10 s wait for the reader short, on the connections made from now on.
    event.listen(
        engine, "connect", lambda connection, _: connection.execute("PRAGMA busy_timeout=200")
    )
    wal = tmp_path / "survey.sqlite3-wal"
    reader = sqlite3.connect(tmp_path / "survey.sqlite3")  # another process, mid-transaction
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM sealed_response").fetchall()
        refused = app.test_cli_runner().invoke(args=["forget-order"])
    finally:
        reader.close()
    assert refused.exit_code == 1, refused.output
    assert "could not be rewritten now" in refused.output
    with app.app_context():
        sealed = list(db.session.scalars(select(SealedResponse.sealed)))
        db.session.rollback()

    def in_the_log() -> int:
        held = wal.read_bytes() if wal.exists() else b""
        return sum(blob in held for blob in sealed)

    assert in_the_log() == 2  # what it refused to call done
    done = app.test_cli_runner().invoke(args=["forget-order"])
    assert done.exit_code == 0, done.output
    assert in_the_log() == 0  # the log was emptied (it holds only the audit event since)


def test_forget_order_gives_up_rather_than_queue_every_request_behind_a_long_reader(
    app, factory, monkeypatch
):
    if not is_postgresql():
        pytest.skip("engine: PostgreSQL table locks")
    arrival_order(app, factory, 2)
    monkeypatch.setattr(at_rest, "LOCK_TIMEOUT", "200ms")
    with app.app_context():
        engine = db.engine
    with engine.connect() as reader:  # a long export, mid-transaction
        reader.execute(text("SELECT count(*) FROM sealed_response")).scalar_one()
        refused = app.test_cli_runner().invoke(args=["forget-order"])
        reader.rollback()
    assert refused.exit_code == 1, refused.output
    assert "could not be rewritten now" in refused.output
    done = app.test_cli_runner().invoke(args=["forget-order"])
    assert done.exit_code == 0, done.output


RESPONDENT_KEYS = {
    "sealed_response": "id",
    "spent_ballot": "ballot_hash",
    "staff_code": "code_hash",
}


@pytest.mark.parametrize("rewrite", ["close", "forget-order"])
def test_after_closing_postgresql_table_files_hold_no_arrival_order(app, factory, rewrite):
    """Every tuple on every page of the respondent tables (dead ones, TOAST and index entries
    included): after 10 children and 2 staff answered one by one and the survey was closed,
    or ``forget-order`` ran, only live rows remain, all with one ``xmin``, in key order."""
    if not is_postgresql():
        pytest.skip("engine: PostgreSQL heap pages, xmin and dead tuples")
    inspection_id, arrived = arrival_order(app, factory, 10)
    codes = factory.staff_codes(inspection_id, 4)
    for code in codes[:2]:
        staff_answers(app, inspection_id, code, comments=f"staff {code}")
    with app.app_context(), db.engine.begin() as connection:
        pg_pages.enable(connection)
        before = pg_pages.layout(connection, "sealed_response", "id")
    assert before.xmins == 12  # the attack works on an open survey: one xmin per arrival
    if rewrite == "close":
        inspections_close(app, inspection_id)
    else:
        result = app.test_cli_runner().invoke(args=["forget-order"])
        assert result.exit_code == 0, result.output
    rows = {"sealed_response": 12, "spent_ballot": 12, "staff_code": 2}
    with app.app_context(), db.engine.connect() as connection:
        for table, key in RESPONDENT_KEYS.items():
            pg_pages.assert_no_arrival_order(connection, table, key, rows[table])
        by_ctid = connection.execute(text("SELECT id FROM sealed_response ORDER BY ctid")).scalars()
        assert [rid for rid in by_ctid if rid in arrived] == sorted(arrived)


# --- moving ciphertexts --------------------------------------------------------------------------


def test_ciphertexts_swapped_between_inspections_fail_to_open_and_are_reported(
    app, client, factory
):
    email = factory.inspector()
    first, second = factory.inspection([email]), factory.inspection([email])
    child_answers(app, factory, first, feel_safe="yes")
    child_answers(app, factory, first, feel_safe="yes")
    child_answers(app, factory, second, feel_safe="no")
    with app.app_context():
        rows = {
            row.inspection_id: row for row in db.session.scalars(select(SealedResponse))
        }  # one of the first's, the second's
        rows[first].sealed, rows[second].sealed = rows[second].sealed, rows[first].sealed
        db.session.commit()
        for inspection_id in (first, second):
            inspection = db.session.get(Inspection, inspection_id)
            built = report.build(inspection, inspections.unlock(inspection, PASSPHRASE))
            assert built["unopenable_responses"] == 1, inspection_id
    sign_in(client, email)
    url = f"/inspector/inspections/{first}"
    page = post_form(client, url, url + "/evidence", passphrase=PASSPHRASE, expect=200)
    assert "1 stored responses did not open" in page.get_data(as_text=True)


def test_a_response_relabelled_as_another_questionnaire_version_is_reported(app, factory):
    inspection_id = factory.inspection()
    child_answers(app, factory, inspection_id, feel_safe="yes")
    with app.app_context():
        row = db.session.scalars(select(SealedResponse)).one()
        row.questionnaire_version += 1
        db.session.commit()
        inspection = db.session.get(Inspection, inspection_id)
        built = report.build(inspection, inspections.unlock(inspection, PASSPHRASE))
    assert built["unopenable_responses"] == 1


# --- guessing the passphrase -----------------------------------------------------------------


WRONG_PASSPHRASES = [
    PASSPHRASE.upper(),
    PASSPHRASE + " ",
    " " + PASSPHRASE,
    PASSPHRASE[:-1],
    "a long test passphras\u0435",  # Cyrillic e
    "x" * 1000,
]


def test_wrong_passphrases_are_refused_clearly_audited_and_change_nothing(app, client, factory):
    app.config["ACCOUNT_GUESS_LIMIT"] = "100 per minute"  # this test is about each refusal
    app.config["INSPECTION_GUESS_LIMIT"] = "100 per minute"
    email = factory.inspector()
    inspection_id = factory.inspection([email])
    sign_in(client, email)

    def stored_keys():
        with app.app_context():
            return sorted(
                (row.purpose, row.kdf_parameters, row.salt, row.nonce, row.ciphertext)
                for row in db.session.scalars(select(WrappedKey))
            )

    before = stored_keys()
    url = f"/inspector/inspections/{inspection_id}"
    for wrong in WRONG_PASSPHRASES:
        page = post_form(client, url, url + "/evidence", passphrase=wrong, expect=403)
        assert "does not unlock this inspection. Nothing has changed." in page.get_data(
            as_text=True
        )
        assert wrong not in page.get_data(as_text=True)
    assert stored_keys() == before
    with app.app_context():
        refused = db.session.scalar(
            text("SELECT count(*) FROM audit_event WHERE action = 'unlock-refused'")
        )
    assert refused == len(WRONG_PASSPHRASES)


# --- submitting without the right to -----------------------------------------------------------


def stored_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(db.func.count()).select_from(SealedResponse))


def test_only_an_enrolled_kiosk_or_a_valid_code_can_submit(app, factory):
    inspection_id = factory.inspection()
    stranger = app.test_client()
    page = stranger.get("/inspector/sign-in")
    token = csrf_token(page.get_data(as_text=True))
    # A valid CSRF token each time, so what refuses is the kiosk or ballot check itself.
    stranger.post("/kiosk/questionnaire", data={"csrf_token": token}, expect=403)
    stranger.set_cookie("kiosk", "forged-kiosk-cookie")
    stranger.post("/kiosk/questionnaire", data={"csrf_token": token}, expect=403)
    staff_url = f"/staff/{inspection_id}/questionnaire"
    refused = stranger.post(staff_url, data={"csrf_token": token}, expect=302)
    assert refused.headers["Location"].endswith(f"/staff/{inspection_id}")
    assert stored_count(app) == 0


def test_a_response_is_accepted_once_even_when_its_session_is_replayed(app, factory):
    inspection_id = factory.inspection()
    code = factory.staff_codes(inspection_id, 1)[0]
    phone = app.test_client()
    post_form(phone, f"/staff/{inspection_id}", code=code, language="en", expect=302)
    url = f"/staff/{inspection_id}/questionnaire"
    form = {"csrf_token": csrf_token(phone.get(url).get_data(as_text=True)), "children_safe": "yes"}
    replay = phone.get_cookie("session").value
    phone.post(url, data=form, expect=302)
    # The same ballot again, from a copied cookie: the page says "sent", nothing more is stored.
    phone.set_cookie("session", replay)
    phone.post(url, data=form, expect=302)
    phone.set_cookie("session", replay)
    phone.post(url, data=form, expect=302)
    assert stored_count(app) == 1


# --- static analysis ---------------------------------------------------------------------------


BANDIT = shutil.which("bandit") or str(Path(sys.executable).with_name("bandit"))


@pytest.mark.skipif(not Path(BANDIT).exists(), reason="bandit is not installed")
def test_bandit_finds_nothing_unjustified():
    """The CI command: ``bandit -c pyproject.toml -r survey_app`` must report nothing."""
    result = subprocess.run(
        [
            BANDIT,
            "-q",
            "-c",
            "pyproject.toml",
            "-r",
            "survey_app",
            "-f",
            "custom",
            "--msg-template",
            "{relpath}:{line}: {test_id} {msg}",
        ],
        cwd=ROOT_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout


def test_a_public_key_swapped_in_the_database_is_caught_at_the_next_unlock(app, factory):
    """An operator who swaps in a public key of their own (to read answers sent from then on)
    is found out the first time an inspector unlocks."""
    inspection_id = factory.inspection()
    _, attackers_public = sealing.generate_key_pair()
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        inspection.public_key = attackers_public
        db.session.commit()
        with pytest.raises(keys.KeyTampered):
            inspections.unlock(inspection, PASSPHRASE)
    result = app.test_cli_runner().invoke(
        args=["inspections", "passphrase", inspection_id],
        env={"SURVEY_PASSPHRASE": PASSPHRASE, "SURVEY_NEW_PASSPHRASE": PASSPHRASE + "!"},
    )
    assert result.exit_code == 1 and "public key has been changed" in result.output
