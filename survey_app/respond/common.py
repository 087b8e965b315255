"""What the kiosk and staff journeys share: language choice and the questionnaire page."""

from __future__ import annotations

import contextlib

from flask import abort, current_app, g, render_template, request, session
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import InterfaceError, OperationalError

from .. import responses, units
from ..answers import check
from ..languages import LANGUAGES
from ..models import Inspection, db
from ..questionnaire import Questionnaire

NOT_SENT = _l(
    "Sorry, your answers could not be sent just now. Please press Send again in a moment."
)


def questionnaire_for(inspection: Inspection, audience: str) -> Questionnaire:
    """The current questionnaire as offered at the inspection's establishment: its type's
    bands and its units (so the page shows, and the server accepts, only those)."""
    library = current_app.extensions["questionnaires"]
    questionnaire = library.current(audience, inspection.establishment.type)
    if questionnaire is None:
        abort(404)
    return units.for_answering(questionnaire, inspection)


def use_language(code: str | None) -> None:
    """Show this page in ``code`` without remembering it (used once the session is wiped)."""
    if code in LANGUAGES:
        g.language = code


def set_language_from_form() -> None:
    language = request.form.get("language", "en")
    session["language"] = language if language in LANGUAGES else "en"


def show_questionnaire(template: str, inspection: Inspection, questionnaire: Questionnaire):
    return render_template(
        template, inspection=inspection, questionnaire=questionnaire, answers={}, errors={}
    )


def take_submission(
    template: str, inspection: Inspection, questionnaire: Questionnaire, ballot: dict
):
    """Validate and store a submission. Returns a response to show again, or None when stored."""
    checked = check(questionnaire, request.form)
    if not checked.ok:
        page = render_template(
            template,
            inspection=inspection,
            questionnaire=questionnaire,
            answers=checked.answers,
            errors=checked.errors,
        )
        return page, 400
    # A double tap on "Send" raises AlreadySubmitted: the first one was stored, which is all
    # that matters to the respondent.
    try:
        with contextlib.suppress(responses.AlreadySubmitted):
            responses.submit(inspection, questionnaire, checked.answers, ballot)
    except (OperationalError, InterfaceError):  # the database is down: keep the answers here
        db.session.rollback()
        page = render_template(
            template,
            inspection=inspection,
            questionnaire=questionnaire,
            answers=checked.answers,
            errors={"send": NOT_SENT},
        )
        return page, 503
    return None
