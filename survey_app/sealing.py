"""Sealing answers to an inspection's public key, and guarding its private key.

Construction (all primitives from the ``cryptography`` package):

* Each inspection has an X25519 key pair. The public key is stored in the clear;
  the private key is stored only *wrapped*: encrypted with AES-256-GCM under a
  key derived from a passphrase with Argon2id. The KDF parameters and salt are
  stored beside each wrapped key (``WrappedKey``) so they can be raised later.
* A response is sealed with an ephemeral X25519 key (ECIES-style): the shared
  secret goes through HKDF-SHA256 (salted with both public keys) to a one-time
  ChaCha20-Poly1305 key. The associated data binds the ciphertext to its
  inspection id and questionnaire id and version, so a row moved to another
  inspection or relabelled as another questionnaire fails to open.
* Format 2 is the same construction with AES-256-GCM in place of ChaCha20-Poly1305 and its own
  HKDF label: what a browser can do with Web Crypto alone, so an offline tablet seals a child's
  answers before they are ever stored (``survey_app/static/seal.js``). Both formats open here;
  the first byte says which. ``tests/vectors/browser-seal.json`` holds shared test vectors that
  this module and the browser's must both reproduce byte for byte.

* The same private key can be wrapped several times, each under its own secret
  (the team passphrase, a recovery key), or sealed to an inspector's own X25519
  public key (``seal_key_to``), so secrets change without re-sealing a single
  response. An inspector's personal private key is wrapped like an inspection
  key, bound to ``personal_owner(inspector_id)`` instead of an inspection id.

Only ``unwrap_private_key`` needs a secret, and the unwrapped key lives in
memory for as long as the caller holds the returned ``Unsealer``.
(``survey_app.keys`` decides which wrapped copy to use; ``docs/threat-model.md``
says what each protects against.)
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SEAL_FORMAT = 1  # sealed on the server: ChaCha20-Poly1305
BROWSER_SEAL_FORMAT = 2  # sealed in a browser with Web Crypto: AES-256-GCM
_RAW = serialization.Encoding.Raw
_RAW_PUBLIC = serialization.PublicFormat.Raw
_RAW_PRIVATE = serialization.PrivateFormat.Raw
_HKDF_INFO = b"survey-app response seal v1"
_HKDF_INFO_BROWSER = b"survey-app response seal v2 aes-256-gcm"
_CIPHERS: dict[int, tuple[type[ChaCha20Poly1305] | type[AESGCM], bytes]] = {
    SEAL_FORMAT: (ChaCha20Poly1305, _HKDF_INFO),
    BROWSER_SEAL_FORMAT: (AESGCM, _HKDF_INFO_BROWSER),
}


class WrongPassphrase(Exception):
    """The passphrase (or recovery key) does not open this inspection's key."""


class SealBroken(Exception):
    """A sealed response does not open: tampered, or moved from another inspection."""


class NotAnswers(ValueError):
    """A sealed response opened but holds no JSON: anyone with the public key can seal
    anything, so a broken or hostile tablet can send this (``responses`` counts it)."""


@dataclass(frozen=True)
class KdfParameters:
    memory_kib: int
    iterations: int
    lanes: int

    def as_dict(self) -> dict:
        return {"memory_kib": self.memory_kib, "iterations": self.iterations, "lanes": self.lanes}

    def weaker_than(self, wanted: KdfParameters) -> bool:
        """True when any cost is below ``wanted``: time to re-wrap with the stronger one."""
        return (
            self.memory_kib < wanted.memory_kib
            or self.iterations < wanted.iterations
            or self.lanes < wanted.lanes
        )

    @classmethod
    def from_dict(cls, data: Mapping) -> KdfParameters:
        return cls(int(data["memory_kib"]), int(data["iterations"]), int(data["lanes"]))


@dataclass(frozen=True)
class Wrapped:
    """A private key wrapped under a passphrase: everything needed to unwrap it but the secret."""

    kdf: str
    kdf_parameters: dict
    salt: bytes
    nonce: bytes
    ciphertext: bytes


def response_context(inspection_id: str, questionnaire_id: str, version: int) -> bytes:
    """Associated data that binds a sealed response to where it belongs."""
    return json.dumps(
        {"inspection": inspection_id, "questionnaire": questionnaire_id, "version": int(version)},
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


def _wrap_context(owner: str) -> bytes:
    return b"survey-app wrapped inspection key v1|" + owner.encode()


def personal_owner(inspector_id: str) -> str:
    """What an inspector's own wrapped key is bound to (never equal to an inspection id)."""
    return "inspector/" + inspector_id


def grant_context(inspection_id: str, inspector_id: str) -> bytes:
    """Associated data that binds an inspection key sealed to one inspector, for one inspection."""
    return json.dumps(
        {"grant": inspection_id, "inspector": inspector_id}, sort_keys=True, separators=(",", ":")
    ).encode()


def _derive(secret: str, salt: bytes, parameters: KdfParameters) -> bytes:
    return Argon2id(
        salt=salt,
        length=32,
        iterations=parameters.iterations,
        lanes=parameters.lanes,
        memory_cost=parameters.memory_kib,
    ).derive(secret.encode("utf-8"))


def generate_key_pair() -> tuple[bytes, bytes]:
    """Return (private, public) raw 32-byte X25519 keys."""
    private = X25519PrivateKey.generate()
    return (
        private.private_bytes(_RAW, _RAW_PRIVATE, serialization.NoEncryption()),
        private.public_key().public_bytes(_RAW, _RAW_PUBLIC),
    )


def wrap_private_key(
    private_key: bytes, secret: str, owner: str, parameters: KdfParameters
) -> Wrapped:
    """Encrypt ``private_key`` under ``secret`` (Argon2id + AES-256-GCM), bound to ``owner``.

    ``owner`` is the inspection id for an inspection key, ``personal_owner(...)`` for an
    inspector's own key. A fresh salt and nonce every time: re-wrapping never repeats.
    """
    salt = os.urandom(16)
    nonce = os.urandom(12)
    key = _derive(secret, salt, parameters)
    ciphertext = AESGCM(key).encrypt(nonce, private_key, _wrap_context(owner))
    return Wrapped("argon2id", parameters.as_dict(), salt, nonce, ciphertext)


def unwrap_private_key(wrapped: Wrapped, secret: str, owner: str) -> bytes:
    if wrapped.kdf != "argon2id":
        raise ValueError(f"unknown key derivation {wrapped.kdf!r}")
    key = _derive(secret, wrapped.salt, KdfParameters.from_dict(wrapped.kdf_parameters))
    try:
        return AESGCM(key).decrypt(wrapped.nonce, wrapped.ciphertext, _wrap_context(owner))
    except InvalidTag:
        raise WrongPassphrase("That passphrase does not unlock this inspection.") from None


def _stream_key(
    shared: bytes, ephemeral_public: bytes, recipient_public: bytes, info: bytes = _HKDF_INFO
) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=ephemeral_public + recipient_public,
        info=info,
    ).derive(shared)


def seal(
    public_key: bytes,
    plaintext: bytes,
    context: bytes,
    *,
    seal_format: int = SEAL_FORMAT,
    ephemeral: X25519PrivateKey | None = None,
    nonce: bytes | None = None,
) -> bytes:
    """Encrypt ``plaintext`` so that only the holder of the private key can read it.

    ``ephemeral`` and ``nonce`` are for test vectors only: a real seal always draws fresh ones.
    """
    cipher, info = _CIPHERS[seal_format]
    recipient = X25519PublicKey.from_public_bytes(public_key)
    ephemeral = ephemeral or X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(_RAW, _RAW_PUBLIC)
    key = _stream_key(ephemeral.exchange(recipient), ephemeral_public, public_key, info)
    # The key is used exactly once, so a fixed nonce is safe; a random one costs nothing.
    nonce = nonce or os.urandom(12)
    return (
        bytes([seal_format])
        + ephemeral_public
        + nonce
        + cipher(key).encrypt(nonce, plaintext, context)
    )


PAD_BLOCK = 512


def answers_plaintext(answers: Mapping) -> bytes:
    """Answers as canonical JSON, padded with spaces to a multiple of ``PAD_BLOCK`` bytes so a
    ciphertext's length says little about what was written (seal.js pads the same way)."""
    payload = json.dumps(answers, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    encoded = payload.encode("utf-8")
    return encoded + b" " * (-len(encoded) % PAD_BLOCK)  # JSON ignores trailing whitespace


def seal_answers(public_key: bytes, answers: Mapping, context: bytes) -> bytes:
    """Seal a mapping of answers (``answers_plaintext``) to ``public_key``."""
    return seal(public_key, answers_plaintext(answers), context)


def seal_key_to(recipient_public: bytes, private_key: bytes, context: bytes) -> bytes:
    """Seal a raw private key to someone's X25519 public key (an inspector's access grant)."""
    return seal(recipient_public, private_key, context)


def open_sealed_key(recipient_private: bytes, sealed: bytes, context: bytes) -> bytes:
    """Open what ``seal_key_to`` sealed; SealBroken if it was not sealed to this key and context."""
    opened = Unsealer(recipient_private).open(sealed, context)
    if len(opened) != 32:
        raise SealBroken("not a sealed X25519 private key")
    return opened


class Unsealer:
    """Holds an unwrapped private key in memory and opens sealed responses."""

    def __init__(self, private_key: bytes):
        self._private = X25519PrivateKey.from_private_bytes(private_key)
        self._public = self._private.public_key().public_bytes(_RAW, _RAW_PUBLIC)

    @property
    def public_key(self) -> bytes:
        return self._public

    def private_bytes(self) -> bytes:
        """The raw private key, for re-wrapping it under another secret (never store it)."""
        return self._private.private_bytes(_RAW, _RAW_PRIVATE, serialization.NoEncryption())

    def open(self, sealed: bytes, context: bytes) -> bytes:
        """Open a response sealed on the server (format 1) or in a browser (format 2)."""
        if len(sealed) < 1 + 32 + 12 + 16 or sealed[0] not in _CIPHERS:
            raise SealBroken("not a sealed response")
        cipher, info = _CIPHERS[sealed[0]]
        ephemeral_public = sealed[1:33]
        nonce = sealed[33:45]
        try:
            shared = self._private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
            key = _stream_key(shared, ephemeral_public, self._public, info)
            return cipher(key).decrypt(nonce, sealed[45:], context)
        except (InvalidTag, ValueError):
            raise SealBroken("sealed response does not open with this inspection's key") from None

    def open_answers(self, sealed: bytes, context: bytes) -> object:
        """The answers a response holds, decoded from JSON (not yet checked: a tablet's are
        checked against its questionnaire by ``responses.valid_only``)."""
        plaintext = self.open(sealed, context)
        try:  # orjson refuses what is not UTF-8, NaN and nesting past 1,024 levels too
            return orjson.loads(plaintext)
        except orjson.JSONDecodeError:
            raise NotAnswers("the sealed response holds no JSON") from None
