"""Time-based one-time codes (TOTP, RFC 6238) for inspectors' sign-in.

Optional for inspectors and leads; required for administrators in production
(``REQUIRE_ADMIN_TWO_FACTOR``, on by default there). The TOTP itself is ``cryptography``'s
(``hazmat.primitives.twofactor.totp``): 6 digits, 30-second steps, SHA-1 as every
authenticator app expects, one step of clock drift either way. A code is accepted once: the
step it matched is kept, and that step or an earlier one is refused afterwards.

The secret is stored encrypted (AES-256-GCM under a key derived from ``SECRET_KEY`` and bound
to the account), so a copy of the database alone gives no one the codes.
"""

from __future__ import annotations

import base64
import hmac
import os
import time
from urllib.parse import quote, urlencode

import segno
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor import InvalidToken
from cryptography.hazmat.primitives.twofactor.totp import TOTP
from flask import current_app

from .models import Inspector

DIGITS, STEP_SECONDS, SECRET_BYTES, ISSUER = 6, 30, 20, "Secure settings survey"


def new_secret() -> bytes:
    return os.urandom(SECRET_BYTES)


def secret_text(secret: bytes) -> str:
    """The secret as typed into an authenticator app: base32, in groups of four."""
    text = base64.b32encode(secret).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def provisioning_uri(email: str, secret: bytes) -> str:
    """The ``otpauth://`` address a QR code carries to an authenticator app."""
    query = urlencode(
        {
            "secret": base64.b32encode(secret).decode().rstrip("="),
            "issuer": ISSUER,
            "digits": DIGITS,
            "period": STEP_SECONDS,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{quote(ISSUER)}:{quote(email)}?{query}"


def qr_svg(uri: str) -> str:
    """The set-up QR code as an SVG data: URI (the CSP allows data: images)."""
    return segno.make(uri, error="m").svg_data_uri(scale=4, border=4, omitsize=True)


def _totp(secret: bytes) -> TOTP:
    # HMAC-SHA-1 is what RFC 6238 and every authenticator app use; HMAC needs no collision
    # resistance, so SHA-1 is not a weakness here.
    return TOTP(secret, DIGITS, SHA1(), STEP_SECONDS, enforce_key_length=False)  # noqa: S303  # nosec B303


def matching_step(secret: bytes, code: str, now: float | None = None) -> int | None:
    """The time step ``code`` is right for (now, or one step either side), or None."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    moment = time.time() if now is None else now
    totp = _totp(secret)
    for drift in (0, -1, 1):
        at = int(moment) + drift * STEP_SECONDS
        try:
            totp.verify(code.encode(), at)
        except InvalidToken:
            continue
        return at // STEP_SECONDS
    return None


def _cipher_key(inspector_id: str) -> bytes:
    secret_key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret_key, f"two-factor:{inspector_id}".encode(), "sha256").digest()


def seal_secret(inspector_id: str, secret: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(_cipher_key(inspector_id)).encrypt(nonce, secret, b"totp")


def open_secret(inspector_id: str, sealed: bytes) -> bytes:
    return AESGCM(_cipher_key(inspector_id)).decrypt(sealed[:12], sealed[12:], b"totp")


def check(inspector: Inspector, code: str, now: float | None = None) -> bool:
    """Whether ``code`` is the inspector's current code, not used before. On success the
    step is recorded (the caller commits)."""
    if inspector.totp_secret is None:
        return False
    step = matching_step(open_secret(inspector.id, inspector.totp_secret), code, now)
    if step is None or step <= (inspector.totp_last_step or -1):
        return False
    inspector.totp_last_step = step
    return True


def turn_on(inspector: Inspector, secret: bytes, code: str, now: float | None = None) -> bool:
    """Keep ``secret`` for the inspector once they show a code from it (the caller commits)."""
    step = matching_step(secret, code, now)
    if step is None:
        return False
    inspector.totp_secret = seal_secret(inspector.id, secret)
    inspector.totp_last_step = step
    return True


def turn_off(inspector: Inspector) -> None:
    inspector.totp_secret = None
    inspector.totp_last_step = None


def required_for(inspector: Inspector) -> bool:
    return inspector.is_admin and current_app.config["REQUIRE_ADMIN_TWO_FACTOR"]
