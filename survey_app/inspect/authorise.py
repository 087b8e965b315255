"""Who may reach each inspector route, declared on the route itself.

Every view of the inspector blueprint carries exactly one of these decorators, and
``tests/unit/test_route_authorisation.py`` fails when one does not (the habit of GOV.UK
Notify's admin app, which checks every route for its permission decorator):

- ``public``: reachable signed out (only sign-in);
- ``signed_in``: any active, signed-in inspector;
- ``admin``: a signed-in administrator (accounts and establishments);
- ``team``: a signed-in inspector assigned to the inspection named by ``inspection_id``;
  the view receives the ``Inspection`` itself. Anyone else gets 404, the same answer as for
  an inspection that does not exist.

The decorator records what it checks in ``view.authorisation`` so the test can read it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

from .. import inspections
from ..models import Inspection, db

View = Callable[..., Any]


def _declare(view: View, what: str) -> View:
    view.authorisation = what  # type: ignore[attr-defined]
    return view


def public(view: View) -> View:
    return _declare(view, "public")


def signed_in(view: View) -> View:
    return _declare(login_required(view), "signed-in")


def admin(view: View) -> View:
    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return _declare(login_required(checked), "admin")


def team(view: View) -> View:
    @wraps(view)
    def checked(inspection_id: str, **kwargs: Any) -> Any:
        inspection = db.session.get(Inspection, inspection_id)
        if inspection is None or not inspections.can_see(current_user, inspection):
            abort(404)  # the same answer for "no such inspection" and "not yours"
        return view(inspection, **kwargs)

    return _declare(login_required(checked), "team")
