"""Who may reach each inspector route, declared on the route itself.

Every view of the inspector blueprint carries exactly one of these decorators, and
``tests/unit/test_route_authorisation.py`` fails when one does not (the habit of GOV.UK
Notify's admin app, which checks every route for its permission decorator):

- ``public``: reachable signed out (only sign-in);
- ``signed_in``: any active, signed-in inspector;
- ``admin``: a signed-in administrator (accounts and establishments);
- ``creator``: an administrator or lead inspector (creating inspections);
- ``team``: a signed-in inspector assigned to the inspection named by ``inspection_id``;
  the view receives the ``Inspection`` itself. Anyone else gets 404, the same answer as for
  an inspection that does not exist. Administrators are no exception;
- ``team_lead``: the same, and a lead inspector (finalising, safeguarding referrals); other
  members of the team get 403;
- ``team_creator``: the same, and someone who may create inspections, a lead or an
  administrator (naming the establishment's units); other members of the team get 403.

The decorator records what it checks in ``view.authorisation`` so the test can read it.
``recent_password`` goes beneath one of them on routes that erase, change keys or let new
people in (tablet links, staff codes): the password must have been typed in the last few
minutes, or the inspector is asked for it again first.

Sessions end on sign-out everywhere (``Inspector.session_version``), a fixed time after
signing in, and after a spell unused (``end_stale_sessions``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from .. import inspections, two_factor
from ..extensions import limiter
from ..models import Inspection, Inspector, audit, db
from . import blueprint

SIGNED_IN_AT, SEEN_AT, PASSWORD_AT = "signed_in_at", "seen_at", "password_at"
AWAITING_CODE, CODE_MINUTES = "awaiting_code", 5
#: Where an administrator who must set up two-step sign-in may still go.
SETTING_UP = {"inspect.two_factor", "inspect.confirm_password", "inspect.sign_out"}

View = Callable[..., Any]


def _declare(view: View, what: str) -> View:
    view.authorisation = what  # type: ignore[attr-defined]
    return view


def public(view: View) -> View:
    return _declare(view, "public")


def signed_in(view: View) -> View:
    return _declare(login_required(view), "signed-in")


def _role(view: View, allowed: Callable[[Any], bool], what: str) -> View:
    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if not allowed(current_user):
            abort(403)
        return view(*args, **kwargs)

    return _declare(login_required(checked), what)


def admin(view: View) -> View:
    return _role(view, lambda user: user.is_admin, "admin")


def creator(view: View) -> View:
    return _role(view, lambda user: user.may_create_inspections, "creator")


def _team(view: View, what: str, allowed: Callable[[Any], bool] = lambda user: True) -> View:
    @wraps(view)
    def checked(inspection_id: str, **kwargs: Any) -> Any:
        inspection = db.session.get(Inspection, inspection_id)
        if inspection is None or not inspections.can_see(current_user, inspection):
            abort(404)  # the same answer for "no such inspection" and "not yours"
        if not allowed(current_user):
            abort(403)
        return view(inspection, **kwargs)

    return _declare(login_required(checked), what)


def team(view: View) -> View:
    return _team(view, "team")


def team_lead(view: View) -> View:
    return _team(view, "team-lead", lambda user: user.is_lead)


def team_creator(view: View) -> View:
    return _team(view, "team-creator", lambda user: user.may_create_inspections)


def recent_password(view: View) -> View:
    """The password typed in the last ``RECENT_PASSWORD_MINUTES``, or asked for again first."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if password_is_recent():
            return view(*args, **kwargs)
        flash(_("Type your password again to do that."))
        back = request.path if request.method == "GET" else page_to_return_to()
        return redirect(url_for("inspect.confirm_password", next=back))

    checked.password_again = True  # type: ignore[attr-defined]
    return checked


def complete_sign_in(inspector: Inspector) -> None:
    """Sign in (the password, and the code if they use one, were right): the clocks that end
    the session start now. Commits."""
    session.clear()
    login_user(inspector)
    moment = time.time()
    session[SIGNED_IN_AT] = session[SEEN_AT] = session[PASSWORD_AT] = moment
    audit(inspector.email, "sign-in")
    db.session.commit()


def await_code(inspector: Inspector) -> None:
    """The password was right; the code from their app is still to come (for a few minutes).
    The session holds the account and the session version, not a sign-in."""
    session[AWAITING_CODE] = {"account": inspector.get_id(), "since": time.time()}


def account_awaiting_code() -> Inspector | None:
    pending = session.get(AWAITING_CODE) or {}
    if time.time() - pending.get("since", 0) > CODE_MINUTES * 60:
        return None
    inspector_id, _dot, version = str(pending.get("account", "")).partition(".")
    inspector = db.session.get(Inspector, inspector_id)
    if inspector is None or not inspector.active or str(inspector.session_version) != version:
        return None
    return inspector


def password_typed() -> None:
    session[PASSWORD_AT] = time.time()


def password_is_recent() -> bool:
    limit = current_app.config["RECENT_PASSWORD_MINUTES"] * 60
    return time.time() - session.get(PASSWORD_AT, 0) <= limit


def page_to_return_to() -> str:
    """The inspector page the request came from, or the dashboard: never another site."""
    came_from = urlsplit(request.referrer or "")
    if came_from.netloc == request.host and came_from.path.startswith("/inspector/"):
        return came_from.path
    return url_for("inspect.dashboard")


def safe_next(target: str | None) -> str:
    if target and target.startswith("/inspector/") and "//" not in target and "\\" not in target:
        return target
    return url_for("inspect.dashboard")


@blueprint.before_request
def end_stale_sessions():
    """Sign out a session older than ``SESSION_HOURS`` or unused for ``IDLE_MINUTES``."""
    if not current_user.is_authenticated:
        return None
    moment, settings = time.time(), current_app.config
    too_old = moment - session.get(SIGNED_IN_AT, 0) > settings["SESSION_HOURS"] * 3600
    idle = moment - session.get(SEEN_AT, 0) > settings["IDLE_MINUTES"] * 60
    if too_old or idle:
        logout_user()
        session.clear()
        flash(_("You were signed out to keep the answers safe. Please sign in again."))
        return redirect(url_for("inspect.sign_in"))
    session[SEEN_AT] = moment
    if (
        two_factor.required_for(current_user)
        and current_user.totp_secret is None
        and request.endpoint not in SETTING_UP
    ):
        flash(_("Administrators must set up two-step sign-in first."))
        return redirect(url_for("inspect.two_factor"))
    return None


def _wrong_secret(response) -> bool:
    """Only a refused password or passphrase (403) counts against the guessing limits."""
    return response.status_code == 403


def _account_key() -> str:
    return "guess-account:" + str(getattr(current_user, "id", None) or request.remote_addr)


def _inspection_key() -> str:
    return "guess-inspection:" + str((request.view_args or {}).get("inspection_id", ""))


def _sign_in_account_key() -> str:
    return "guess-account-email:" + request.form.get("email", "").strip().lower()[:254]


def _awaiting_account_key() -> str:
    pending = session.get(AWAITING_CODE) or {}
    return "guess-code:" + str(pending.get("account", request.remote_addr)).partition(".")[0]


def _setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def _limit_wrong(
    view: View, setting: str, key: Callable[[], str], refused: Callable[[Any], bool]
) -> View:
    """Count the responses ``refused`` says are wrong guesses against the limit ``setting``,
    per ``key``; mark the view guarded (tests/unit/test_route_authorisation.py reads it)."""
    limited = limiter.limit(_setting(setting), key_func=key, deduct_when=refused, methods=["POST"])(
        view
    )
    limited.guarded = True  # type: ignore[attr-defined]
    return limited


def guarded(view: View) -> View:
    """Limit wrong secrets on a route that checks a passphrase or password, per account and
    per inspection (besides any per-address limit), counting only refusals: each costs one
    or two 64 MiB Argon2id derivations, so this also bounds the memory an attacker can use."""
    per_account = _limit_wrong(view, "ACCOUNT_GUESS_LIMIT", _account_key, _wrong_secret)
    return _limit_wrong(per_account, "INSPECTION_GUESS_LIMIT", _inspection_key, _wrong_secret)


def code_guarded(view: View) -> View:
    """Wrong sign-in codes for one account wait, like wrong passwords."""
    return _limit_wrong(view, "ACCOUNT_GUESS_LIMIT", _awaiting_account_key, _wrong_secret)


def sign_in_guarded(view: View) -> View:
    """Wrong passwords for one account, from any number of addresses, wait too (a refused
    sign-in is a 400)."""
    return _limit_wrong(
        view, "ACCOUNT_GUESS_LIMIT", _sign_in_account_key, lambda r: r.status_code == 400
    )


def sign_in_limit() -> str:
    """Per address, on the sign-in pages and the keys pages."""
    return current_app.config["SIGN_IN_LIMIT"]
