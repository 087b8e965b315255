"""Long work in Chromium: while the evidence page or a download is made, the inspector sees that
it is working, cannot press twice, and learns when it has arrived (static/unlock.js, the
streamed inspect/evidence.html). The build is made slow on purpose, in this test process only."""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from survey_app import long_work
from survey_app.evidence import report
from tests.browser.conftest import axe_check
from tests.helpers import PASSPHRASE, PASSWORD
from tests.integration.test_evidence import seal

pytestmark = pytest.mark.browser

SLOW_SECONDS = 6.0


@pytest.fixture
def slow_build(monkeypatch):
    """Every build takes ``SLOW_SECONDS`` longer; the page is told every half second."""
    monkeypatch.setattr(long_work, "HEARTBEAT_SECONDS", 0.5)
    real = report.build

    def build(inspection, unsealer, rng=None):
        time.sleep(SLOW_SECONDS)
        return real(inspection, unsealer, rng)

    monkeypatch.setattr(report, "build", build)


@pytest.fixture
def inspection_page(app, factory):
    """Sign ``page`` in and open an inspection with 12 answers; returns its id."""

    def open_it(page, live_server: str) -> str:
        email = factory.inspector()
        inspection_id = factory.inspection([email])
        answers = [{"feel_safe": "yes"}] * 6 + [{"feel_safe": "no"}] * 6
        seal(app, inspection_id, "children", answers)
        page.goto(f"{live_server}/inspector/sign-in")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{live_server}/inspector/inspections/{inspection_id}")
        return inspection_id

    return open_it


def downloads_of(page, inspection_id: str, fmt: str) -> list:
    wanted = f"/inspector/inspections/{inspection_id}/evidence.{fmt}"
    requests: list = []
    page.on("request", lambda r: requests.append(r) if r.url.endswith(wanted) else None)
    return requests


def test_a_download_says_it_is_working_then_that_the_file_has_arrived(
    page, live_server, inspection_page, slow_build
):
    inspection_id = inspection_page(page, live_server)
    sent = downloads_of(page, inspection_id, "csv")
    form = page.locator("form.unlock-form")
    status = form.locator(".unlock-status")
    expect(status).to_have_attribute("role", "status")
    page.locator("#passphrase").fill(PASSPHRASE)
    button = page.get_by_role("button", name="Unlock and download CSV")

    with page.expect_download(timeout=30_000) as downloaded:
        button.click()
        expect(status).to_have_text(
            "Opening 12 sealed answers to make the CSV download. This can take a minute."
        )
        expect(form.locator(".unlock-clock")).to_have_text(re.compile(r"^Time so far: 0:0\d$"))
        for each in form.locator("button").all():
            expect(each).to_have_attribute("aria-disabled", "true")
            expect(each).to_be_disabled()  # as Playwright, like assistive technology, sees it
        # A second press while it works sends nothing (forced: Playwright waits for enabled).
        page.get_by_role("button", name="Unlock and download report PDF").click(force=True)
        button.click(force=True)
        axe_check(page, "inspection page, while a download is made")
        expect(status).to_contain_text("to make the CSV download")  # still the first one
    download = downloaded.value
    assert download.suggested_filename == f"evidence-{inspection_id}.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert len(rows) > 1

    expect(status).to_have_text(f"The download has arrived: evidence-{inspection_id}.csv.")
    expect(form.locator(".unlock-clock")).to_be_hidden()
    for each in form.locator("button").all():
        expect(each).not_to_have_attribute("aria-disabled", "true")
    # Focus stays on the button pressed: nothing moved it or dropped it to the page.
    expect(button).to_be_focused()
    assert [request.method for request in sent] == ["POST"]  # one request, one unlock
    assert page.url.endswith(f"/inspections/{inspection_id}")  # the page stayed
    axe_check(page, "inspection page, after a download")


def test_a_wrong_passphrase_for_a_download_is_said_and_the_field_gets_focus(
    page, live_server, inspection_page
):
    inspection_page(page, live_server)
    page.locator("#passphrase").fill("not the passphrase")
    page.get_by_role("button", name="Unlock and download JSON").click()
    expect(page.locator(".unlock-status")).to_have_text(
        "That passphrase does not unlock this inspection. Nothing has changed."
    )
    expect(page.locator("#passphrase")).to_be_focused()


def test_the_evidence_page_shows_it_is_working_then_the_evidence(
    page, live_server, inspection_page, slow_build
):
    inspection_page(page, live_server)
    page.locator("#passphrase").fill(PASSPHRASE)
    started = time.monotonic()
    page.get_by_role("button", name="Unlock and show evidence").click(no_wait_after=True)

    # The new page arrives at once, before the answers are open, and says what it is doing.
    working = page.locator(".working")
    expect(working).to_contain_text(
        "Opening 12 sealed answers. The evidence appears below when it is ready: keep this page open."
    )
    expect(page.locator(".working__ticks li").last).to_have_text(
        re.compile(r"^Still working. Time so far: 0:0\d$")
    )
    # Only the latest line shows: the page does not fill up with them.
    expect(page.locator(".working__ticks li").nth(1)).to_be_attached()
    expect(page.locator(".working__ticks li:visible")).to_have_count(1)
    assert page.locator("#contents-heading").count() == 0
    assert time.monotonic() - started < SLOW_SECONDS

    expect(page.locator(".working__done")).to_have_text("The evidence is ready.", timeout=30_000)
    expect(page.locator(".working__done")).to_have_attribute("role", "status")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Evidence: Test Secure Training Centre"
    )
    expect(page.locator(".working__ticks")).to_be_hidden()
    expect(page.locator("#contents-heading")).to_be_visible()
    # The evidence starts the page: the progress lines are gone from above its h1, and
    # "ready" is there only for screen readers (announced by the status region).
    expect(page.get_by_text("Opening 12 sealed answers.")).to_be_hidden()
    box = page.locator(".working").bounding_box()
    assert box is not None and box["height"] <= 1, box
    heading = page.get_by_role("heading", level=1).bounding_box()
    assert heading is not None and heading["y"] < 400, heading
    axe_check(page, "evidence page, streamed")


def test_without_javascript_a_download_is_a_plain_post(make_context, live_server, inspection_page):
    page = make_context(java_script_enabled=False, accept_downloads=True).new_page()
    inspection_id = inspection_page(page, live_server)
    page.locator("#passphrase").fill(PASSPHRASE)
    with page.expect_download() as downloaded:
        page.get_by_role("button", name="Unlock and download JSON").click()
    assert downloaded.value.suggested_filename == f"evidence-{inspection_id}.json"
    assert page.locator(".unlock-status").inner_text() == ""
