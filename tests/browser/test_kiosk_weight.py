"""How much a browser fetches for each kiosk screen, with the shipped 55-question
questionnaire: every screen must stay under 100 KB transferred (compressed bytes on the wire,
headers included, from Chromium's own network events), with JavaScript on and off."""

from __future__ import annotations

import pytest

from tests.browser.test_kiosk import choose_language_and_start, enrol

pytestmark = pytest.mark.browser

LIMIT = 100 * 1024


@pytest.fixture
def app(shipped_app):
    return shipped_app


class Transfers:
    """Bytes Chromium received (Network.loadingFinished.encodedDataLength) per screen."""

    def __init__(self, page) -> None:
        self.urls: dict[str, str] = {}
        self.sizes: dict[str, int] = {}
        session = page.context.new_cdp_session(page)
        session.send("Network.enable")
        session.send("Network.setCacheDisabled", {"cacheDisabled": True})  # count everything
        session.on("Network.responseReceived", self._response)
        session.on("Network.loadingFinished", self._finished)

    def _response(self, event) -> None:
        self.urls[event["requestId"]] = event["response"]["url"]

    def _finished(self, event) -> None:
        self.sizes[event["requestId"]] = int(event["encodedDataLength"])

    def screen(self, page, go) -> dict[str, int]:
        self.urls.clear()
        self.sizes.clear()
        go()
        page.wait_for_load_state("networkidle")
        return {self.urls.get(key, key): size for key, size in self.sizes.items()}


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
@pytest.mark.parametrize("language", ["en", "ar"])
def test_every_kiosk_screen_is_under_100_kb(
    make_context, live_server, factory, javascript, language
):
    token = factory.kiosk_token(factory.inspection(inspectors=[factory.inspector()]))
    # The cache is off, so each screen counts everything a fresh tablet fetches for it.
    page = make_context(java_script_enabled=javascript).new_page()
    transfers = Transfers(page)
    screens = {}
    screens["enrol"] = transfers.screen(
        page, lambda: page.goto(f"{live_server}/kiosk/enrol/{token}")
    )
    screens["start"] = transfers.screen(page, lambda: enrol(page, live_server, token, False))
    screens["welcome"] = transfers.screen(
        page, lambda: choose_language_and_start(page, live_server, language, False)
    )
    screens["questionnaire"] = transfers.screen(
        page, lambda: page.locator("main a.button--send").click()
    )
    assert page.locator(".question").count() >= 50  # the shipped questionnaire
    report = []
    for name, fetched in screens.items():
        total = sum(fetched.values())
        report.append(f"{name}: {total} bytes in {len(fetched)} responses")
        assert total < LIMIT, f"{name} fetched {total} bytes: {fetched}"
    print(f"\n[{language}, javascript={javascript}] " + "; ".join(report))
