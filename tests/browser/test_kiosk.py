"""The children's kiosk, end to end in Chromium: set up the tablet, choose a language,
read the welcome page, answer, send, and leave nothing behind for the next child."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from survey_app.models import SealedResponse, db
from tests.browser.conftest import axe_check

pytestmark = pytest.mark.browser

# (question id, answer label) pairs, chosen in page order by their label text.
# hurt_how is asked only when hurt_by_child is "yes": the routed follow-up.
# Each option's <input> is transparent and laid over its whole label card, so a tap on the
# card lands on the input; Playwright clicks the control its label names, at that spot.
CHOICES = [
    ("feel_safe", "Yes"),
    ("hurt_by_child", "Yes"),
    ("hurt_how", "I was hit or kicked"),
    ("hurt_how", "I was threatened"),
    ("staff_respect", "Mostly"),
    ("age_band", "15 or 16"),
]
# The same answers by option id, for any language.
ANSWERS = {
    "feel_safe": ["yes"],
    "hurt_by_child": ["yes"],
    "hurt_how": ["hit", "threatened"],
    "staff_respect": ["mostly"],
    "age_band": ["age_15_16"],
}
QUESTION_ORDER = [
    "feel_safe",
    "hurt_by_child",
    "hurt_how",
    "staff_respect",
    "age_band",
    "anything_else",
]
LANGUAGE_NAMES = {"en": "English", "ar": "العربية"}
TEXT_QUESTION = "anything_else"


@pytest.fixture
def kiosk_token(factory) -> str:
    inspector = factory.inspector()
    inspection_id = factory.inspection(inspectors=[inspector])
    return factory.kiosk_token(inspection_id)


def _marker() -> str:
    return f"zebra-marker-{uuid.uuid4().hex}"


def _path(url: str) -> str:
    return re.escape(url) + r"(\?.*)?$"


def enrol(page, live_server: str, token: str, check_a11y: bool = True) -> None:
    page.goto(f"{live_server}/kiosk/enrol/{token}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Set up this tablet as a children's kiosk"
    )
    if check_a11y:
        axe_check(page, "enrol")
    page.get_by_role("button", name="Set up this tablet", exact=True).click()
    expect(page).to_have_url(re.compile(_path(f"{live_server}/kiosk")))
    page.wait_for_load_state()  # a child taps once the page is there, scripts and all
    kiosk = [c for c in page.context.cookies() if c["name"] == "kiosk"]
    assert kiosk, "Chromium did not keep the kiosk cookie"
    # Secure cookies from http://127.0.0.1 are accepted: Chromium treats it as a secure context.
    assert kiosk[0]["secure"] and kiosk[0]["httpOnly"] and kiosk[0]["sameSite"] == "Strict"


def choose_language_and_start(page, live_server: str, language: str, check_a11y: bool = True):
    if check_a11y:
        axe_check(page, "start")
    if language in LANGUAGE_NAMES:
        choice = page.get_by_label(LANGUAGE_NAMES[language], exact=True)
    else:
        choice = page.locator(f"#language-{language}")
    choice.click()
    if page.locator("html.js").count():  # with scripts the start screen turns to the language
        expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator(f"#language-{language}")).to_be_checked()
    # The start screen has one form and one button (no kiosk actions), in any language.
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(_path(f"{live_server}/kiosk/welcome")))
    page.wait_for_load_state()
    session = [c for c in page.context.cookies() if c["name"] == "session"]
    assert session and session[0]["secure"], "Chromium did not keep the Secure session cookie"


def read_welcome(page, live_server: str, check_a11y: bool = True) -> None:
    expect(page.locator("main .read-block p").first).to_be_visible()
    if check_a11y:
        axe_check(page, "welcome")
    page.locator("main a.button--send").click()
    expect(page).to_have_url(re.compile(_path(f"{live_server}/kiosk/questionnaire")))
    page.wait_for_load_state()


def answer(page, marker: str) -> None:
    """Answer on the one-page questionnaire (without JavaScript), choosing by label text."""
    for question, label in CHOICES:
        choice = page.locator(f"#question-{question}").get_by_label(label, exact=True)
        choice.click()
        expect(choice).to_be_checked()
    page.locator(f"#answer-{TEXT_QUESTION}").fill(marker)
    expect(page.locator(f"#answer-{TEXT_QUESTION}")).to_have_value(marker)
    expect(page.locator("#answer-hurt_how-other")).not_to_be_checked()


def answer_in_steps(page, marker: str, answers: dict | None = None) -> list[str]:
    """With JavaScript: one question per screen, answered by option id (so in any language),
    then Next, up to the check-your-answers step. Returns the questions shown, in order."""
    answers = ANSWERS if answers is None else answers
    expect(page.locator("form.stepping")).to_be_visible()
    shown = []
    while page.locator(".review").is_hidden():
        question = page.locator(".question:visible")
        expect(question).to_have_count(1)
        question_id = question.get_attribute("data-question")
        shown.append(question_id)
        if len(shown) > 1:  # focus moved to the new question's legend or label
            expect(question.locator(".question__text")).to_be_focused()
        for option in answers.get(question_id, ()):
            choice = page.locator(f"#answer-{question_id}-{option}")
            choice.check()
            expect(choice).to_be_checked()
        if question_id == TEXT_QUESTION:
            page.locator(f"#answer-{TEXT_QUESTION}").fill(marker)
        page.locator(".step-nav__next").click()
        if page.locator("#talk-offer").is_visible():  # after hurt_how (it discloses harm)
            page.locator("[data-talk-no]").click()  # "Not now": test_kiosk_talk.py says yes
    expect(page.locator("#review-heading")).to_be_focused()
    return shown


def send(page, live_server: str):
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/kiosk/questionnaire")
    ) as posted:
        page.locator("form.questionnaire #send button[type=submit]").click()
    expect(page).to_have_url(re.compile(_path(f"{live_server}/kiosk/thanks")))
    expect(page.locator("main .read-block")).to_be_visible()
    return posted.value


def assert_answers_not_shown(page, marker: str) -> None:
    assert marker not in page.content()
    for textarea in page.locator("textarea").all():
        assert marker not in textarea.input_value()
    # The language choice on the start screen is the only radio that may be checked.
    expect(page.locator("input:checked:not([name=language])")).to_have_count(0)


def assert_stored_once_and_sealed(app, marker: str) -> None:
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SealedResponse)) == 1
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        return  # the byte check needs the database file
    database = Path(url.database)
    files = [
        p for p in (database, Path(f"{database}-wal"), Path(f"{database}-journal")) if p.exists()
    ]
    assert database in files
    for path in files:
        assert marker.encode() not in path.read_bytes(), f"the free text is readable in {path.name}"


def test_child_answers_and_leaves_nothing_behind(page, live_server, kiosk_token, app):
    marker = _marker()
    enrol(page, live_server, kiosk_token)
    choose_language_and_start(page, live_server, "en")
    read_welcome(page, live_server)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    axe_check(page, "questionnaire, first question")
    assert answer_in_steps(page, marker) == QUESTION_ORDER
    expect(page.locator(".review")).to_contain_text(marker)
    axe_check(page, "check your answers")

    posted = send(page, live_server)
    assert posted.status == 302
    assert "storage" in (posted.header_value("clear-site-data") or "")
    axe_check(page, "thanks")

    local, session, cookie = page.evaluate(
        "() => [localStorage.length, sessionStorage.length, document.cookie]"
    )
    assert (local, session) == (0, 0)
    assert marker not in cookie and "hurt" not in cookie
    for stored in page.context.cookies():
        assert marker not in stored["value"]
        # The session was cleared when the answers were sent.
        assert stored["name"] != "session" or not _session_data(app, stored["value"])

    page.go_back()
    assert_answers_not_shown(page, marker)

    assert_stored_once_and_sealed(app, marker)


def _session_data(app, value: str) -> dict:
    with app.test_request_context():
        return app.session_interface.get_signing_serializer(app).loads(value)


def test_child_answers_without_javascript(make_context, live_server, kiosk_token, app):
    page = make_context(java_script_enabled=False).new_page()
    marker = _marker()
    enrol(page, live_server, kiosk_token, check_a11y=False)
    choose_language_and_start(page, live_server, "en", check_a11y=False)
    read_welcome(page, live_server, check_a11y=False)
    answer(page, marker)
    posted = send(page, live_server)
    assert posted.status == 302

    page.go_back()
    assert_answers_not_shown(page, marker)

    assert_stored_once_and_sealed(app, marker)


def test_arabic_questionnaire_reads_right_to_left(page, live_server, kiosk_token):
    enrol(page, live_server, kiosk_token, check_a11y=False)
    choose_language_and_start(page, live_server, "ar")
    read_welcome(page, live_server)
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    axe_check(page, "questionnaire in Arabic")


def test_the_thanks_screen_returns_to_the_start_unless_the_child_wants_more_time(
    page, live_server, kiosk_token, app
):
    app.config["KIOSK_RETURN_SECONDS"] = 2
    enrol(page, live_server, kiosk_token, check_a11y=False)
    choose_language_and_start(page, live_server, "en", check_a11y=False)
    read_welcome(page, live_server, check_a11y=False)
    answer_in_steps(page, "", answers={})
    send(page, live_server)
    page.get_by_role("button", name="Wait, I need more time").click()
    expect(page.locator("#return-note")).to_be_hidden()
    page.wait_for_timeout(3000)  # longer than the countdown: it must not fire
    expect(page).to_have_url(re.compile(_path(f"{live_server}/kiosk/thanks")))
    page.get_by_role("link", name="Go back to the start now").click()
    expect(page).to_have_url(re.compile(_path(f"{live_server}/kiosk") + "$"))

    choose_language_and_start(page, live_server, "en", check_a11y=False)
    read_welcome(page, live_server, check_a11y=False)
    answer_in_steps(page, "", answers={})
    send(page, live_server)
    expect(page.locator("#return-note")).to_be_visible()
    expect(page).to_have_url(re.compile(_path(f"{live_server}/kiosk") + "$"), timeout=5000)
