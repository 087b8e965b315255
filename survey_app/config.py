"""Settings, read from the environment with safe defaults.

Every setting has one name in the environment (``SURVEY_*`` unless a wider
convention exists, such as ``DATABASE_URL`` and ``REDIS_URL``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def load_secret_key(instance_path: str) -> str:
    """Return SURVEY_SECRET_KEY, or a random key kept in the instance folder.

    The file is created once with owner-only permissions, so sessions survive a
    restart without anyone having to invent (or hard-code) a secret.
    """
    from_env = os.environ.get("SURVEY_SECRET_KEY")
    if from_env:
        return from_env
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "survey.sqlite3")
    # Heroku-style URLs name the old driver; SQLAlchemy 2 wants psycopg 3 spelled out.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# The weakest Argon2id cost production accepts for inspection passphrases (OWASP minimum).
MINIMUM_KDF_MEMORY_KIB = 19 * 1024


class UnsafeSettings(RuntimeError):
    """Production mode refuses to start; the message is the one-line reason."""


class BadSetting(ValueError):
    """A setting the app cannot work with; the message is the one-line reason."""


#: Significance tests the evidence may use (docs/methodology.md, "One test throughout").
EVIDENCE_TESTS = ("mid-p", "fisher", "chi-square")


def _evidence_number(name: str, default: float, kind: type):
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return kind(value)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise BadSetting(f"{name} must be {what} (got {value!r})") from None


def evidence_problem(settings: dict) -> str | None:
    """Why the evidence settings cannot be used, in one line, or None."""
    test = settings.get("EVIDENCE_TEST")
    if test not in EVIDENCE_TESTS:
        return f"SURVEY_EVIDENCE_TEST must be one of {', '.join(EVIDENCE_TESTS)} (got {test!r})"
    significance = settings.get("EVIDENCE_SIGNIFICANCE")
    if (
        isinstance(significance, bool)
        or not isinstance(significance, int | float)
        or not 0 < significance < 1
    ):
        return (
            "SURVEY_EVIDENCE_SIGNIFICANCE must be a significance level between 0 and 1, "
            f"exclusive (got {significance!r})"
        )
    threshold = settings.get("DISCLOSURE_THRESHOLD")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        return (
            "SURVEY_DISCLOSURE_THRESHOLD must be a whole number of respondents, at least 1 "
            f"(got {threshold!r})"
        )
    return None


def is_production(environ=os.environ) -> bool:
    """Production mode: ``SURVEY_ENV=production`` (gunicorn.conf.py makes it the default)."""
    return environ.get("SURVEY_ENV", "development").strip().lower() == "production"


def production_problem(environ=os.environ) -> str | None:
    """The first reason these settings are unsafe to serve real respondents, or None.

    Laptop mode (docs/deployment.md) is the one place plain HTTP is allowed: the SQLite
    default on one machine with ``SURVEY_INSECURE_HTTP`` on, serving tablets on a local
    network.
    """
    database = environ.get("DATABASE_URL") or "sqlite"
    on_sqlite = database.startswith("sqlite")
    insecure_http = _flag_in(environ, "SURVEY_INSECURE_HTTP")
    public_url = environ.get("SURVEY_PUBLIC_URL", "")
    if len(environ.get("SURVEY_SECRET_KEY", "")) < 32:
        return "SURVEY_SECRET_KEY must be set to at least 32 random characters"
    if _flag_in(environ, "FLASK_DEBUG"):
        return "FLASK_DEBUG is on: the debugger runs code sent by anyone who reaches it"
    if insecure_http and not on_sqlite:
        return "SURVEY_INSECURE_HTTP is only for the laptop mode on SQLite; serve over HTTPS"
    if not public_url:
        return "SURVEY_PUBLIC_URL must be set to the address respondents use"
    if not insecure_http and not public_url.startswith("https://"):
        return "SURVEY_PUBLIC_URL must start with https:// (or use the laptop mode on SQLite)"
    if not on_sqlite and not environ.get("REDIS_URL"):
        return "REDIS_URL must be set so every server shares the same rate limits"
    if _int_in(environ, "SURVEY_KDF_MEMORY_KIB", 64 * 1024) < MINIMUM_KDF_MEMORY_KIB:
        return f"SURVEY_KDF_MEMORY_KIB must be at least {MINIMUM_KDF_MEMORY_KIB}"
    return None


def server_problem(workers: int, environ=os.environ) -> str | None:
    """Why this many server processes cannot keep the rate limits, or None."""
    if workers > 1 and not environ.get("REDIS_URL"):
        return (
            f"SURVEY_WORKERS={workers} needs REDIS_URL: without a shared store each worker "
            "would count rate limits on its own (use one worker, which has many threads)"
        )
    return None


def _flag_in(environ, name: str) -> bool:
    return (environ.get(name) or "").strip().lower() in {"1", "true", "yes", "on"}


def _int_in(environ, name: str, default: int) -> int:
    value = environ.get(name)
    try:
        return default if value in (None, "") else int(value)
    except ValueError:
        return 0


#: The least any request may send: every inspector form and a questionnaire fit well within it.
SMALLEST_BODY_LIMIT = 64 * 1024


def request_body_limit(library) -> int:
    """``MAX_CONTENT_LENGTH``: room for the largest honest questionnaire, and no more.

    ``SURVEY_MAX_REQUEST_BYTES`` may raise it; a larger body gets a kind 413 page without
    being read.
    """
    try:
        largest = library.largest_submission_bytes()
    except Exception:  # noqa: BLE001 - definitions that do not load: the base limit stands
        largest = 0
    return max(_int("SURVEY_MAX_REQUEST_BYTES", SMALLEST_BODY_LIMIT), largest + 8 * 1024)


def settings(instance_path: str) -> dict:
    """All settings as a dict for ``app.config.update``."""
    redis_url = os.environ.get("REDIS_URL")
    return {
        "SECRET_KEY": load_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        # hide_parameters: a database error in a log never shows the values it was writing.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        # Behind a load balancer: how many proxies set X-Forwarded-For/-Proto (0 = none).
        "PROXY_COUNT": _int("SURVEY_PROXY_COUNT", 0),
        # Cookies are Secure unless the operator runs the documented plain-HTTP
        # laptop mode (tablets on a local network without TLS).
        "SESSION_COOKIE_SECURE": not _flag("SURVEY_INSECURE_HTTP", False),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 4 * 60 * 60,
        "WTF_CSRF_TIME_LIMIT": 4 * 60 * 60,
        "BABEL_TRANSLATION_DIRECTORIES": str(
            Path(__file__).resolve().parent.parent / "translations"
        ),
        "QUESTIONNAIRE_DIR": os.environ.get(
            "SURVEY_QUESTIONNAIRE_DIR",
            str(Path(__file__).resolve().parent.parent / "questionnaires"),
        ),
        "PUBLIC_URL": os.environ.get("SURVEY_PUBLIC_URL", "http://127.0.0.1:5000"),
        # Memory-hard KDF for inspection passphrases (Argon2id, RFC 9106 second
        # recommended option). Recorded beside every wrapped key, so raising these
        # later never breaks an existing inspection.
        "KDF_MEMORY_KIB": _int("SURVEY_KDF_MEMORY_KIB", 64 * 1024),
        "KDF_ITERATIONS": _int("SURVEY_KDF_ITERATIONS", 3),
        "KDF_LANES": _int("SURVEY_KDF_LANES", 4),
        "PASSWORD_TIME_COST": _int("SURVEY_PASSWORD_TIME_COST", 3),
        "PASSWORD_MEMORY_KIB": _int("SURVEY_PASSWORD_MEMORY_KIB", 64 * 1024),
        "KIOSK_ENROL_MINUTES": _int("SURVEY_KIOSK_ENROL_MINUTES", 30),
        "KIOSK_RETURN_SECONDS": _int("SURVEY_KIOSK_RETURN_SECONDS", 20),
        # A kiosk asks "Are you still there?" after this long without a touch or key press,
        # then wipes the page after the countdown (WCAG 2.2.1: at least 20 seconds to answer).
        "KIOSK_IDLE_SECONDS": _int("SURVEY_KIOSK_IDLE_SECONDS", 180),
        "KIOSK_IDLE_COUNTDOWN_SECONDS": _int("SURVEY_KIOSK_IDLE_COUNTDOWN_SECONDS", 60),
        "BALLOT_HOURS": _int("SURVEY_BALLOT_HOURS", 4),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": False,
        # Several services (or test runs) may share one Redis: each keeps its own counters.
        "RATELIMIT_KEY_PREFIX": os.environ.get("SURVEY_RATELIMIT_PREFIX", "survey"),
        # Pages sent as they are made (a large sheet of staff codes) go out as they are made.
        "COMPRESS_STREAMS": False,
        "CODE_ENTRY_LIMIT": os.environ.get("SURVEY_CODE_ENTRY_LIMIT", "10 per minute;50 per hour"),
        # The inspection page warns when more codes than this were refused in an hour.
        "UNUSUAL_REFUSED_CODES_PER_HOUR": _int("SURVEY_UNUSUAL_REFUSED_CODES_PER_HOUR", 100),
        "SIGN_IN_LIMIT": os.environ.get("SURVEY_SIGN_IN_LIMIT", "10 per minute"),
        # Wrong passwords and passphrases, per account and per inspection: a wait that grows
        # (a minute, then up to an hour), never a lock that outlasts its window.
        "ACCOUNT_GUESS_LIMIT": os.environ.get(
            "SURVEY_ACCOUNT_GUESS_LIMIT", "5 per minute;20 per hour"
        ),
        "INSPECTION_GUESS_LIMIT": os.environ.get(
            "SURVEY_INSPECTION_GUESS_LIMIT", "10 per minute;40 per hour"
        ),
        # An inspector's session ends this long after signing in, or after this long unused;
        # erasing, key changes and tablet links or staff codes need the password again once
        # it was last typed longer ago than RECENT_PASSWORD_MINUTES.
        "SESSION_HOURS": _int("SURVEY_SESSION_HOURS", 8),
        "IDLE_MINUTES": _int("SURVEY_IDLE_MINUTES", 60),
        "RECENT_PASSWORD_MINUTES": _int("SURVEY_RECENT_PASSWORD_MINUTES", 10),
        # Administrators must set up two-step sign-in (a code from an authenticator app)
        # before anything else; on by default in production.
        "REQUIRE_ADMIN_TWO_FACTOR": _flag("SURVEY_REQUIRE_ADMIN_TWO_FACTOR", is_production()),
        "MINIMUM_PASSPHRASE_LENGTH": _int("SURVEY_MINIMUM_PASSPHRASE_LENGTH", 12),
        # Days after an inspection's evidence is finalised before `purge` deletes its raw
        # sealed responses (the aggregate evidence is kept).
        "RETENTION_DAYS": _int("SURVEY_RETENTION_DAYS", 180),
        # Evidence (docs/methodology.md): the significance test ("mid-p", Fisher's exact
        # mid-p, for every comparison; "fisher" or "chi-square" to reproduce other tables),
        # its two-sided level (applied after Holm's adjustment), and the disclosure
        # threshold below which breakdown cells are hidden. Checked by evidence_problem.
        "EVIDENCE_TEST": os.environ.get("SURVEY_EVIDENCE_TEST") or "mid-p",
        "EVIDENCE_SIGNIFICANCE": _evidence_number("SURVEY_EVIDENCE_SIGNIFICANCE", 0.01, float),
        "DISCLOSURE_THRESHOLD": _evidence_number("SURVEY_DISCLOSURE_THRESHOLD", 5, int),
        "SAFEGUARDING_PHRASES_DIR": os.environ.get("SURVEY_SAFEGUARDING_PHRASES_DIR") or None,
    }
