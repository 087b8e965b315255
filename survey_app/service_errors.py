"""Kind, translated pages for every error a browser can meet, never Werkzeug's plain English ones.

* An expired or missing CSRF token: "This page has expired" (400).
* The database down or busy: "Please try again in a moment" (503). On a respondent's
  questionnaire the answers are put back into the page so nothing is lost; on every other page
  nothing that was posted is echoed back (a password, passphrase or code must never reappear).
* Every other HTTP error (400, 403, 404, 405, 410, 413, 429...) and any unexpected failure (500)
  gets a page with a plain title and what to do next, in the page's language.
"""

from __future__ import annotations

import contextlib

from flask import Flask, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from .models import db

#: Endpoints whose posted fields are a respondent's answers, kept in the outage page.
ANSWER_ENDPOINTS = frozenset({"respond.kiosk_questionnaire", "respond.staff_questionnaire"})

#: (title, what to do) for each status; anything else falls back to its class (4xx or 5xx).
PAGES = {
    400: (_l("Something was wrong with that request"), _l("Please go back and try again.")),
    403: (
        _l("You cannot open this page"),
        _l("If you think you should be able to, ask the person who gave you the link."),
    ),
    404: (_l("Page not found"), _l("Check the address, or ask the person who gave it to you.")),
    405: (_l("That cannot be done here"), _l("Please go back and try again.")),
    410: (_l("This page is no longer available"), _l("Ask the person who gave you the link.")),
    413: (
        _l("That was too much to send"),
        _l("Please make what you wrote shorter, then send it again."),
    ),
    429: (
        _l("Please wait a moment"),
        _l(
            "There have been too many tries in a short time. "
            "Please wait a few minutes, then try again."
        ),
    ),
    500: (
        _l("Sorry, something went wrong"),
        _l("Please try again in a moment. If it keeps happening, tell an inspector."),
    ),
}


def page_for(status: int) -> tuple[str, str]:
    return PAGES.get(status) or PAGES[400 if status < 500 else 500]


def render_error(status: int):
    title, advice = page_for(status)
    return render_template("errors/http.html", title=title, advice=advice), status


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return render_template("errors/expired.html"), 400

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(error):
        """The database is down or busy: a kind page, never a 500."""
        with contextlib.suppress(SQLAlchemyError):
            db.session.rollback()
        current_app.logger.warning("database unavailable: %s", type(error).__name__)
        keeps_answers = request.method == "POST" and request.endpoint in ANSWER_ENDPOINTS
        fields = list(request.form.items(multi=True)) if keeps_answers else []
        page = render_template("errors/unavailable.html", fields=fields, action=request.path)
        return page, 503, {"Retry-After": "5"}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        response = render_error(error.code)
        allowed = getattr(error, "valid_methods", None)  # MethodNotAllowed's
        if error.code == 405 and allowed:
            return (*response, {"Allow": ", ".join(allowed)})
        return response

    @app.errorhandler(InternalServerError)
    def unexpected(error: InternalServerError):
        original = getattr(error, "original_exception", None)
        if original is not None:
            current_app.logger.error("unexpected error: %s", type(original).__name__)
        return render_error(500)
