"""Screenshots of every kiosk screen at tablet and phone sizes, for a person to look at.

Skipped unless KIOSK_SCREENSHOTS names a folder to write them to (they are not committed):
    KIOSK_SCREENSHOTS=/tmp/shots pytest tests/browser/test_kiosk_screens.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_kiosk import choose_language_and_start, enrol

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.environ.get("KIOSK_SCREENSHOTS"),
        reason="opt-in: set KIOSK_SCREENSHOTS to write screenshots",
    ),
]

SIZES = {"tablet": {"width": 820, "height": 1180}, "phone": {"width": 360, "height": 740}}


@pytest.fixture
def app(shipped_app):
    return shipped_app


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("size", sorted(SIZES))
def test_screenshots(make_context, live_server, factory, language, size):
    folder = Path(os.environ["KIOSK_SCREENSHOTS"])
    folder.mkdir(parents=True, exist_ok=True)
    token = factory.kiosk_token(factory.inspection(inspectors=[factory.inspector()]))
    page = make_context(viewport=SIZES[size]).new_page()

    def shot(name: str) -> None:
        page.screenshot(path=str(folder / f"{size}-{language}-{name}.png"), full_page=True)

    enrol(page, live_server, token, check_a11y=False)
    shot("start")
    page.locator(f"#language-{language}").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    shot("start-chosen")
    choose_language_and_start(page, live_server, language, check_a11y=False)
    shot("welcome")
    page.locator("main a.button--send").click()
    expect(page.locator("form.stepping")).to_be_visible()
    for number in (1, 2, 3):  # a long question, a one-line yes/no, a yes/no with another answer
        shot(f"question-{number}")
        page.locator(".step-nav__next").click()
    for _ in range(2):
        page.locator(".step-nav__next").click()
    page.locator(".question:visible input").first.check()
    shot("question-6")
    menu = page.locator("details.more > summary")
    if menu.is_visible():  # a phone: help, stop and text size are in "Menu"
        menu.click()
        shot("menu")
    page.locator("[data-text-size='1']").click()
    page.locator("[data-text-size='1']").click()
    if menu.is_visible():
        menu.click()
    shot("question-6-larger")
    if menu.is_visible():
        menu.click()
    page.locator("[data-text-size='-1']").click()
    page.locator("[data-text-size='-1']").click()
    if menu.is_visible():
        menu.click()
    while page.locator(".review").is_hidden():
        page.locator(".step-nav__next").click()
    shot("review")
    page.locator(".talk summary").click()
    shot("talk")
