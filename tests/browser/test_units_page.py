"""The units page in Chromium: a lead names, renames, retires and restores units with the
labels a screen reader hears, and every state of the page passes axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_check
from tests.browser.test_keys_pages import sign_in

pytestmark = pytest.mark.browser


def test_a_lead_names_renames_retires_and_restores_a_unit(page, live_server, factory):
    email = factory.inspector()
    inspection_id = factory.inspection([email])
    sign_in(page, live_server, email)
    page.goto(f"{live_server}/inspector/inspections/{inspection_id}")
    page.get_by_role("link", name="Name the units").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Units")
    axe_check(page, "units, none named")
    page.get_by_label("Unit name").fill("Oak")
    page.get_by_role("button", name="Add unit").click()
    expect(page.get_by_role("row", name=re.compile("Oak"))).to_be_visible()
    page.get_by_label("Unit name").fill("oak")
    page.get_by_role("button", name="Add unit").click()
    expect(page.locator(".message").first).to_contain_text("already has that name")
    axe_check(page, "units, a name refused")
    page.get_by_label("New name for Oak").fill("Oak House")
    page.get_by_role("button", name="Rename Oak").click()
    expect(page.get_by_role("rowheader", name="Oak House")).to_be_visible()
    page.get_by_role("button", name="Retire Oak House").click()
    expect(page.get_by_role("heading", name="Retired units")).to_be_visible()
    axe_check(page, "units, one retired")
    page.get_by_role("button", name="Use again Oak House").click()
    expect(page.get_by_role("rowheader", name="Oak House")).to_be_visible()
    page.get_by_role("link", name="Back to the inspection").click()
    expect(page.get_by_text("1 unit named: children choose theirs.")).to_be_visible()
