"""A child goes through the kiosk in every shipped language, with JavaScript on and off.

Every screen is scanned with axe (WCAG 2.2 A and AA, plus AAA contrast), and afterwards no
answer is left anywhere: not in the page, the back button, inputs, storage or cookies.
Answers are chosen by option id, so the tests work whatever the translation says.

axe-core cannot be injected into a context with JavaScript switched off, so the screens
"without JavaScript" are scanned with the app's own scripts blocked: the same DOM a browser
without JavaScript shows. The journey itself then runs again with JavaScript switched off.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from survey_app.languages import LANGUAGES
from tests.browser.conftest import axe_check
from tests.browser.test_kiosk import (
    ANSWERS,
    QUESTION_ORDER,
    TEXT_QUESTION,
    _marker,
    _path,
    _session_data,
    answer_in_steps,
    assert_answers_not_shown,
    choose_language_and_start,
    enrol,
    read_welcome,
    send,
)

pytestmark = pytest.mark.browser

AAA = ("color-contrast-enhanced",)


def scan(page, screen: str) -> None:
    axe_check(page, screen, rules=AAA)


def new_kiosk(factory) -> str:
    return factory.kiosk_token(factory.inspection(inspectors=[factory.inspector()]))


def assert_language(page, language: str) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", language)
    expect(html).to_have_attribute("dir", LANGUAGES[language].direction)


def answer_on_one_page(page, marker: str) -> None:
    for question, options in ANSWERS.items():
        for option in options:
            choice = page.locator(f"#answer-{question}-{option}")
            choice.check()
            expect(choice).to_be_checked()
    page.locator(f"#answer-{TEXT_QUESTION}").fill(marker)


def assert_nothing_left(page, app, marker: str) -> None:
    """On whatever screen the tablet shows now, and in the browser's stores."""
    assert_answers_not_shown(page, marker)
    local, session, cookie = page.evaluate(
        "() => [localStorage.length, sessionStorage.length, document.cookie]"
    )
    assert (local, session) == (0, 0)
    assert marker not in cookie
    for stored in page.context.cookies():
        assert marker not in stored["value"]
        if stored["name"] == "session":  # a new one for the start screen's form, nothing more
            assert set(_session_data(app, stored["value"])) <= {"csrf_token"}


LANGUAGE_CODES = sorted(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_a_child_answers_with_javascript(page, live_server, factory, app, language):
    marker = _marker()
    enrol(page, live_server, new_kiosk(factory), check_a11y=False)
    scan(page, f"start ({language})")
    choose_language_and_start(page, live_server, language, check_a11y=False)
    assert_language(page, language)
    scan(page, f"welcome ({language})")
    page.locator(".talk summary").click()
    expect(page.locator(".talk__body")).to_be_visible()
    scan(page, f"talk to an inspector ({language})")
    page.locator(".talk summary").click()
    read_welcome(page, live_server, check_a11y=False)

    scan(page, f"first question ({language})")
    assert answer_in_steps(page, marker) == QUESTION_ORDER
    review = page.locator(".review")
    expect(review).to_contain_text(marker)
    scan(page, f"check your answers ({language})")
    # Change an answer from the check step, then come back to it.
    page.locator(".review__change").first.click()
    expect(page.locator("#question-feel_safe .question__text")).to_be_focused()
    page.locator("#answer-feel_safe-no").check()
    page.locator(".step-nav__next").click()  # straight back to the check step
    expect(page.locator("#review-heading")).to_be_focused()

    posted = send(page, live_server)
    assert posted.status == 302
    assert "storage" in (posted.header_value("clear-site-data") or "")
    assert_language(page, language)
    scan(page, f"thanks ({language})")
    assert_nothing_left(page, app, marker)

    page.go_back()  # the questionnaire again? No: its ballot is spent, so the start screen
    expect(page).to_have_url(re.compile(_path(f"{live_server}/kiosk") + "$"))
    assert_nothing_left(page, app, marker)


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_a_child_answers_without_javascript(make_context, live_server, factory, language):
    # Every screen as a browser without JavaScript shows it, scanned by axe.
    blocked = make_context().new_page()
    blocked.route(re.compile(r".*\.js(\?.*)?$"), lambda route: route.abort())
    enrol(blocked, live_server, new_kiosk(factory), check_a11y=False)
    scan(blocked, f"start, no JavaScript ({language})")
    choose_language_and_start(blocked, live_server, language, check_a11y=False)
    scan(blocked, f"welcome, no JavaScript ({language})")
    read_welcome(blocked, live_server, check_a11y=False)
    expect(blocked.locator(".question")).to_have_count(len(QUESTION_ORDER))
    scan(blocked, f"questionnaire, no JavaScript ({language})")
    answer_on_one_page(blocked, _marker())
    send(blocked, live_server)
    scan(blocked, f"thanks, no JavaScript ({language})")

    # The journey with JavaScript switched off.
    page = make_context(java_script_enabled=False).new_page()
    marker = _marker()
    enrol(page, live_server, new_kiosk(factory), check_a11y=False)
    choose_language_and_start(page, live_server, language, check_a11y=False)
    assert_language(page, language)
    read_welcome(page, live_server, check_a11y=False)
    expect(page.locator(".step-nav")).to_have_count(0)  # one page: every question at once
    answer_on_one_page(page, marker)
    assert send(page, live_server).status == 302
    assert_language(page, language)
    assert_answers_not_shown(page, marker)
    for stored in page.context.cookies():
        assert marker not in stored["value"] and stored["name"] != "session"
    page.go_back()
    expect(page).to_have_url(re.compile(_path(f"{live_server}/kiosk") + "$"))
    assert_answers_not_shown(page, marker)
