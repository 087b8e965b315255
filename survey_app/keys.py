"""Who can open an inspection's private key, and changing that without re-sealing a response.

An inspection's private key is stored only as wrapped copies (``WrappedKey`` rows):

* ``passphrase``: under the team passphrase (Argon2id + AES-256-GCM); always one.
* ``recovery``: under a random recovery key shown once, which can reset the passphrase.
* ``inspector``: sealed to one assigned inspector's own X25519 public key. That
  inspector's private key (``InspectorKey``) is wrapped under their sign-in
  password, so they unlock with their password and never need the shared passphrase.

Changing any secret re-wraps the same private key: sealed responses are never touched.
Every function here works in the caller's transaction; the caller audits and commits.
An unlock returns an ``Unsealer`` held in memory for the request that asked for it.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from . import sealing
from .models import Inspection, Inspector, InspectorKey, WrappedKey, db

# Purpose names, not secrets (hence the hard-coded-password warnings silenced).
PASSPHRASE = "passphrase"  # noqa: S105  # nosec B105
RECOVERY = "recovery"
INSPECTOR = "inspector"
GRANT_KDF = "x25519-seal"
RECOVERY_KEY_BYTES = 20  # 160 bits: far beyond guessing, even without a slow KDF


class NoPersonalKey(Exception):
    """The inspector has no key pair yet: it is made when they next sign in."""


class NotAssigned(Exception):
    """Only inspectors assigned to the inspection can be given access to its key."""


class PassphraseTooShort(ValueError):
    pass


class KeyTampered(sealing.WrongPassphrase):
    """The stored public key is not the private key's: someone altered the database, perhaps
    so that new answers would be sealed to a key of their own."""


def kdf_parameters() -> sealing.KdfParameters:
    """The Argon2id cost configured now (older wraps keep the cost stored with them)."""
    config = current_app.config
    return sealing.KdfParameters(
        memory_kib=config["KDF_MEMORY_KIB"],
        iterations=config["KDF_ITERATIONS"],
        lanes=config["KDF_LANES"],
    )


def check_passphrase(passphrase: str) -> None:
    minimum = current_app.config["MINIMUM_PASSPHRASE_LENGTH"]
    if len(passphrase) < minimum:
        raise PassphraseTooShort(f"The passphrase must be at least {minimum} characters long.")


# --- recovery keys ---------------------------------------------------------------------------


def make_recovery_key() -> str:
    """A random key in groups of four letters and digits (base32), easy to print and type."""
    raw = base64.b32encode(secrets.token_bytes(RECOVERY_KEY_BYTES)).decode()
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalise_recovery_key(typed: str) -> str:
    """Upper-case, drop spaces and dashes, and put the dashes back where they belong."""
    raw = "".join(ch for ch in typed.upper() if ch.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


# --- stored copies ---------------------------------------------------------------------------


def _as_wrapped(stored: WrappedKey | InspectorKey) -> sealing.Wrapped:
    return sealing.Wrapped(
        stored.kdf, stored.kdf_parameters, stored.salt, stored.nonce, stored.ciphertext
    )


def _copy(inspection: Inspection, purpose: str, inspector_id: str | None = None):
    for stored in inspection.wrapped_keys:
        if stored.purpose == purpose and stored.inspector_id == inspector_id:
            return stored
    return None


def _wrap_into(inspection: Inspection, purpose: str, private_key: bytes, secret: str) -> WrappedKey:
    """Store (or replace) the copy of ``private_key`` wrapped under ``secret`` for ``purpose``."""
    wrapped = sealing.wrap_private_key(private_key, secret, inspection.id, kdf_parameters())
    stored = _copy(inspection, purpose)
    if stored is None:
        stored = WrappedKey(purpose=purpose)
        inspection.wrapped_keys.append(stored)
    stored.kdf = wrapped.kdf
    stored.kdf_parameters = wrapped.kdf_parameters
    stored.salt, stored.nonce, stored.ciphertext = wrapped.salt, wrapped.nonce, wrapped.ciphertext
    return stored


def _is_weak(stored: WrappedKey | InspectorKey) -> bool:
    return sealing.KdfParameters.from_dict(stored.kdf_parameters).weaker_than(kdf_parameters())


def set_up(
    inspection: Inspection, private_key: bytes, passphrase: str, recovery: bool
) -> str | None:
    """Wrap a new inspection's key under the passphrase, and under a recovery key if asked.

    Returns the recovery key, to be shown once and never stored, or None.
    """
    check_passphrase(passphrase)
    _wrap_into(inspection, PASSPHRASE, private_key, passphrase)
    if not recovery:
        return None
    recovery_key = make_recovery_key()
    _wrap_into(inspection, RECOVERY, private_key, recovery_key)
    return recovery_key


# --- unlocking -------------------------------------------------------------------------------


@dataclass
class Unlocked:
    """An open inspection key for the work of one request, and which secret opened it."""

    unsealer: sealing.Unsealer
    via: str  # "passphrase" or "own password"


def _open_with_personal_key(
    inspection: Inspection, inspector: Inspector | None, secret: str
) -> bytes | None:
    if inspector is None:
        return None
    grant = _copy(inspection, INSPECTOR, inspector.id)
    personal = db.session.get(InspectorKey, inspector.id)
    if grant is None or personal is None:
        return None
    owner = sealing.personal_owner(inspector.id)
    try:
        personal_private = sealing.unwrap_private_key(_as_wrapped(personal), secret, owner)
    except sealing.WrongPassphrase:
        return None
    context = sealing.grant_context(inspection.id, inspector.id)
    try:
        private_key = sealing.open_sealed_key(personal_private, grant.ciphertext, context)
    except sealing.SealBroken:
        return None  # a grant copied from elsewhere: treated as no grant at all
    if _is_weak(personal):  # only once the whole unlock has worked
        _rewrap_personal(personal, personal_private, secret)
    return private_key


def open_key(inspection: Inspection, secret: str, inspector: Inspector | None = None) -> Unlocked:
    """Open the inspection key with the passphrase, or with ``inspector``'s own password.

    Raises ``sealing.WrongPassphrase`` and changes nothing when neither opens it. A copy
    wrapped with a weaker KDF than configured is re-wrapped on the way (the caller commits).
    """
    private_key = _open_with_personal_key(inspection, inspector, secret)
    if private_key is not None:
        return Unlocked(_checked(inspection, private_key), "own password")
    stored = _copy(inspection, PASSPHRASE)
    if stored is None:
        raise sealing.WrongPassphrase("This inspection has no passphrase key.")
    private_key = sealing.unwrap_private_key(_as_wrapped(stored), secret, inspection.id)
    unsealer = _checked(inspection, private_key)
    if _is_weak(stored):
        _wrap_into(inspection, PASSPHRASE, private_key, secret)
    return Unlocked(unsealer, PASSPHRASE)


def _checked(inspection: Inspection, private_key: bytes) -> sealing.Unsealer:
    """The unsealer, once its public half is the one respondents' answers are sealed to."""
    unsealer = sealing.Unsealer(private_key)
    if unsealer.public_key != inspection.public_key:
        current_app.logger.error("inspection %s: stored public key does not match", inspection.id)
        raise KeyTampered(
            "This inspection's public key has been changed in the database. "
            "Report this: new answers may have been sealed to someone else's key."
        )
    return unsealer


def change_passphrase(
    inspection: Inspection, current: str, new: str, inspector: Inspector | None = None
) -> Unlocked:
    """Re-wrap the key under a new passphrase; ``current`` is the old one or the own password."""
    check_passphrase(new)
    unlocked = open_key(inspection, current, inspector)
    _wrap_into(inspection, PASSPHRASE, unlocked.unsealer.private_bytes(), new)
    return unlocked


def recover(inspection: Inspection, recovery_key: str, new_passphrase: str) -> None:
    """Set a new passphrase with the recovery key (which stays valid until replaced)."""
    check_passphrase(new_passphrase)
    stored = _copy(inspection, RECOVERY)
    if stored is None:
        raise sealing.WrongPassphrase("This inspection has no recovery key.")
    typed = normalise_recovery_key(recovery_key)
    try:
        private_key = sealing.unwrap_private_key(_as_wrapped(stored), typed, inspection.id)
    except sealing.WrongPassphrase:
        raise sealing.WrongPassphrase("That recovery key does not open this inspection.") from None
    _wrap_into(inspection, PASSPHRASE, private_key, new_passphrase)
    if _is_weak(stored):
        _wrap_into(inspection, RECOVERY, private_key, typed)


def replace_recovery_key(
    inspection: Inspection, secret: str, inspector: Inspector | None = None
) -> str:
    """Make a new recovery key (the old one stops working); returns it to show once."""
    unlocked = open_key(inspection, secret, inspector)
    recovery_key = make_recovery_key()
    _wrap_into(inspection, RECOVERY, unlocked.unsealer.private_bytes(), recovery_key)
    return recovery_key


def has_recovery_key(inspection: Inspection) -> bool:
    return _copy(inspection, RECOVERY) is not None


# --- inspectors' own keys and grants ---------------------------------------------------------


def _rewrap_personal(personal: InspectorKey, private_key: bytes, password: str) -> None:
    owner = sealing.personal_owner(personal.inspector_id)
    wrapped = sealing.wrap_private_key(private_key, password, owner, kdf_parameters())
    personal.kdf, personal.kdf_parameters = wrapped.kdf, wrapped.kdf_parameters
    personal.salt, personal.nonce = wrapped.salt, wrapped.nonce
    personal.ciphertext = wrapped.ciphertext


def personal_key_after_sign_in(inspector: Inspector, password: str) -> str | None:
    """Keep the inspector's own key pair usable with the password they just signed in with.

    Makes one if they have none; re-wraps it when the KDF cost was raised; and when the
    password no longer opens it (an administrator set a new password), replaces it and
    drops the grants it held, which nobody can open any more. Returns what it did, or None.
    """
    personal = db.session.get(InspectorKey, inspector.id)
    if personal is not None:
        owner = sealing.personal_owner(inspector.id)
        try:
            private_key = sealing.unwrap_private_key(_as_wrapped(personal), password, owner)
        except sealing.WrongPassphrase:
            _drop_grants(inspector)
            db.session.delete(personal)
            db.session.flush()
        else:
            if not _is_weak(personal):
                return None
            _rewrap_personal(personal, private_key, password)
            return "personal-key-rewrap"
    private_key, public_key = sealing.generate_key_pair()
    personal = InspectorKey(inspector_id=inspector.id, public_key=public_key)
    _rewrap_personal(personal, private_key, password)
    db.session.add(personal)
    return "personal-key-create"


def change_personal_password(inspector: Inspector, old_password: str, new_password: str) -> None:
    """Re-wrap the inspector's own key when their password changes (grants stay valid)."""
    personal = db.session.get(InspectorKey, inspector.id)
    if personal is None:
        return
    owner = sealing.personal_owner(inspector.id)
    private_key = sealing.unwrap_private_key(_as_wrapped(personal), old_password, owner)
    _rewrap_personal(personal, private_key, new_password)


def _drop_grants(inspector: Inspector) -> None:
    grants = db.session.scalars(
        select(WrappedKey).where(
            WrappedKey.purpose == INSPECTOR, WrappedKey.inspector_id == inspector.id
        )
    )
    for grant in grants:
        db.session.delete(grant)


def has_personal_key(inspector: Inspector) -> bool:
    return db.session.get(InspectorKey, inspector.id) is not None


def has_grant(inspection: Inspection, inspector: Inspector) -> bool:
    return _copy(inspection, INSPECTOR, inspector.id) is not None


def grant(
    inspection: Inspection, grantee: Inspector, secret: str, granter: Inspector | None = None
) -> None:
    """Let ``grantee`` unlock with their own password; ``secret`` opens the key for the granter."""
    if grantee not in inspection.inspectors:
        raise NotAssigned(f"{grantee.email} is not on this inspection")
    personal = db.session.get(InspectorKey, grantee.id)
    if personal is None:
        raise NoPersonalKey(
            f"{grantee.email} needs to sign in once before they can be given access"
        )
    unlocked = open_key(inspection, secret, granter)
    sealed = sealing.seal_key_to(
        personal.public_key,
        unlocked.unsealer.private_bytes(),
        sealing.grant_context(inspection.id, grantee.id),
    )
    stored = _copy(inspection, INSPECTOR, grantee.id)
    if stored is None:
        stored = WrappedKey(purpose=INSPECTOR, inspector_id=grantee.id)
        inspection.wrapped_keys.append(stored)
    stored.kdf, stored.kdf_parameters = GRANT_KDF, {}
    stored.salt, stored.nonce, stored.ciphertext = b"", b"", sealed


def revoke(inspection: Inspection, grantee: Inspector) -> bool:
    """Remove ``grantee``'s copy of the key. True when there was one."""
    stored = _copy(inspection, INSPECTOR, grantee.id)
    if stored is None:
        return False
    inspection.wrapped_keys.remove(stored)
    return True


@dataclass(frozen=True)
class Access:
    inspector: Inspector
    has_personal_key: bool
    has_grant: bool


def who_can_unlock(inspection: Inspection) -> list[Access]:
    """Each assigned inspector, with whether they can unlock with their own password."""
    return [
        Access(inspector, has_personal_key(inspector), has_grant(inspection, inspector))
        for inspector in sorted(inspection.inspectors, key=lambda i: i.email)
    ]
