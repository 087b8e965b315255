"""The evidence as a standalone HTML document and as a PDF (WeasyPrint).

Both render ``inspect/evidence_content.html``, the same content as the web page,
with the service's stylesheets embedded, so the file needs nothing from any host.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from flask import current_app, render_template

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


def to_html(evidence: dict, inspection) -> str:
    css = stylesheet()
    with current_app.test_request_context():
        return render_template(
            "inspect/evidence_document.html",
            evidence=evidence,
            inspection=inspection,
            stylesheet=css,
            policy=document_policy(css),
            referral_form=False,
            page_lang="en",
            page_dir="ltr",
        )


def _no_fetching(url: str, *args, **kwargs):
    raise ValueError(f"the evidence PDF fetches nothing ({url})")


def pdf_document(evidence: dict, inspection):
    """The laid-out WeasyPrint document (pages, anchors, bookmarks), before writing."""
    from weasyprint import HTML

    html = to_html(evidence, inspection)
    return HTML(string=html, url_fetcher=_no_fetching, media_type="print").render()


def to_pdf(evidence: dict, inspection) -> bytes:
    return pdf_document(evidence, inspection).write_pdf()
