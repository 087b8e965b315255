"""What the kiosk and staff pages say before the questions, on the real questionnaires (issue
15): the questionnaire's own introduction, in the respondent's language, and a start screen that
speaks the language a child has just chosen."""

import html
import re

import pytest
from flask_babel import force_locale

from survey_app import questionnaire_text
from tests.helpers import enrol_kiosk, post_form, start_kiosk

pytestmark = pytest.mark.db


@pytest.fixture
def app(shipped_app):
    return shipped_app


@pytest.fixture
def inspection_id(factory):
    return factory.inspection([factory.inspector()])


@pytest.fixture
def kiosk(client, factory, inspection_id):
    enrol_kiosk(client, factory.kiosk_token(inspection_id), expect=302)
    return client


def introduction(app, audience: str, language: str) -> str:
    library = app.extensions["questionnaires"]
    questionnaire = library.current(audience, "stc")
    with app.test_request_context(), force_locale(language):
        return questionnaire_text.text(questionnaire, questionnaire.introduction)


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("language", ["en", "cy", "pl", "ro", "ar"])
def test_the_childrens_welcome_gives_the_questionnaires_introduction(app, kiosk, language):
    words = introduction(app, "children", language)
    assert words.startswith("These questions are about") == (language == "en")
    start_kiosk(kiosk, language=language, expect=302)
    welcome = page_text(kiosk.get("/kiosk/welcome", expect=200))
    assert f'<p class="introduction">{words}</p>' in welcome
    # inside the block that is read aloud
    block = welcome[welcome.index('class="read-block"') :]
    assert block.index(words) < block.index("</div>")


def test_the_offline_welcome_gives_it_too(app, kiosk):
    words = introduction(app, "children", "ro")
    page = page_text(kiosk.get("/kiosk/offline/welcome?language=ro", expect=200))
    assert words in page


@pytest.mark.parametrize("language", ["en", "pl", "ar"])
def test_the_staff_questionnaire_gives_its_introduction(
    app, client, factory, inspection_id, language
):
    words = introduction(app, "staff", language)
    if language == "en":
        assert "It takes about 10 minutes." in words
    code = factory.staff_codes(inspection_id, 1)[0]
    post_form(client, f"/staff/{inspection_id}", code=code, language=language, expect=302)
    page = page_text(client.get(f"/staff/{inspection_id}/questionnaire", expect=200))
    assert f'<p class="lead introduction" data-step-intro>{words}</p>' in page


@pytest.mark.parametrize(
    ("asked", "shown"), [(None, "en"), ("ar", "ar"), ("pl", "pl"), ("xx", "en")]
)
def test_the_start_screen_shows_the_language_chosen_without_keeping_it(kiosk, asked, shown):
    query = {"language": asked} if asked else {}
    page = kiosk.get("/kiosk", query_string=query, expect=200).get_data(as_text=True)
    assert f'<html lang="{shown}"' in page
    assert re.search(rf'value="{shown}"\s+checked', page)
    assert ("autofocus" in page) == (asked == shown)
    # not remembered: the next plain start screen is in English again
    again = kiosk.get("/kiosk", expect=200).get_data(as_text=True)
    assert '<html lang="en"' in again
