"""Inspector pages for an inspection's keys: passphrase, recovery, access, erasing.

Every secret typed here opens the key for the one request that uses it; nothing is kept
in the session or on disk. Every change, and every refused secret, is audit-logged.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import inspections, keys, retention, sealing
from ..extensions import limiter
from ..models import Inspection, Inspector, audit, db
from . import blueprint
from .authorise import guarded, recent_password, sign_in_limit, team
from .forms import ActionForm
from .key_forms import ChangePassphraseForm, EraseForm, GrantForm, RecoverForm, RecoveryKeyForm


def _grant_form(inspection: Inspection, form: GrantForm | None = None) -> GrantForm:
    form = form or GrantForm()
    form.grantee.choices = [
        (entry.inspector.id, entry.inspector.email)
        for entry in keys.who_can_unlock(inspection)
        if entry.has_personal_key and not entry.has_grant
    ]
    return form


def _page(inspection: Inspection, status: int = 200, **forms):
    context = {
        "inspection": inspection,
        "access": keys.who_can_unlock(inspection),
        "has_recovery_key": keys.has_recovery_key(inspection),
        "responses_held": retention.response_count(inspection),
        "change_form": ChangePassphraseForm(),
        "grant_form": _grant_form(inspection),
        "recovery_form": RecoveryKeyForm(),
        "erase_form": EraseForm(),
        "action_form": ActionForm(),
        "refused_form": None,
    }
    context.update(forms)
    return render_template("inspect/keys.html", **context), status


def _refused(inspection: Inspection, what: str, section: str, **forms):
    db.session.rollback()
    audit(current_user.email, "unlock-refused", inspection.id, what)
    db.session.commit()
    return _page(inspection, 403, refused_form=section, **forms)


@blueprint.get("/inspections/<inspection_id>/keys")
@team
def keys_page(inspection: Inspection):
    return _page(inspection)


@blueprint.post("/inspections/<inspection_id>/keys/passphrase")
@team
@recent_password
@limiter.limit(sign_in_limit)
@guarded
def change_passphrase(inspection: Inspection):
    form = ChangePassphraseForm()
    if not form.validate_on_submit():
        return _page(inspection, 400, change_form=form)
    try:
        unlocked = keys.change_passphrase(
            inspection, form.change_current.data, form.change_new.data, current_user
        )
    except sealing.WrongPassphrase:
        return _refused(inspection, "passphrase change", "change", change_form=form)
    audit(current_user.email, "passphrase-change", inspection.id, f"opened with {unlocked.via}")
    db.session.commit()
    flash(_("The passphrase has changed. The old one no longer opens the answers."))
    return redirect(url_for("inspect.keys_page", inspection_id=inspection.id))


@blueprint.post("/inspections/<inspection_id>/keys/grant")
@team
@recent_password
@limiter.limit(sign_in_limit)
@guarded
def grant_access(inspection: Inspection):
    form = _grant_form(inspection, GrantForm())
    if not form.validate_on_submit():
        return _page(inspection, 400, grant_form=form)
    grantee = db.session.get(Inspector, form.grantee.data)
    if grantee is None:  # pragma: no cover - the form offers only existing inspectors
        abort(400)
    try:
        keys.grant(inspection, grantee, form.grant_secret.data, current_user)
    except sealing.WrongPassphrase:
        return _refused(inspection, f"grant to {grantee.email}", "grant", grant_form=form)
    except (keys.NotAssigned, keys.NoPersonalKey):  # pragma: no cover - not offered as choices
        abort(400)
    audit(current_user.email, "key-grant", inspection.id, grantee.email)
    db.session.commit()
    flash(
        _("%(email)s can now unlock this inspection with their own password.", email=grantee.email)
    )
    return redirect(url_for("inspect.keys_page", inspection_id=inspection.id))


@blueprint.post("/inspections/<inspection_id>/keys/revoke/<inspector_id>")
@team
@recent_password
def revoke_access(inspection: Inspection, inspector_id: str):
    grantee = db.session.get(Inspector, inspector_id)
    if not ActionForm().validate_on_submit() or grantee is None:
        abort(400)
    if keys.revoke(inspection, grantee):
        audit(current_user.email, "key-revoke", inspection.id, grantee.email)
        db.session.commit()
        flash(
            _("%(email)s can no longer unlock this inspection on their own.", email=grantee.email)
        )
    return redirect(url_for("inspect.keys_page", inspection_id=inspection.id))


@blueprint.post("/inspections/<inspection_id>/keys/recovery-key")
@team
@recent_password
@limiter.limit(sign_in_limit)
@guarded
def new_recovery_key(inspection: Inspection):
    form = RecoveryKeyForm()
    if not form.validate_on_submit():
        return _page(inspection, 400, recovery_form=form)
    try:
        recovery_key = keys.replace_recovery_key(
            inspection, form.recovery_secret.data, current_user
        )
    except sealing.WrongPassphrase:
        return _refused(inspection, "new recovery key", "recovery", recovery_form=form)
    audit(current_user.email, "recovery-key-create", inspection.id)
    db.session.commit()
    return render_template(
        "inspect/recovery_key.html", inspection=inspection, recovery_key=recovery_key
    )


@blueprint.route("/inspections/<inspection_id>/recover", methods=["GET", "POST"])
@team
@limiter.limit(sign_in_limit, methods=["POST"])
@guarded
def recover(inspection: Inspection):
    form = RecoverForm()
    wrong = False
    if form.validate_on_submit():
        try:
            keys.recover(inspection, form.recovery_key.data, form.recover_new.data)
        except sealing.WrongPassphrase:
            db.session.rollback()
            audit(current_user.email, "unlock-refused", inspection.id, "recovery")
            db.session.commit()
            wrong = True
        else:
            audit(current_user.email, "passphrase-recover", inspection.id)
            db.session.commit()
            flash(_("The inspection has a new passphrase. The recovery key still works."))
            return redirect(url_for("inspect.keys_page", inspection_id=inspection.id))
    status = 403 if wrong else 400 if form.errors else 200
    return render_template(
        "inspect/recover.html",
        inspection=inspection,
        form=form,
        wrong=wrong,
        has_recovery_key=keys.has_recovery_key(inspection),
    ), status


@blueprint.post("/inspections/<inspection_id>/erase")
@team
@recent_password
def erase(inspection: Inspection):
    form = EraseForm()
    if not form.validate_on_submit():
        return _page(inspection, 400, erase_form=form)
    deleted = retention.erase(inspection)
    audit(current_user.email, "erase-responses", inspection.id, f"{deleted} sealed responses")
    db.session.commit()
    inspections.forget_arrival_order()
    flash(_("Erased %(count)d sealed responses, the staff codes and the tablets.", count=deleted))
    return redirect(url_for("inspect.keys_page", inspection_id=inspection.id))
