"""long_work.Background: the work runs in a thread of its own, in an app context of its own,
while the caller is told every heartbeat that it is still going."""

from __future__ import annotations

import logging
import threading

import pytest
from flask import Flask, g

from survey_app import long_work


@pytest.fixture
def app():
    return Flask(__name__)


def test_ticks_come_while_the_work_runs_then_the_result(app):
    release = threading.Event()

    def work():
        assert release.wait(10)
        return {"evidence": 1}

    background = long_work.Background(work, heartbeat=0.01)
    with app.app_context():
        ticks = iter(background)
        assert next(ticks) == 0 and next(ticks) == 0  # still working
        assert background.result is None
        release.set()
        rest = list(ticks)
    assert all(isinstance(tick, int) for tick in rest)
    assert background.result == {"evidence": 1} and not background.failed


def test_quick_work_yields_no_tick(app):
    background = long_work.Background(lambda: 42, heartbeat=5)
    with app.app_context():
        assert list(background) == []
    assert background.result == 42 and background.seconds == 0


def test_the_work_has_an_app_context_of_its_own(app):
    seen = {}

    def work():
        seen["thread"] = threading.current_thread().name
        seen["g"] = g.get("marker")
        return None

    with app.app_context():
        g.marker = "the request's"
        list(long_work.Background(work, heartbeat=0.01))
    assert seen == {"thread": "long-work", "g": None}


def test_failed_work_is_said_and_logged_by_type_only(app, caplog):
    def work():
        raise ValueError("an answer that must not be logged")

    background = long_work.Background(work, heartbeat=0.01)
    with app.app_context(), caplog.at_level(logging.ERROR):
        list(background)
    assert background.failed and background.result is None
    assert "long work failed (ValueError)" in caplog.text
    assert "must not be logged" not in caplog.text
