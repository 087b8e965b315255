"""Every journey in Chromium against the production configuration: gunicorn with the repository's
config in production mode, over HTTPS (gunicorn serving TLS itself, and behind a TLS-terminating
nginx), with the app's real headers. Runs on SQLite and, in CI's second run, on PostgreSQL with
Redis.

These are the tests that would have noticed that no form could be sent over HTTPS.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_kiosk import answer_in_steps, choose_language_and_start, read_welcome
from tests.browser.test_kiosk import send as send_from_kiosk
from tests.browser.test_staff import answer_questions
from tests.helpers import PASSPHRASE, PASSWORD
from tests.production import served_behind_proxy, served_over_tls

pytestmark = [pytest.mark.browser, pytest.mark.db]

SERVINGS = {"gunicorn-tls": served_over_tls, "behind-tls-proxy": served_behind_proxy}


@pytest.fixture(params=sorted(SERVINGS))
def served(request, app, tmp_path):
    with SERVINGS[request.param](app, tmp_path) as served:
        yield served


@pytest.fixture
def https_context(make_context):
    """A browser context for the test's self-signed certificate, recording every response."""

    def make(**kwargs):
        context = make_context(ignore_https_errors=True, **kwargs)
        context.responses = []
        context.on("response", lambda response: context.responses.append(response))
        return context

    return make


def sign_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/inspector/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inspections")


def assert_production_headers(context, base_url: str) -> None:
    pages = [r for r in context.responses if r.url.startswith(base_url) and "/static/" not in r.url]
    assert pages, "no pages were fetched"
    for response in pages:
        headers = response.all_headers()
        assert headers.get("strict-transport-security", "").startswith("max-age="), response.url
        assert "default-src 'none'" in headers["content-security-policy"], response.url
        assert headers["referrer-policy"] == "same-origin", response.url
        assert response.status < 500, response.url


def test_every_journey_over_https(https_context, served, factory):
    base = served.base_url
    email = factory.inspector()
    inspection_id = factory.inspection([email])
    marker_child, marker_staff = (f"marker-{uuid.uuid4().hex}" for _ in range(2))

    # The inspector signs in, makes a tablet set-up link and staff codes.
    inspector_context = https_context()
    inspector = inspector_context.new_page()
    sign_in(inspector, base, email)
    inspector.goto(f"{base}/inspector/inspections/{inspection_id}")
    inspector.get_by_role("button", name="Make a tablet set-up link").click()
    link = inspector.locator(".code-block a").get_attribute("href")
    assert link.startswith(base)
    inspector.goto(f"{base}/inspector/inspections/{inspection_id}")
    inspector.get_by_label("How many codes").fill("2")
    inspector.get_by_role("button", name="Make codes", exact=True).click()
    expect(inspector.locator(".sheet-ready")).to_have_text("The slips are ready.")
    codes = inspector.locator(".slip__code").all_inner_texts()
    assert len(codes) == 2

    # A tablet is set up and a child answers.
    tablet_context = https_context()
    tablet = tablet_context.new_page()
    tablet.goto(link)
    tablet.get_by_role("button", name="Set up this tablet", exact=True).click()
    expect(tablet).to_have_url(re.compile(re.escape(f"{base}/kiosk") + r"$"))
    choose_language_and_start(tablet, base, "en", check_a11y=False)
    read_welcome(tablet, base, check_a11y=False)
    expect(tablet.locator("form.stepping")).to_be_visible()
    answer_in_steps(tablet, marker_child)
    send_from_kiosk(tablet, base)

    # A member of staff enters a code on their phone and answers.
    phone_context = https_context(phone=True)
    phone = phone_context.new_page()
    phone.goto(f"{base}/staff/{inspection_id}")
    phone.get_by_label("The code on your slip").fill(codes[0])
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("link", name="Start the questions").click()
    expect(phone).to_have_url(re.compile(re.escape(f"{base}/staff/{inspection_id}/questionnaire")))
    answer_questions(phone, marker_staff, check_a11y=False)
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone).to_have_url(re.compile(re.escape(f"{base}/staff/{inspection_id}/thanks")))

    # The inspector unlocks the evidence and downloads it.
    inspector.goto(f"{base}/inspector/inspections/{inspection_id}")
    inspector.locator("#passphrase").fill(PASSPHRASE)
    inspector.get_by_role("button", name="Unlock and show evidence").click()
    expect(inspector.get_by_role("heading", level=1)).to_contain_text("Evidence")
    expect(inspector.get_by_text(marker_child)).to_be_visible()
    expect(inspector.get_by_text(marker_staff)).to_be_visible()
    inspector.goto(f"{base}/inspector/inspections/{inspection_id}")
    inspector.locator("#passphrase").fill(PASSPHRASE)
    with inspector.expect_download() as download:
        inspector.get_by_role("button", name="Unlock and download JSON").click()
    evidence = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    respondents = {q["audience"]: q["respondents"] for q in evidence["questionnaires"]}
    assert respondents == {"children": 1, "staff": 1}

    for context in (inspector_context, tablet_context, phone_context):
        assert_production_headers(context, base)
