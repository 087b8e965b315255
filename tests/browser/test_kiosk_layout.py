"""The kiosk as a child sees it (issue 15), measured in Chromium on the real questionnaire, at a
tablet's size (820x1180) and a phone's (360x740), in English and in Arabic (right to left), at
the usual and the largest text size:

- the read-aloud button of a question never covers an answer;
- on a phone the header takes at most a fifth of the screen, and Next is on the screen
  without scrolling on a short yes/no question;
- "I don't want to say" and its symbol share a line, and symbols follow one rule on every
  screen (Yes a tick, No a cross, "I don't want to say" a question mark wherever another answer
  has a symbol; an answer without one keeps the space, so the words line up);
- the progress is a bar with few words ("3 of 52"), and "Question 3 of 52" for screen readers;
- choosing a language on the start screen shows the start screen in that language.
"""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from tests.browser.conftest import axe_check
from tests.browser.test_kiosk import choose_language_and_start, enrol, read_welcome
from tests.browser.test_kiosk_helpers import FAKE_SPEECH, spoken

pytestmark = pytest.mark.browser

SIZES = {"tablet": {"width": 820, "height": 1180}, "phone": {"width": 360, "height": 740}}
SHORT_YES_NO = "first_night_safe"  # "Did you feel safe on your first night?"
HEADER_SHARE = 0.2  # of the screen's height, on a phone

# One measurement of the step on screen, made in the page in one go.
MEASURE = """() => {
  const box = (node) => {
    if (!node) return null;
    const r = node.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height };
  };
  const question = document.querySelector(".question:not([hidden])");
  const choices = [...question.querySelectorAll(".choice")].map((choice) => ({
    value: choice.querySelector("input").value,
    label: box(choice.querySelector("label")),
    column: getComputedStyle(choice.querySelector("label")).flexDirection === "column",
    picture: !!choice.querySelector("img.choice__symbol"),
    symbol: box(choice.querySelector(".choice__symbol")),
    text: box(choice.querySelector(".choice__text")),
  }));
  const words = question.querySelector(".question__text").getBoundingClientRect();
  const y = words.top + Math.min(words.height / 2, 12);
  // below the screen (a long first step at the largest text) there is nothing to cover it
  const onTop = y < innerHeight ? document.elementFromPoint(words.left + 4, y) : question;
  return {
    id: question.dataset.question,
    covered: !question.contains(onTop),
    rtl: document.documentElement.dir === "rtl",
    speaker: box(question.querySelector(".speak--question")),
    field: box(question.querySelector("textarea")),
    choices,
    header: box(document.querySelector(".site-header")),
    next: box(document.querySelector(".step-nav__next:not([hidden])") ||
              document.querySelector(".step-nav__next")),
    viewport: { width: innerWidth, height: innerHeight },
  };
}"""


@pytest.fixture
def app(shipped_app):
    return shipped_app


@pytest.fixture
def kiosk_token(factory) -> str:
    return factory.kiosk_token(factory.inspection(inspectors=[factory.inspector()]))


def overlap(a: dict, b: dict) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


def bigger_text(page, times: int) -> None:
    for _ in range(times):
        menu = page.locator("details.more > summary")
        if menu.is_visible():  # on a phone the text size is in "Menu"
            menu.click()
        page.locator("[data-text-size='1']").click()
        if menu.is_visible():
            menu.click()  # folded again, as the child would leave it


def check_step(step: dict, size: str) -> None:
    where = f"question {step['id']}"
    assert not step["covered"], f"{where}: something lies over the question"
    speaker = step["speaker"]
    for choice in step["choices"]:
        assert not overlap(speaker, choice["label"]), f"{where}: the speaker covers an answer"
    if step["field"]:
        assert not overlap(speaker, step["field"]), f"{where}: the speaker covers the text box"
    choices = step["choices"]
    if any(c["picture"] for c in choices):
        for choice in choices:
            assert choice["symbol"], f"{where}: {choice['value']} has no symbol or space for one"
            if choice["value"] in ("yes", "no", "dont_want_to_say"):
                assert choice["picture"], f"{where}: {choice['value']} has no symbol"
            symbol, text = choice["symbol"], choice["text"]
            if choice["column"]:  # a scale on a tablet: a column each, the symbol on top
                assert symbol["bottom"] <= text["top"], f"{where}: {choice['value']}"
                continue
            # beside its symbol, on the same line: not above it, not below it
            assert text["top"] < symbol["bottom"] and symbol["top"] < text["bottom"], (
                f"{where}: the words of {choice['value']} are not beside the symbol"
            )
        if not any(c["column"] for c in choices):
            edge = "right" if step["rtl"] else "left"
            starts = {round(c["text"][edge]) for c in choices}
            assert max(starts) - min(starts) <= 1, f"{where}: the words do not line up {starts}"
    else:
        assert not any(c["value"] == "yes" for c in choices), f"{where}: Yes without a tick"
    if size == "phone":
        share = step["header"]["height"] / step["viewport"]["height"]
        assert share <= HEADER_SHARE, f"{where}: the header takes {share:.0%} of the screen"


@pytest.mark.parametrize("larger", [0, 2], ids=["usual-text", "largest-text"])
@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("size", sorted(SIZES))
def test_every_question_fits_the_screen(
    make_context, live_server, kiosk_token, size, language, larger
):
    page = make_context(viewport=SIZES[size]).new_page()
    enrol(page, live_server, kiosk_token, check_a11y=False)
    choose_language_and_start(page, live_server, language, check_a11y=False)
    read_welcome(page, live_server, check_a11y=False)
    expect(page.locator("form.stepping")).to_be_visible()
    bigger_text(page, larger)
    seen = 0
    while page.locator(".review").is_hidden():
        step = page.evaluate(MEASURE)
        check_step(step, size)
        if step["id"] == SHORT_YES_NO and not larger:
            bottom = step["next"]["bottom"]
            assert bottom <= step["viewport"]["height"], f"Next is below the screen ({bottom})"
        seen += 1
        page.locator(".step-nav__next").click()
    assert seen >= 40  # every question asked without routing answers
    if size == "phone" and not larger:
        page.locator(".step-nav__back").click()
        page.locator("details.more > summary").click()
        expect(page.locator("details.stop > summary")).to_be_visible()
        axe_check(page, f"the menu open ({language})", rules=("color-contrast-enhanced",))


@pytest.mark.parametrize("language", ["en", "ar"])
def test_progress_is_a_bar_with_few_words(make_context, live_server, kiosk_token, app, language):
    page = make_context(viewport=SIZES["phone"]).new_page()
    enrol(page, live_server, kiosk_token, check_a11y=False)
    choose_language_and_start(page, live_server, language, check_a11y=False)
    read_welcome(page, live_server, check_a11y=False)
    with app.test_request_context(), force_locale(language):
        short = gettext("{number} of {total}")
        words = gettext("Question {number} of {total}")
    expect(page.locator("form.stepping")).to_be_visible()
    total = page.locator(".question:not([data-when-question])").count()  # none answered yet
    page.locator(".step-nav__next").click()
    page.locator(".step-nav__next").click()
    count = page.locator(".progress__count")
    at = {"number": 3, "total": total}
    expect(count).to_have_text(re.compile(re.escape(short.format(**at))))
    shown = count.locator("[aria-hidden=true]")
    expect(shown).to_have_text(short.format(**at))
    # ...and those few words are all that takes room on the screen
    assert count.bounding_box()["width"] == pytest.approx(shown.bounding_box()["width"], abs=2)
    assert count.aria_snapshot().strip() == f"- paragraph: {words.format(**at)}"
    # The bar slides to its new width; measure it once it has arrived.
    page.wait_for_function("() => !document.querySelector('.progress__bar').getAnimations().length")
    bar = page.locator(".progress__bar").bounding_box()
    track = page.locator(".progress__track").bounding_box()
    assert bar["width"] == pytest.approx(track["width"] * 3 / total, abs=4)
    if language == "ar":  # the bar grows from the right, the way the page reads
        assert bar["x"] + bar["width"] == pytest.approx(track["x"] + track["width"], abs=3)
    axe_check(
        page, f"a question with its progress ({language})", rules=("color-contrast-enhanced",)
    )


def test_choosing_a_language_shows_the_start_screen_in_it(page, live_server, kiosk_token, app):
    enrol(page, live_server, kiosk_token, check_a11y=False)
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Tell the inspectors what it is like here")
    before = page.evaluate("() => history.length")
    for language in ("pl", "ar"):
        page.locator(f"#language-{language}").check()
        with app.test_request_context(), force_locale(language):
            words = gettext("Tell the inspectors what it is like here")
            start = gettext("Start")
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(heading).to_have_text(words)
        expect(page.locator("main form button[type=submit]")).to_have_text(start)
        expect(page.locator(f"#language-{language}")).to_be_checked()
        expect(
            page.locator(f"#language-{language}")
        ).to_be_focused()  # the child is where they were
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert page.evaluate("() => history.length") == before  # Back does not step through them
    axe_check(page, "the start screen in Arabic", rules=("color-contrast-enhanced",))
    page.locator("main form button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "ar")  # the choice was kept


def test_a_language_chosen_before_the_scripts_arrive_still_switches_the_screen(
    page, live_server, kiosk_token
):
    held = []  # a slow tablet: kiosk.js arrives only after the child has tapped

    def slow(route):
        if held is not None:
            held.append(route)
        else:
            route.continue_()

    enrol(page, live_server, kiosk_token, check_a11y=False)
    page.route(re.compile(r"/static/kiosk\.js"), slow)  # routing also turns off the cache
    page.goto(f"{live_server}/kiosk", wait_until="commit")
    page.locator("#language-pl").check()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert held, "kiosk.js was not requested"
    waiting, held = held, None
    for route in waiting:
        route.continue_()
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page.locator("#language-pl")).to_be_checked()


@pytest.mark.parametrize("language", ["en", "pl", "ar"])
def test_the_introduction_is_on_the_welcome_and_read_aloud(
    make_context, live_server, kiosk_token, app, language
):
    context = make_context()
    context.add_init_script(FAKE_SPEECH)
    page = context.new_page()
    enrol(page, live_server, kiosk_token, check_a11y=False)
    choose_language_and_start(page, live_server, language, check_a11y=False)
    with app.app_context():
        introduction = app.extensions["questionnaires"].current("children", "stc").introduction
    with app.test_request_context(), force_locale(language):
        words = gettext(introduction)
    if language != "en":
        assert words != introduction  # translated through the catalogue
    expect(page.locator(".read-block .introduction")).to_have_text(words)
    page.locator(".read-block button.speak").click()
    assert " ".join(words.split()) in spoken(page)[-1]["text"]
