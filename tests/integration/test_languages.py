"""Both shipped questionnaires render in every shipped language, with nothing left in English."""

import pytest
from babel.messages.pofile import read_po
from markupsafe import escape

from survey_app.languages import LANGUAGES
from tests.conftest import ROOT_DIR
from tests.helpers import Factory, enrol_kiosk, post_form, start_kiosk

pytestmark = pytest.mark.db
OTHER_LANGUAGES = sorted(set(LANGUAGES) - {"en"})


def catalogue(code):
    path = ROOT_DIR / "translations" / code / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


def untranslated(page: str, questionnaire, translations) -> list[str]:
    """English question and answer texts that appear in the page although translated."""
    texts = [q.text for q in questionnaire.questions]
    texts += [o.text for q in questionnaire.questions for o in q.options]
    first = translations.get(questionnaire.questions[0].text)
    assert first and shown(first, page), "the first question is not shown translated"
    return [
        text
        for text in texts
        if translations.get(text)
        and translations[text] != text
        and shown(text, page, whole_element=True)
    ]


def shown(text: str, page: str, whole_element: bool = False) -> bool:
    """Catalogue text is trusted and reaches the page as written; escaping is allowed too."""
    forms = {text, str(escape(text))}
    if whole_element:
        forms = {f">{form}<" for form in forms}
    return any(form in page for form in forms)


@pytest.fixture
def setup(shipped_app):
    factory = Factory(shipped_app)
    inspection_id = factory.inspection([factory.inspector()])
    return shipped_app, factory, inspection_id


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_the_childrens_questionnaire_renders_translated(setup, code):
    app, factory, inspection_id = setup
    client = app.test_client()
    enrol_kiosk(client, factory.kiosk_token(inspection_id))
    start_kiosk(client, code)
    page = client.get("/kiosk/questionnaire").get_data(as_text=True)
    direction = LANGUAGES[code].direction
    assert f'<html lang="{code}" dir="{direction}">' in page
    questionnaire = app.extensions["questionnaires"].current("children", "stc")
    assert untranslated(page, questionnaire, catalogue(code)) == []


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_the_staff_questionnaire_renders_translated(setup, code):
    app, factory, inspection_id = setup
    client = app.test_client()
    code_text = factory.staff_codes(inspection_id, 1)[0]
    post_form(client, f"/staff/{inspection_id}", code=code_text, language=code, expect=302)
    page = client.get(f"/staff/{inspection_id}/questionnaire").get_data(as_text=True)
    assert f'<html lang="{code}"' in page
    questionnaire = app.extensions["questionnaires"].current("staff", "stc")
    assert untranslated(page, questionnaire, catalogue(code)) == []
