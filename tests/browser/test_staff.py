"""The staff journey on a phone-sized screen: a one-time code (typed, or from a QR link), the
anonymity page, the questions, thanks; one kind message for used and made-up codes; the
rate limit; pages under 100 KB; and a database that holds nothing joining a code to answers."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from survey_app.models import SealedResponse, db
from tests.browser.conftest import axe_check
from tests.integration.test_staff import assert_nothing_links_codes_to_responses

pytestmark = pytest.mark.browser

CODE_ERROR = (
    "We could not accept that code. Please check it and try again. "
    "If it still does not work, ask an inspector for a new slip."
)
MADE_UP_CODE = "ABCD-EFGH-JKMN"
PAGE_BUDGET = 100 * 1024  # bytes transferred for a whole staff page, everything included

# (question id, answer label), chosen in page order by their label text.
CHOICES = [
    ("children_safe", "Yes"),
    ("single_staffed", "Once or twice a month"),
    ("role_group", "Frontline care"),
]
COMMENT = "Is there anything else you want to tell the inspectors?"


@pytest.fixture
def inspection_id(factory) -> str:
    return factory.inspection(inspectors=[factory.inspector()])


def _at(path: str):
    return re.compile(re.escape(path) + r"(\?.*)?$")


def enter_code(page, live_server: str, inspection_id: str, code: str):
    """Open the staff link, type the code and continue; returns the POST's response."""
    page.goto(f"{live_server}/staff/{inspection_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Staff survey: Test Secure Training Centre"
    )
    page.get_by_label("The code on your slip").fill(code)
    return press_continue(page, inspection_id)


def press_continue(page, inspection_id: str):
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith(f"/staff/{inspection_id}")
    ) as posted:
        page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    return posted.value


def answer_questions(page, marker: str, check_a11y: bool = True, scripts: bool = True) -> None:
    """Answer every question, a section per screen with JavaScript or on one page without."""
    if scripts:  # the deferred stepper takes over before the first answer, never during it
        expect(page.locator("form.stepping")).to_be_visible()
    for question, label in CHOICES:
        block = page.locator(f"#question-{question}")
        if not block.is_visible():
            page.locator(".step-nav__next").click()
            if check_a11y:
                axe_check(page, "questionnaire, next section")
        choice = block.get_by_label(label, exact=True)
        choice.check()
        expect(choice).to_be_checked()
    page.get_by_label(COMMENT).fill(marker)


def send(page, live_server: str, inspection_id: str) -> None:
    page.get_by_role("button", name="Send my answers").click()
    expect(page).to_have_url(_at(f"{live_server}/staff/{inspection_id}/thanks"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you. Your answers have been sent."
    )


def assert_kind_error(page, screen: str) -> None:
    expect(page).to_have_title(re.compile(r"^Please check the code: Enter your code"))
    expect(page.locator("#code-error")).to_have_text(CODE_ERROR)
    code = page.get_by_label("The code on your slip")
    expect(code).to_have_attribute("aria-describedby", "code-hint code-error")
    expect(code).to_have_value("")  # the code typed is not echoed back
    axe_check(page, screen)


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SealedResponse))


def test_staff_member_answers_on_a_phone(phone_page, live_server, factory, inspection_id, app):
    page = phone_page
    assert page.viewport_size == {"width": 360, "height": 740}
    first, second = factory.staff_codes(inspection_id, 2)
    marker = f"zebra-marker-{uuid.uuid4().hex}"

    page.goto(f"{live_server}/staff/{inspection_id}")
    axe_check(page, "code entry")
    posted = enter_code(page, live_server, inspection_id, first)
    assert posted.status == 302
    expect(page).to_have_url(_at(f"{live_server}/staff/{inspection_id}/about"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers are anonymous")
    axe_check(page, "anonymity page")

    page.get_by_role("link", name="Start the questions").click()
    expect(page).to_have_url(_at(f"{live_server}/staff/{inspection_id}/questionnaire"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Working here")
    axe_check(page, "questionnaire")
    answer_questions(page, marker)
    axe_check(page, "questionnaire, answered")
    send(page, live_server, inspection_id)
    axe_check(page, "thanks")
    assert stored(app) == 1

    # The same code again: refused, with the one kind message.
    posted = enter_code(page, live_server, inspection_id, first)
    assert posted.status == 400
    assert_kind_error(page, "code entry, used code")

    # A made-up code gets exactly the same message, so nothing tells the two apart.
    assert MADE_UP_CODE.replace("-", "") not in {code.replace("-", "") for code in (first, second)}
    posted = enter_code(page, live_server, inspection_id, MADE_UP_CODE)
    assert posted.status == 400
    assert_kind_error(page, "code entry, made-up code")

    # Refusals spend nothing: the other slip still works.
    posted = enter_code(page, live_server, inspection_id, second)
    assert posted.status == 302
    expect(page).to_have_url(_at(f"{live_server}/staff/{inspection_id}/about"))


def test_a_qr_link_fills_in_the_code_and_then_forgets_it(
    phone_page, live_server, factory, inspection_id, app
):
    page = phone_page
    code = factory.staff_codes(inspection_id, 1)[0]
    raw = code.replace("-", "")
    page.goto(f"{live_server}/staff/{inspection_id}?code={raw}")
    field = page.get_by_label("The code on your slip")
    expect(field).to_have_value(code)
    expect(page.locator("#code-hint")).to_contain_text("The QR code has filled in your code")
    # The script takes the code out of the address bar and the history at once.
    expect(page).to_have_url(f"{live_server}/staff/{inspection_id}")
    axe_check(page, "code entry from a QR link")

    assert press_continue(page, inspection_id).status == 302  # one tap
    expect(page).to_have_url(f"{live_server}/staff/{inspection_id}/about")
    assert raw not in page.content() and code not in page.content()
    page.go_back()  # the history entry is the plain link now: on to the questions
    expect(page).to_have_url(f"{live_server}/staff/{inspection_id}/about")
    assert raw not in page.url

    page.get_by_role("link", name="Start the questions").click()
    answer_questions(page, f"qr-marker-{uuid.uuid4().hex}", check_a11y=False)
    send(page, live_server, inspection_id)
    assert stored(app) == 1


def test_a_qr_link_works_without_scripts_and_never_shows_a_used_code(
    make_context, live_server, factory, inspection_id, app
):
    # The app's scripts blocked (so axe, which needs JavaScript itself, can still scan).
    page = make_context(phone=True).new_page()
    page.route(re.compile(r".*\.js$"), lambda route: route.abort())
    code = factory.staff_codes(inspection_id, 1)[0]
    raw = code.replace("-", "")
    link = f"{live_server}/staff/{inspection_id}?code={raw}"
    page.goto(link)
    expect(page.get_by_label("The code on your slip")).to_have_value(code)
    expect(page).to_have_url(link)  # no script to take the code out of the address bar
    assert press_continue(page, inspection_id).status == 302
    page.goto(link)  # the link from the history, before answering: straight on
    expect(page).to_have_url(f"{live_server}/staff/{inspection_id}/about")
    page.get_by_role("link", name="Start the questions").click()
    expect(page.locator(".section:visible")).to_have_count(2)  # one page without JavaScript
    answer_questions(page, f"nojs-marker-{uuid.uuid4().hex}", check_a11y=False, scripts=False)
    axe_check(page, "questionnaire without JavaScript")
    send(page, live_server, inspection_id)
    page.goto(link)  # ...and after answering: an empty form, the used code nowhere
    expect(page.get_by_label("The code on your slip")).to_have_value("")
    assert raw not in page.content() and code not in page.content()
    assert stored(app) == 1


def test_too_many_wrong_codes_are_stopped_kindly(
    phone_page, live_server, factory, inspection_id, app
):
    app.config["CODE_ENTRY_LIMIT"] = "3 per minute"
    page = phone_page
    good = factory.staff_codes(inspection_id, 1)[0]
    for _ in range(3):
        assert enter_code(page, live_server, inspection_id, MADE_UP_CODE).status == 400
    posted = enter_code(page, live_server, inspection_id, MADE_UP_CODE)
    assert posted.status == 429
    expect(page.get_by_role("heading", level=1)).to_have_text("Please wait a moment")
    expect(page.locator("main")).to_contain_text("Please wait a few minutes, then try again.")
    axe_check(page, "too many tries")
    # While the limit holds, even a good code waits; it is not spent by waiting.
    assert enter_code(page, live_server, inspection_id, good).status == 429
    assert_nothing_links_codes_to_responses(app, inspection_id, [], [good])


def test_the_database_holds_nothing_that_joins_a_code_to_a_response(
    make_context, live_server, factory, inspection_id, app
):
    """Three phones answer, one slip is left: try to join codes to responses and fail."""
    codes = factory.staff_codes(inspection_id, 4)
    for code in codes[:3]:
        page = make_context(phone=True).new_page()
        assert enter_code(page, live_server, inspection_id, code).status == 302
        page.get_by_role("link", name="Start the questions").click()
        answer_questions(page, f"join-marker-{uuid.uuid4().hex}", check_a11y=False)
        send(page, live_server, inspection_id)
    assert stored(app) == 3
    assert_nothing_links_codes_to_responses(app, inspection_id, codes[:3], codes[3:])


def test_every_staff_page_is_under_100_kb(make_context, live_server, factory, inspection_id):
    context = make_context(phone=True)
    page = context.new_page()
    code = factory.staff_codes(inspection_id, 1)[0]
    transferred: dict[str, int] = {}

    def count(response) -> None:
        sizes = response.request.sizes()
        total = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        transferred[screen] = transferred.get(screen, 0) + total

    page.on("response", count)
    # Cold cache on every screen: each page's stylesheet and scripts count every time.
    context.new_cdp_session(page).send("Network.setCacheDisabled", {"cacheDisabled": True})
    screen = "code entry"
    page.goto(f"{live_server}/staff/{inspection_id}?code={code.replace('-', '')}")
    page.wait_for_load_state("networkidle")
    screen = "anonymity page"
    press_continue(page, inspection_id)
    page.wait_for_load_state("networkidle")
    screen = "questionnaire"
    page.get_by_role("link", name="Start the questions").click()
    page.wait_for_load_state("networkidle")
    answer_questions(page, "size", check_a11y=False)
    screen = "thanks"
    send(page, live_server, inspection_id)
    page.wait_for_load_state("networkidle")
    print("bytes transferred per staff page, cold cache:", transferred)
    assert set(transferred) == {"code entry", "anonymity page", "questionnaire", "thanks"}
    for name, total in transferred.items():
        assert 0 < total < PAGE_BUDGET, (name, total)
