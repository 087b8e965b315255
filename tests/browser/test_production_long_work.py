"""Long work in Chromium through the production stack (gunicorn with the repository's config
behind nginx): the largest staff code sheet, 1,000 slips, arrives as it is made and completes
although nginx waits only 10 s for a byte, and so does a slow evidence page (made slow by the
test-only ``tests.slow_wsgi``) behind a proxy that waits less than the build takes."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from survey_app.inspect.forms import MOST_CODES_AT_ONCE
from tests.browser.conftest import axe_check
from tests.browser.test_production_journeys import sign_in
from tests.helpers import PASSPHRASE, pdf_pages
from tests.integration.test_evidence import seal
from tests.production import served_behind_proxy

pytestmark = [pytest.mark.browser, pytest.mark.db]


def test_a_sheet_of_1000_codes_through_nginx(make_context, app, factory, tmp_path, capsys):
    assert MOST_CODES_AT_ONCE == 1000
    email = factory.inspector()
    inspection_id = factory.inspection([email])
    with served_behind_proxy(app, tmp_path, read_timeout="10s") as served:
        page = make_context(ignore_https_errors=True).new_page()
        sign_in(page, served.base_url, email)
        page.goto(f"{served.base_url}/inspector/inspections/{inspection_id}")
        page.get_by_label("How many codes").fill("1000")
        began = time.monotonic()
        page.get_by_role("button", name="Make codes", exact=True).click(no_wait_after=True)
        progress = page.locator(".sheet-progress li")
        expect(progress.first).to_have_text("80 of 1000 slips are ready", timeout=60_000)
        first = time.monotonic() - began
        expect(page.locator(".sheet-ready")).to_have_text("The slips are ready.", timeout=300_000)
        seconds = time.monotonic() - began
        expect(progress.last).to_have_text("1000 of 1000 slips are ready")
        expect(page.locator(".slip__code")).to_have_count(1000)
        with page.expect_download() as downloaded:
            page.get_by_role("link", name=re.compile("^Download PDF")).click()
        path = tmp_path / "slips.pdf"
        downloaded.value.save_as(path)
        assert pdf_pages(path.read_bytes()) == 125
    with capsys.disabled():
        print(
            f"\n1000 staff codes through nginx: first progress {first:.1f} s, done {seconds:.1f} s"
        )


def test_a_slow_evidence_page_through_nginx(make_context, app, factory, tmp_path):
    email = factory.inspector()
    inspection_id = factory.inspection([email])
    seal(app, inspection_id, "children", [{"feel_safe": "yes"}] * 6 + [{"feel_safe": "no"}] * 6)
    slow = {"wsgi": "tests.slow_wsgi:app", "env": {"SURVEY_TEST_SLOW_BUILD": "6"}}
    with served_behind_proxy(app, tmp_path, read_timeout="3s", **slow) as served:
        page = make_context(ignore_https_errors=True).new_page()
        sign_in(page, served.base_url, email)
        page.goto(f"{served.base_url}/inspector/inspections/{inspection_id}")
        page.locator("#passphrase").fill(PASSPHRASE)
        page.get_by_role("button", name="Unlock and show evidence").click(no_wait_after=True)
        expect(page.locator(".working__ticks li").last).to_contain_text("Still working")
        expect(page.locator(".working__done")).to_have_text(
            "The evidence is ready.", timeout=30_000
        )
        expect(page.locator("#contents-heading")).to_be_visible()
        axe_check(page, "evidence page through nginx")
