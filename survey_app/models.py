"""Database models.

Respondent-side tables (``sealed_response``, ``staff_code``, ``spent_ballot``)
hold no timestamp finer than a day, no client detail and no id they share with
one another. Their primary keys are random, and on SQLite they are ``WITHOUT
ROWID`` tables, so rows are kept in key order rather than arrival order.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, cast

from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CursorResult,
    Date,
    DateTime,
    Executable,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
# The type checker sees the declarative base itself: ``db.Model`` is made at run time.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model

#: admin: accounts and establishments (not other teams' inspections); lead: a lead inspector,
#: who may also create inspections, finalise evidence and record safeguarding referrals.
ROLES = ("admin", "lead", "inspector")
ESTABLISHMENT_TYPES = ("stc", "yoi", "sch")
INSPECTION_KINDS = ("full", "assurance")
INSPECTION_STATUSES = ("open", "closed", "finalised")
_UNORDERED = {"sqlite_with_rowid": False}


def random_id() -> str:
    return uuid.uuid4().hex


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Inspector(UserMixin, Model):
    __tablename__ = "inspector"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="inspector")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Part of every session's user id: raising it (on sign-out) ends every session at once.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Two-step sign-in (survey_app.two_factor): the sealed TOTP secret, and the last time
    #: step a code was accepted for (so no code works twice).
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    inspections: Mapped[list[Inspection]] = relationship(
        secondary="inspection_inspector", back_populates="inspectors"
    )

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_lead(self) -> bool:
        return self.role == "lead"

    @property
    def may_create_inspections(self) -> bool:
        return self.role in ("admin", "lead")

    def get_id(self) -> str:
        """What the session keeps: the account and its session version."""
        return f"{self.id}.{self.session_version}"


class Establishment(Model):
    __tablename__ = "establishment"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(8))
    # Shown to children in the kiosk's help (survey_app/signposting.py); null: the default.
    advocacy_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    advocacy_contact: Mapped[str | None] = mapped_column(String(300), nullable=True)

    inspections: Mapped[list[Inspection]] = relationship(back_populates="establishment")
    units: Mapped[list[Unit]] = relationship(
        back_populates="establishment", order_by="Unit.name", cascade="all, delete-orphan"
    )


class Unit(Model):
    """A unit of an establishment (a house, a wing), named by an inspector as the children
    know it. Its id is what a child's answer to the unit question holds, sealed: renaming
    keeps it, and a retired unit is no longer offered but still names old answers."""

    __tablename__ = "unit"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    establishment_id: Mapped[str] = mapped_column(ForeignKey("establishment.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    establishment: Mapped[Establishment] = relationship(back_populates="units")


class InspectionInspector(Model):
    __tablename__ = "inspection_inspector"

    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspection.id"), primary_key=True)
    inspector_id: Mapped[str] = mapped_column(ForeignKey("inspector.id"), primary_key=True)


class Inspection(Model):
    __tablename__ = "inspection"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    establishment_id: Mapped[str] = mapped_column(ForeignKey("establishment.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open")
    opened_on: Mapped[dt.date] = mapped_column(Date, default=today)
    closed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    finalised_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    # How many staff codes were made; spent codes are deleted (see survey_app.access).
    staff_codes_issued: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # How many children the establishment held on the day, if the inspector entered it:
    # the evidence then gives the response rate and finite-population intervals.
    children_held: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The previous inspection to compare with, when the team chose one (previous_chosen;
    # None then means "none"); otherwise the latest eligible (``published.previous``).
    previous_id: Mapped[str | None] = mapped_column(
        ForeignKey("inspection.id", name="fk_inspection_previous_id"), nullable=True
    )
    previous_chosen: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    establishment: Mapped[Establishment] = relationship(back_populates="inspections")
    inspectors: Mapped[list[Inspector]] = relationship(
        secondary="inspection_inspector", back_populates="inspections"
    )
    wrapped_keys: Mapped[list[WrappedKey]] = relationship(cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class WrappedKey(Model):
    """The inspection's private key, encrypted under a key derived from a secret.

    ``purpose`` says which secret (see ``survey_app.keys``): "passphrase" and
    "recovery" are Argon2id + AES-GCM wraps; "inspector" is the key sealed to
    ``inspector_id``'s own public key (``kdf`` "x25519-seal", empty salt and nonce).
    """

    __tablename__ = "wrapped_key"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspection.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(32), default="passphrase")
    inspector_id: Mapped[str | None] = mapped_column(
        ForeignKey("inspector.id"), nullable=True, index=True
    )
    kdf: Mapped[str] = mapped_column(String(16))
    kdf_parameters: Mapped[dict] = mapped_column(JSON)
    salt: Mapped[bytes] = mapped_column(LargeBinary)
    nonce: Mapped[bytes] = mapped_column(LargeBinary)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class InspectorKey(Model):
    """An inspector's own X25519 key pair; the private half wrapped under their password."""

    __tablename__ = "inspector_key"

    inspector_id: Mapped[str] = mapped_column(ForeignKey("inspector.id"), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    kdf: Mapped[str] = mapped_column(String(16))
    kdf_parameters: Mapped[dict] = mapped_column(JSON)
    salt: Mapped[bytes] = mapped_column(LargeBinary)
    nonce: Mapped[bytes] = mapped_column(LargeBinary)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class KioskInvitation(Model):
    """A short-lived, single-use link that enrols a tablet as a children's kiosk."""

    __tablename__ = "kiosk_invitation"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspection.id"), index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Kiosk(Model):
    """An enrolled tablet. It identifies the device's enrolment, never a child."""

    __tablename__ = "kiosk"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspection.id"), index=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # How many sealed responses the tablet last said it holds, waiting to be sent (issue 17):
    # a count only, overwritten each time, with no time of its own.
    waiting: Mapped[int | None] = mapped_column(Integer, nullable=True)


class StaffCode(Model):
    """An unspent one-time staff access code, stored only as a keyed hash.

    Spending a code deletes its row: nothing is left to point at the ballot or
    response it led to, not even a row version (see ``survey_app.access``).
    """

    __tablename__ = "staff_code"
    __table_args__ = _UNORDERED

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspection.id"), index=True)


class SpentBallot(Model):
    """A ballot (the right to submit one response) that has been used."""

    __tablename__ = "spent_ballot"
    __table_args__ = _UNORDERED

    ballot_hash: Mapped[str] = mapped_column(String(64), primary_key=True)


class SealedResponse(Model):
    __tablename__ = "sealed_response"
    __table_args__ = _UNORDERED

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspection.id"), index=True)
    questionnaire_id: Mapped[str] = mapped_column(String(64))
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    received_on: Mapped[dt.date] = mapped_column(Date, default=today)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class PublishedCount(Model):
    """Whole-inspection counts for one question, kept in the clear once evidence is finalised.

    Only what an inspectorate publishes: no breakdown by group, no comment.
    ``options`` maps each answer id to the number who chose it.
    """

    __tablename__ = "published_count"

    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspection.id"), primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    respondents: Mapped[int] = mapped_column(Integer)
    asked: Mapped[int] = mapped_column(Integer)
    missing: Mapped[int] = mapped_column(Integer)
    dont_want_to_say: Mapped[int] = mapped_column(Integer)
    positive: Mapped[int] = mapped_column(Integer)
    # Answered with a not-applicable option: counted, kept out of the base.
    not_applicable: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    options: Mapped[dict] = mapped_column(JSON)
    # The newest version the responses used: its wording and period are what they answered.
    questionnaire_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class SafeguardingReferral(Model):
    """A flagged comment passed to the safeguarding lead; refers to it by a keyed hash only."""

    __tablename__ = "safeguarding_referral"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspection.id"), index=True)
    comment_ref: Mapped[str] = mapped_column(String(64))
    referred_by: Mapped[str] = mapped_column(String(254))
    referred_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)


class AuditEvent(Model):
    """What an inspector or administrator did: unlocks, exports, closures."""

    __tablename__ = "audit_event"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64))
    inspection_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    detail: Mapped[str] = mapped_column(Text, default="")


def rows_changed(statement: Executable) -> int:
    """Run an UPDATE or DELETE in the current session; how many rows it changed."""
    return cast(CursorResult, db.session.execute(statement)).rowcount


def audit(actor: str, action: str, inspection_id: str | None = None, detail: str = "") -> None:
    db.session.add(
        AuditEvent(actor=actor, action=action, inspection_id=inspection_id, detail=detail)
    )
