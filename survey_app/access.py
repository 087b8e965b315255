"""Who may submit: enrolled kiosks, one-time staff codes, and single-use ballots.

Staff codes and the responses they admit can never be joined, by construction
(the full argument, with its limits, is in ``docs/staff-codes.md``):

1. A code is 12 characters from a 29-letter alphabet with no look-alikes (about
   58 bits), stored only as a keyed hash (HMAC-SHA256 under a key derived from the
   app's secret), with no time. Codes made together are written in the order of
   their hashes, not the order on the printed sheet, and the inspection keeps only
   a count of how many were made (``Inspection.staff_codes_issued``).
2. Entering a valid code **deletes** its row in its own transaction and hands the
   browser a *ballot*: a fresh random nonce, kept only in the signed session
   cookie. Nothing in the database links the code to the ballot. Deleting, rather
   than marking the row spent, matters on PostgreSQL: an UPDATE writes a new row
   version at the end of the table, so the physical position (``ctid``) and the
   transaction id (``xmin``) of spent codes would follow the order they were used
   in, and could be lined up with the order of responses. A deleted row leaves no
   visible version at all, and a spent code looks exactly like one never issued.
   On SQLite the deleted bytes are overwritten (``PRAGMA secure_delete``).
3. Submitting the questionnaire spends the ballot: the hash of its nonce goes
   into ``spent_ballot`` (so the same ballot cannot submit twice) in the same
   transaction that stores the sealed response. The ballot hash is unrelated to
   the code hash, neither table has times, and every table involved has random
   keys and no insertion order on SQLite (``WITHOUT ROWID``).

Codes have no expiry of their own: they work while the inspection is open, and
closing it stops them all. A ballot lasts ``BALLOT_HOURS`` after the code is entered.

A children's kiosk gets a ballot the same way when a child presses "Start", so a
double-tapped "Send" is stored once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time
from typing import Any

from flask import current_app, session
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, func, select, text, update

from .extensions import limiter
from .models import (
    Inspection,
    Kiosk,
    KioskInvitation,
    SpentBallot,
    StaffCode,
    db,
    now,
    rows_changed,
)

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


def create_staff_codes(inspection: Inspection, count: int, commit: bool = True) -> list[str]:
    """Create ``count`` new one-time codes; the plain codes are returned and never stored.

    With ``commit=False`` the caller commits once the codes are safely on a sheet, so a
    sheet that fails to render leaves no codes nobody can see.
    """
    hashes: dict[str, str] = {}
    while len(hashes) < count:
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        hashes[raw] = _code_hash(inspection.id, raw)
    # Rows go in by hash, so their physical order says nothing about a slip's place on the sheet.
    db.session.add_all(
        StaffCode(code_hash=code_hash, inspection_id=inspection.id)
        for code_hash in sorted(hashes.values())
    )
    db.session.execute(
        update(Inspection)
        .where(Inspection.id == inspection.id)
        .values(staff_codes_issued=Inspection.staff_codes_issued + count)
    )
    if commit:
        db.session.commit()
    return [format_code(raw) for raw in hashes]


def spend_staff_code(inspection: Inspection, typed: str) -> bool:
    """Delete the code if it is valid and unspent. True when it admitted someone.

    Used, unknown and mistyped codes all give False: once deleted, a used code is
    indistinguishable from one that never existed.
    """
    code = normalise_code(typed)
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return False
    if db.engine.dialect.name == "sqlite":
        # Overwrite the deleted row's bytes in the file instead of leaving them in a free slot.
        db.session.execute(text("PRAGMA secure_delete = ON"))
    spent = rows_changed(
        delete(StaffCode).where(
            StaffCode.code_hash == _code_hash(inspection.id, code),
            StaffCode.inspection_id == inspection.id,
        )
    )
    db.session.commit()
    return spent == 1


def _refused_key(inspection_id: str, hour: int) -> str:
    return f"{current_app.config['RATELIMIT_KEY_PREFIX']}/refused-codes/{inspection_id}/{hour}"


def note_refused_code(inspection_id: str) -> None:
    """Count a refused code for the inspector's page, in the rate limiter's store (memory, or
    Redis shared by every server) under this hour: a number, never who or what was typed."""
    hour = int(time.time() // 3600)
    limiter.storage.incr(_refused_key(inspection_id, hour), expiry=2 * 3600)


def refused_codes_recently(inspection_id: str) -> tuple[int, dt.datetime]:
    """How many codes were refused since the start of the last whole hour, and that time."""
    hour = int(time.time() // 3600)
    count = sum(limiter.storage.get(_refused_key(inspection_id, h)) for h in (hour - 1, hour))
    return count, dt.datetime.fromtimestamp((hour - 1) * 3600, dt.UTC)


def unspent_staff_codes(inspection: Inspection) -> int:
    return db.session.execute(
        select(func.count()).select_from(StaffCode).where(StaffCode.inspection_id == inspection.id)
    ).scalar_one()


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


def spend_ballot(ballot: dict) -> bool:
    """Record the ballot as used, in the caller's transaction; False when it already was.

    Single use by row count: the row goes in unless it is there (``ON CONFLICT DO NOTHING``,
    waiting for a concurrent transaction spending the same ballot to finish), so a reused
    ballot is no database error, and nothing about it (the ballot's hash, the moment of a
    double tap) reaches the database server's error log.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        insert: Any = postgresql_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        insert = sqlite_insert
    statement = (
        insert(SpentBallot.__table__)
        .values(ballot_hash=_keyed_hash("ballot", ballot["nonce"]))
        .on_conflict_do_nothing()
        # SQLAlchemy keeps an INSERT's row count only when asked to.
        .execution_options(preserve_rowcount=True)
    )
    return rows_changed(statement) == 1


# --- a supply of ballots for a tablet that collects offline -----------------------------------
#
# An enrolled tablet that may lose the network is given ballots in advance: each is a signed
# token holding only ``[inspection id, audience, random nonce]`` (``URLSafeSerializer``: no
# timestamp), spent like a session ballot, by the keyed hash of its nonce in ``spent_ballot``.
# The server keeps no record of issuing them (no table, no log, no count per tablet), so a
# spent ballot, and the response stored with it, cannot be joined to when, or to which tablet,
# or in which batch it was issued: the token is the only copy, and it is on the tablet.

OFFLINE_BALLOT_BATCH = 200  # most a tablet may ask for at once (a day of children, twice over)


def _offline_ballot_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="offline-ballot")


def issue_offline_ballots(inspection_id: str, audience: str, count: int) -> list[str]:
    """``count`` single-use ballots for this inspection; nothing is stored about them."""
    serializer = _offline_ballot_serializer()
    return [
        serializer.dumps([inspection_id, audience, secrets.token_urlsafe(32)]) for _ in range(count)
    ]


def offline_ballot(token: object, inspection_id: str, audience: str) -> dict | None:
    """The ballot a token carries, as ``spend_ballot`` takes it; None unless genuine and for
    this inspection and audience. Whether it is spent is for ``spend_ballot`` to say."""
    if not isinstance(token, str) or len(token) > 512:
        return None
    try:
        payload = _offline_ballot_serializer().loads(token)
    except BadSignature:
        return None
    if (
        not isinstance(payload, list)
        or len(payload) != 3
        or payload[0] != inspection_id
        or payload[1] != audience
        or not isinstance(payload[2], str)
    ):
        return None
    return {"inspection": inspection_id, "audience": audience, "nonce": payload[2]}


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
    """Use up an invitation and enrol a kiosk; None when unknown, used or expired.

    Single use by row count, as for staff codes: the invitation is deleted by its key and
    only the request whose DELETE removed the row goes on. Of two tablets racing for one
    link, the second's DELETE waits for the first to commit, then matches no row.
    """
    token_hash = _keyed_hash("kiosk-invitation", token)
    invitation = db.session.get(KioskInvitation, token_hash)
    if invitation is None:
        return None
    inspection_id, expires_at = invitation.inspection_id, invitation.expires_at
    used = rows_changed(delete(KioskInvitation).where(KioskInvitation.token_hash == token_hash))
    if used != 1:  # another tablet has just used it
        db.session.rollback()
        return None
    inspection = db.session.get(Inspection, inspection_id)
    if expires_at < now() or inspection is None or not inspection.is_open:
        db.session.commit()  # an expired link, or one for a closed inspection, is spent too
        return None
    kiosk = Kiosk(inspection_id=inspection.id)
    db.session.add(kiosk)
    db.session.commit()
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


def revoke_kiosks(inspection: Inspection, commit: bool = True) -> int:
    """Stop every tablet of ``inspection``; how many were working. ``commit=False`` leaves
    the change in the caller's transaction (closing the inspection)."""
    revoked = rows_changed(
        update(Kiosk)
        .where(Kiosk.inspection_id == inspection.id, Kiosk.revoked.is_(False))
        .values(revoked=True)
    )
    if commit:
        db.session.commit()
    return revoked
