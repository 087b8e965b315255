"""Storing sealed responses, and streaming them back out once unlocked."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from . import access, sealing
from .answers import check
from .models import Inspection, SealedResponse, db
from .questionnaire import Questionnaire


class AlreadySubmitted(Exception):
    """This ballot has already been used to submit a response."""


def submit(
    inspection: Inspection, questionnaire: Questionnaire, answers: dict, ballot: dict
) -> None:
    """Seal ``answers`` and store them, spending ``ballot``, in one transaction."""
    add_sealed(inspection, questionnaire, answers)
    if not access.spend_ballot(ballot):
        db.session.rollback()
        raise AlreadySubmitted
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AlreadySubmitted from None


class BallotUsedElsewhere(Exception):
    """This ballot has already admitted a different sealed response."""


def accept_browser_sealed(
    inspection: Inspection, questionnaire: Questionnaire, sealed: bytes, ballot: dict
) -> bool:
    """Store a response sealed on a tablet (format 2), spending ``ballot``, in one transaction.

    True when stored now, False when this very ciphertext was stored before (a retried upload
    whose acknowledgement was lost: success, stored once). A *different* ciphertext with a spent
    ballot raises ``BallotUsedElsewhere``. The server cannot read what it stores: whether the
    answers are valid is decided once they are opened (``open_all`` counts invalid ones).
    """
    row = SealedResponse(
        inspection_id=inspection.id,
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        sealed=sealed,
    )
    db.session.add(row)
    if access.spend_ballot(ballot):
        db.session.commit()
        return True
    db.session.rollback()
    # Spent: by this same upload (the ciphertext is unique: a fresh ephemeral key each seal)?
    again = db.session.execute(
        select(func.count())
        .select_from(SealedResponse)
        .where(SealedResponse.inspection_id == inspection.id, SealedResponse.sealed == sealed)
    ).scalar_one()
    if again:
        return False
    raise BallotUsedElsewhere


def add_sealed(inspection: Inspection, questionnaire: Questionnaire, answers: dict) -> None:
    """Seal ``answers`` and add them to the session; the caller commits (one transaction)."""
    context = sealing.response_context(inspection.id, questionnaire.id, questionnaire.version)
    sealed = sealing.seal_answers(inspection.public_key, answers, context)
    db.session.add(
        SealedResponse(
            inspection_id=inspection.id,
            questionnaire_id=questionnaire.id,
            questionnaire_version=questionnaire.version,
            sealed=sealed,
        )
    )


def counts(inspection: Inspection) -> dict[str, int]:
    """How many responses each questionnaire has (no unlock needed)."""
    rows = db.session.execute(
        select(SealedResponse.questionnaire_id, func.count())
        .where(SealedResponse.inspection_id == inspection.id)
        .group_by(SealedResponse.questionnaire_id)
    )
    return dict(rows.all())


def counts_by_audience(inspection: Inspection) -> dict[str, int]:
    library = current_app.extensions["questionnaires"]
    totals: dict[str, int] = {}
    for questionnaire_id, total in counts(inspection).items():
        audience = library.audience(questionnaire_id) or "unknown"
        totals[audience] = totals.get(audience, 0) + total
    return totals


@dataclass(frozen=True)
class Opened:
    questionnaire_id: str
    version: int
    answers: dict
    response_id: str = ""
    sealed_in_browser: bool = False  # format 2: checked only by the tablet, so checked again


@dataclass
class BrokenSeals:
    """Responses that did not open, or opened but were not valid answers (sealed on a tablet,
    whose checks the server could not see); reported in the evidence, never silently dropped."""

    count: int = 0
    invalid: int = 0


def open_all(
    inspection: Inspection, unsealer: sealing.Unsealer, broken: BrokenSeals, batch: int = 500
) -> Iterator[Opened]:
    """Yield every response of the inspection, opened, streaming from the database."""
    query = (
        select(
            SealedResponse.id,
            SealedResponse.questionnaire_id,
            SealedResponse.questionnaire_version,
            SealedResponse.sealed,
        )
        .where(SealedResponse.inspection_id == inspection.id)
        .execution_options(yield_per=batch)
    )
    contexts: dict[tuple[str, int], bytes] = {}  # associated data, built once per version
    for response_id, questionnaire_id, version, sealed in db.session.execute(query):
        context = contexts.get((questionnaire_id, version))
        if context is None:
            context = contexts[(questionnaire_id, version)] = sealing.response_context(
                inspection.id, questionnaire_id, version
            )
        try:
            answers = unsealer.open_answers(sealed, context)
        except sealing.SealBroken:
            broken.count += 1
            continue
        yield Opened(
            questionnaire_id,
            version,
            answers,
            response_id,
            sealed_in_browser=sealed[0] == sealing.BROWSER_SEAL_FORMAT,
        )


def _valid_answers(questionnaire: Questionnaire, answers: object) -> bool:
    """Whether ``answers`` is exactly what ``answers.check`` makes of some form."""
    if not isinstance(answers, dict):
        return False
    form: MultiDict[str, str] = MultiDict()
    for question_id, value in answers.items():
        values = value if isinstance(value, list) else [value]
        if not isinstance(question_id, str) or not all(isinstance(v, str) for v in values):
            return False
        for item in values:
            form.add(question_id, item)
    checked = check(questionnaire, form)
    return checked.ok and checked.answers == answers


def valid_only(opened: Iterator[Opened], library_get, broken: BrokenSeals) -> Iterator[Opened]:
    """Pass on every response, except one sealed on a tablet whose answers are not valid for
    its questionnaire (a tablet tampered with, or a bug): counted in ``broken.invalid``."""
    for response in opened:
        if response.sealed_in_browser:
            questionnaire = library_get(response.questionnaire_id, response.version)
            if questionnaire is None or not _valid_answers(questionnaire, response.answers):
                broken.invalid += 1
                continue
        yield response
