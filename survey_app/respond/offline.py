"""The kiosk offline: what an enrolled tablet fetches to collect with no network, and where it
sends the responses it sealed itself (issue 17).

Online, over HTTPS, before the visit, the tablet fetches its *bundle* (the children's
questionnaire versions for its inspection, as data, and the inspection's public key) and a
supply of single-use ballots (``access.issue_offline_ballots``). Offline, the tablet checks and
routes a child's answers with ``static/answers.js`` from that same definition, seals them with
``static/seal.js`` (format 2), and keeps only the ciphertext. Back online it uploads each one with
a ballot: stored exactly once (a retry of the same ciphertext is acknowledged, not stored again).

These endpoints speak JSON only. They carry no CSRF token (a tablet offline all day has no
fresh one): the kiosk cookie is ``SameSite=Strict``, so no other site's page sends it, and a
JSON body cannot be posted across sites without a CORS preflight, which this app never grants.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import Path

from flask import (
    abort,
    current_app,
    jsonify,
    make_response,
    render_template,
    request,
    send_file,
    url_for,
)

from .. import access, csrf, responses, sealing, units
from ..languages import LANGUAGES
from ..models import Inspection, Kiosk, db
from . import blueprint
from .common import NOT_SENT, questionnaire_for, use_language
from .kiosk import _enrolled_inspection

AUDIENCE = "children"
OFFLINE_COOKIE = "kiosk_offline"  # this tablet keeps sealed responses: never clear its storage
SMALLEST_SEAL = 1 + 32 + 12 + 16  # format byte, ephemeral key, nonce, tag


class Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _refuse(error: Refused):
    return jsonify(error=error.reason), error.status


def _tablet() -> tuple[Kiosk, Inspection]:
    """The enrolled, unrevoked tablet that sent this request, and its open inspection."""
    kiosk = access.kiosk_from_cookie(request.cookies.get(access.KIOSK_COOKIE))
    if kiosk is None:
        raise Refused(403, "this tablet is not enrolled")
    inspection = db.session.get(Inspection, kiosk.inspection_id)
    if inspection is None or not inspection.is_open:
        raise Refused(403, "this inspection is closed")
    return kiosk, inspection


def _inspection() -> Inspection:
    return _tablet()[1]


def _json_body() -> dict:
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        raise Refused(403, "requests from other sites are refused")
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        raise Refused(400, "send a JSON object with Content-Type: application/json")
    return body


def _children_versions(inspection: Inspection):
    """Every version of the children's questionnaire for this setting: one retired mid-visit
    still uploads and opens."""
    library = current_app.extensions["questionnaires"]
    return [
        units.for_answering(q, inspection)
        for q in library
        if q.audience == AUDIENCE and inspection.establishment.type in q.establishment_types
    ]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@blueprint.get("/kiosk/offline/bundle")
def kiosk_offline_bundle():
    """What the tablet keeps to run the questionnaire offline (no answers, nothing secret)."""
    try:
        inspection = _inspection()
    except Refused as error:
        return _refuse(error)
    library = current_app.extensions["questionnaires"]
    current = library.current(AUDIENCE, inspection.establishment.type)
    return jsonify(
        inspection=inspection.id,
        public_key=_b64(inspection.public_key),
        current={"id": current.id, "version": current.version} if current else None,
        questionnaires=[q.client_definition() for q in _children_versions(inspection)],
    )


@blueprint.post("/kiosk/offline/ballots")
@csrf.exempt
def kiosk_offline_ballots():
    """``{"count": n}`` -> ``{"ballots": [...]}``: n single-use ballots, nothing stored."""
    try:
        inspection = _inspection()
        count = _json_body().get("count")
        if not isinstance(count, int) or isinstance(count, bool):
            raise Refused(400, "count must be a whole number")
        if not 1 <= count <= access.OFFLINE_BALLOT_BATCH:
            raise Refused(400, f"count must be from 1 to {access.OFFLINE_BALLOT_BATCH}")
    except Refused as error:
        return _refuse(error)
    return jsonify(ballots=access.issue_offline_ballots(inspection.id, AUDIENCE, count))


def _sealed_bytes(value: object) -> bytes:
    if not isinstance(value, str):
        raise Refused(400, "sealed must be base64url text")
    try:
        sealed = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise Refused(400, "sealed must be base64url text") from None
    if len(sealed) < SMALLEST_SEAL or sealed[0] != sealing.BROWSER_SEAL_FORMAT:
        raise Refused(400, "sealed is not a browser-sealed response (format 2)")
    return sealed


@blueprint.post("/kiosk/offline/upload")
@csrf.exempt
def kiosk_offline_upload():
    """One sealed response with its ballot. 200 ``{"stored": true}`` when stored now,
    ``{"stored": false}`` when this same ciphertext was already stored (a retry), 409 when the
    ballot already admitted something else."""
    try:
        inspection = _inspection()
        body = _json_body()
        ballot = access.offline_ballot(body.get("ballot"), inspection.id, AUDIENCE)
        if ballot is None:
            raise Refused(400, "that is not a ballot for this inspection")
        version = body.get("version")
        questionnaire = next(
            (
                q
                for q in _children_versions(inspection)
                if q.id == body.get("questionnaire") and q.version == version
            ),
            None,
        )
        if questionnaire is None:
            raise Refused(400, "no such children's questionnaire for this inspection")
        sealed = _sealed_bytes(body.get("sealed"))
        try:
            stored = responses.accept_browser_sealed(inspection, questionnaire, sealed, ballot)
        except responses.BallotUsedElsewhere:
            raise Refused(409, "that ballot has already been used") from None
    except Refused as error:
        return _refuse(error)
    return jsonify(stored=stored)


@blueprint.post("/kiosk/offline/waiting")
@csrf.exempt
def kiosk_offline_waiting():
    """``{"count": n}``: how many sealed responses this tablet holds, for the inspection page."""
    try:
        kiosk, _ = _tablet()
        count = _json_body().get("count")
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 100_000:
            raise Refused(400, "count must be a whole number from 0 to 100000")
    except Refused as error:
        return _refuse(error)
    kiosk.waiting = count
    db.session.commit()
    return jsonify(waiting=count)


# --- the pages and files a tablet keeps (static/kiosk-sw.js caches them) ------------------------

PAGES = ("welcome", "questionnaire", "thanks", "cleared")
STATIC = Path(__file__).resolve().parent.parent / "static"
# What the children's pages use; the inspectors' and staff's files stay off the tablet.
OFFLINE_STATIC = (
    "survey.css",
    "favicon.svg",
    "js-on.js",
    "kiosk.js",
    "readaloud.js",
    "stepper.js",
    "answers.js",
    "seal.js",
    "kiosk-offline.js",
)


def offline_files() -> list[str]:
    """Every URL the tablet needs with no network: each page in every shipped language."""
    urls = [url_for("respond.kiosk_offline_start")]
    for language in LANGUAGES:
        urls.append(url_for("respond.kiosk_offline_start", language=language))
        urls.extend(
            url_for("respond.kiosk_offline_page", page=page, language=language) for page in PAGES
        )
    urls.extend(url_for("static", filename=name) for name in OFFLINE_STATIC)
    for folder in ("symbols", "icons"):
        urls.extend(
            url_for("static", filename=f"{folder}/{path.name}")
            for path in sorted((STATIC / folder).glob("*.svg"))
        )
    return urls


def bundle_version(inspection: Inspection) -> str:
    """Changes when anything the tablet keeps would: the inspection, its questionnaire, the
    establishment's units and help for children, the kiosk's templates, scripts, styles,
    symbols or translations. The service worker refills
    its cache only then, not every time a child comes back to the start screen online."""
    digest = hashlib.sha256(inspection.id.encode() + inspection.public_key)
    questionnaire = questionnaire_for(inspection, AUDIENCE)
    digest.update(questionnaire.key.encode())
    establishment = inspection.establishment
    digest.update(units.fingerprint(establishment))
    help_lines = f"{establishment.advocacy_name}\0{establishment.advocacy_contact}"
    digest.update(help_lines.encode())  # the help the kiosk shows (survey_app.signposting)
    if Path(questionnaire.source).is_file():
        digest.update(Path(questionnaire.source).read_bytes())
    templates = STATIC.parent / "templates"
    translations = STATIC.parent.parent / "translations"
    files = [
        *sorted((templates / "kiosk").glob("*.html")),
        *sorted((templates / "macros").glob("*.html")),
        templates / "base.html",
        *(STATIC / name for name in OFFLINE_STATIC),
        *sorted((STATIC / "symbols").glob("*.svg")),
        *sorted(translations.glob("*/LC_MESSAGES/messages.mo")),
    ]
    for path in files:
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


@blueprint.get("/kiosk/offline/files.json")
def kiosk_offline_files():
    try:
        inspection = _inspection()
    except Refused as error:
        return _refuse(error)
    return jsonify(version=bundle_version(inspection), urls=offline_files())


@blueprint.get("/kiosk/sw.js")
def kiosk_service_worker():
    """The service worker, served from /kiosk/ so that its scope is the kiosk (and only it)."""
    response = send_file(STATIC / "kiosk-sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@blueprint.get("/kiosk/offline/")
def kiosk_offline_start():
    inspection = _enrolled_inspection()
    use_language(request.args.get("language"))
    response = make_response(
        render_template("kiosk/offline_start.html", inspection=inspection, offline=True)
    )
    # From now on a wipe on the online kiosk must not clear this tablet's storage: it holds the
    # kept pages and the sealed responses waiting to be sent (kiosk._wipe).
    response.set_cookie(
        OFFLINE_COOKIE,
        "1",
        max_age=30 * 24 * 3600,
        path="/kiosk",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Strict",
    )
    return response


@blueprint.get("/kiosk/offline/<page>")
def kiosk_offline_page(page: str):
    """A kiosk screen for the tablet to keep, in ``?language=``: no session, no answers, and
    nothing that differs from one child to the next."""
    if page not in PAGES:
        abort(404)
    inspection = _enrolled_inspection()
    use_language(request.args.get("language"))
    language = request.args.get("language") if request.args.get("language") in LANGUAGES else "en"
    start_url = url_for("respond.kiosk_offline_start")
    if page == "welcome":
        return render_template(
            "kiosk/welcome.html",
            offline=True,
            questionnaire=questionnaire_for(inspection, AUDIENCE),
            questionnaire_url=url_for(
                "respond.kiosk_offline_page", page="questionnaire", language=language
            ),
        )
    if page == "questionnaire":
        questionnaire = questionnaire_for(inspection, AUDIENCE)
        return render_template(
            "kiosk/offline_questionnaire.html",
            offline=True,
            inspection=inspection,
            questionnaire=questionnaire,
            answers={},
            errors={},
            definition=questionnaire.client_definition(),
            public_key=_b64(inspection.public_key),
            thanks_url=url_for("respond.kiosk_offline_page", page="thanks", language=language),
            not_sent=NOT_SENT,
        )
    return render_template(
        f"kiosk/{page}.html",
        offline=True,
        start_url=start_url,
        return_after=current_app.config["KIOSK_RETURN_SECONDS"],
    )
