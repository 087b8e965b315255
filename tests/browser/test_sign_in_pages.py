"""The sign-in pages added for issue 12, in Chromium with axe: two-step sign-in set up from
its QR page and used at sign-in, and the "type your password again" page."""

from __future__ import annotations

import base64
import re
import time

import pytest
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP
from playwright.sync_api import expect

from tests.browser.conftest import axe_check
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def code_for(key_text: str, at: float) -> str:
    key = key_text.replace(" ", "")
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    totp = TOTP(secret, 6, SHA1(), 30, enforce_key_length=False)  # noqa: S303
    return totp.generate(int(at)).decode()


def sign_in(page, live_server, email):
    page.goto(f"{live_server}/inspector/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_two_step_sign_in_is_set_up_and_used_and_every_page_passes_axe(
    page, live_server, factory, make_context
):
    email = factory.inspector()
    sign_in(page, live_server, email)
    page.get_by_role("link", name="Two-step sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-step sign-in")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    axe_check(page, "two-step set-up")
    key = page.locator("main code").inner_text()
    page.get_by_label("Code from your authenticator app").fill(code_for(key, time.time()))
    page.get_by_role("button", name="Turn two-step sign-in on").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inspections")

    other = make_context().new_page()
    sign_in(other, live_server, email)
    expect(other.get_by_role("heading", level=1)).to_have_text("Type the code from your app")
    axe_check(other, "sign-in code")
    other.get_by_label("Code from your authenticator app").fill("12345x")
    other.get_by_role("button", name="Sign in").click()
    expect(other.get_by_role("alert")).to_contain_text("That code is not right")
    axe_check(other, "sign-in code, refused")
    other.get_by_label("Code from your authenticator app").fill(code_for(key, time.time() + 30))
    other.get_by_role("button", name="Sign in").click()
    expect(other.get_by_role("heading", level=1)).to_have_text("Inspections")


def test_the_password_again_page_passes_axe(page, live_server, factory):
    sign_in(page, live_server, factory.inspector())
    page.goto(f"{live_server}/inspector/confirm-password?next=/inspector/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Type your password again")
    axe_check(page, "password again")
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("alert")).to_contain_text("That password is not right.")
    axe_check(page, "password again, refused")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/inspector/$"))
