"""Printable staff code slips: the staff link, a QR code of it, and one code on each.

Plain codes exist only in the request (or command) that made them, so a sheet is
built there and then, as a page or a PDF, and nothing is kept. When the inspector
chooses it, each QR code carries its slip's code too (``/staff/<id>?code=...``),
so a scan fills the code in; otherwise every QR code is the bare staff link.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import urlencode

import segno
from flask import render_template

from . import access
from .models import Inspection

STYLESHEET = Path(__file__).resolve().parent / "static" / "slips.css"
PDF_NAME = "staff-codes.pdf"


@dataclass(frozen=True)
class Slip:
    code: str  # as printed, e.g. ABCD-EFGH-JKMN
    link: str  # what the QR code opens
    qr: segno.QRCode


def slip_link(staff_url: str, code: str, code_in_qr: bool) -> str:
    if not code_in_qr:
        return staff_url
    return f"{staff_url}?{urlencode({'code': access.normalise_code(code)})}"


def qr_svg(qr: segno.QRCode) -> str:
    """The QR code as an SVG data: URI (the CSP allows data: images): sharp on screen and paper."""
    return qr.svg_data_uri(scale=4, border=4, omitsize=True)


def qr_png(qr: segno.QRCode) -> str:
    """The QR code as a PNG of one pixel per module, scaled up without smoothing
    (``image-rendering: pixelated``): WeasyPrint draws hundreds of these far faster than SVGs."""
    return qr.png_data_uri(scale=1, border=4)


def build_slips(staff_url: str, codes: Iterable[str], code_in_qr: bool) -> list[Slip]:
    made: dict[str, segno.QRCode] = {}  # one QR code per distinct link, for this sheet only
    slips = []
    for code in codes:
        link = slip_link(staff_url, code, code_in_qr)
        if link not in made:
            made[link] = segno.make(link, error="m")
        slips.append(Slip(code=code, link=link, qr=made[link]))
    return slips


@dataclass(frozen=True)
class CodeSheet:
    """The codes just made, the staff link, and whether each QR code carries its code."""

    staff_url: str
    codes: tuple[str, ...]
    code_in_qr: bool = False

    @cached_property
    def slips(self) -> list[Slip]:
        return build_slips(self.staff_url, self.codes, self.code_in_qr)


def render_page(inspection: Inspection, sheet: CodeSheet, pdf: bytes | None = None) -> str:
    """The slips as an inspector page, laid out to print and cut (static/slips.css).

    ``pdf``, made in the same request, is offered as a download from a data: link, so the
    codes never have to be sent to the server again.
    """
    return render_template(
        "inspect/staff_codes.html",
        inspection=inspection,
        slips=sheet.slips,
        image=qr_svg,
        url=sheet.staff_url,
        code_in_qr=sheet.code_in_qr,
        pdf=pdf_data_uri(pdf) if pdf is not None else None,
        pdf_name=PDF_NAME,
    )


def render_pdf(inspection: Inspection, sheet: CodeSheet) -> bytes:
    """The same slips as an A4 PDF (eight to a page), made with WeasyPrint."""
    import weasyprint  # imported here: loading Pango is slow and only sheets need it

    html = render_template(
        "inspect/code_sheet.html",
        inspection=inspection,
        slips=sheet.slips,
        image=qr_png,
        url=sheet.staff_url,
        code_in_qr=sheet.code_in_qr,
    )
    # Only the data: URIs of the QR codes may be read: nothing from disk or the network.
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    document = weasyprint.HTML(string=html, url_fetcher=fetcher)
    stylesheet = weasyprint.CSS(string=STYLESHEET.read_text(encoding="utf-8"))
    return document.write_pdf(stylesheets=[stylesheet])


def pdf_data_uri(pdf: bytes) -> str:
    return "data:application/pdf;base64," + base64.b64encode(pdf).decode("ascii")
