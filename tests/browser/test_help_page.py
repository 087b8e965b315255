"""The "Help for children" page in Chromium: a lead names the advocacy provider from the
inspection page, a refused entry is said beside its field, and every state passes axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_check
from tests.browser.test_keys_pages import sign_in

pytestmark = pytest.mark.browser


def test_a_lead_names_the_advocacy_provider_children_are_shown(page, live_server, factory):
    email = factory.inspector()
    inspection_id = factory.inspection([email])
    sign_in(page, live_server, email)
    page.goto(f"{live_server}/inspector/inspections/{inspection_id}")
    page.get_by_role("link", name="See the help children are shown").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Help for children")
    axe_check(page, "help for children, the default")
    page.get_by_label("How children reach them from inside").fill("Use the advocacy box.")
    page.get_by_role("button", name="Save the help").click()
    contact = page.get_by_label("How children reach them from inside")
    expect(contact).to_have_accessible_description(
        "One short sentence, for example: Put a note in the advocacy box on your unit. It is "
        "shown as you type it, in every language the child chooses. Name the advocacy provider "
        "too: how to reach them is shown after their name."
    )
    expect(contact).to_have_value("Use the advocacy box.")
    axe_check(page, "help for children, a contact without a provider")
    page.get_by_label("Advocacy provider", exact=True).fill("Barnardo's")
    page.get_by_role("button", name="Save the help").click()
    expect(page.get_by_text("Saved: children see this help from now on.")).to_be_visible()
    expect(
        page.get_by_role("listitem").filter(
            has_text="Your advocate is from Barnardo's. Use the advocacy box."
        )
    ).to_be_visible()
    axe_check(page, "help for children, saved")
    page.get_by_role("link", name="Back to the inspection").click()
    expect(
        page.get_by_text("The kiosk tells children their advocate is from Barnardo's.")
    ).to_be_visible()
