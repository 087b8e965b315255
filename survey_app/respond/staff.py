"""Staff: a link (or QR code) to the inspection, a one-time code, then the questionnaire."""

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


def _per_inspection() -> str:
    return "staff-code:" + (request.view_args or {}).get("inspection_id", "")


def _code_entry_limit() -> str:
    return current_app.config["CODE_ENTRY_LIMIT"]


def _inspection_limit() -> str:
    return current_app.config["CODE_ENTRY_INSPECTION_LIMIT"]


@blueprint.get("/staff/<inspection_id>")
def staff_start(inspection_id: str):
    inspection = _inspection(inspection_id)
    return render_template("staff/code.html", inspection=inspection, error=None)


@blueprint.post("/staff/<inspection_id>")
@limiter.limit(_code_entry_limit, methods=["POST"])
@limiter.limit(_inspection_limit, key_func=_per_inspection, methods=["POST"])
def staff_code(inspection_id: str):
    inspection = _inspection(inspection_id)
    set_language_from_form()
    if not access.spend_staff_code(inspection, request.form.get("code", "")):
        # One message for unknown, mistyped and already-used codes: no hint of which.
        return render_template("staff/code.html", inspection=inspection, error=True), 400
    language = session.get("language")
    session.clear()
    session["language"] = language
    access.issue_ballot(inspection.id, AUDIENCE)
    return redirect(url_for("respond.staff_about", inspection_id=inspection.id))


@blueprint.get("/staff/<inspection_id>/about")
def staff_about(inspection_id: str):
    inspection = _inspection(inspection_id)
    if access.current_ballot(inspection.id, AUDIENCE) is None:
        return redirect(url_for("respond.staff_start", inspection_id=inspection.id))
    return render_template("staff/about.html", inspection=inspection)


@blueprint.route("/staff/<inspection_id>/questionnaire", methods=["GET", "POST"])
def staff_questionnaire(inspection_id: str):
    inspection = _inspection(inspection_id)
    ballot = access.current_ballot(inspection.id, AUDIENCE)
    if ballot is None:
        return redirect(url_for("respond.staff_start", inspection_id=inspection.id))
    questionnaire = questionnaire_for(inspection, AUDIENCE)
    template = "staff/questionnaire.html"
    if request.method == "GET":
        return show_questionnaire(template, inspection, questionnaire)
    shown_again = take_submission(template, inspection, questionnaire, ballot)
    if shown_again is not None:
        return shown_again
    language = session.get("language", "en")
    session.clear()
    return redirect(url_for("respond.staff_thanks", inspection_id=inspection.id, lang=language))


@blueprint.get("/staff/<inspection_id>/thanks")
def staff_thanks(inspection_id: str):
    use_language(request.args.get("lang"))
    return render_template("staff/thanks.html")
