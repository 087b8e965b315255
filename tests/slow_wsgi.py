"""A test-only WSGI entry point, ``gunicorn tests.slow_wsgi:app``: the app of wsgi.py with every
evidence build made ``SURVEY_TEST_SLOW_BUILD`` seconds (default 5) slower, so that tests can show
long work finishing through the production stack (tests/integration/test_long_work_production.py).

Only a test names this module; production serves ``wsgi:app``, which never imports tests/.
"""

from __future__ import annotations

import os
import time

from survey_app.evidence import report
from wsgi import app

SECONDS = float(os.environ.get("SURVEY_TEST_SLOW_BUILD", "5"))
_build = report.build


def slow_build(inspection, unsealer, rng=None):
    time.sleep(SECONDS)
    return _build(inspection, unsealer, rng)


report.build = slow_build

__all__ = ["app"]
