"""The browser's answer checking (survey_app/static/answers.js) against the server's
(survey_app/answers.py): on thousands of generated forms, for the tiny and the shipped
questionnaires, both keep the same answers and find the same problems. This is what keeps the
offline tablet's rules from drifting away from the server's."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from survey_app.answers import check
from survey_app.questionnaire import Library
from tests.conftest import SHIPPED_QUESTIONNAIRES, TINY_QUESTIONNAIRES

pytestmark = pytest.mark.browser

LIBRARIES = {
    "tiny": Library.from_directory(TINY_QUESTIONNAIRES),
    "shipped": Library.from_directory(SHIPPED_QUESTIONNAIRES),
}
QUESTIONNAIRES = [q for library in LIBRARIES.values() for q in library]

# Whitespace Python strips and JavaScript's trim() does not (and the other way round), long
# text in characters outside the Basic Multilingual Plane, and near-miss answer ids.
AWKWARD = st.sampled_from(
    ["", " ", "\x1c", "\x85", "\ufeff", "\u3000 yes \u3000", "YES", "yes ", "😀" * 3, "a\x00b"]
)


def values_for(question):
    real = st.sampled_from(question.option_ids) if question.option_ids else st.nothing()
    text = st.text(max_size=8) | AWKWARD
    if question.type == "text":
        limit = question.max_length or 10
        text = text | st.sampled_from(["x" * limit, "x" * (limit + 1), "😀" * limit])
        text = text | st.sampled_from(["😀" * (limit + 1), " " + "x" * limit + " "])
    return st.lists(real | text, max_size=3)


@st.composite
def forms(draw):
    questionnaire = draw(st.sampled_from(QUESTIONNAIRES))
    entries = []
    for question in questionnaire.questions:
        if draw(st.booleans()):
            entries += [(question.id, value) for value in draw(values_for(question))]
    entries = draw(st.permutations(entries))
    return questionnaire, entries


@pytest.fixture(scope="module")
def checker(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_content("<!doctype html><title>answers</title>")
    page.add_script_tag(path=str(SHIPPED_QUESTIONNAIRES.parent / "survey_app/static/answers.js"))
    yield page
    context.close()


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(form=forms())
def test_the_browser_checks_answers_as_the_server_does(checker, form):
    questionnaire, entries = form
    server = check(questionnaire, MultiDict(entries))
    browser = checker.evaluate(
        "([definition, entries]) => SurveyAnswers.check(definition, entries)",
        [questionnaire.client_definition(), [list(entry) for entry in entries]],
    )
    assert browser["answers"] == server.answers
    assert sorted(browser["errors"]) == sorted(server.errors)


def test_a_drifted_rule_would_be_caught(checker):
    """The comparison can fail: JavaScript's own trim() keeps a character Python strips."""
    questionnaire = LIBRARIES["tiny"].get("tiny-children", 1)
    entries = [["anything_else", "\x1chello\x1c"]]
    server = check(questionnaire, MultiDict(entries))
    drifted = checker.evaluate(
        "([definition, entries]) => entries.map(([name, value]) => value.trim())",
        [questionnaire.client_definition(), entries],
    )
    assert server.answers["anything_else"] == "hello" != drifted[0]
