"""Two-step sign-in (issue 12): optional for inspectors, required for administrators in
production. Codes are made here with cryptography's TOTP, as an authenticator app makes them."""

from __future__ import annotations

import base64
import re
import time

import pytest
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from survey_app import accounts, two_factor
from tests.helpers import PASSWORD, post_form, sign_in

pytestmark = pytest.mark.db


def code_for(secret: bytes, at: float | None = None) -> str:
    totp = TOTP(secret, 6, SHA1(), 30, enforce_key_length=False)  # noqa: S303
    return totp.generate(int(time.time() if at is None else at)).decode()


def set_up(client) -> bytes:
    """Turn two-step sign-in on through the page, as an inspector would; the secret."""
    page = client.get("/inspector/two-factor", expect=200).get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page  # the QR code, drawn in the page
    key = re.search(r"<code>([A-Z2-7 ]+)</code>", page).group(1).replace(" ", "")
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    post_form(
        client,
        "/inspector/two-factor",
        code="000000" if code_for(secret) != "000000" else "111111",
        expect=403,
    )
    post_form(client, "/inspector/two-factor", code=code_for(secret), expect=302)
    return secret


def test_matching_allows_one_step_of_drift_and_nothing_else():
    secret = two_factor.new_secret()
    now = 1_800_000_000.0
    step = int(now) // 30
    assert two_factor.matching_step(secret, code_for(secret, now), now) == step
    assert two_factor.matching_step(secret, code_for(secret, now - 30), now) == step - 1
    assert two_factor.matching_step(secret, code_for(secret, now + 30), now) == step + 1
    assert two_factor.matching_step(secret, code_for(secret, now - 90), now) is None
    spaced = code_for(secret, now)[:3] + " " + code_for(secret, now)[3:]
    assert two_factor.matching_step(secret, spaced, now) == step
    for bad in ["", "12345", "1234567", "abcdef", "12 34 5x"]:
        assert two_factor.matching_step(secret, bad, now) is None


def test_with_two_step_sign_in_the_password_alone_is_not_enough(app, client, factory):
    email = factory.inspector()
    sign_in(client, email)
    secret = set_up(client)
    with app.app_context():
        stored = accounts.find(email).totp_secret
        assert secret not in stored  # sealed, not kept as it is

    other = app.test_client()
    asked = sign_in(other, email, expect=302)
    assert asked.headers["Location"].endswith("/inspector/sign-in/code")
    other.get("/inspector/", expect=302)  # not signed in yet
    post_form(
        other,
        "/inspector/sign-in/code",
        code="123456" if code_for(secret) != "123456" else "654321",
        expect=403,
    )
    # The set-up used this step's code; the next step's is accepted (one step of drift).
    code = code_for(secret, time.time() + 30)
    done = post_form(other, "/inspector/sign-in/code", code=code, expect=302)
    assert done.headers["Location"].endswith("/inspector/")
    other.get("/inspector/", expect=200)

    # The same code never works twice, even within its 30 seconds.
    third = app.test_client()
    sign_in(third, email, expect=302)
    post_form(third, "/inspector/sign-in/code", code=code, expect=403)
    third.get("/inspector/", expect=302)


def test_the_code_page_needs_the_password_first(client):
    page = client.get("/inspector/sign-in/code", expect=302)
    assert page.headers["Location"].endswith("/inspector/sign-in")


def test_wrong_codes_wait(app, client, factory):
    email = factory.inspector()
    sign_in(client, email)
    secret = set_up(client)
    guesser = app.test_client()
    sign_in(guesser, email, expect=302)
    wrong = "000000" if code_for(secret) != "000000" else "111111"
    for _ in range(5):
        post_form(guesser, "/inspector/sign-in/code", code=wrong, expect=403)
    post_form(guesser, "/inspector/sign-in/code", code=wrong, expect=429)


def test_administrators_must_set_it_up_when_required(app, client, factory):
    app.config["REQUIRE_ADMIN_TWO_FACTOR"] = True
    admin = factory.inspector(role="admin")
    sign_in(client, admin)
    sent = client.get("/inspector/", expect=302)
    assert sent.headers["Location"].endswith("/inspector/two-factor")
    client.get("/inspector/establishments", expect=302)
    set_up(client)
    client.get("/inspector/establishments", expect=200)
    # ... and cannot turn it off.
    post_form(client, "/inspector/two-factor", "/inspector/two-factor/off", expect=302)
    with app.app_context():
        assert accounts.find(admin).totp_secret is not None


def test_inspectors_may_turn_it_off(app, client, factory):
    email = factory.inspector()
    sign_in(client, email)
    set_up(client)
    post_form(client, "/inspector/two-factor", "/inspector/two-factor/off", expect=302)
    with app.app_context():
        assert accounts.find(email).totp_secret is None
    sign_in(app.test_client(), email, PASSWORD, expect=302)


def test_production_requires_it_of_administrators_by_default(monkeypatch, tmp_path):
    from survey_app import config

    monkeypatch.setenv("SURVEY_ENV", "production")
    assert config.settings(str(tmp_path))["REQUIRE_ADMIN_TWO_FACTOR"] is True
    monkeypatch.setenv("SURVEY_ENV", "development")
    assert config.settings(str(tmp_path))["REQUIRE_ADMIN_TWO_FACTOR"] is False
