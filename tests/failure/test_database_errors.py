"""Database errors on the respondent side, without stopping a real server (any database):
a kind 503 with the answers kept in the page, nothing stored half-way."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from survey_app import access, create_app, responses
from tests.conftest import TINY_QUESTIONNAIRES, CheckedClient
from tests.helpers import csrf_token, enrol_kiosk, start_kiosk

pytestmark = [pytest.mark.db, pytest.mark.failure]

MARKER = "MARKER-KEPT-0c4"


def test_a_failed_commit_shows_the_questionnaire_again_with_the_answers(
    app, client, factory, monkeypatch
):
    from survey_app.models import SealedResponse, SpentBallot, db

    enrol_kiosk(client, factory.kiosk_token(factory.inspection()))
    start_kiosk(client)
    token = csrf_token(client.get("/kiosk/questionnaire").get_data(as_text=True))

    def database_gone(*args, **kwargs):
        raise OperationalError("INSERT", {}, ConnectionError("server closed the connection"))

    monkeypatch.setattr(responses, "submit", database_gone)
    response = client.post(
        "/kiosk/questionnaire",
        data={"csrf_token": token, "feel_safe": "yes", "anything_else": MARKER},
        expect=503,
    )
    page = response.get_data(as_text=True)
    assert MARKER in page and "could not be sent just now" in page
    assert 'value="yes"' in page and "checked" in page
    # Every link in the list of problems leads to something on the page.
    for target in re.findall(r'<li><a href="#([^"]+)"', page):
        assert f'id="{target}"' in page, target
    monkeypatch.undo()
    with app.app_context():
        for model in (SealedResponse, SpentBallot):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0
    # The same page, sent again once the database is back, is stored once.
    again = client.post(
        "/kiosk/questionnaire",
        data={"csrf_token": token, "feel_safe": "yes", "anything_else": MARKER},
        expect=302,
    )
    assert again.status_code == 302 and "/kiosk/thanks" in again.headers["Location"]


def _unreachable_database_app(tmp_path):
    """The app with its SQLite file in a folder that does not exist: every query fails."""
    return create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "a test key, not for use anywhere else",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/db.sqlite3",
            "QUESTIONNAIRE_DIR": str(TINY_QUESTIONNAIRES),
        },
        instance_path=str(tmp_path),
    )


def test_an_unreachable_database_gets_a_kind_page_with_the_answers(tmp_path):
    app = _unreachable_database_app(tmp_path)
    app.test_client_class = CheckedClient  # the page is checked like every other
    client = app.test_client()
    with app.test_request_context():
        cookie = access._kiosk_serializer().dumps("a-kiosk")
    client.set_cookie(access.KIOSK_COOKIE, cookie)
    response = client.post(
        "/kiosk/questionnaire", data={"feel_safe": "no", "anything_else": MARKER}, expect=503
    )
    assert response.headers["Retry-After"] == "5"
    page = response.get_data(as_text=True)
    assert "Please try again in a moment" in page
    assert f'name="anything_else" value="{MARKER}"' in page
    assert 'action="/kiosk/questionnaire"' in page
    assert "Traceback" not in page


def test_an_outage_never_echoes_a_password_or_passphrase(tmp_path):
    """Only a respondent's own answers go back into the outage page; a password or passphrase
    typed on an inspector page is never put in it (issue 12, finding 3)."""
    app = _unreachable_database_app(tmp_path)
    app.test_client_class = CheckedClient
    client = app.test_client()
    secret = "correct horse battery staple 7"
    attempts = [
        ("/inspector/sign-in", {"email": "someone@example.org", "password": secret}),
        ("/staff/" + "0" * 32, {"code": secret}),  # the staff code page looks up its inspection
    ]
    for path, data in attempts:
        response = client.post(path, data=data, expect=503)
        page = response.get_data(as_text=True)
        assert secret not in page, path
        assert 'type="hidden"' not in page, path
