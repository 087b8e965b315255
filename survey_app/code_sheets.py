"""Printable staff code slips: the staff link, a QR code of it, and one code on each.

Plain codes exist only in the request (or command) that made them, so a sheet is
built there and then, as a page or a PDF, and nothing is kept. When the inspector
chooses it, each QR code carries its slip's code too (``/staff/<id>?code=...``),
so a scan fills the code in; otherwise every QR code is the bare staff link.

A large sheet takes a while (about 17 ms a slip on a laptop), so the PDF is made ten pages at
a time and the inspector's page is sent as it is made (``SheetWork``): it says how far the
work has gone, and the PDF and the slips follow on the same page when they are ready. No
gateway waits in silence, and nothing about the codes is kept anywhere to be fetched later.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import urlencode

import segno
from flask import Response, current_app, render_template, stream_template, stream_with_context

from . import access
from .models import db

STYLESHEET = Path(__file__).resolve().parent / "static" / "slips.css"
PDF_NAME = "staff-codes.pdf"
SLIPS_PER_PAGE = 8
#: Slips rendered together: ten A4 pages, a second or two of work between progress reports.
SLIPS_PER_CHUNK = 10 * SLIPS_PER_PAGE


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
    establishment: str = ""  # its name, printed on the sheet

    @cached_property
    def slips(self) -> list[Slip]:
        return build_slips(self.staff_url, self.codes, self.code_in_qr)


def stream_page(
    inspection_id: str,
    establishment: str,
    make: Callable[[], CodeSheet],
    total: int,
    commit: Callable[[], None],
) -> Response:
    """The slips as an inspector page, laid out to print and cut (static/slips.css), sent while
    it is made: first how far the work has got, then a data: link to the PDF (so the codes never
    have to be sent to the server again) and the slips themselves. ``make`` makes the codes and
    their sheet (in this work's own database session); ``commit`` keeps them once the PDF
    exists. If it cannot be made, the page says so and nothing is kept.
    """
    work = SheetWork(make, total, commit)
    page = stream_template(
        "inspect/staff_codes.html",
        inspection_id=inspection_id,
        establishment=establishment,
        work=work,
        image=qr_svg,
        pdf_name=PDF_NAME,
    )
    # Sent as it is made, uncompressed and unbuffered (nginx honours X-Accel-Buffering).
    return Response(stream_with_context(page), headers={"X-Accel-Buffering": "no"})


def render_chunks(sheet: CodeSheet) -> Iterator[tuple[int, object]]:
    """Lay the slips out ``SLIPS_PER_CHUNK`` at a time (whole A4 pages, eight slips each);
    yield ``(slips done so far, rendered WeasyPrint document)`` after each chunk."""
    import weasyprint  # imported here: loading Pango is slow and only sheets need it

    # Only the data: URIs of the QR codes may be read: nothing from disk or the network.
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    stylesheet = weasyprint.CSS(string=STYLESHEET.read_text(encoding="utf-8"))
    slips = sheet.slips
    for start in range(0, max(len(slips), 1), SLIPS_PER_CHUNK):
        html = render_template(
            "inspect/code_sheet.html",
            establishment=sheet.establishment,
            slips=slips[start : start + SLIPS_PER_CHUNK],
            image=qr_png,
            url=sheet.staff_url,
            code_in_qr=sheet.code_in_qr,
        )
        document = weasyprint.HTML(string=html, url_fetcher=fetcher)
        yield min(start + SLIPS_PER_CHUNK, len(slips)), document.render(stylesheets=[stylesheet])


def merge(documents: list) -> bytes:
    """One PDF of every page of the rendered chunks, in order."""
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()


def render_pdf(sheet: CodeSheet) -> bytes:
    """The slips as an A4 PDF (eight to a page), made with WeasyPrint."""
    return merge([document for _done, document in render_chunks(sheet)])


class SheetWork:
    """Staff codes made while their page is sent (``stream_page``).

    Iterating makes the codes (in the caller's inspection, uncommitted), lays their slips out a
    chunk at a time and yields how many are done; then the PDF is merged and ``commit`` keeps the
    codes, so a sheet that fails, or a page closed half-way, leaves no codes that nobody has seen.
    Afterwards ``slips`` and ``pdf_uri`` are set, or ``failed`` is true.

    It runs after the view has returned, so it works from ids and plain values only: the view's
    database session is gone by then, and this work has a session of its own.
    """

    def __init__(self, make: Callable[[], CodeSheet], total: int, commit: Callable[[], None]):
        self.make, self.total, self.commit = make, total, commit
        self.slips: list[Slip] = []
        self.staff_url, self.code_in_qr = "", False
        self.pdf_uri: str | None = None
        self.failed = False

    def __iter__(self) -> Iterator[int]:
        kept = False
        try:
            sheet = self.make()
            documents = []
            for made, document in render_chunks(sheet):
                documents.append(document)
                yield made
            pdf = merge(documents)
            self.commit()
            kept = True
            self.slips, self.pdf_uri = sheet.slips, pdf_data_uri(pdf)
            self.staff_url, self.code_in_qr = sheet.staff_url, sheet.code_in_qr
        except Exception as error:  # noqa: BLE001 - whatever broke, say so and keep nothing
            # The error's type only: its message or traceback could quote a code.
            current_app.logger.error("the staff code sheet failed (%s)", type(error).__name__)
            self.failed = True
        finally:
            if not kept:
                db.session.rollback()


def pdf_data_uri(pdf: bytes) -> str:
    return "data:application/pdf;base64," + base64.b64encode(pdf).decode("ascii")
