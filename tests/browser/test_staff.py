"""The staff journey on a phone-sized screen: a one-time code, the anonymity page,
the questions, thanks; and one kind message for used and made-up codes."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from survey_app.models import SealedResponse, db
from tests.browser.conftest import axe_check

pytestmark = pytest.mark.browser

CODE_ERROR = (
    "We could not accept that code. Please check it and try again. "
    "If it still does not work, ask an inspector for a new slip."
)
MADE_UP_CODE = "ABCD-EFGH-JKMN"

# (question id, answer label), chosen in page order by their label text.
CHOICES = [
    ("children_safe", "Yes"),
    ("single_staffed", "Once or twice a month"),
    ("role_group", "Frontline care"),
]


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
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith(f"/staff/{inspection_id}")
    ) as posted:
        page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    return posted.value


def assert_kind_error(page, screen: str) -> None:
    expect(page).to_have_title(re.compile(r"^Please check the code: Enter your code"))
    expect(page.locator("#code-error")).to_have_text(CODE_ERROR)
    code = page.get_by_label("The code on your slip")
    expect(code).to_have_attribute("aria-describedby", "code-hint code-error")
    expect(code).to_have_value("")  # the code typed is not echoed back
    axe_check(page, screen)


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
    for question, label in CHOICES:
        choice = page.locator(f"#question-{question}").get_by_label(label, exact=True)
        choice.click()
        expect(choice).to_be_checked()
    page.get_by_label("Is there anything else you want to tell the inspectors?").fill(marker)
    axe_check(page, "questionnaire, answered")

    page.get_by_role("button", name="Send my answers").click()
    expect(page).to_have_url(_at(f"{live_server}/staff/{inspection_id}/thanks"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you. Your answers have been sent."
    )
    axe_check(page, "thanks")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SealedResponse)) == 1

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
