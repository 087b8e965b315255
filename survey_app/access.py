"""Who may submit: enrolled kiosks, one-time staff codes, and single-use ballots.

Staff codes and the responses they admit can never be joined, by construction:

1. A code is stored only as a keyed hash (HMAC-SHA256 under a key derived from
   the app's secret), with a ``spent`` flag and no time.
2. Entering a valid code flips ``spent`` in its own transaction and hands the
   browser a *ballot*: a fresh random nonce, kept only in the signed session
   cookie. Nothing in the database links the code to the ballot.
3. Submitting the questionnaire spends the ballot: the hash of its nonce goes
   into ``spent_ballot`` (so the same ballot cannot submit twice) in the same
   transaction that stores the sealed response. The ballot hash is unrelated to
   the code hash, neither table has times, and every table involved has random
   keys and no insertion order on SQLite (``WITHOUT ROWID``).

A children's kiosk gets a ballot the same way when a child presses "Start", so a
double-tapped "Send" is stored once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from flask import current_app, session
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from .models import Inspection, Kiosk, KioskInvitation, SpentBallot, StaffCode, db, now

# No 0/O, 1/I/L or U/V pairs to confuse when a slip is read aloud or typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTWXYZ23456789"
CODE_LENGTH = 12  # 29**12 is about 2**58: hopeless to guess at a few tries a minute
KIOSK_COOKIE = "kiosk"


def _key(purpose: str) -> bytes:
    return hmac.new(current_app.config["SECRET_KEY"].encode(), purpose.encode(), "sha256").digest()


def _keyed_hash(purpose: str, value: str) -> str:
    return hmac.new(_key(purpose), value.encode(), hashlib.sha256).hexdigest()


# --- staff codes -----------------------------------------------------------------------------


def format_code(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalise_code(typed: str) -> str:
    """Upper-case and drop spaces and dashes, so 'abcd efgh-jkmn' is accepted."""
    return "".join(ch for ch in typed.upper() if ch.isalnum())


def _code_hash(inspection_id: str, code: str) -> str:
    return _keyed_hash("staff-code", f"{inspection_id}:{normalise_code(code)}")


def create_staff_codes(inspection: Inspection, count: int) -> list[str]:
    """Create ``count`` new one-time codes; the plain codes are returned and never stored."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        db.session.add(
            StaffCode(code_hash=_code_hash(inspection.id, raw), inspection_id=inspection.id)
        )
        codes.append(format_code(raw))
    db.session.commit()
    return codes


def spend_staff_code(inspection: Inspection, typed: str) -> bool:
    """Mark the code spent if it is valid and unspent. True when it admitted someone."""
    code = normalise_code(typed)
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return False
    result = db.session.execute(
        update(StaffCode)
        .where(
            StaffCode.code_hash == _code_hash(inspection.id, code),
            StaffCode.inspection_id == inspection.id,
            StaffCode.spent.is_(False),
        )
        .values(spent=True)
    )
    db.session.commit()
    return result.rowcount == 1


# --- ballots ---------------------------------------------------------------------------------


def issue_ballot(inspection_id: str, audience: str) -> None:
    """Give this browser the right to submit one response, held only in its session."""
    expires = now() + dt.timedelta(hours=current_app.config["BALLOT_HOURS"])
    session["ballot"] = {
        "inspection": inspection_id,
        "audience": audience,
        "nonce": secrets.token_urlsafe(32),
        "expires": expires.isoformat(),
    }


def current_ballot(inspection_id: str, audience: str) -> dict | None:
    ballot = session.get("ballot")
    if (
        not ballot
        or ballot.get("inspection") != inspection_id
        or ballot.get("audience") != audience
    ):
        return None
    if dt.datetime.fromisoformat(ballot["expires"]) < now():
        return None
    return ballot


def spend_ballot(ballot: dict) -> None:
    """Record the ballot as used, in the caller's transaction (raises on reuse at commit)."""
    db.session.add(SpentBallot(ballot_hash=_keyed_hash("ballot", ballot["nonce"])))


def ballot_already_spent(ballot: dict) -> bool:
    return db.session.get(SpentBallot, _keyed_hash("ballot", ballot["nonce"])) is not None


# --- kiosks ----------------------------------------------------------------------------------


def create_kiosk_invitation(inspection: Inspection) -> str:
    token = secrets.token_urlsafe(24)
    minutes = current_app.config["KIOSK_ENROL_MINUTES"]
    db.session.add(
        KioskInvitation(
            token_hash=_keyed_hash("kiosk-invitation", token),
            inspection_id=inspection.id,
            expires_at=now() + dt.timedelta(minutes=minutes),
        )
    )
    db.session.commit()
    return token


def accept_kiosk_invitation(token: str) -> Kiosk | None:
    """Use up an invitation and enrol a kiosk; None when unknown, used or expired."""
    invitation = db.session.get(KioskInvitation, _keyed_hash("kiosk-invitation", token))
    if invitation is None:
        return None
    db.session.delete(invitation)
    if invitation.expires_at < now():
        db.session.commit()
        return None
    inspection = db.session.get(Inspection, invitation.inspection_id)
    if inspection is None or not inspection.is_open:
        db.session.commit()
        return None
    kiosk = Kiosk(inspection_id=inspection.id)
    db.session.add(kiosk)
    try:
        db.session.commit()
    except IntegrityError:  # pragma: no cover - two tablets raced for one invitation
        db.session.rollback()
        return None
    return kiosk


def _kiosk_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="kiosk")


def kiosk_cookie_value(kiosk: Kiosk) -> str:
    return _kiosk_serializer().dumps(kiosk.id)


def kiosk_from_cookie(value: str | None) -> Kiosk | None:
    if not value:
        return None
    try:
        kiosk_id = _kiosk_serializer().loads(value)
    except BadSignature:
        return None
    kiosk = db.session.get(Kiosk, kiosk_id)
    if kiosk is None or kiosk.revoked:
        return None
    return kiosk


def revoke_kiosks(inspection: Inspection) -> int:
    result = db.session.execute(
        update(Kiosk)
        .where(Kiosk.inspection_id == inspection.id, Kiosk.revoked.is_(False))
        .values(revoked=True)
    )
    db.session.commit()
    return result.rowcount
