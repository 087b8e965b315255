"""Application factory: settings, extensions, blueprints and security headers."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from flask import Flask, g, has_request_context, render_template, request, session
from flask_babel import Babel
from flask_compress import Compress
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config
from .extensions import limiter, login_manager
from .languages import LANGUAGES, plural_templates, text_direction
from .models import db
from .questionnaire import BrokenLibrary, DefinitionError, Library
from .service_errors import register_error_pages

csrf = CSRFProtect()
babel = Babel()
compress = Compress()  # questionnaire pages: ~120 KB of HTML, ~10 KB sent
migrate = Migrate()

HSTS_SECONDS = 365 * 24 * 3600
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "manifest-src 'self'",
    ]
)


def select_locale() -> str:
    # Outside a request (the command line) there is no session: English unless g says.
    language = g.get("language") or (session.get("language") if has_request_context() else None)
    return language if language in LANGUAGES else "en"


def create_app(overrides: dict | None = None, instance_path: str | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(config.settings(app.instance_path))
    if overrides:
        app.config.update(overrides)
    problem = config.evidence_problem(app.config)
    if problem:
        raise config.BadSetting(problem)
    if config.is_production():
        reason = config.production_problem() or ("debug is on" if app.debug else None)
        if reason:
            raise config.UnsafeSettings(reason)
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        proxied = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
        app.wsgi_app = proxied  # type: ignore[method-assign]

    db.init_app(app)
    _tune_sqlite(app)

    @app.teardown_appcontext
    def end_session_even_if_the_database_is_gone(error):
        """Runs before Flask-SQLAlchemy's own teardown (Flask calls them in reverse order).

        If the database went away mid-request, the rollback that ends the session fails;
        drop the dead connection instead of letting a traceback reach the server.
        """
        try:
            db.session.remove()
        except SQLAlchemyError as lost:
            app.logger.warning("database connection lost: %s", type(lost).__name__)
            with contextlib.suppress(SQLAlchemyError):
                db.session().invalidate()
            db.session.registry.clear()

    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).resolve().parent.parent / "migrations"),
        render_as_batch=True,
    )
    csrf.init_app(app)
    compress.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    from .evidence import labels

    labels.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    library: Library | BrokenLibrary
    try:
        library = Library.from_directory(app.config["QUESTIONNAIRE_DIR"])
    except DefinitionError as error:
        # Keep the command line usable (``questionnaires check`` says what to fix); /health
        # reports the service unable to serve respondents.
        app.logger.error("questionnaire definitions do not load:\n%s", error)
        library = BrokenLibrary(error)
    app.extensions["questionnaires"] = library
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = config.request_body_limit(library)

    from .cli import register_commands
    from .inspect import blueprint as inspect_blueprint
    from .respond import blueprint as respond_blueprint

    app.register_blueprint(respond_blueprint)
    app.register_blueprint(inspect_blueprint)
    register_commands(app)
    _quiet_request_logging()

    @app.context_processor
    def page_language():
        code = select_locale()
        return {"page_lang": code, "page_dir": text_direction(code), "languages": LANGUAGES}

    from . import questionnaire_text

    app.jinja_env.globals["qt"] = questionnaire_text.text
    app.jinja_env.globals["qa"] = questionnaire_text.answer
    app.jinja_env.globals["plural_templates"] = plural_templates

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        # Same-origin requests carry a Referer (Flask-WTF's CSRF check needs one over HTTPS);
        # nothing is ever sent to another site.
        headers["Referrer-Policy"] = "same-origin"
        if request.is_secure:
            headers["Strict-Transport-Security"] = f"max-age={HSTS_SECONDS}"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Cross-Origin-Resource-Policy"] = "same-origin"
        headers["Permissions-Policy"] = (
            "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        )
        if not request.path.startswith("/static/"):
            # Nothing a respondent or inspector sees may linger in a shared cache or tablet.
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        clear = getattr(g, "clear_site_data", False)
        if clear:
            headers["Clear-Site-Data"] = '"cache"' if clear == "cache" else '"cache", "storage"'
        return response

    register_error_pages(app)

    @app.get("/")
    def home():
        return render_template("home.html")

    @app.get("/health")
    def health():
        """200 only when the service can answer a respondent: every dependency is checked."""
        checks = health_checks(app)
        healthy = all(checks.values())
        if not healthy:
            failing = ", ".join(name for name, ok in checks.items() if not ok)
            app.logger.warning("health check: not ready (%s)", failing)
        body = {"status": "ok" if healthy else "unavailable", "checks": checks}
        return body, 200 if healthy else 503

    return app


def health_checks(app: Flask) -> dict[str, bool]:
    """What a respondent's request needs: the database, the questionnaires, the limit store."""
    checks = {}
    try:
        db.session.execute(db.text("SELECT 1"))
        checks["database"] = True
    except SQLAlchemyError:
        db.session.rollback()
        checks["database"] = False
    library = app.extensions["questionnaires"]
    checks["questionnaires"] = not isinstance(library, BrokenLibrary) and library.serves_everyone()
    try:
        checks["rate_limits"] = bool(limiter.storage.check())
    except Exception:  # noqa: BLE001 - any failure of the store means limits cannot be kept
        checks["rate_limits"] = False
    return checks


def _sqlite_pragmas(connection, record) -> None:
    """WAL lets readers and one writer work at once; FULL makes every commit survive power loss."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _tune_sqlite(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "connect", _owner_only(Path(database)))


def _owner_only(database: Path):
    """SQLite makes its files with the umask (often 0644): once a connection has them, they
    are the owner's alone (0600), the database, its write-ahead log and its index alike."""

    def restrict(connection, record) -> None:
        for path in (database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))):
            with contextlib.suppress(FileNotFoundError, PermissionError):
                if path.stat().st_mode & 0o077:
                    path.chmod(0o600)

    return restrict


def _quiet_request_logging() -> None:
    """Werkzeug's development access log prints client addresses; keep it to errors."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # Flask-Limiter names the client's address when a limit is hit (at INFO): never log it.
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)
