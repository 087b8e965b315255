"""Staff: a link (or QR code) to the inspection, a one-time code, then the questionnaire.

Code entry is rate limited per client address with Flask-Limiter, and never for the
inspection as a whole: a limit shared by everyone is one an attacker can use up, locking
every member of staff out. Only refused codes count, so a room of staff scanning their
slips on the centre's wifi (one shared address) is never locked out by its own successes,
and guessing stays hopeless from any number of addresses: see ``docs/staff-codes.md`` for
the arithmetic. Refused codes are tallied per inspection and hour for the inspector's page
(``access.note_refused_code``). The limiter keeps a client's address only in its counting
window (memory, or Redis keys that expire with the window); nothing about the client
reaches the database or the log.
"""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from .. import access
from ..extensions import limiter
from ..models import Inspection, db
from . import blueprint
from .common import (
    questionnaire_for,
    set_language_from_form,
    show_questionnaire,
    take_submission,
    use_language,
)

AUDIENCE = "staff"


def _inspection(inspection_id: str) -> Inspection:
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None:
        abort(404)
    if not inspection.is_open:
        abort(make_response(render_template("staff/closed.html"), 410))
    return inspection


def _code_entry_limit() -> str:
    return current_app.config["CODE_ENTRY_LIMIT"]


def _refused(response) -> bool:
    """Only a refused code counts against the limits; an accepted one redirects."""
    return not 300 <= response.status_code < 400


def _code_from_link() -> str:
    """The code a QR link carries (``?code=``), formatted for the form; "" if none or malformed."""
    code = access.normalise_code(request.args.get("code", ""))
    if len(code) != access.CODE_LENGTH or any(ch not in access.CODE_ALPHABET for ch in code):
        return ""
    return access.format_code(code)


def _ballot_ran_out(inspection_id: str) -> bool:
    """This browser entered a code here, but the time allowed to answer has passed."""
    ballot = session.get("ballot") or {}
    return (
        ballot.get("inspection") == inspection_id
        and ballot.get("audience") == AUDIENCE
        and access.current_ballot(inspection_id, AUDIENCE) is None
    )


def _no_ballot(inspection: Inspection):
    """Where to send a browser without a usable ballot: the code page, or a kind word that
    its time ran out (the code is spent, so it needs a new slip)."""
    if _ballot_ran_out(inspection.id):
        session.pop("ballot", None)
        hours = current_app.config["BALLOT_HOURS"]
        return render_template("staff/time_ran_out.html", hours=hours), 410
    return redirect(url_for("respond.staff_start", inspection_id=inspection.id))


@blueprint.get("/staff/<inspection_id>")
def staff_start(inspection_id: str):
    inspection = _inspection(inspection_id)
    if access.current_ballot(inspection.id, AUDIENCE) is not None:
        # This browser already used its code: go on, and never show the code (from a QR
        # link in the history) again.
        return redirect(url_for("respond.staff_about", inspection_id=inspection.id))
    # After answering, a QR link from the history no longer fills in its (used) code.
    code = "" if session.get("answered") == inspection.id else _code_from_link()
    return render_template("staff/code.html", inspection=inspection, error=None, code=code)


@blueprint.post("/staff/<inspection_id>")
@limiter.limit(_code_entry_limit, methods=["POST"], deduct_when=_refused)
def staff_code(inspection_id: str):
    inspection = _inspection(inspection_id)
    set_language_from_form()
    if not access.spend_staff_code(inspection, request.form.get("code", "")):
        access.note_refused_code(inspection.id)
        # One message for unknown, mistyped and already-used codes: no hint of which.
        return render_template("staff/code.html", inspection=inspection, error=True, code=""), 400
    language = session.get("language")
    session.clear()
    session["language"] = language
    access.issue_ballot(inspection.id, AUDIENCE)
    # On to a URL without the code; the code is never sent back to the browser.
    return redirect(url_for("respond.staff_about", inspection_id=inspection.id))


@blueprint.get("/staff/<inspection_id>/about")
def staff_about(inspection_id: str):
    inspection = _inspection(inspection_id)
    if access.current_ballot(inspection.id, AUDIENCE) is None:
        return _no_ballot(inspection)
    return render_template("staff/about.html", inspection=inspection)


@blueprint.route("/staff/<inspection_id>/questionnaire", methods=["GET", "POST"])
def staff_questionnaire(inspection_id: str):
    inspection = _inspection(inspection_id)
    ballot = access.current_ballot(inspection.id, AUDIENCE)
    if ballot is None:
        return _no_ballot(inspection)
    questionnaire = questionnaire_for(inspection, AUDIENCE)
    template = "staff/questionnaire.html"
    if request.method == "GET":
        return show_questionnaire(template, inspection, questionnaire)
    shown_again = take_submission(template, inspection, questionnaire, ballot)
    if shown_again is not None:
        return shown_again
    language = session.get("language", "en")
    session.clear()
    session["answered"] = inspection.id  # only on this phone, only which inspection
    return redirect(url_for("respond.staff_thanks", inspection_id=inspection.id, lang=language))


@blueprint.get("/staff/<inspection_id>/thanks")
def staff_thanks(inspection_id: str):
    use_language(request.args.get("lang"))
    return render_template("staff/thanks.html")
