"""Several servers for real: two gunicorn app servers on PostgreSQL, sharing Redis, behind one
nginx that terminates TLS. Sessions and rate limits are shared, and no acknowledged submission is
lost while one server is killed mid-load (nginx sends a failed request to the other server; a
ballot makes a submission count once however often it arrives).

PostgreSQL only (CI's second run): the laptop mode on SQLite is one server.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from benchmarks.client import Browser, csrf_token, enrol, ready_questionnaire
from survey_app import inspections, responses
from survey_app.models import Inspection, db
from tests.conftest import is_postgresql
from tests.helpers import PASSPHRASE, PASSWORD
from tests.production import served_behind_proxy

pytestmark = [
    pytest.mark.db,
    pytest.mark.skipif(not is_postgresql(), reason="engine: several servers need PostgreSQL"),
]

CLIENTS = 6


@pytest.fixture
def two_servers(app, tmp_path):
    with served_behind_proxy(app, tmp_path, servers=2) as served:
        yield served


def browser_for(served) -> Browser:
    return Browser("127.0.0.1", served.port, served.certificate.client_context())


def served_by(served) -> list[int]:
    """How many requests each server's access log records."""
    return [len((folder / "access.log").read_text().splitlines()) for folder in served.folders]


def test_a_session_and_a_rate_limit_are_the_same_on_every_server(two_servers, factory):
    email = factory.inspector()
    inspector = browser_for(two_servers)
    _, _, page = inspector.get("/inspector/sign-in")
    form = {"csrf_token": csrf_token(page), "email": email, "password": PASSWORD}
    status, headers, _ = inspector.post("/inspector/sign-in", form)
    assert status == 302 and headers["Location"].endswith("/inspector/")
    before = served_by(two_servers)
    for _ in range(8):  # nginx takes turns: both servers know the session
        status, _, _ = inspector.get("/inspector/")
        assert status == 200
    after = served_by(two_servers)
    assert all(a > b for a, b in zip(after, before, strict=True)), (before, after)

    guesser = browser_for(two_servers)
    _, _, page = guesser.get("/inspector/sign-in")
    token = csrf_token(page)
    statuses = [  # a different account each time: this is the per-address limit
        guesser.post(
            "/inspector/sign-in",
            {"csrf_token": token, "email": f"nobody{n}@example.org", "password": "wrong!!"},
        )[0]
        for n in range(15)
    ]
    # One limit of 10 sign-ins a minute from this address (the proxy's), not 10 a server: the
    # inspector's sign-in above was the first of the ten.
    assert statuses == [400] * 9 + [429] * 6


def _keep_submitting(browser, number, acknowledged, stop) -> None:
    count = 0
    while not stop.is_set():
        count += 1
        marker = f"ACK-{number}-{count}"
        try:
            token = ready_questionnaire(browser)
            status, headers, _ = browser.post(
                "/kiosk/questionnaire",
                [("csrf_token", token), ("feel_safe", "yes"), ("anything_else", marker)],
            )
        except (OSError, RuntimeError):
            continue
        if status == 302 and "/kiosk/thanks" in headers.get("Location", ""):
            acknowledged.append(marker)


def test_no_acknowledged_submission_is_lost_when_a_server_dies(app, two_servers, factory):
    inspection_id = factory.inspection()
    tablets = [browser_for(two_servers) for _ in range(CLIENTS)]
    for tablet in tablets:
        enrol(tablet, factory.kiosk_token(inspection_id))
    acknowledged: list[str] = []
    stop = threading.Event()
    threads = [
        threading.Thread(target=_keep_submitting, args=(t, n, acknowledged, stop), daemon=True)
        for n, t in enumerate(tablets)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 20 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(two_servers.servers[0].pid, signal.SIGKILL)  # master and workers, mid-request
    killed_at = len(acknowledged)
    deadline = time.monotonic() + 30
    while len(acknowledged) < killed_at + 20 and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    for thread in threads:
        thread.join(timeout=40)
    assert killed_at >= 20, "the load did not get going"
    assert len(acknowledged) >= killed_at + 20, "the other server did not carry on"

    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        unsealer = inspections.unlock(inspection, PASSPHRASE)
        broken = responses.BrokenSeals()
        stored = [
            r.answers.get("anything_else") for r in responses.open_all(inspection, unsealer, broken)
        ]
    assert broken.count == 0
    assert set(acknowledged) <= set(stored)  # nothing acknowledged is lost
    assert len(stored) == len(set(stored))  # nothing is stored twice
