"""Inspector pages. Every route but sign-in requires a signed-in inspector."""

from __future__ import annotations

import json

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from .. import access, accounts, inspections, responses, sealing
from ..evidence import report
from ..extensions import limiter, login_manager
from ..models import Establishment, Inspection, Inspector, Kiosk, StaffCode, audit, db
from . import blueprint
from .forms import (
    ActionForm,
    EstablishmentForm,
    NewInspectionForm,
    PassphraseForm,
    SignInForm,
    StaffCodesForm,
)


@login_manager.user_loader
def load_inspector(inspector_id: str) -> Inspector | None:
    inspector = db.session.get(Inspector, inspector_id)
    return inspector if inspector is not None and inspector.active else None


@blueprint.before_request
def refuse_kiosks():
    """A tablet enrolled as a children's kiosk never reaches inspector pages."""
    if request.cookies.get(access.KIOSK_COOKIE):
        abort(Response(render_template("kiosk/no_inspector_pages.html"), 403))


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_LIMIT"]


@blueprint.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def sign_in():
    form = SignInForm()
    failed = False
    if form.validate_on_submit():
        inspector = accounts.authenticate(form.email.data, form.password.data)
        if inspector is not None:
            session.clear()
            login_user(inspector)
            audit(inspector.email, "sign-in")
            db.session.commit()
            return redirect(url_for("inspect.dashboard"))
        failed = True
    status = 400 if request.method == "POST" else 200
    return render_template("inspect/sign_in.html", form=form, failed=failed), status


@blueprint.post("/sign-out")
@login_required
def sign_out():
    form = ActionForm()
    if form.validate_on_submit():
        logout_user()
        session.clear()
    return redirect(url_for("inspect.sign_in"))


@blueprint.get("/")
@login_required
def dashboard():
    visible = inspections.visible_inspections(current_user)
    counts = {inspection.id: responses.counts(inspection) for inspection in visible}
    return render_template("inspect/dashboard.html", inspections=visible, counts=counts)


@blueprint.route("/establishments", methods=["GET", "POST"])
@login_required
def establishments():
    if not current_user.is_admin:
        abort(403)
    form = EstablishmentForm()
    if form.validate_on_submit():
        establishment = Establishment(name=form.name.data.strip(), type=form.type.data)
        db.session.add(establishment)
        audit(current_user.email, "establishment-create", detail=establishment.name)
        db.session.commit()
        flash(_("Establishment added."))
        return redirect(url_for("inspect.establishments"))
    listed = db.session.scalars(select(Establishment).order_by(Establishment.name)).all()
    status = 400 if form.errors else 200
    return render_template("inspect/establishments.html", form=form, establishments=listed), status


@blueprint.route("/inspections/new", methods=["GET", "POST"])
@login_required
def new_inspection():
    form = NewInspectionForm()
    listed = db.session.scalars(select(Establishment).order_by(Establishment.name)).all()
    form.establishment.choices = [(e.id, e.name) for e in listed]
    if form.validate_on_submit():
        establishment = db.session.get(Establishment, form.establishment.data)
        inspection = inspections.create_inspection(
            establishment, form.kind.data, form.passphrase.data, [current_user]
        )
        audit(current_user.email, "inspection-create", inspection.id)
        db.session.commit()
        flash(_("Inspection created. Keep the passphrase safe: only it opens the answers."))
        return redirect(url_for("inspect.inspection", inspection_id=inspection.id))
    status = 400 if form.errors else 200
    return render_template("inspect/new_inspection.html", form=form, establishments=listed), status


def _visible(inspection_id: str) -> Inspection:
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None or not inspections.can_see(current_user, inspection):
        abort(404)  # the same answer for "no such inspection" and "not yours"
    return inspection


def _overview(inspection: Inspection, status: int = 200, **extra):
    active_kiosks = db.session.scalar(
        select(db.func.count()).where(
            Kiosk.inspection_id == inspection.id, Kiosk.revoked.is_(False)
        )
    )
    codes = dict(
        db.session.execute(
            select(StaffCode.spent, db.func.count())
            .where(StaffCode.inspection_id == inspection.id)
            .group_by(StaffCode.spent)
        ).all()
    )
    context = {
        "inspection": inspection,
        "by_audience": responses.counts_by_audience(inspection),
        "active_kiosks": active_kiosks,
        "codes_issued": codes.get(True, 0) + codes.get(False, 0),
        "codes_used": codes.get(True, 0),
        "action_form": ActionForm(),
        "codes_form": StaffCodesForm(),
        "unlock_form": PassphraseForm(),
        "staff_url": staff_url(inspection),
    }
    context.update(extra)
    return render_template("inspect/inspection.html", **context), status


def staff_url(inspection: Inspection) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for(
        "respond.staff_start", inspection_id=inspection.id
    )


def kiosk_url(token: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for(
        "respond.kiosk_enrol", token=token
    )


@blueprint.get("/inspections/<inspection_id>")
@login_required
def inspection(inspection_id: str):
    return _overview(_visible(inspection_id))


@blueprint.post("/inspections/<inspection_id>/kiosk")
@login_required
def enrol_kiosk(inspection_id: str):
    inspection = _visible(inspection_id)
    if not ActionForm().validate_on_submit() or not inspection.is_open:
        abort(400)
    token = access.create_kiosk_invitation(inspection)
    audit(current_user.email, "kiosk-invite", inspection.id)
    db.session.commit()
    return render_template(
        "inspect/kiosk_link.html",
        inspection=inspection,
        link=kiosk_url(token),
        minutes=current_app.config["KIOSK_ENROL_MINUTES"],
    )


@blueprint.post("/inspections/<inspection_id>/kiosks/revoke")
@login_required
def revoke_kiosks(inspection_id: str):
    inspection = _visible(inspection_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    revoked = access.revoke_kiosks(inspection)
    audit(current_user.email, "kiosk-revoke", inspection.id, f"{revoked} tablets")
    db.session.commit()
    flash(_("%(count)d tablets will no longer show the questionnaire.", count=revoked))
    return redirect(url_for("inspect.inspection", inspection_id=inspection.id))


@blueprint.post("/inspections/<inspection_id>/staff-codes")
@login_required
def staff_codes(inspection_id: str):
    inspection = _visible(inspection_id)
    form = StaffCodesForm()
    if not inspection.is_open:
        abort(400)
    if not form.validate_on_submit():
        return _overview(inspection, 400, codes_form=form)
    codes = access.create_staff_codes(inspection, form.count.data)
    audit(current_user.email, "staff-codes", inspection.id, f"{len(codes)} codes")
    db.session.commit()
    return render_template(
        "inspect/staff_codes.html", inspection=inspection, codes=codes, url=staff_url(inspection)
    )


@blueprint.post("/inspections/<inspection_id>/close")
@login_required
def close(inspection_id: str):
    inspection = _visible(inspection_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if inspection.is_open:
        inspections.close_inspection(inspection)
        access.revoke_kiosks(inspection)
        audit(current_user.email, "inspection-close", inspection.id)
        db.session.commit()
        flash(_("The inspection is closed: tablets and staff codes no longer work."))
    return redirect(url_for("inspect.inspection", inspection_id=inspection.id))


def _unlocked_evidence(inspection: Inspection, what: str):
    """Unlock for this request only and build the evidence; the key never outlives it."""
    form = PassphraseForm()
    if not form.validate_on_submit():
        return None, _overview(inspection, 400, unlock_form=form)
    try:
        unsealer = inspections.unlock(inspection, form.passphrase.data)
    except sealing.WrongPassphrase:
        audit(current_user.email, "unlock-refused", inspection.id, what)
        db.session.commit()
        return None, _overview(inspection, 403, unlock_form=form, wrong_passphrase=True)
    evidence = report.build(inspection, unsealer)
    audit(current_user.email, "unlock", inspection.id, what)
    db.session.commit()
    return evidence, None


@blueprint.post("/inspections/<inspection_id>/evidence")
@login_required
def evidence(inspection_id: str):
    inspection = _visible(inspection_id)
    built, refused = _unlocked_evidence(inspection, "evidence page")
    if refused is not None:
        return refused
    return render_template(
        "inspect/evidence.html",
        inspection=inspection,
        evidence=built,
        download_form=PassphraseForm(),
    )


@blueprint.post("/inspections/<inspection_id>/evidence.json")
@login_required
def evidence_json(inspection_id: str):
    inspection = _visible(inspection_id)
    built, refused = _unlocked_evidence(inspection, "download json")
    if refused is not None:
        return refused
    body = json.dumps(built, ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="evidence-{inspection.id}.json"'},
    )
