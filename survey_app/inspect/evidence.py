"""Inspector evidence: the page, downloads in every format, finalising, safeguarding referrals.

Every route that opens answers unlocks for this request only (``inspections.unlock``,
the one unlock entry point) and is audit-logged, as is every download.

Opening every answer of a large inspection takes a while, so the evidence page is sent as it
is made (``long_work``): a wrong passphrase is still refused with its own status, but once
the answers unlock, the page starts at once with what is being done, says every few seconds
that it is still working, and then shows the evidence, or says honestly that the disclosure
audit refused it (nothing of the evidence is sent before the audit passes). Downloads are
one file each, which cannot start before it is made: the page's script says it is working
and when the file has arrived (static/unlock.js), and docs/deployment.md gives the proxy
timeout they need.
"""

from __future__ import annotations

import re

from flask import (
    Response,
    abort,
    flash,
    redirect,
    request,
    stream_template,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from .. import inspections, long_work, responses, sealing
from ..evidence import disclosure, render, report
from ..models import Inspection, SafeguardingReferral, audit, db
from . import blueprint
from .authorise import guarded, team, team_lead
from .forms import ActionForm, PassphraseForm
from .views import _overview

# Each download's media type. ``pdf`` is the report (everything before the appendices) and
# ``appendices.pdf`` its appendices, comments included (render.py): two files, each fast.
FORMATS = {
    "json": "application/json",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "appendices.pdf": "application/pdf",
}
_REF = re.compile(r"^[0-9a-f]{32}$")


def _unlock(inspection, what: str):
    """``(unsealer, None)``, or ``(None, response)`` when the form or the passphrase is wrong."""
    form = PassphraseForm()
    if not form.validate_on_submit():
        return None, _overview(inspection, 400, unlock_form=form)
    try:
        unsealer = inspections.unlock(
            inspection, form.passphrase.data, current_user._get_current_object()
        )
    except sealing.WrongPassphrase:
        audit(current_user.email, "unlock-refused", inspection.id, what)
        db.session.commit()
        return None, _overview(inspection, 403, unlock_form=form, wrong_passphrase=True)
    audit(current_user.email, "unlock", inspection.id, what)
    return unsealer, None


def _gate(inspection, built: dict, what: str) -> None:
    """Refuse (500, logged and audit-logged) any output the disclosure audit fails."""
    try:
        disclosure.gate(built, what)
    except disclosure.DisclosureRisk:
        audit(current_user.email, "export-refused", inspection.id, what)
        db.session.commit()
        abort(500)


def _unlocked_evidence(inspection, what: str):
    unsealer, refused = _unlock(inspection, what)
    if refused is not None:
        return None, refused
    built = report.build(inspection, unsealer)
    db.session.commit()
    return built, None


def _page_evidence(inspection_id: str, unsealer, actor: str) -> dict | None:
    """The evidence for the page if it passes the disclosure audit; ``None`` (audit-logged)
    if it does not. Runs in ``long_work``'s thread, with a database session of its own."""
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None:  # pragma: no cover - the same request found it a moment ago
        raise LookupError(f"inspection {inspection_id} is gone")
    built = report.build(inspection, unsealer)
    try:
        disclosure.gate(built, "evidence page")
    except disclosure.DisclosureRisk:
        audit(actor, "export-refused", inspection_id, "evidence page")
        db.session.commit()
        return None
    db.session.commit()
    return built


@blueprint.post("/inspections/<inspection_id>/evidence")
@team
@guarded
def evidence(inspection: Inspection):
    unsealer, refused = _unlock(inspection, "evidence page")
    if refused is not None:
        return refused
    inspection_id, actor = inspection.id, current_user.email
    establishment = inspection.establishment.name
    answers = sum(responses.counts_by_audience(inspection).values())
    db.session.commit()  # the unlock is recorded before the page starts
    work = long_work.Background(lambda: _page_evidence(inspection_id, unsealer, actor))
    page = stream_template(
        "inspect/evidence.html",
        inspection_id=inspection_id,
        establishment=establishment,
        answers=answers,
        work=work,
        download_form=PassphraseForm(),
        referral_form=current_user.is_lead,  # only a lead records referrals
    )
    # Sent as it is made, uncompressed and unbuffered (nginx honours X-Accel-Buffering).
    return Response(stream_with_context(page), headers={"X-Accel-Buffering": "no"})


def _filename(inspection, fmt: str) -> str:
    """``evidence-ID.pdf``, ``evidence-ID-appendices.pdf``, ``evidence-ID.json``..."""
    stem, _dot, extension = fmt.rpartition(".")
    return f"evidence-{inspection.id}{'-' + stem if stem else ''}.{extension}"


def _download(inspection, fmt: str) -> Response:
    built, refused = _unlocked_evidence(inspection, f"download {fmt}")
    if refused is not None:
        return refused
    _gate(inspection, built, f"{fmt} download")
    body = render.as_file(built, inspection, fmt)
    audit(current_user.email, "export", inspection.id, f"{fmt} download")
    db.session.commit()
    return Response(
        body,
        mimetype=FORMATS[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{_filename(inspection, fmt)}"',
            "Cache-Control": "no-store",
        },
    )


@blueprint.post("/inspections/<inspection_id>/evidence.<fmt>")
@team
@guarded
def evidence_download(inspection: Inspection, fmt: str):
    if fmt not in FORMATS:
        abort(404)
    return _download(inspection, fmt)


@blueprint.post("/inspections/<inspection_id>/finalise")
@team_lead
@guarded
def finalise(inspection: Inspection):
    if inspection.status != "closed":
        abort(400)
    unsealer, refused = _unlock(inspection, "finalise")
    if refused is not None:
        return refused
    try:
        stored = report.finalise(inspection, unsealer)
    except disclosure.DisclosureRisk:
        audit(current_user.email, "export-refused", inspection.id, "finalise")
        db.session.commit()
        abort(500)
    audit(current_user.email, "evidence-finalise", inspection.id, f"{stored} questions published")
    db.session.commit()
    flash(_("The evidence is final. Its whole-inspection counts are kept for future comparisons."))
    return redirect(url_for("inspect.inspection", inspection_id=inspection.id))


@blueprint.post("/inspections/<inspection_id>/referrals")
@team_lead
def record_referral(inspection: Inspection):
    ref = request.form.get("ref", "")
    if not ActionForm().validate_on_submit() or not _REF.match(ref):
        abort(400)
    if not report.names_a_comment(inspection, ref):
        audit(current_user.email, "safeguarding-referral-refused", inspection.id, f"ref {ref}")
        db.session.commit()
        abort(400)  # a made-up ref: no comment of this inspection has that name
    db.session.add(
        SafeguardingReferral(
            inspection_id=inspection.id, comment_ref=ref, referred_by=current_user.email
        )
    )
    audit(current_user.email, "safeguarding-referral", inspection.id, f"comment {ref}")
    db.session.commit()
    flash(_("Recorded: the flagged comment was passed to the safeguarding lead."))
    return redirect(url_for("inspect.inspection", inspection_id=inspection.id))
