"""The evidence page in Chromium: charts, comparisons and flags pass axe, by keyboard too."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_check
from tests.helpers import PASSPHRASE, PASSWORD
from tests.integration.test_evidence import finalise, seal

pytestmark = pytest.mark.browser


def assert_tidy_unlock_buttons(page) -> None:
    """The page's button on a row of its own, then the downloads in even columns: no
    ragged rows of buttons of every width."""
    boxes = [b.bounding_box() for b in page.locator(".unlock-buttons button").all()]
    show, downloads = boxes[0], boxes[1:]
    assert all(d["y"] >= show["y"] + show["height"] for d in downloads), "a download beside Show"
    assert len({round(d["width"]) for d in downloads}) == 1, "downloads of uneven widths"
    assert len({round(d["x"]) for d in downloads}) <= 2, "downloads not in columns"


def assert_nothing_overflows(page, selector: str) -> None:
    for box in page.locator(selector).all():
        spilt = box.evaluate(
            "e => [...e.querySelectorAll('*')].some(c => c.getBoundingClientRect().right"
            " > e.getBoundingClientRect().right + 1) || e.scrollWidth > e.clientWidth + 1"
        )
        assert not spilt, f"{box.inner_text()!r} spills out of its box"


def test_the_evidence_page_is_accessible(page, live_server, app, factory):
    email = factory.inspector()
    centre = factory.establishment("Centre A")
    previous = factory.inspection([email], establishment=centre)
    seal(app, previous, "children", [{"feel_safe": "no"}] * 8 + [{"feel_safe": "yes"}] * 2)
    finalise(app, previous)
    current = factory.inspection([email], establishment=centre)
    seal(
        app,
        current,
        "children",
        [{"feel_safe": "yes", "age_band": "over_16", "staff_respect": "always"}] * 12
        + [{"feel_safe": "no", "anything_else": "I want to talk to someone"}],
    )
    page.goto(f"{live_server}/inspector/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/inspector/inspections/{current}")
    axe_check(page, "inspection page")
    assert_tidy_unlock_buttons(page)
    page.locator("#passphrase").fill(PASSPHRASE)
    page.locator("#passphrase").press("Enter")  # the first button: show the evidence
    expect(page.get_by_role("heading", level=1)).to_contain_text("Evidence")
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.get_by_text("significantly better").first).to_be_visible()
    expect(page.locator(".flag")).to_contain_text("I want to talk to someone")
    axe_check(page, "evidence page")
    assert_nothing_overflows(page, ".evidence-meta dd")
    page.get_by_role("button", name="Record that this was passed to the safeguarding lead").click()
    # The flash (the unlock form has a status region of its own, for long work).
    expect(page.locator(".notice[role=status]")).to_contain_text("safeguarding lead")
