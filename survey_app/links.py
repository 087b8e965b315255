"""The addresses respondents are given: the staff questionnaire's link (on the inspection
page, the slips and from the command line) and a tablet's one-time set-up link.

Built from ``SURVEY_PUBLIC_URL`` (the address respondents use, with any path prefix) and the
routes themselves, without a request, so the command line needs no web view to make them.
"""

from __future__ import annotations

from flask import current_app

from .models import Inspection


def _public(endpoint: str, **values: str) -> str:
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def staff(inspection: Inspection) -> str:
    """Where staff enter a one-time code for ``inspection``."""
    return _public("respond.staff_start", inspection_id=inspection.id)


def kiosk_enrol(token: str) -> str:
    """The single-use link that sets a tablet up as a children's kiosk."""
    return _public("respond.kiosk_enrol", token=token)
