"""Long work through the production stack (gunicorn with the repository's config, nginx in front):
an evidence build slower than nginx's ``proxy_read_timeout`` still reaches the inspector as a
page, because the page streams a line every heartbeat; a download cannot (it is one file, made
before its first byte), so it needs a read timeout longer than the longest build
(docs/deployment.md, "Long work"). gunicorn's own ``timeout`` never cuts a long request short.

The build is made slow by ``tests.slow_wsgi``, a test-only entry point.
"""

from __future__ import annotations

import time

import pytest

from benchmarks.client import Browser, csrf_token
from tests.helpers import PASSPHRASE, PASSWORD
from tests.integration.test_evidence import seal
from tests.production import served_behind_proxy, served_over_tls

pytestmark = pytest.mark.db

SLOW = 5  # seconds added to every build
SLOW_APP = {"wsgi": "tests.slow_wsgi:app", "env": {"SURVEY_TEST_SLOW_BUILD": str(SLOW)}}


@pytest.fixture
def inspection(app, factory):
    email = factory.inspector()
    inspection_id = factory.inspection([email])
    seal(app, inspection_id, "children", [{"feel_safe": "yes"}] * 6 + [{"feel_safe": "no"}] * 6)
    return email, inspection_id


def signed_in(served, email: str) -> Browser:
    browser = Browser("127.0.0.1", served.port, served.certificate.client_context())
    _, _, page = browser.get("/inspector/sign-in")
    form = {"csrf_token": csrf_token(page), "email": email, "password": PASSWORD}
    status, _, _ = browser.post("/inspector/sign-in", form)
    assert status == 302
    return browser


def unlock(browser: Browser, inspection_id: str, action: str):
    """POST the inspection page's unlock form to ``action``: (status, headers, body, seconds)."""
    page_url = f"/inspector/inspections/{inspection_id}"
    _, _, page = browser.get(page_url)
    fields = {"csrf_token": csrf_token(page), "passphrase": PASSPHRASE}
    began = time.monotonic()
    status, headers, body = browser.post(f"{page_url}/{action}", fields)
    return status, headers, body.decode("utf-8", "replace"), time.monotonic() - began


def test_a_slow_evidence_page_gets_through_a_proxy_that_waits_less(app, inspection, tmp_path):
    email, inspection_id = inspection
    with served_behind_proxy(app, tmp_path, read_timeout="3s", **SLOW_APP) as served:
        browser = signed_in(served, email)
        status, headers, page, seconds = unlock(browser, inspection_id, "evidence")
        assert status == 200, page[:500]
        assert seconds >= SLOW
        assert "The evidence is ready." in page and 'id="contents-heading"' in page
        assert page.count("Still working") >= 2  # the lines that kept nginx waiting
        assert page.rstrip().endswith("</html>")

        # A download says nothing until its file is made: nginx gives up after 3 s of silence.
        # This is the limit docs/deployment.md states (proxy_read_timeout above the longest).
        status, headers, body, seconds = unlock(browser, inspection_id, "evidence.csv")
        assert status == 504 and "attachment" not in headers.get("Content-Disposition", "")
        assert seconds < SLOW


def test_a_slow_download_gets_through_a_proxy_that_waits_long_enough(app, inspection, tmp_path):
    email, inspection_id = inspection
    with served_behind_proxy(app, tmp_path, read_timeout=f"{SLOW * 3}s", **SLOW_APP) as served:
        browser = signed_in(served, email)
        status, headers, body, seconds = unlock(browser, inspection_id, "evidence.csv")
        assert status == 200 and seconds >= SLOW
        assert headers["Content-Disposition"] == (
            f'attachment; filename="evidence-{inspection_id}.csv"'
        )


def test_gunicorns_timeout_does_not_cut_a_long_request_short(app, inspection, tmp_path):
    """Its threaded workers tell the arbiter they are alive while a thread works: the
    ``timeout`` (SURVEY_TIMEOUT, 2 s here) is for a stuck worker, not a long request."""
    email, inspection_id = inspection
    slow = {**SLOW_APP, "env": {**SLOW_APP["env"], "SURVEY_TIMEOUT": "2"}}
    with served_over_tls(app, tmp_path, **slow) as served:
        browser = signed_in(served, email)
        status, headers, body, seconds = unlock(browser, inspection_id, "evidence.json")
        assert status == 200 and seconds >= SLOW
        assert body.lstrip().startswith("{")
        error_log = (served.folders[0] / "error.log").read_text()
        assert "WORKER TIMEOUT" not in error_log
