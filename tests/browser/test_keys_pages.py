"""The keys pages in Chromium: creating an inspection shows its recovery key once, the
Keys and access page works from the keyboard, and every screen passes axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_check
from tests.helpers import PASSPHRASE, PASSWORD

pytestmark = pytest.mark.browser

NEW_PASSPHRASE = "a brand new team passphrase"


def sign_in(page, live_server, email):
    page.goto(f"{live_server}/inspector/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_create_with_a_recovery_key_then_change_the_passphrase(page, live_server, factory):
    email = factory.inspector()
    factory.establishment()
    sign_in(page, live_server, email)
    page.goto(f"{live_server}/inspector/inspections/new")
    page.get_by_label("Full inspection").check()
    page.get_by_label("Inspection passphrase").fill(PASSPHRASE)
    page.get_by_label("Passphrase again").fill(PASSPHRASE)
    expect(page.get_by_role("checkbox", name=re.compile("Make a recovery key"))).to_be_checked()
    axe_check(page, "create an inspection")
    page.get_by_role("button", name="Create inspection").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery key")
    expect(page.locator("#recovery-key")).to_have_text(
        re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){7}$")
    )
    axe_check(page, "recovery key")
    page.get_by_role("link", name=re.compile("go to the inspection")).click()
    page.get_by_role("link", name="Keys and access").click()
    axe_check(page, "keys and access")
    page.locator("#change_current").fill("not the passphrase")
    page.get_by_label("New passphrase", exact=True).fill(NEW_PASSPHRASE)
    page.get_by_label("New passphrase again").fill(NEW_PASSPHRASE)
    page.get_by_role("button", name="Change the passphrase").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing has changed")
    axe_check(page, "keys and access, refused")
    page.get_by_role("link", name="Set a new passphrase with the recovery key").click()
    axe_check(page, "recover")
