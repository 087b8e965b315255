"""The children's kiosk: a tablet enrolled for one inspection, wiped after every child."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from .. import access, signposting
from ..answers import check
from ..models import Inspection, db
from . import blueprint
from .common import (
    questionnaire_for,
    set_language_from_form,
    show_questionnaire,
    take_submission,
    use_language,
)

AUDIENCE = "children"
KIOSK_COOKIE_DAYS = 30


def _kiosk_or_none():
    return access.kiosk_from_cookie(request.cookies.get(access.KIOSK_COOKIE))


def _enrolled_inspection() -> Inspection:
    kiosk = _kiosk_or_none()
    if kiosk is None:
        abort(make_response(render_template("kiosk/not_enrolled.html"), 403))
    inspection = db.session.get(Inspection, kiosk.inspection_id)
    if inspection is None or not inspection.is_open:
        abort(make_response(render_template("kiosk/closed.html"), 403))
    g.kiosk_establishment = inspection.establishment
    return inspection


@blueprint.app_template_global()
def kiosk_help() -> list[str]:
    """The help lines for the enrolled tablet's establishment, in the page's language."""
    establishment = g.get("kiosk_establishment")
    return [] if establishment is None else signposting.lines(establishment)


def _wipe() -> None:
    """Forget everything about the child who just used the tablet."""
    session.clear()
    # A tablet that also works offline keeps sealed responses waiting in its storage (never an
    # answer in the clear): clear its cache only, or they would be lost (respond/offline.py).
    g.clear_site_data = "cache" if request.cookies.get("kiosk_offline") else True


@blueprint.get("/kiosk/enrol/<token>")
def kiosk_enrol(token: str):
    return render_template("kiosk/enrol.html", token=token)


@blueprint.post("/kiosk/enrol/<token>")
def kiosk_enrol_confirm(token: str):
    kiosk = access.accept_kiosk_invitation(token)
    if kiosk is None:
        return render_template("kiosk/enrol_failed.html"), 410
    session.clear()  # a tablet never carries an inspector's sign-in
    offline = request.form.get("offline") == "1"  # then prepared for use with no network
    response = redirect(
        url_for("respond.kiosk_offline_start" if offline else "respond.kiosk_start")
    )
    response.set_cookie(
        access.KIOSK_COOKIE,
        access.kiosk_cookie_value(kiosk),
        max_age=KIOSK_COOKIE_DAYS * 24 * 3600,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Strict",
    )
    return response


@blueprint.get("/kiosk")
def kiosk_start():
    """The start screen; ``?language=`` shows it in the language a child has just chosen
    (kiosk.js reloads it on a choice), without remembering it: Start posts the choice."""
    inspection = _enrolled_inspection()
    use_language(request.args.get("language"))
    return render_template("kiosk/start.html", inspection=inspection)


@blueprint.post("/kiosk/start")
def kiosk_begin():
    inspection = _enrolled_inspection()
    session.clear()
    set_language_from_form()
    access.issue_ballot(inspection.id, AUDIENCE)
    return redirect(url_for("respond.kiosk_welcome"))


@blueprint.get("/kiosk/welcome")
def kiosk_welcome():
    inspection = _enrolled_inspection()
    if access.current_ballot(inspection.id, AUDIENCE) is None:
        return redirect(url_for("respond.kiosk_start"))
    return render_template(
        "kiosk/welcome.html", questionnaire=questionnaire_for(inspection, AUDIENCE)
    )


@blueprint.route("/kiosk/questionnaire", methods=["GET", "POST"])
def kiosk_questionnaire():
    inspection = _enrolled_inspection()
    ballot = access.current_ballot(inspection.id, AUDIENCE)
    if ballot is None:
        return redirect(url_for("respond.kiosk_start"))
    questionnaire = questionnaire_for(inspection, AUDIENCE)
    template = "kiosk/questionnaire.html"
    if request.method == "GET":
        return show_questionnaire(template, inspection, questionnaire)
    shown_again = take_submission(template, inspection, questionnaire, ballot)
    if shown_again is not None:
        return shown_again
    language = session.get("language", "en")
    _wipe()
    return redirect(url_for("respond.kiosk_thanks", lang=language))


@blueprint.post("/kiosk/talk")
def kiosk_talk():
    """ "This child would like to talk to you", shown on the tablet for the inspector.

    Without JavaScript this is a round trip: the answers come back in the form posted,
    are put back into the same page under the signal, and are never stored, sealed or
    logged; nothing records that anyone asked. With JavaScript the tablet shows the
    signal itself and sends nothing (static/kiosk.js).
    """
    inspection = _enrolled_inspection()
    ballot = access.current_ballot(inspection.id, AUDIENCE)
    if ballot is None:
        return render_template("kiosk/talk.html")  # asked before starting: the signal alone
    questionnaire = questionnaire_for(inspection, AUDIENCE)
    answers = check(questionnaire, request.form).answers
    return render_template(
        "kiosk/questionnaire.html",
        inspection=inspection,
        questionnaire=questionnaire,
        answers=answers,
        errors={},
        talk_signal=True,
    )


@blueprint.get("/kiosk/thanks")
def kiosk_thanks():
    _enrolled_inspection()
    use_language(request.args.get("lang"))
    return render_template(
        "kiosk/thanks.html", return_after=current_app.config["KIOSK_RETURN_SECONDS"]
    )


@blueprint.post("/kiosk/reset")
def kiosk_reset():
    """ "Stop and clear", pressed by the child or by the idle timer: wipe, then show help."""
    language = session.get("language", "en")
    _wipe()
    return redirect(url_for("respond.kiosk_cleared", lang=language))


@blueprint.get("/kiosk/cleared")
def kiosk_cleared():
    _enrolled_inspection()
    use_language(request.args.get("lang"))
    return render_template(
        "kiosk/cleared.html", return_after=current_app.config["KIOSK_RETURN_SECONDS"]
    )
