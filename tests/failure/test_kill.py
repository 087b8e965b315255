"""SIGKILL the whole server mid-load: every submission acknowledged to a client is stored."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from sqlalchemy import text

from benchmarks.client import Browser, enrol, ready_questionnaire
from benchmarks.server import gunicorn
from survey_app import inspections, responses
from survey_app.models import Inspection, db
from tests.failure.server import server_env
from tests.helpers import PASSPHRASE

pytestmark = [pytest.mark.db, pytest.mark.failure]

CLIENTS = 8


def _load(browser: Browser, client: int, acknowledged: list, stop: threading.Event) -> None:
    number = 0
    while not stop.is_set():
        number += 1
        marker = f"ACK-{client}-{number}"
        try:
            token = ready_questionnaire(browser)
            status, headers, _ = browser.post(
                "/kiosk/questionnaire",
                [("csrf_token", token), ("feel_safe", "yes"), ("anything_else", marker)],
            )
        except (OSError, RuntimeError):  # the server is gone: nothing was acknowledged
            time.sleep(0.05)
            continue
        if status == 302 and "/kiosk/thanks" in headers.get("Location", ""):
            acknowledged.append(marker)


def test_every_acknowledged_submission_survives_sigkill(app, factory, tmp_path):
    inspection_id = factory.inspection()
    tokens = [factory.kiosk_token(inspection_id) for _ in range(CLIENTS)]
    env, port = server_env(app, tmp_path)
    browsers = [Browser("127.0.0.1", port) for _ in range(CLIENTS)]
    acknowledged: list[str] = []
    stop = threading.Event()

    with gunicorn(env, log_dir=tmp_path) as server:
        for browser, token in zip(browsers, tokens, strict=True):
            enrol(browser, token)
        threads = [
            threading.Thread(target=_load, args=(b, n, acknowledged, stop), daemon=True)
            for n, b in enumerate(browsers)
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while len(acknowledged) < 25 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.killpg(server.pid, signal.SIGKILL)  # master and workers, mid-request
        server.wait(timeout=10)
        stop.set()
        for thread in threads:
            thread.join(timeout=35)
    assert len(acknowledged) >= 25, "the load did not get going"

    with gunicorn(env, log_dir=tmp_path):  # restarts and passes /health
        token = ready_questionnaire(browsers[0])
        status, _, _ = browsers[0].post(
            "/kiosk/questionnaire",
            [("csrf_token", token), ("anything_else", "after restart")],
        )
        assert status == 302

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        inspection = db.session.get(Inspection, inspection_id)
        unsealer = inspections.unlock(inspection, PASSPHRASE)
        broken = responses.BrokenSeals()
        opened = [
            r.answers.get("anything_else") for r in responses.open_all(inspection, unsealer, broken)
        ]
    assert broken.count == 0
    assert set(acknowledged) <= set(opened)
    assert "after restart" in opened
    assert len(opened) == len(set(opened))  # nothing stored twice
