"""The evidence page is sent while it is made (inspect/evidence.py, long_work): what is being
done first, a line every heartbeat while the answers are opened, then the evidence, or an honest
refusal. Nothing of the evidence leaves before the disclosure audit has passed."""

from __future__ import annotations

import logging
import threading

import pytest

from survey_app import long_work
from survey_app.evidence import report
from tests import pages
from tests.helpers import PASSPHRASE, csrf_token, sign_in
from tests.integration.test_evidence import seal

pytestmark = pytest.mark.db


@pytest.fixture
def inspection_with_answers(app, client, factory):
    email = factory.inspector()
    inspection_id = factory.inspection([email])
    seal(app, inspection_id, "children", [{"feel_safe": "yes"}] * 6 + [{"feel_safe": "no"}] * 6)
    sign_in(client, email)
    return inspection_id


def start_evidence_page(client, inspection_id: str, passphrase: str = PASSPHRASE, expect=200):
    """POST the unlock form; the response is not read yet (``buffered=False``)."""
    url = f"/inspector/inspections/{inspection_id}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(
        f"{url}/evidence",
        data={"csrf_token": token, "passphrase": passphrase},
        buffered=False,
        skip_page_check=True,
        expect=expect,
    )


@pytest.fixture
def held_build(monkeypatch):
    """``report.build`` waits until the test releases it; heartbeats come every 20 ms."""
    monkeypatch.setattr(long_work, "HEARTBEAT_SECONDS", 0.02)
    started, release = threading.Event(), threading.Event()
    real = report.build

    def build(inspection, unsealer, rng=None):
        started.set()
        assert release.wait(30), "the test never released the build"
        return real(inspection, unsealer, rng)

    monkeypatch.setattr(report, "build", build)
    return started, release


def read_until(chunks, text: str) -> str:
    sent = ""
    for chunk in chunks:
        sent += chunk.decode("utf-8")
        if text in sent:
            return sent
    raise AssertionError(f"{text!r} never came; the page was {sent!r}")


def test_the_page_says_it_is_working_before_the_evidence_is_made(
    client, inspection_with_answers, held_build
):
    started, release = held_build
    response = start_evidence_page(client, inspection_with_answers)
    assert response.is_streamed
    assert response.headers["X-Accel-Buffering"] == "no"
    assert response.headers["Cache-Control"] == "no-store"
    chunks = iter(response.response)

    # While the answers are still being opened: what is being done, and it is still working.
    early = read_until(chunks, "Still working. Time so far: 0:00")
    assert started.is_set() and not release.is_set()
    assert "Opening 12 sealed answers. The evidence appears below when it is ready" in early
    assert "The evidence is ready." not in early and 'id="contents-heading"' not in early
    early += read_until(chunks, "Still working")  # and again, every heartbeat

    release.set()
    page = early + b"".join(chunks).decode("utf-8")
    response.close()
    pages.check(page)
    ready = page.index(
        '<p class="working__done visually-hidden" role="status">The evidence is ready.</p>'
    )
    assert page.rindex("Still working") < ready < page.index('id="contents-heading"')
    assert page.count("Still working") >= 2
    assert "Download this evidence" in page and page.rstrip().endswith("</html>")


def test_a_wrong_passphrase_is_refused_before_any_page_starts(client, inspection_with_answers):
    response = start_evidence_page(client, inspection_with_answers, "not it", expect=403)
    assert "X-Accel-Buffering" not in response.headers  # an ordinary page
    assert "That passphrase does not unlock this inspection" in response.get_data(as_text=True)


def test_evidence_that_cannot_be_made_is_not_shown_and_the_page_says_so(
    client, inspection_with_answers, monkeypatch, caplog
):
    def broken(inspection, unsealer, rng=None):
        raise RuntimeError("an answer the message must not quote")

    monkeypatch.setattr(report, "build", broken)
    with caplog.at_level(logging.ERROR):
        response = start_evidence_page(client, inspection_with_answers)
        page = response.get_data(as_text=True)
    pages.check(page)
    assert "Sorry, the evidence could not be made. Nothing was shown" in page
    assert 'role="alert"' in page and 'id="contents-heading"' not in page
    assert "The evidence is ready." not in page
    assert "long work failed (RuntimeError)" in caplog.text
    assert "must not quote" not in caplog.text


@pytest.mark.parametrize(
    ("language", "written"), [("en", "12,345"), ("pl", "12\N{NO-BREAK SPACE}345")]
)
def test_the_count_of_answers_being_opened_is_written_as_the_reader_writes_numbers(
    client, inspection_with_answers, monkeypatch, language, written
):
    from survey_app import responses

    monkeypatch.setattr(responses, "counts_by_audience", lambda inspection: {"children": 12345})
    url = f"/inspector/inspections/{inspection_with_answers}"
    with client.session_transaction() as session:
        session["language"] = language
    overview = client.get(url).get_data(as_text=True)
    # The count of children's responses, and every unlock button's working message.
    assert overview.count(written) >= 1 + 6
    assert "12345" not in overview
    response = start_evidence_page(client, inspection_with_answers)
    page = response.get_data(as_text=True)
    assert written in page.split("working__ticks")[0] and "12345" not in page
