"""Inspector and administrator accounts, with argon2id password hashes."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import select

from .models import ROLES, Inspector, db

MINIMUM_PASSWORD_LENGTH = 12


class AccountError(ValueError):
    pass


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["PASSWORD_TIME_COST"], memory_cost=config["PASSWORD_MEMORY_KIB"]
    )


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find(email: str) -> Inspector | None:
    return db.session.scalars(
        select(Inspector).where(Inspector.email == normalise_email(email))
    ).first()


def create(email: str, password: str, role: str) -> Inspector:
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(f"{email!r} is not an email address")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MINIMUM_PASSWORD_LENGTH:
        raise AccountError(f"the password must be at least {MINIMUM_PASSWORD_LENGTH} characters")
    if find(email) is not None:
        raise AccountError(f"an account for {email} already exists")
    inspector = Inspector(email=email, password_hash=_hasher().hash(password), role=role)
    db.session.add(inspector)
    db.session.commit()
    return inspector


def authenticate(email: str, password: str) -> Inspector | None:
    """The active account these credentials open, or None. Takes as long either way."""
    hasher = _hasher()
    inspector = find(email)
    if inspector is None or not inspector.active:
        hasher.hash(password)  # spend the same effort, so timing does not reveal accounts
        return None
    try:
        hasher.verify(inspector.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if hasher.check_needs_rehash(inspector.password_hash):
        inspector.password_hash = hasher.hash(password)
        db.session.commit()
    return inspector
