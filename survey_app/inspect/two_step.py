"""Two-step sign-in: the code page after the password, and setting it up or turning it off."""

from __future__ import annotations

import base64
import binascii

from flask import flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import two_factor
from ..extensions import limiter
from ..models import audit, db
from . import authorise, blueprint
from .authorise import code_guarded, public, recent_password, signed_in
from .forms import ActionForm, CodeForm

SETUP_KEY = "two_factor_setup"  # where the session keeps the secret being set up


@blueprint.route("/sign-in/code", methods=["GET", "POST"])
@public
@limiter.limit(authorise.sign_in_limit, methods=["POST"])
@code_guarded
def sign_in_code():
    inspector = authorise.account_awaiting_code()
    if inspector is None:
        flash(_("Please sign in again."))
        return redirect(url_for("inspect.sign_in"))
    form = CodeForm()
    wrong = False
    if form.validate_on_submit():
        if two_factor.check(inspector, form.code.data):
            authorise.complete_sign_in(inspector)
            return redirect(url_for("inspect.dashboard"))
        audit(inspector.email, "sign-in-code-refused")
        db.session.commit()
        wrong = True
    status = 403 if wrong else 400 if form.errors else 200
    return render_template("inspect/sign_in_code.html", form=form, wrong=wrong), status


def _setup_secret() -> bytes:
    """The secret being set up, kept in the session until a code from it is shown."""
    try:
        return base64.b64decode(session[SETUP_KEY], validate=True)
    except (KeyError, binascii.Error):
        secret = two_factor.new_secret()
        session[SETUP_KEY] = base64.b64encode(secret).decode()
        return secret


@blueprint.route("/two-factor", methods=["GET", "POST"], endpoint="two_factor")
@signed_in
@recent_password
def two_factor_page():
    """Set up two-step sign-in (or see that it is on, and turn it off)."""
    form = CodeForm()
    wrong = False
    if current_user.totp_secret is None:
        secret = _setup_secret()
        if form.validate_on_submit():
            if two_factor.turn_on(current_user, secret, form.code.data):
                session.pop(SETUP_KEY, None)
                audit(current_user.email, "two-factor-on")
                db.session.commit()
                flash(_("Two-step sign-in is on. You will be asked for a code each time."))
                return redirect(url_for("inspect.dashboard"))
            wrong = True
        uri = two_factor.provisioning_uri(current_user.email, secret)
        context = {"qr": two_factor.qr_svg(uri), "secret": two_factor.secret_text(secret)}
    else:
        context = {}
    status = 403 if wrong else 400 if form.errors else 200
    page = render_template(
        "inspect/two_factor.html",
        form=form,
        wrong=wrong,
        off_form=ActionForm(),
        required=two_factor.required_for(current_user),
        **context,
    )
    return page, status


@blueprint.post("/two-factor/off")
@signed_in
@recent_password
def two_factor_off():
    if not ActionForm().validate_on_submit() or two_factor.required_for(current_user):
        flash(_("Administrators must keep two-step sign-in on."))
        return redirect(url_for("inspect.two_factor"))
    two_factor.turn_off(current_user)
    audit(current_user.email, "two-factor-off")
    db.session.commit()
    flash(_("Two-step sign-in is off."))
    return redirect(url_for("inspect.dashboard"))
