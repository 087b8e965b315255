"""Code sheets: cut-out slips with the staff link, its QR code and one code, as a page and a PDF."""

from __future__ import annotations

import base64
import math
import re
import shutil
import subprocess
from urllib.parse import urlencode

import pytest
import segno
from sqlalchemy import select

from survey_app import code_sheets
from survey_app.models import Inspection, StaffCode, db
from tests.helpers import pdf_pages, post_form, sign_in

pytestmark = pytest.mark.db

PUBLIC_URL = "https://localhost"  # tests/conftest.py
CODE = re.compile(r'class="slip__code">([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})<')
QR = re.compile(r'<img class="slip__qr" src="([^"]+)"')
PDF_LINK = re.compile(r'href="data:application/pdf;base64,([^"]+)" download="staff-codes.pdf"')


def pdf_text(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def signed_in(client, factory):
    email = factory.inspector()
    inspection_id = factory.inspection([email])
    sign_in(client, email)
    return inspection_id


def make_codes(client, inspection_id, expect=200, **fields):
    page = f"/inspector/inspections/{inspection_id}"
    return post_form(client, page, page + "/staff-codes", expect=expect, **fields)


def issued(app, inspection_id) -> tuple[int, int]:
    with app.app_context():
        stored = db.session.scalar(
            select(db.func.count())
            .select_from(StaffCode)
            .where(StaffCode.inspection_id == inspection_id)
        )
        return stored, db.session.get(Inspection, inspection_id).staff_codes_issued


def test_the_slips_page_shows_every_code_with_the_link_and_its_qr_code(app, client, signed_in):
    response = make_codes(client, signed_in, count="5", expect=200)
    html = response.get_data(as_text=True)
    codes = CODE.findall(html)
    assert len(codes) == 5 and len(set(codes)) == 5
    staff_url = f"{PUBLIC_URL}/staff/{signed_in}"
    assert html.count(f'<span class="slip__url">{staff_url}</span>') == 5
    # Every QR code is the bare staff link (the inspector did not put codes in them).
    expected = code_sheets.qr_svg(segno.make(staff_url, error="m"))
    assert QR.findall(html) == [expected] * 5
    assert "slips.css" in html
    assert issued(app, signed_in) == (5, 5)


def test_the_slips_page_offers_the_same_codes_as_a_pdf(app, client, signed_in, tmp_path):
    html = make_codes(client, signed_in, count="9").get_data(as_text=True)
    link = PDF_LINK.search(html)
    assert link, "no Download PDF link"
    pdf = base64.b64decode(link.group(1))
    assert pdf.startswith(b"%PDF-")
    assert pdf_pages(pdf) == 2  # eight slips to an A4 page
    text = pdf_text(pdf, tmp_path)
    assert sorted(re.findall(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", text)) == sorted(
        CODE.findall(html)
    )


def test_codes_in_the_qr_code_link_to_their_own_code(app, client, signed_in):
    html = make_codes(client, signed_in, count="3", code_in_qr="yes").get_data(as_text=True)
    codes = CODE.findall(html)
    staff_url = f"{PUBLIC_URL}/staff/{signed_in}"
    expected = [
        code_sheets.qr_svg(
            segno.make(f"{staff_url}?{urlencode({'code': code.replace('-', '')})}", error="m")
        )
        for code in codes
    ]
    assert QR.findall(html) == expected
    assert "The QR code fills in your code for you." in html


def test_a_pdf_can_be_made_straight_away(app, client, signed_in, tmp_path):
    response = make_codes(client, signed_in, count="17", output="pdf", code_in_qr="yes", expect=200)
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=staff-codes.pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert pdf_pages(response.data) == math.ceil(17 / 8)
    assert issued(app, signed_in) == (17, 17)
    # The codes printed in the PDF are the ones stored: each one works.
    codes = re.findall(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", pdf_text(response.data, tmp_path))
    assert len(codes) == 17
    staff = app.test_client()
    page = f"/staff/{signed_in}"
    post_form(staff, page, code=codes[0], language="en", expect=302)


def test_a_sheet_that_fails_to_render_leaves_no_codes(app, client, signed_in, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(code_sheets, "render_chunks", broken)
    page = make_codes(client, signed_in, count="4").get_data(as_text=True)
    assert "the slips could not be made. No codes were kept" in page
    assert not re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", page)  # no code is shown
    assert issued(app, signed_in) == (0, 0)


def test_no_codes_for_a_closed_inspection_or_a_bad_count(app, client, factory, signed_in):
    make_codes(client, signed_in, count="0", expect=400)
    make_codes(client, signed_in, count="many", expect=400)
    factory.close(signed_in)
    # With a valid CSRF token, so what refuses is the closed inspection itself.
    make_codes(client, signed_in, count="3", expect=400)
    assert issued(app, signed_in) == (0, 0)


def test_codes_are_made_only_for_the_inspectors_own_inspections(app, client, factory, signed_in):
    other = factory.inspection([factory.inspector()])
    page = f"/inspector/inspections/{signed_in}"
    post_form(client, page, f"/inspector/inspections/{other}/staff-codes", count="2", expect=404)
    assert issued(app, other) == (0, 0)


def test_slips_stylesheet_is_only_on_the_slips_pages(client, signed_in):
    html = client.get(f"/inspector/inspections/{signed_in}").get_data(as_text=True)
    assert "slips.css" not in html
    assert 'name="code_in_qr"' in html and 'value="pdf"' in html
