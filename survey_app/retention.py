"""Keeping raw sealed responses no longer than they are needed.

Once an inspection's evidence is finalised (its aggregate counts are kept for future
comparisons), its raw sealed responses are deleted after ``SURVEY_RETENTION_DAYS``
(``flask --app wsgi purge``). ``erase`` deletes one inspection's raw responses at once,
when it matters. Both delete everything collected from respondents for that inspection:
sealed responses, staff codes, tablets and tablet set-up links. The caller audits,
commits and then calls ``inspections.forget_arrival_order`` so the deleted bytes leave
the database files too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, func, select

from .models import (
    Inspection,
    Kiosk,
    KioskInvitation,
    SealedResponse,
    StaffCode,
    db,
    rows_changed,
    today,
)


@dataclass(frozen=True)
class Due:
    inspection: Inspection
    responses: int


def retention_days() -> int:
    return current_app.config["RETENTION_DAYS"]


def response_count(inspection: Inspection) -> int:
    return db.session.execute(
        select(func.count()).where(SealedResponse.inspection_id == inspection.id)
    ).scalar_one()


def due_for_purge(days: int | None = None, on: dt.date | None = None) -> list[Due]:
    """Finalised inspections whose evidence was finalised at least ``days`` ago, with raw data."""
    days = retention_days() if days is None else days
    cutoff = (on or today()) - dt.timedelta(days=days)
    finalised = db.session.scalars(
        select(Inspection)
        .where(
            Inspection.status == "finalised",
            Inspection.finalised_on.is_not(None),
            Inspection.finalised_on <= cutoff,
        )
        .order_by(Inspection.finalised_on, Inspection.id)
    )
    due = [Due(inspection, response_count(inspection)) for inspection in finalised]
    return [item for item in due if item.responses or _has_collection_records(item.inspection)]


def _has_collection_records(inspection: Inspection) -> bool:
    for model in (StaffCode, Kiosk, KioskInvitation):
        found = db.session.scalar(select(func.count()).where(model.inspection_id == inspection.id))
        if found:
            return True
    return False


def erase(inspection: Inspection) -> int:
    """Delete the inspection's raw responses and collection records; returns responses deleted.

    An open inspection is closed first, so nothing new arrives. Aggregate evidence and the
    keys stay. Works in the caller's transaction.
    """
    if inspection.is_open:
        inspection.status = "closed"
        inspection.closed_on = today()
    deleted = rows_changed(
        delete(SealedResponse).where(SealedResponse.inspection_id == inspection.id)
    )
    for model in (StaffCode, Kiosk, KioskInvitation):
        db.session.execute(delete(model).where(model.inspection_id == inspection.id))
    return deleted
