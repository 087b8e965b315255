"""After a disclosing answer: "Do you want to talk to an inspector now?", and the signal for the
supervising inspector, with JavaScript (shown on the tablet, nothing sent) and without it (one
round trip that keeps the answers in the page). Either way nothing about it is stored."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from survey_app.models import SealedResponse, db
from tests.browser.conftest import axe_check
from tests.browser.test_kiosk import (
    _marker,
    _path,
    choose_language_and_start,
    enrol,
    read_welcome,
    send,
)

pytestmark = pytest.mark.browser

SIGNAL = "This child would like to talk to you"
ARABIC_SIGNAL = "هذا الطفل يريد أن يتحدث معك"
ARABIC_OFFER = "هل تريد أن تتحدث مع مفتش الآن؟"


@pytest.fixture
def kiosk_token(factory) -> str:
    return factory.kiosk_token(factory.inspection(inspectors=[factory.inspector()]))


def rows_everywhere(app) -> dict:
    with app.app_context():
        return {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


def sealed(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SealedResponse))


def to_questions(page, live_server, token, language):
    enrol(page, live_server, token, check_a11y=False)
    choose_language_and_start(page, live_server, language, check_a11y=False)
    read_welcome(page, live_server, check_a11y=False)


def next_step(page):
    page.locator(".step-nav__next").click()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_with_javascript_yes_shows_the_signal_and_sends_nothing(
    page, live_server, kiosk_token, app, caplog, language
):
    marker = _marker()
    to_questions(page, live_server, kiosk_token, language)
    next_step(page)  # feel_safe, skipped
    page.locator("#answer-hurt_by_child-yes").check()
    next_step(page)
    expect(page.locator("#talk-offer")).to_be_hidden()  # "yes" to hurt_by_child discloses nothing
    page.locator("#answer-hurt_how-hit").check()

    before = rows_everywhere(app)
    caplog.set_level("DEBUG")
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    next_step(page)
    offer = page.locator("#talk-offer")
    expect(offer).to_be_visible()
    expect(page.locator("#talk-offer-title")).to_be_focused()
    expect(page.locator("form.questionnaire")).to_be_hidden()
    if language == "ar":
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.locator("#talk-offer-title")).to_have_text(ARABIC_OFFER)
    expect(offer.locator("button.speak")).to_have_count(1)  # read aloud like other screens
    axe_check(page, "talk offer")

    offer.locator("[data-talk-yes]").click()
    signal = page.locator("#talk-signal")
    expect(signal).to_be_visible()
    expect(signal).to_be_focused()
    expect(page.locator("#talk-signal-title")).to_have_text(SIGNAL)
    if language == "ar":
        expect(signal).to_contain_text(ARABIC_SIGNAL)
    box = signal.bounding_box()
    viewport = page.viewport_size
    assert box["width"] >= viewport["width"] and box["height"] >= viewport["height"]
    axe_check(page, "talk signal")
    assert requests == []  # nothing left the tablet
    assert rows_everywhere(app) == before
    assert not [r for r in caplog.records if "talk" in r.getMessage()]

    page.locator("[data-talk-close]").click()  # the child carries on where they were
    expect(signal).to_be_hidden()
    expect(page.locator("#question-staff_respect")).to_be_visible()
    assert requests == []
    page.locator(".step-nav__back").click()
    expect(page.locator("#answer-hurt_how-hit")).to_be_checked()
    next_step(page)
    expect(page.locator("#talk-offer")).to_be_hidden()  # offered once
    while page.locator(".review").is_hidden():
        if page.locator("#answer-anything_else").is_visible():
            page.locator("#answer-anything_else").fill(marker)
        next_step(page)
    assert send(page, live_server).status == 302
    assert sealed(app) == 1


def test_with_javascript_the_child_can_stop_from_the_signal(page, live_server, kiosk_token, app):
    to_questions(page, live_server, kiosk_token, "en")
    next_step(page)
    page.locator("#answer-hurt_by_child-yes").check()
    next_step(page)
    page.locator("#answer-hurt_how-threatened").check()
    next_step(page)
    page.locator("[data-talk-yes]").click()
    page.locator("#talk-signal").get_by_role("button", name="Stop and clear my answers").click()
    expect(page).to_have_url(re.compile(_path(f"{live_server}/kiosk/cleared")))
    expect(page.locator("main .help-list")).to_be_visible()
    expect(page.locator("input:checked")).to_have_count(0)
    assert sealed(app) == 0


def test_with_javascript_the_signal_is_in_the_help_on_every_question(
    page, live_server, kiosk_token, app
):
    to_questions(page, live_server, kiosk_token, "en")
    page.locator("details.talk summary").click()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.get_by_role("button", name="Show the inspector I want to talk").click()
    expect(page.locator("#talk-signal")).to_be_visible()
    assert requests == []
    page.locator("[data-talk-close]").click()
    expect(page.locator("#talk-signal")).to_be_hidden()
    expect(page.locator("#question-feel_safe")).to_be_visible()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_without_javascript_one_round_trip_keeps_the_answers_and_stores_nothing(
    make_context, live_server, kiosk_token, app, caplog, language
):
    page = make_context(java_script_enabled=False).new_page()
    marker = _marker()
    to_questions(page, live_server, kiosk_token, language)
    offer = page.locator("#question-hurt_how [data-talk-now]")
    expect(offer).to_be_hidden()
    page.locator("#answer-hurt_by_child-yes").check()
    page.locator("#answer-hurt_how-other").check()
    expect(offer).to_be_hidden()  # "Something else" discloses nothing
    page.locator("#answer-hurt_how-hit").check()
    expect(offer).to_be_visible()
    if language == "ar":
        expect(offer).to_contain_text(ARABIC_OFFER)
    page.locator("#answer-anything_else").fill(marker)

    before = rows_everywhere(app)
    caplog.set_level("DEBUG")
    with page.expect_response(lambda r: r.url.endswith("/kiosk/talk")) as talked:
        offer.get_by_role("button").click()
    assert talked.value.status == 200 and talked.value.headers["cache-control"] == "no-store"
    signal = page.locator("#talk-signal")
    expect(signal).to_be_visible()
    expect(page.locator("#talk-signal-title")).to_have_text(SIGNAL)
    if language == "ar":
        expect(signal).to_contain_text(ARABIC_SIGNAL)
    assert signal.bounding_box()["height"] >= page.viewport_size["height"]
    assert rows_everywhere(app) == before
    logged = [r.getMessage() for r in caplog.records]
    assert not [m for m in logged if marker in m or "talk" in m]

    # The answers are back in the page, only there; the child carries on and sends.
    for field in ("hurt_by_child-yes", "hurt_how-hit", "hurt_how-other"):
        expect(page.locator(f"#answer-{field}")).to_be_checked()
    expect(page.locator("#answer-anything_else")).to_have_value(marker)
    page.locator("[data-talk-close]").click()
    page.locator("form.questionnaire #send button[type=submit]").click()
    expect(page).to_have_url(re.compile(_path(f"{live_server}/kiosk/thanks")))
    assert sealed(app) == 1


@pytest.mark.parametrize("language", ["en", "ar"])
def test_get_help_opens_on_every_screen_and_keeps_the_answers(
    page, live_server, kiosk_token, language
):
    enrol(page, live_server, kiosk_token, check_a11y=False)
    help_button = page.locator("details.get-help summary")
    help_button.click()
    expect(page.locator("details.get-help .help-list")).to_contain_text("0800 1111")
    choose_language_and_start(page, live_server, language, check_a11y=False)
    read_welcome(page, live_server, check_a11y=False)
    page.locator("#answer-feel_safe-yes").check()
    help_button.click()
    panel = page.locator("details.get-help .help-list")
    expect(panel).to_be_visible()
    expect(panel.locator("li")).to_have_count(5)
    expect(page.locator("details.get-help button.speak")).to_have_count(1)
    axe_check(page, f"get help ({language})")
    help_button.click()
    expect(page.locator("#answer-feel_safe-yes")).to_be_checked()  # still there
    # "Stop and clear" asks first; "not now" (closing it again) keeps the answers.
    stop = page.locator("details.stop > summary")
    stop.click()
    expect(page.locator("details.stop .stop__body")).to_be_visible()
    axe_check(page, f"stop and clear, asked ({language})")
    stop.click()
    expect(page.locator("#answer-feel_safe-yes")).to_be_checked()
    stop.click()
    page.locator("form[data-kiosk-reset] button").click()
    expect(page).to_have_url(re.compile(_path(f"{live_server}/kiosk/cleared")))
    expect(page.locator("main .help-list li")).to_have_count(5)
    axe_check(page, f"cleared ({language})")
