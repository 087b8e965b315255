"""Format 2 seals, the ones a tablet makes with Web Crypto (survey_app/static/seal.js): the
shared test vectors come out byte for byte here, and both formats open with the same key.
tests/browser/test_browser_seal.py checks the browser against the same vectors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from survey_app import sealing

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "browser-seal.json").read_text("utf-8")
)["vectors"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_the_shared_vectors_come_out_byte_for_byte(vector):
    context = sealing.response_context(
        vector["inspection"], vector["questionnaire"], vector["version"]
    )
    assert context.decode() == vector["context"]
    plaintext = sealing.answers_plaintext(vector["answers"])
    assert plaintext.hex() == vector["plaintext"] and len(plaintext) % sealing.PAD_BLOCK == 0
    sealed = sealing.seal(
        bytes.fromhex(vector["recipient_public"]),
        plaintext,
        context,
        seal_format=sealing.BROWSER_SEAL_FORMAT,
        ephemeral=X25519PrivateKey.from_private_bytes(bytes.fromhex(vector["ephemeral_private"])),
        nonce=bytes.fromhex(vector["nonce"]),
    )
    assert sealed.hex() == vector["sealed"]
    unsealer = sealing.Unsealer(bytes.fromhex(vector["recipient_private"]))
    assert unsealer.open_answers(sealed, context) == vector["answers"]


def test_both_formats_open_with_one_key_and_neither_opens_elsewhere():
    private, public = sealing.generate_key_pair()
    context = sealing.response_context("inspection", "tiny-children", 1)
    answers = {"feel_safe": "no"}
    plaintext = sealing.answers_plaintext(answers)
    unsealer = sealing.Unsealer(private)
    for seal_format in (sealing.SEAL_FORMAT, sealing.BROWSER_SEAL_FORMAT):
        sealed = sealing.seal(public, plaintext, context, seal_format=seal_format)
        assert sealed[0] == seal_format
        assert unsealer.open_answers(sealed, context) == answers
        moved = sealing.response_context("another inspection", "tiny-children", 1)
        with pytest.raises(sealing.SealBroken):
            unsealer.open(sealed, moved)
        relabelled = bytes([3 - seal_format]) + sealed[1:]  # the other cipher cannot open it
        with pytest.raises(sealing.SealBroken):
            unsealer.open(relabelled, context)
    with pytest.raises(sealing.SealBroken):
        unsealer.open(bytes([9]) + sealed[1:], context)
