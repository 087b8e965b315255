"""Words for the ids the evidence carries (areas, disclosure categories, statuses, kinds),
and dates in the reader's language, for the page, the PDF and the spreadsheet. English is
written as in the United Kingdom ("4 Dec 2026", "18:13"), not as Babel's plain "en" writes it
("Dec 4, 2026", "6:13 PM"): the inspectorates are in England and Wales.

The JSON keeps the ids; everything an inspector reads goes through these lookups, so
no raw id reaches them. An id with no label (a new area in a questionnaire file) is
shown with its underscores as spaces and a capital, never dropped.
"""

from __future__ import annotations

import datetime as dt

from babel import Locale, dates
from flask_babel import get_locale, get_timezone
from flask_babel import lazy_gettext as _l

AREAS = {
    "arrival": _l("Arrival and first night"),
    "safety": _l("Safety"),
    "behaviour": _l("Behaviour and restraint"),
    "daily_life": _l("Daily life"),
    "care": _l("Care and relationships"),
    "health": _l("Health and well-being"),
    "education": _l("Education and activities"),
    "family_contact": _l("Contact with family"),
    "resettlement": _l("Moving on"),
    "staffing": _l("Staffing and training"),
    "leadership": _l("Leadership and raising concerns"),
    "background": _l("About the respondents"),
    "comments": _l("Comments"),
}

CATEGORIES = {
    "harm": _l("Harm"),
    "abuse": _l("Abuse"),
    "self_harm": _l("Self-harm"),
    "restraint": _l("Restraint"),
    "staff_misconduct": _l("Staff misconduct"),
    "whistleblowing": _l("Whistleblowing"),
    "wish_to_talk": _l("Wants to talk to an inspector"),
}

STATUSES = {
    "open": _l("Open"),
    "closed": _l("Closed"),
    "finalised": _l("Finalised"),
}

KINDS = {
    "full": _l("Full inspection"),
    "assurance": _l("Assurance inspection"),
}


def _fallback(value) -> str:
    text = str(value or "").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _lookup(table: dict):
    def label(value) -> str:
        return str(table[value]) if value in table else _fallback(value)

    return label


area = _lookup(AREAS)
category = _lookup(CATEGORIES)
status = _lookup(STATUSES)
kind = _lookup(KINDS)


def _writing() -> Locale:
    """The reader's language for dates and times: British English for English."""
    locale = get_locale() or Locale("en")
    return Locale("en", "GB") if locale.language == "en" and not locale.territory else locale


def date(value, style: str = "medium") -> str:
    """An ISO date (or a date) as the reader's language writes it: "1 Dec 2026"."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.date()
    return dates.format_date(value, style, locale=_writing())


def _utc(value) -> dt.datetime:
    """An ISO UTC time ("2026-12-01T23:49:18Z") or an aware one, as a naive UTC datetime."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.removesuffix("Z"))
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def datetime(value, style: str = "medium") -> str:
    """An ISO UTC time ("2026-12-01T23:49:18Z") in the reader's language and time zone."""
    if value in (None, ""):
        return ""
    return dates.format_datetime(_utc(value), style, tzinfo=get_timezone(), locale=_writing())


def time(value, style: str = "short") -> str:
    """The time of day of an ISO UTC time, in the reader's language (no seconds)."""
    if value in (None, ""):
        return ""
    return dates.format_time(_utc(value), style, tzinfo=get_timezone(), locale=_writing())


FILTERS = {
    "area_label": area,
    "category_label": category,
    "status_label": status,
    "kind_label": kind,
    "date_label": date,
    "datetime_label": datetime,
    "time_label": time,
}


def init_app(app) -> None:
    from . import summary

    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals["evidence_summary"] = summary.build
    app.jinja_env.globals["evidence_areas"] = summary.areas
    app.jinja_env.globals["evidence_breakdown_columns"] = summary.breakdown_columns
