"""Inspector sessions end when they should: on sign-out everywhere, after a working day, after
a spell unused; and the password is asked again before erasing, key changes and letting new
people in (issue 12, finding 4)."""

from __future__ import annotations

import time

import pytest

from survey_app.inspect import authorise
from survey_app.models import AuditEvent, SealedResponse, db
from tests.helpers import PASSWORD, csrf_token, post_form, sign_in

pytestmark = pytest.mark.db


_REAL_TIME = time.time


def _later(monkeypatch, seconds: float) -> None:
    """Move the session clocks to ``seconds`` from the real now (calls do not add up)."""
    start = _REAL_TIME()
    monkeypatch.setattr(authorise.time, "time", lambda: start + seconds)


def _cookie(client) -> str:
    return client.get_cookie("session").value


def test_signing_out_ends_every_copy_of_the_session(app, client, factory):
    email = factory.inspector()
    sign_in(client, email)
    copied = _cookie(client)
    elsewhere = app.test_client()
    elsewhere.set_cookie("session", copied)
    elsewhere.get("/inspector/", expect=200)  # the copy works while the session lasts

    post_form(client, "/inspector/", "/inspector/sign-out", expect=302)
    thief = app.test_client()
    thief.set_cookie("session", copied)
    refused = thief.get("/inspector/", expect=302)
    assert "/inspector/sign-in" in refused.headers["Location"]
    elsewhere.get("/inspector/", expect=302)  # the other device is signed out too
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(actor=email, action="sign-out").count() == 1


def test_an_admins_copied_cookie_cannot_erase_after_sign_out(app, client, factory):
    admin = factory.inspector(role="admin")
    inspection = factory.inspection(inspectors=[admin])
    sign_in(client, admin)
    page = client.get(f"/inspector/inspections/{inspection}/keys").get_data(as_text=True)
    token, copied = csrf_token(page), _cookie(client)
    post_form(client, "/inspector/", "/inspector/sign-out", expect=302)
    thief = app.test_client()
    thief.set_cookie("session", copied)
    refused = thief.post(
        f"/inspector/inspections/{inspection}/erase",
        data={"csrf_token": token, "understood": "y"},
        expect=302,
    )
    assert "/inspector/sign-in" in refused.headers["Location"]


@pytest.mark.parametrize(
    ("setting", "seconds"), [("SESSION_HOURS", 3600 * 8 + 1), ("IDLE_MINUTES", 60 * 60 + 1)]
)
def test_a_session_ends_after_a_working_day_or_an_hour_unused(
    app, client, factory, monkeypatch, setting, seconds
):
    sign_in(client, factory.inspector())
    assert app.config["SESSION_HOURS"] == 8 and app.config["IDLE_MINUTES"] == 60
    if setting == "SESSION_HOURS":
        # used every half hour all day long: still signed out at the end of the day
        for half_hours in range(1, 17):
            _later(monkeypatch, half_hours * 1800 - 1)
            client.get("/inspector/", expect=200)
    _later(monkeypatch, seconds)
    ended = client.get("/inspector/", expect=302)
    assert "/inspector/sign-in" in ended.headers["Location"]
    page = client.get("/inspector/sign-in", expect=200).get_data(as_text=True)
    assert "You were signed out to keep the answers safe" in page
    client.get("/inspector/", expect=302)  # and it stays ended


def test_erasing_needs_the_password_typed_again_after_ten_minutes(
    app, client, factory, monkeypatch
):
    email = factory.inspector()
    inspection = factory.inspection(inspectors=[email])
    with app.app_context():
        db.session.add(
            SealedResponse(
                inspection_id=inspection,
                questionnaire_id="tiny-children",
                questionnaire_version=1,
                sealed=b"x" * 80,
            )
        )
        db.session.commit()
    sign_in(client, email)
    keys_page = f"/inspector/inspections/{inspection}/keys"
    token = csrf_token(client.get(keys_page).get_data(as_text=True))
    _later(monkeypatch, 10 * 60 + 1)
    asked = client.post(
        f"/inspector/inspections/{inspection}/erase",
        data={"csrf_token": token, "understood": "y"},
        headers={"Referer": f"http://localhost{keys_page}"},
        expect=302,
    )
    assert "/inspector/confirm-password" in asked.headers["Location"]
    with app.app_context():
        assert db.session.query(SealedResponse).count() == 1, "nothing is erased yet"

    confirm = asked.headers["Location"]
    wrong = post_form(
        client,
        confirm,
        "/inspector/confirm-password",
        expect=403,
        password="not my password",
        next=keys_page,
    )
    assert "That password is not right." in wrong.get_data(as_text=True)
    right = post_form(
        client,
        confirm,
        "/inspector/confirm-password",
        expect=302,
        password=PASSWORD,
        next=keys_page,
    )
    assert right.headers["Location"].endswith(keys_page)
    post_form(
        client, keys_page, f"/inspector/inspections/{inspection}/erase", expect=302, understood="y"
    )
    with app.app_context():
        assert db.session.query(SealedResponse).count() == 0
        actions = {e.action for e in db.session.query(AuditEvent).filter_by(actor=email)}
        assert {"password-refused", "password-confirmed", "erase-responses"} <= actions


def test_confirming_the_password_never_sends_the_browser_to_another_site(client, factory):
    sign_in(client, factory.inspector())
    for target in ["https://evil.example/", "//evil.example/", "/inspector/\\\\evil", "/kiosk"]:
        done = post_form(
            client, "/inspector/confirm-password", expect=302, password=PASSWORD, next=target
        )
        assert done.headers["Location"] == "/inspector/", target


def test_a_refused_sign_in_is_audited_without_what_was_typed(app, client, factory):
    email = factory.inspector()
    sign_in(client, email, "wrong password!!", expect=400)
    sign_in(client, "a password typed by mistake", "x", expect=400)
    with app.app_context():
        refused = db.session.query(AuditEvent).filter_by(action="sign-in-refused").all()
        assert sorted(e.actor for e in refused) == ["(no such account)", email]
        assert all("mistake" not in (e.actor + e.detail) for e in refused)
