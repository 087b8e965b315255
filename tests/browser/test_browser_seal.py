"""The tablet's seal (survey_app/static/seal.js, Web Crypto in Chromium) against the Python one:
the shared test vectors come out byte for byte, and what the browser seals with a fresh key
opens on the server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from survey_app import sealing

pytestmark = pytest.mark.browser

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "browser-seal.json").read_text("utf-8")
)["vectors"]

RUN = """async ([vector, testing]) => {
  const bytes = (hex) => new Uint8Array(hex.match(/../g).map((b) => parseInt(b, 16)));
  const hex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, "0")).join("");
  const options = testing ? {
    ephemeralPrivate: bytes(vector.ephemeral_private),
    ephemeralPublic: bytes(vector.ephemeral_public),
    nonce: bytes(vector.nonce),
  } : undefined;
  const sealed = await SurveySeal.sealAnswers(bytes(vector.recipient_public), vector.answers,
    vector.inspection, vector.questionnaire, vector.version, options);
  return {
    sealed: hex(sealed),
    plaintext: hex(SurveySeal.answersPlaintext(vector.answers)),
    context: new TextDecoder().decode(SurveySeal.responseContext(
      vector.inspection, vector.questionnaire, vector.version)),
    available: SurveySeal.available,
  };
}"""


@pytest.fixture
def seal_page(page, live_server):
    """A page of the service (its real CSP) with seal.js loaded."""
    page.goto(f"{live_server}/inspector/sign-in")
    page.add_script_tag(url=f"{live_server}/static/seal.js")
    return page


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_the_browser_reproduces_the_shared_vectors(seal_page, vector):
    result = seal_page.evaluate(RUN, [vector, True])
    assert result["available"] is True
    assert result["context"] == vector["context"]
    assert result["plaintext"] == vector["plaintext"]
    assert result["sealed"] == vector["sealed"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_what_the_browser_seals_opens_on_the_server(seal_page, vector):
    first = seal_page.evaluate(RUN, [vector, False])
    second = seal_page.evaluate(RUN, [vector, False])
    assert first["sealed"] != second["sealed"]  # a fresh ephemeral key and nonce every time
    unsealer = sealing.Unsealer(bytes.fromhex(vector["recipient_private"]))
    context = vector["context"].encode()
    for result in (first, second):
        sealed = bytes.fromhex(result["sealed"])
        assert sealed[0] == sealing.BROWSER_SEAL_FORMAT
        assert unsealer.open_answers(sealed, context) == vector["answers"]
