"""Inspector pages. Every route but sign-in requires a signed-in inspector."""

from __future__ import annotations

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
from flask_login import current_user, logout_user
from sqlalchemy import select

from .. import access, accounts, code_sheets, inspections, keys, links, responses
from ..evidence import labels, published
from ..extensions import limiter, login_manager
from ..models import Establishment, Inspection, Inspector, Kiosk, audit, db
from . import authorise, blueprint
from .authorise import (
    admin,
    creator,
    public,
    recent_password,
    sign_in_guarded,
    signed_in,
    team,
)
from .forms import (
    ESTABLISHMENT_TYPE_NAMES,
    ActionForm,
    BaselineForm,
    ConfirmPasswordForm,
    EstablishmentForm,
    PassphraseForm,
    SignInForm,
    StaffCodesForm,
)
from .key_forms import NewInspectionWithRecoveryForm


@login_manager.user_loader
def load_inspector(session_id: str) -> Inspector | None:
    """The account of a session that has not been ended by signing out (``get_id``)."""
    inspector_id, _dot, version = session_id.partition(".")
    inspector = db.session.get(Inspector, inspector_id)
    if inspector is None or not inspector.active or version != str(inspector.session_version):
        return None
    return inspector


@blueprint.before_request
def refuse_kiosks():
    """A tablet enrolled as a children's kiosk never reaches inspector pages."""
    if request.cookies.get(access.KIOSK_COOKIE):
        abort(Response(render_template("kiosk/no_inspector_pages.html"), 403))


@blueprint.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(authorise.sign_in_limit, methods=["POST"])
@sign_in_guarded
def sign_in():
    form = SignInForm()
    failed = False
    if form.validate_on_submit():
        inspector = accounts.authenticate(form.email.data, form.password.data)
        if inspector is not None:
            session.clear()
            if done := keys.personal_key_after_sign_in(inspector, form.password.data):
                audit(inspector.email, done)
            if inspector.totp_secret is not None:  # the second step: a code from their app
                authorise.await_code(inspector)
                db.session.commit()
                return redirect(url_for("inspect.sign_in_code"))
            authorise.complete_sign_in(inspector)
            return redirect(url_for("inspect.dashboard"))
        failed = True
        # The address typed is recorded only when it names an account: a password typed
        # into the email field by mistake never reaches the log.
        known = accounts.find(form.email.data)
        audit(known.email if known else "(no such account)", "sign-in-refused")
        db.session.commit()
    status = 400 if request.method == "POST" else 200
    return render_template("inspect/sign_in.html", form=form, failed=failed), status


@blueprint.post("/sign-out")
@signed_in
def sign_out():
    form = ActionForm()
    if form.validate_on_submit():
        current_user.session_version += 1  # every copy of every session cookie stops working
        audit(current_user.email, "sign-out")
        db.session.commit()
        logout_user()
        session.clear()
    return redirect(url_for("inspect.sign_in"))


@blueprint.route("/confirm-password", methods=["GET", "POST"])
@signed_in
@limiter.limit(authorise.sign_in_limit, methods=["POST"])
@limiter.limit(authorise.sign_in_limit, methods=["POST"], key_func=lambda: current_user.id)
def confirm_password():
    """Asked before erasing, key changes and letting new people in, when the password was
    last typed more than a few minutes ago."""
    form = ConfirmPasswordForm()
    back = authorise.safe_next(request.values.get("next"))
    wrong = False
    if form.validate_on_submit():
        if accounts.authenticate(current_user.email, form.password.data) is not None:
            authorise.password_typed()
            audit(current_user.email, "password-confirmed")
            db.session.commit()
            flash(_("Thank you. Now do it again: the password will not be asked for a while."))
            return redirect(back)
        audit(current_user.email, "password-refused")
        db.session.commit()
        wrong = True
    status = 403 if wrong else 400 if form.errors else 200
    minutes = current_app.config["RECENT_PASSWORD_MINUTES"]
    page = render_template(
        "inspect/confirm_password.html", form=form, back=back, wrong=wrong, minutes=minutes
    )
    return page, status


@blueprint.get("/")
@signed_in
def dashboard():
    visible = inspections.visible_inspections(current_user)
    counts = {inspection.id: responses.counts(inspection) for inspection in visible}
    return render_template("inspect/dashboard.html", inspections=visible, counts=counts)


@blueprint.route("/establishments", methods=["GET", "POST"])
@admin
def establishments():
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
    page = render_template(
        "inspect/establishments.html",
        form=form,
        establishments=listed,
        type_names=ESTABLISHMENT_TYPE_NAMES,
    )
    return page, status


@blueprint.route("/inspections/new", methods=["GET", "POST"])
@creator
def new_inspection():
    form = NewInspectionWithRecoveryForm()
    listed = db.session.scalars(select(Establishment).order_by(Establishment.name)).all()
    form.establishment.choices = [(e.id, e.name) for e in listed]
    if form.validate_on_submit():
        establishment = db.session.get(Establishment, form.establishment.data)
        if establishment is None:  # pragma: no cover - the form offers only existing ones
            abort(400)
        inspection, recovery_key = inspections.create_inspection_with_recovery_key(
            establishment,
            form.kind.data,
            form.passphrase.data,
            [current_user],
            recovery=form.recovery.data,
        )
        detail = "with a recovery key" if recovery_key else ""
        audit(current_user.email, "inspection-create", inspection.id, detail)
        db.session.commit()
        if recovery_key:
            return render_template(
                "inspect/recovery_key.html",
                inspection=inspection,
                recovery_key=recovery_key,
                created=True,
            )
        flash(_("Inspection created. Keep the passphrase safe: only it opens the answers."))
        return redirect(url_for("inspect.inspection", inspection_id=inspection.id))
    status = 400 if form.errors else 200
    return render_template("inspect/new_inspection.html", form=form, establishments=listed), status


def _overview(inspection: Inspection, status: int = 200, **extra):
    active_kiosks = db.session.scalar(
        select(db.func.count()).where(
            Kiosk.inspection_id == inspection.id, Kiosk.revoked.is_(False)
        )
    )
    # Per tablet, how many sealed responses it last said it holds (offline tablets): counts only.
    tablets_waiting = db.session.scalars(
        select(Kiosk.waiting)
        .where(
            Kiosk.inspection_id == inspection.id,
            Kiosk.revoked.is_(False),
            Kiosk.waiting.is_not(None),
        )
        .order_by(Kiosk.id)
    ).all()
    refused_codes, refused_since = access.refused_codes_recently(inspection.id)
    context = {
        "tablets_waiting": tablets_waiting,
        "refused_codes": refused_codes,
        "refused_since": refused_since,
        "inspection": inspection,
        "by_audience": responses.counts_by_audience(inspection),
        "active_kiosks": active_kiosks,
        "codes_issued": inspection.staff_codes_issued,
        "codes_used": inspection.staff_codes_issued - access.unspent_staff_codes(inspection),
        "unusual_refused": current_app.config["UNUSUAL_REFUSED_CODES_PER_HOUR"],
        "action_form": ActionForm(),
        "codes_form": StaffCodesForm(),
        "unlock_form": PassphraseForm(),
        "baseline_form": _baseline_form(inspection),
        "staff_url": links.staff(inspection),
    }
    context.update(extra)
    return render_template("inspect/inspection.html", **context), status


AUTOMATIC, NO_PREVIOUS = "automatic", "none"


def _baseline_form(inspection: Inspection, form: BaselineForm | None = None) -> BaselineForm:
    form = form or BaselineForm()
    eligible = published.eligible_previous(inspection)
    latest = (
        _("the latest (opened %(date)s)", date=labels.date(eligible[0].opened_on))
        if eligible
        else _("the latest, when there is one")
    )
    form.previous.choices = [
        (AUTOMATIC, latest),
        *[
            (
                e.id,
                _(
                    "opened %(opened)s, finalised %(finalised)s",
                    opened=labels.date(e.opened_on),
                    finalised=labels.date(e.finalised_on) if e.finalised_on else "?",
                ),
            )
            for e in eligible
        ],
        (NO_PREVIOUS, _("none: do not compare with an earlier inspection")),
    ]
    if form.previous.data is None:
        form.previous.data = (
            AUTOMATIC if not inspection.previous_chosen else inspection.previous_id or NO_PREVIOUS
        )
    return form


@blueprint.post("/inspections/<inspection_id>/baseline")
@team
def baseline(inspection: Inspection):
    """The team chooses the previous inspection, among those finalised before this opened."""
    form = _baseline_form(inspection, BaselineForm())
    if not form.validate_on_submit():
        return _overview(inspection, 400, baseline_form=form)
    choice = form.previous.data
    inspection.previous_chosen = choice != AUTOMATIC
    inspection.previous_id = None if choice in (AUTOMATIC, NO_PREVIOUS) else choice
    audit(current_user.email, "baseline-choose", inspection.id, choice)
    db.session.commit()
    flash(_("The evidence will compare with the inspection you chose."))
    return redirect(url_for("inspect.inspection", inspection_id=inspection.id))


@blueprint.get("/inspections/<inspection_id>")
@team
def inspection(inspection: Inspection):
    return _overview(inspection)


@blueprint.post("/inspections/<inspection_id>/kiosk")
@team
@recent_password
def enrol_kiosk(inspection: Inspection):
    if not ActionForm().validate_on_submit() or not inspection.is_open:
        abort(400)
    token = access.create_kiosk_invitation(inspection)
    audit(current_user.email, "kiosk-invite", inspection.id)
    db.session.commit()
    return render_template(
        "inspect/kiosk_link.html",
        inspection=inspection,
        link=links.kiosk_enrol(token),
        minutes=current_app.config["KIOSK_ENROL_MINUTES"],
    )


@blueprint.post("/inspections/<inspection_id>/kiosks/revoke")
@team
def revoke_kiosks(inspection: Inspection):
    if not ActionForm().validate_on_submit():
        abort(400)
    revoked = access.revoke_kiosks(inspection)
    audit(current_user.email, "kiosk-revoke", inspection.id, f"{revoked} tablets")
    db.session.commit()
    flash(_("%(count)d tablets will no longer show the questionnaire.", count=revoked))
    return redirect(url_for("inspect.inspection", inspection_id=inspection.id))


@blueprint.post("/inspections/<inspection_id>/staff-codes")
@team
@recent_password
def staff_codes(inspection: Inspection):
    form = StaffCodesForm()
    if not inspection.is_open:
        abort(400)
    if not form.validate_on_submit():
        return _overview(inspection, 400, codes_form=form)
    count, code_in_qr = form.count.data, request.form.get("code_in_qr") == "yes"
    inspection_id, actor, url = inspection.id, current_user.email, links.staff(inspection)
    establishment = inspection.establishment.name

    def make_sheet() -> code_sheets.CodeSheet:
        """The codes, uncommitted: they are kept only once their sheet exists."""
        here = db.session.get(Inspection, inspection_id)
        if here is None:  # pragma: no cover - the same request found it a moment ago
            raise LookupError(f"inspection {inspection_id} is gone")
        codes = access.create_staff_codes(here, count, commit=False)
        audit(actor, "staff-codes", inspection_id, f"{len(codes)} codes")
        return code_sheets.CodeSheet(url, tuple(codes), code_in_qr, establishment)

    # The plain codes live only in this request: the page and its PDF are both made now,
    # before the codes are committed, so a failure leaves no codes that nobody has seen.
    if request.form.get("output") == "pdf" and count <= code_sheets.SLIPS_PER_CHUNK:
        pdf = code_sheets.render_pdf(make_sheet())  # a second or two: straight to a file
        db.session.commit()
        disposition = {"Content-Disposition": f"attachment; filename={code_sheets.PDF_NAME}"}
        return Response(pdf, mimetype="application/pdf", headers=disposition)
    return code_sheets.stream_page(
        inspection_id, establishment, make_sheet, count, commit=db.session.commit
    )


@blueprint.post("/inspections/<inspection_id>/close")
@team
def close(inspection: Inspection):
    if not ActionForm().validate_on_submit():
        abort(400)
    if inspection.is_open:
        inspections.close_inspection(inspection, current_user.email)
        flash(_("The inspection is closed: tablets and staff codes no longer work."))
    return redirect(url_for("inspect.inspection", inspection_id=inspection.id))
