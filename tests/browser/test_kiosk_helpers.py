"""The kiosk's helpers in Chromium: the idle wipe, read aloud, text size, large targets,
reflow at 400% zoom, right-to-left mirroring, and routing in one-question steps."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from survey_app.languages import LANGUAGES
from tests.browser.conftest import axe_check
from tests.browser.test_kiosk import (
    TEXT_QUESTION,
    _marker,
    _path,
    answer_in_steps,
    assert_answers_not_shown,
    choose_language_and_start,
    enrol,
    read_welcome,
)

pytestmark = pytest.mark.browser

# A stand-in for the browser's speech synthesis that records what it is asked to say.
# Voices exist for every shipped language except Welsh, as on many real tablets.
FAKE_SPEECH = """
(() => {
  const voices = ["en-GB", "pl-PL", "ro-RO", "ar-SA"].map((lang) => ({
    lang, name: "Fake " + lang, voiceURI: "fake-" + lang, localService: true, default: false,
  }));
  window.__spoken = [];
  window.SpeechSynthesisUtterance = function (text) {
    this.text = text; this.lang = ""; this.voice = null;
  };
  const synth = {
    speaking: false, pending: false, paused: false, onvoiceschanged: null,
    getVoices: () => voices,
    speak: (u) => window.__spoken.push({ text: u.text, lang: u.lang, voice: u.voice && u.voice.lang }),
    cancel: () => {}, pause: () => {}, resume: () => {},
    addEventListener: () => {}, removeEventListener: () => {},
  };
  Object.defineProperty(window, "speechSynthesis", { value: synth, configurable: true });
})();
"""


@pytest.fixture
def kiosk_token(factory) -> str:
    return factory.kiosk_token(factory.inspection(inspectors=[factory.inspector()]))


def to_questions(page, live_server, token, language="en") -> None:
    enrol(page, live_server, token, check_a11y=False)
    choose_language_and_start(page, live_server, language, check_a11y=False)
    read_welcome(page, live_server, check_a11y=False)
    expect(page.locator("form.stepping")).to_be_visible()  # the stepper has taken over


def spoken(page) -> list[dict]:
    return page.evaluate("() => window.__spoken")


# --- idle -------------------------------------------------------------------------------------


def test_an_idle_kiosk_asks_then_waits_for_the_child(page, live_server, kiosk_token, app):
    app.config.update(KIOSK_IDLE_SECONDS=1, KIOSK_IDLE_COUNTDOWN_SECONDS=30)
    to_questions(page, live_server, kiosk_token)
    page.locator("#answer-feel_safe-yes").check()
    dialog = page.get_by_role("alertdialog", name="Are you still there?")
    expect(dialog).to_be_visible(timeout=5000)
    expect(page.locator("#idle-stay")).to_be_focused()
    expect(dialog.locator(".idle__count")).to_have_text(re.compile(r"^(30|29|28) seconds left$"))
    axe_check(page, "are you still there?", rules=("color-contrast-enhanced",))
    page.get_by_role("button", name="I'm still here").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#answer-feel_safe-yes")).to_be_checked()  # nothing was lost
    expect(dialog).to_be_visible(timeout=5000)  # asked again after another quiet spell
    page.keyboard.press("Escape")  # Escape means "I'm still here" too
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(re.compile(_path(f"{live_server}/kiosk/questionnaire")))


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_an_abandoned_kiosk_wipes_itself(page, live_server, kiosk_token, app, language):
    app.config.update(KIOSK_IDLE_SECONDS=1, KIOSK_IDLE_COUNTDOWN_SECONDS=1, KIOSK_RETURN_SECONDS=2)
    marker = _marker()
    to_questions(page, live_server, kiosk_token, language)
    page.locator(".step-nav__next").click()
    page.locator("#answer-hurt_by_child-yes").check()
    page.locator(".step-nav__next").click()
    page.locator("#answer-hurt_how-hit").check()
    expect(page.locator("#idle")).to_be_visible(timeout=5000)
    # Wiped: first the help, in the child's language, then the start screen by itself.
    expect(page).to_have_url(re.compile(_path(f"{live_server}/kiosk/cleared")), timeout=8000)
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("main .help-list li")).to_have_count(5)
    expect(page.locator("main .help-list")).to_contain_text("0800 528 0731")
    assert_answers_not_shown(page, marker)
    expect(page).to_have_url(re.compile(_path(f"{live_server}/kiosk") + "$"), timeout=8000)
    assert_answers_not_shown(page, marker)
    expect(page.locator("#language-en")).to_be_checked()  # the start screen, as new
    page.go_back()
    expect(page).to_have_url(re.compile(_path(f"{live_server}/kiosk") + "(/questionnaire)?$"))
    expect(page.locator("input:checked:not([name=language])")).to_have_count(0)
    with app.app_context():
        from sqlalchemy import func, select

        from survey_app.models import SealedResponse, db

        assert db.session.scalar(select(func.count()).select_from(SealedResponse)) == 0


# --- read aloud -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "pl", "ro", "ar"])
def test_every_question_and_answer_can_be_read_aloud(
    make_context, live_server, kiosk_token, language
):
    context = make_context()
    context.add_init_script(FAKE_SPEECH)
    page = context.new_page()
    enrol(page, live_server, kiosk_token, check_a11y=False)
    choose_language_and_start(page, live_server, language, check_a11y=False)

    block = page.locator(".read-block")
    block.locator("button.speak").click()
    assert spoken(page)[-1]["lang"] == language
    assert spoken(page)[-1]["text"] == " ".join(block.inner_text().split())
    read_welcome(page, live_server, check_a11y=False)

    question = page.locator("#question-feel_safe")
    speaker = question.locator("button.speak--question")
    expect(speaker).to_be_visible()
    expect(speaker.locator("img")).to_have_attribute("src", re.compile(r"speaker\.svg$"))
    speaker.click()
    legend = question.locator(".question__text").inner_text().strip()
    assert spoken(page)[-1] == {
        "text": legend,
        "lang": language,
        "voice": spoken(page)[-1]["voice"],
    }
    assert spoken(page)[-1]["voice"].startswith(language)

    for option in ("yes", "no", "dont_want_to_say"):
        words = question.locator(f"label[for=answer-feel_safe-{option}] .choice__text")
        button = question.locator(f"#answer-feel_safe-{option} ~ button.speak--answer")
        expect(button).to_have_accessible_name(re.compile(re.escape(words.inner_text().strip())))
        button.click()
        assert spoken(page)[-1]["text"] == words.inner_text().strip()
    # The answer was read, not chosen.
    expect(question.locator("input:checked")).to_have_count(0)
    expect(page.locator("#read-aloud")).to_be_empty()


def test_without_a_voice_for_the_language_the_page_says_so(make_context, live_server, kiosk_token):
    context = make_context()
    context.add_init_script(FAKE_SPEECH)  # no Welsh voice
    page = context.new_page()
    to_questions(page, live_server, kiosk_token, "cy")
    page.locator("#question-feel_safe button.speak--question").click()
    assert spoken(page) == []
    status = page.locator("#read-aloud")
    expect(status).to_be_visible()
    expect(status).to_have_attribute("role", "status")
    expect(status).to_contain_text("Cymraeg")


# --- routing, text size, targets, reflow, mirroring -----------------------------------------


def test_steps_skip_a_question_whose_condition_is_not_met(page, live_server, kiosk_token):
    to_questions(page, live_server, kiosk_token)
    shown = answer_in_steps(page, "", answers={"hurt_by_child": ["no"]})
    assert "hurt_how" not in shown
    page.locator(".step-nav__back").click()  # back from the check step: the last question
    expect(page.locator(f"#question-{TEXT_QUESTION}")).to_be_visible()
    for _ in range(3):
        page.locator(".step-nav__back").click()
    expect(page.locator("#question-hurt_by_child")).to_be_visible()  # hurt_how skipped again


def test_text_size_changes_this_page_only(page, live_server, kiosk_token):
    to_questions(page, live_server, kiosk_token)
    legend = page.locator("#question-feel_safe .question__text")
    before = legend.evaluate("node => parseFloat(getComputedStyle(node).fontSize)")
    page.get_by_role("button", name=re.compile("Bigger text")).click()
    page.get_by_role("button", name=re.compile("Bigger text")).click()
    after = legend.evaluate("node => parseFloat(getComputedStyle(node).fontSize)")
    assert after >= before * 1.45
    assert page.evaluate("() => [localStorage.length, sessionStorage.length]") == [0, 0]
    page.get_by_role("button", name=re.compile("Smaller text")).click()
    expect(page.locator("html")).to_have_class(re.compile("text-large"))


@pytest.mark.parametrize("phone", [False, True], ids=["tablet", "phone"])
def test_every_target_is_at_least_44_by_44(make_context, live_server, kiosk_token, phone):
    page = make_context(phone=phone).new_page()
    to_questions(page, live_server, kiosk_token)
    for _ in range(2):  # to the scale question, with its symbols (hurt_how is not asked)
        page.locator(".step-nav__next").click()
    expect(page.locator("#question-staff_respect")).to_be_visible()
    targets = page.locator(
        "header button:visible, header summary:visible, .question:visible input, "
        ".question:visible button, .step-nav button:visible"
    )
    assert targets.count() >= 12
    for target in targets.all():
        box = target.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, target.evaluate("n => n.outerHTML")


@pytest.mark.parametrize("language", ["en", "ar"])
def test_at_400_percent_zoom_nothing_scrolls_sideways(
    make_context, live_server, kiosk_token, language
):
    # 400% of a 1280 px wide screen is 320 CSS px.
    page = make_context(viewport={"width": 320, "height": 256}).new_page()

    def no_sideways_scroll(screen: str) -> None:
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{screen} scrolls sideways: {width}"

    enrol(page, live_server, kiosk_token, check_a11y=False)
    no_sideways_scroll("start")
    choose_language_and_start(page, live_server, language, check_a11y=False)
    no_sideways_scroll("welcome")
    read_welcome(page, live_server, check_a11y=False)
    expect(page.locator("form.stepping")).to_be_visible()
    while page.locator(".review").is_hidden():
        no_sideways_scroll("question " + page.locator(".question:visible").get_attribute("id"))
        page.locator(".step-nav__next").click()
    no_sideways_scroll("check your answers")
    page.locator("details.more > summary").click()  # on a narrow screen, text size is in "Menu"
    no_sideways_scroll("check your answers, the menu open")
    page.get_by_role("button", name=re.compile("Bigger text|A\\+")).click()
    no_sideways_scroll("check your answers, bigger text")


def test_right_to_left_pages_mirror(page, live_server, kiosk_token):
    to_questions(page, live_server, kiosk_token, "ar")
    page.locator(".step-nav__next").click()
    speaker = page.locator("#question-hurt_by_child button.speak--question").bounding_box()
    legend = page.locator("#question-hurt_by_child .question__text").bounding_box()
    assert speaker["x"] < legend["x"] + legend["width"] / 2  # the speaker is on the left
    back = page.locator(".step-nav__back").bounding_box()
    forward = page.locator(".step-nav__next").bounding_box()
    assert forward["x"] < back["x"]  # Next is on the left, the way the page reads


# --- the same steps, a section at a time, for staff ------------------------------------------


def test_staff_see_one_section_per_screen(phone_page, live_server, factory):
    page = phone_page
    inspection_id = factory.inspection(inspectors=[factory.inspector()])
    code = factory.staff_codes(inspection_id, 1)[0]
    page.goto(f"{live_server}/staff/{inspection_id}")
    page.get_by_label("The code on your slip").fill(code)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="Start the questions").click()
    expect(page.locator(".section:visible")).to_have_count(1)
    expect(page.locator("#question-children_safe")).to_be_visible()
    expect(page.locator("#question-single_staffed")).to_be_visible()  # a whole section
    expect(page.locator("#question-role_group")).to_be_hidden()
    expect(page.locator(".progress__count")).to_have_text("Part 1 of 2")
    expect(page.locator(".step-nav__back")).to_be_hidden()
    page.locator("#answer-children_safe-yes").check()
    page.locator(".step-nav__next").click()
    expect(page.locator("#section-about_you")).to_be_focused()
    expect(page.locator(".progress__count")).to_have_text("Part 2 of 2")
    expect(page.get_by_role("button", name="Send my answers")).to_be_visible()  # skip the check
    page.get_by_role("button", name="Check my answers").click()
    expect(page.locator(".review")).to_contain_text("Yes")
    axe_check(page, "staff: check your answers")
    page.get_by_role("button", name="Send my answers").click()
    expect(page).to_have_url(re.compile(re.escape(f"{live_server}/staff/{inspection_id}/thanks")))
