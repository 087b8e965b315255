"""The inspector makes staff codes: a page of cut-out slips with a PDF of the same codes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_check
from tests.helpers import PASSWORD, pdf_pages

pytestmark = pytest.mark.browser

CODE = re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$")


def sign_in(page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/inspector/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_make_codes_print_the_slips_and_download_the_pdf(page, live_server, factory, tmp_path):
    email = factory.inspector()
    inspection_id = factory.inspection([email])
    sign_in(page, live_server, email)
    page.goto(f"{live_server}/inspector/inspections/{inspection_id}")
    page.get_by_label("How many codes").fill("10")
    page.get_by_label("Put each slip's code in its QR code").check()
    axe_check(page, "inspection page, making codes")
    page.get_by_role("button", name="Make codes", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Staff codes for Test Secure Training Centre"
    )
    expect(page.locator(".sheet-ready")).to_have_text("The slips are ready.")
    codes = page.locator(".slip__code").all_inner_texts()
    assert len(codes) == 10 and all(CODE.match(code) for code in codes)
    qr = page.locator(".slip__qr").first
    expect(qr).to_have_attribute("alt", "QR code of the staff survey link with this code")
    assert qr.evaluate("image => image.naturalWidth") > 0  # the data: image loaded under the CSP
    axe_check(page, "slips")

    with page.expect_download() as downloaded:
        page.get_by_role("link", name=re.compile("^Download PDF")).click()
    download = downloaded.value
    assert download.suggested_filename == "staff-codes.pdf"
    path = tmp_path / "slips.pdf"
    download.save_as(path)
    pdf = path.read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf_pages(pdf) == 2

    # Printed, the page drops everything but the slips.
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".slip").first).to_be_visible()


def test_a_large_sheet_shows_how_far_it_has_got_while_it_is_made(page, live_server, factory, app):
    """240 slips (three chunks of ten pages): the page arrives at once and says how far the
    work has got, and the PDF and the slips follow on the same page when they are ready."""
    from survey_app import code_sheets

    email = factory.inspector()
    inspection_id = factory.inspection([email])
    sign_in(page, live_server, email)
    page.goto(f"{live_server}/inspector/inspections/{inspection_id}")
    page.get_by_label("How many codes").fill(str(3 * code_sheets.SLIPS_PER_CHUNK))
    page.get_by_role("button", name="Make codes as a PDF").click()

    # Before the PDF exists, the page already shows the first chunk done and nothing to download.
    progress = page.locator(".sheet-progress li")
    expect(progress.first).to_have_text("80 of 240 slips are ready", timeout=30_000)
    assert page.locator(".sheet-ready").count() == 0
    assert page.locator(".slip__code").count() == 0
    expect(page.locator(".sheet-progress")).to_have_attribute("aria-live", "polite")

    expect(page.locator(".sheet-ready")).to_have_text("The slips are ready.", timeout=60_000)
    expect(progress).to_have_text(
        ["80 of 240 slips are ready", "160 of 240 slips are ready", "240 of 240 slips are ready"]
    )
    expect(page.locator(".slip__code")).to_have_count(240)
    expect(page.get_by_role("link", name=re.compile("^Download PDF"))).to_be_visible()
    axe_check(page, "a large sheet, made")
