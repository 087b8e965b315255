"""PostgreSQL stops mid-load: respondents are asked kindly to try again, with their answers
still in the page, and the service recovers by itself when the database returns.

Runs only when TEST_DATABASE_URL is PostgreSQL (it stops and restarts the local cluster).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from benchmarks.client import Browser, enrol, ready_questionnaire
from benchmarks.server import gunicorn
from survey_app import inspections, responses
from survey_app.models import Inspection, db
from tests.conftest import is_postgresql
from tests.failure.server import server_env
from tests.helpers import PASSPHRASE

pytestmark = [
    pytest.mark.db,
    pytest.mark.serial,
    pytest.mark.failure,
    pytest.mark.skipif(
        not is_postgresql(), reason="engine: stops PostgreSQL; needs TEST_DATABASE_URL"
    ),
]

MARKER = "MARKER-STILL-HERE-5e1"


def _cluster(action: str) -> None:
    version = os.listdir("/etc/postgresql")[0]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action, "-m", "fast"]
        if action == "stop"
        else ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action],
        check=True,
        timeout=60,
    )


def _health(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _background(browser: Browser, statuses: list, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            token = ready_questionnaire(browser)
            status, _, _ = browser.post(
                "/kiosk/questionnaire", [("csrf_token", token), ("feel_safe", "no")]
            )
            statuses.append(status)
        except RuntimeError as error:  # a page on the way failed: record what it was
            statuses.append(str(error))
        time.sleep(0.02)


def test_a_database_outage_keeps_answers_and_heals_itself(app, factory, tmp_path):
    inspection_id = factory.inspection()
    tokens = [factory.kiosk_token(inspection_id) for _ in range(3)]
    env, port = server_env(app, tmp_path)
    child, *others = [Browser("127.0.0.1", port) for _ in tokens]
    statuses: list = []
    stop = threading.Event()
    with gunicorn(env, log_dir=tmp_path):
        for browser, token in zip([child, *others], tokens, strict=True):
            enrol(browser, token)
        load = [
            threading.Thread(target=_background, args=(b, statuses, stop), daemon=True)
            for b in others
        ]
        for thread in load:
            thread.start()
        fields = [
            ("csrf_token", ready_questionnaire(child)),
            ("feel_safe", "yes"),
            ("anything_else", MARKER),
        ]
        time.sleep(0.5)
        try:
            _cluster("stop")
            status, _, page = child.post("/kiosk/questionnaire", fields)
            assert status == 503
            html = page.decode()
            assert MARKER in html  # their answers are still in the page
            assert "try again" in html.lower()
            assert _health(port) == 503
        finally:
            _cluster("start")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the "Try again" button posts the same fields
            status, headers, _ = child.post("/kiosk/questionnaire", fields)
            if status == 302:
                break
            time.sleep(0.5)
        assert status == 302 and "/kiosk/thanks" in headers["Location"]
        assert _health(port) == 200
        stop.set()
        for thread in load:
            thread.join(timeout=30)

    assert 500 not in statuses and statuses, statuses
    assert "Traceback" not in (tmp_path / "error.log").read_text()
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        unsealer = inspections.unlock(inspection, PASSPHRASE)
        opened = [
            r.answers.get("anything_else")
            for r in responses.open_all(inspection, unsealer, responses.BrokenSeals())
        ]
    assert opened.count(MARKER) == 1
