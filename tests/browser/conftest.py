"""End-to-end tests in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Every test in this folder is marked ``browser``. Without Chromium the tests are skipped,
except on CI (``CI=true``), where a missing browser is an error.

Fixtures:

- ``live_server``: the ``app`` fixture's app served on 127.0.0.1 on a free port, in a thread.
- ``browser``: one Chromium for the session, with networking beyond 127.0.0.1 switched off.
- ``make_context``: a new browser context per call (closed after the test), watched by the
  off-host guard. ``make_context(phone=True)`` is 360x740; keyword arguments go to
  ``browser.new_context`` (``java_script_enabled=False`` and so on).
- ``page``: a page in a fresh 1024x768 context; ``phone_page``: the same at 360x740.

Every request any context makes is recorded; a test that made one to anything but
127.0.0.1 fails (after its own body has run).
"""

from __future__ import annotations

import os
import threading
import warnings
import weakref
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).resolve().parent

DESKTOP = {"width": 1024, "height": 768}
PHONE = {"width": 360, "height": 740}

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
]

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Schemes that never leave the browser, so never reach another host.
LOCAL_SCHEMES = {"data", "blob", "about"}


def _in_this_folder(item: pytest.Item) -> bool:
    return HERE in Path(item.path).resolve().parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A conftest's collection hook sees every collected item, so keep to this folder.
    for item in items:
        if _in_this_folder(item):
            item.add_marker(pytest.mark.browser)


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: browser tests cannot run (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(message + ". CI must run them.", pytrace=False)
    pytest.skip(message)


# --- off-host guard ----------------------------------------------------------------------------


class OffHostGuard:
    """Records every URL requested in the contexts it watches."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def watch(self, context) -> None:
        context.on("request", lambda request: self.urls.append(request.url))

    def offenders(self) -> list[str]:
        bad = []
        for url in self.urls:
            parts = urlsplit(url)
            if parts.scheme in LOCAL_SCHEMES:
                continue
            if parts.scheme not in {"http", "https", "ws", "wss"} or parts.hostname != "127.0.0.1":
                bad.append(url)
        return bad


GUARD = pytest.StashKey[OffHostGuard]()


@pytest.fixture
def off_host_guard(request) -> OffHostGuard:
    guard = OffHostGuard()
    request.node.stash[GUARD] = guard
    return guard


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    result = yield
    guard = item.stash.get(GUARD, None)
    if guard is not None:
        offenders = guard.offenders()
        if offenders:
            pytest.fail(
                "the page requested something not on 127.0.0.1:\n  " + "\n  ".join(offenders),
                pytrace=False,
            )
    return result


# --- server and browser ------------------------------------------------------------------------


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 and a free port; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_URL"] = base_url
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    playwright.stop()


JAVASCRIPT_OFF: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@pytest.fixture
def make_context(browser, off_host_guard):
    """``make_context(phone=False, **new_context_kwargs)``: a watched context, closed after the test."""
    contexts = []

    def make(phone: bool = False, **kwargs):
        kwargs.setdefault("viewport", PHONE if phone else DESKTOP)
        context = browser.new_context(**kwargs)
        # axe-core is injected with JavaScript: axe_check refuses (instead of hanging) without it.
        JAVASCRIPT_OFF[context] = kwargs.get("java_script_enabled") is False
        off_host_guard.watch(context)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(make_context):
    return make_context().new_page()


@pytest.fixture
def phone_page(make_context):
    return make_context(phone=True).new_page()


# --- accessibility -----------------------------------------------------------------------------


def _format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation['help']}"
            f" <{violation.get('helpUrl', '')}>"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}: {node.get('html', '').strip()[:200]}")
            summary = node.get("failureSummary")
            if summary:
                lines.extend("        " + line for line in summary.splitlines())
    return "\n".join(lines)


def axe_check(
    page, screen: str | None = None, known: dict[str, str] | None = None, rules: tuple = ()
) -> None:
    """Fail the test if axe-core finds WCAG 2.0/2.1/2.2 A or AA violations on ``page``.

    ``known`` maps a rule id to the reason it is tolerated on this screen for now (an app
    problem that is reported and awaiting a fix). It is strict, like ``xfail(strict=True)``:
    a known violation that no longer happens fails the test, so the entry gets removed.
    ``rules`` names extra axe rules to run as well (e.g. ``color-contrast-enhanced``, AAA).
    """
    from axe_playwright_python.sync_playwright import Axe

    known = known or {}
    where = screen or page.url
    if JAVASCRIPT_OFF.get(page.context):
        pytest.fail(
            f"axe cannot scan {where}: its context has JavaScript switched off (the scan would "
            "hang). Scan the same page with the app's scripts blocked instead: "
            "page.route(re.compile(r'.*\\.js$'), lambda route: route.abort())",
            pytrace=False,
        )
    options = {
        "runOnly": {"type": "tag", "values": AXE_TAGS},
        "rules": {rule: {"enabled": True} for rule in rules},
    }
    results = Axe().run(page, options=options)
    violations = results.response["violations"]
    found = {violation["id"] for violation in violations}
    fixed = sorted(set(known) - found)
    if fixed:
        pytest.fail(
            f"known axe violation(s) {', '.join(fixed)} no longer happen on {where}: "
            "remove them from known=",
            pytrace=False,
        )
    for rule in sorted(found & set(known)):
        warnings.warn(f"tolerated axe violation {rule} on {where}: {known[rule]}", stacklevel=2)
    unexpected = [violation for violation in violations if violation["id"] not in known]
    if unexpected:
        pytest.fail(
            f"axe found {len(unexpected)} accessibility violation(s) on {where}:\n"
            + _format_violations(unexpected),
            pytrace=False,
        )
