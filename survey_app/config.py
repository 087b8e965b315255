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
    return default if value in (None, "") else int(value)


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


def settings(instance_path: str) -> dict:
    """All settings as a dict for ``app.config.update``."""
    redis_url = os.environ.get("REDIS_URL")
    return {
        "SECRET_KEY": load_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
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
        "BALLOT_HOURS": _int("SURVEY_BALLOT_HOURS", 4),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": False,
        "CODE_ENTRY_LIMIT": os.environ.get("SURVEY_CODE_ENTRY_LIMIT", "10 per minute;50 per hour"),
        "CODE_ENTRY_INSPECTION_LIMIT": os.environ.get(
            "SURVEY_CODE_ENTRY_INSPECTION_LIMIT", "300 per hour"
        ),
        "SIGN_IN_LIMIT": os.environ.get("SURVEY_SIGN_IN_LIMIT", "10 per minute"),
        "MINIMUM_PASSPHRASE_LENGTH": _int("SURVEY_MINIMUM_PASSPHRASE_LENGTH", 12),
    }
