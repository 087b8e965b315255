"""The evidence as a standalone HTML document, as a PDF (WeasyPrint) and as JSON.

Both render ``inspect/evidence_content.html``, the same content as the web page,
with the service's stylesheets embedded, so the file needs nothing from any host.

The HTML holds everything, as the page does. The PDF comes in two documents, each standing
alone (its own heading, contents and bookmarks): the report (``part="report"``: everything
before the appendices) and the appendices (``part="appendices"``: answers to each question,
breakdowns and the comments). WeasyPrint's time follows the text it lays out, so the report
renders in a fraction of the time the whole would take.

Every file is in English (``force_locale``), whatever language the session that asks for it
chose on a kiosk or staff page, as the documents' ``lang="en"`` says. The page itself
follows the session. (Welsh files would be a product decision: the labels are translated.)
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Literal

import orjson
from flask import render_template
from flask_babel import force_locale

from . import tables

Part = Literal["all", "report", "appendices"]
PDF_PARTS: tuple[Part, ...] = ("report", "appendices")

STATIC = Path(__file__).resolve().parent.parent / "static"


def stylesheet() -> str:
    return "\n".join(
        (STATIC / name).read_text(encoding="utf-8") for name in ("survey.css", "evidence.css")
    )


def document_policy(css: str) -> str:
    """The standalone document's Content-Security-Policy: its own style block and nothing
    else, so the file opened from a disk or a mail attachment runs no script and fetches
    nothing, whatever a respondent typed into it."""
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode()
    return "; ".join(
        [
            "default-src 'none'",
            f"style-src 'sha256-{digest}'",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


def to_html(evidence: dict, inspection, part: Part = "all") -> str:
    if part not in ("all", *PDF_PARTS):
        raise ValueError(f"no such part of the evidence: {part!r}")
    css = stylesheet()
    with force_locale("en"):  # the document is English (page_lang), whoever asks for it
        return render_template(
            "inspect/evidence_document.html",
            evidence=evidence,
            inspection=inspection,
            part=part,
            stylesheet=css,
            policy=document_policy(css),
            referral_form=False,
            page_lang="en",
            page_dir="ltr",
        )


def to_json(evidence: dict) -> bytes:
    """The evidence document as the JSON download (UTF-8, indented; docs/evidence-json.md):
    orjson, a tenth of ``json.dumps``'s time on the 7 MB of 100,000 responses' evidence."""
    # Keys that are not strings are written as strings, as json.dumps writes them.
    return orjson.dumps(evidence, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)


def as_file(evidence: dict, inspection, fmt: str) -> bytes:
    """The evidence as the file of one format (the downloads' and ``export``'s): ``json``,
    ``csv``, ``xlsx``, ``pdf`` (the report), ``appendices.pdf`` or ``html`` (everything),
    in English whoever asks. The caller has passed it through the disclosure audit first."""
    with force_locale("en"):
        return _as_file(evidence, inspection, fmt)


def _as_file(evidence: dict, inspection, fmt: str) -> bytes:
    if fmt == "json":
        return to_json(evidence)
    if fmt == "csv":
        return tables.to_csv(evidence).encode("utf-8")
    if fmt == "xlsx":
        return tables.to_xlsx(evidence)
    if fmt == "pdf":
        return to_pdf(evidence, inspection, "report")
    if fmt == "appendices.pdf":
        return to_pdf(evidence, inspection, "appendices")
    if fmt == "html":
        return to_html(evidence, inspection).encode("utf-8")
    raise ValueError(f"no such format of the evidence: {fmt!r}")


def _no_fetching(url: str, *args, **kwargs):
    raise ValueError(f"the evidence PDF fetches nothing ({url})")


def pdf_document(evidence: dict, inspection, part: Part = "report"):
    """The laid-out WeasyPrint document (pages, anchors, bookmarks) of one part, before
    writing: ``"report"`` or ``"appendices"``."""
    from weasyprint import HTML

    if part not in PDF_PARTS:
        raise ValueError(f"the PDF is the report or the appendices, not {part!r}")
    html = to_html(evidence, inspection, part)
    return HTML(string=html, url_fetcher=_no_fetching, media_type="print").render()


def to_pdf(evidence: dict, inspection, part: Part = "report") -> bytes:
    return pdf_document(evidence, inspection, part).write_pdf()
