"""Translations that let results compare and let every child read them (issue 15)."""

import re
from pathlib import Path

from babel.messages.pofile import read_po

from survey_app import questionnaire as qn

ROOT = Path(__file__).resolve().parents[2]


def catalogue(code: str) -> dict[str, str]:
    path = ROOT / "translations" / code / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return {
            m.id: m.string
            for m in read_po(handle)
            if m.id and isinstance(m.id, str) and not m.context
        }


def childrens_strings() -> set[str]:
    children = qn.load_directory(ROOT / "questionnaires")[("children-stc", 2)]
    found = {children.title, children.introduction}
    for section in children.sections:
        found.add(section.title)
        for question in section.questions:
            found |= {question.text, question.hint, *(o.text for o in question.options)}
    return {text for text in found if text}


def test_polish_has_no_slash_forms_that_read_aloud_badly():
    slashed = {
        msgid: text
        for msgid, text in catalogue("pl").items()
        if re.search(r"\w ?/ ?\w", text) and "/" not in msgid
    }
    assert not slashed


def test_romanian_unsafe_is_not_in_danger_and_held_hurt_is_hurt_by_staff():
    ro = catalogue("ro")
    for msgid, text in ro.items():
        if "unsafe" in msgid:
            assert "pericol" not in text, msgid
    assert ro["Were you hurt when staff held you?"] == "Te-a rănit personalul când te-a ținut?"


def test_every_childrens_string_of_version_2_is_translated_in_every_language():
    wanted = childrens_strings()
    for code in ("cy", "pl", "ro", "ar"):
        found = catalogue(code)
        assert not [text for text in wanted if not found.get(text)], code


def test_new_arabic_hints_do_not_use_a_masculine_imperative():
    ar = catalogue("ar")
    hints = [t for t in childrens_strings() if t.startswith("Think about")]
    assert hints
    for hint in hints:
        assert not ar[hint].startswith("فكّر"), hint  # "think!" said to a boy only


def test_welsh_answers_follow_the_verb_and_staff_text_keeps_its_register(shipped_app):
    from flask_babel import force_locale

    from survey_app import questionnaire_text

    library = shipped_app.extensions["questionnaires"]
    children = library.get("children-stc", 2)
    staff = library.get("staff-stc", 2)

    def answers(questionnaire, question_id):
        question = questionnaire.question(question_id)
        return [questionnaire_text.answer(questionnaire, question, o) for o in question.options[:2]]

    with shipped_app.test_request_context(), force_locale("cy"):
        assert answers(children, "safe_now") == ["Ydw", "Nac ydw"]  # Wyt ti...?
        assert answers(children, "hurt_by_staff_told") == ["Do", "Naddo"]  # Wnest ti...?
        assert answers(staff, "enough_staff") == ["Oes", "Nac oes"]  # Oes...?
        # The same English words, the children's "ti" and the staff's "chi".
        assert questionnaire_text.text(children, "Think about the last month.").startswith(
            "Meddylia"
        )
        assert questionnaire_text.text(staff, "Think about the last month.").startswith(
            "Meddyliwch"
        )
    with shipped_app.test_request_context(), force_locale("pl"):
        assert questionnaire_text.text(staff, "About you") == "Informacje o Państwu"
        assert questionnaire_text.text(children, "About you") != "Informacje o Państwu"
        assert answers(children, "safe_now") == ["Tak", "Nie"]
    with shipped_app.test_request_context(), force_locale("en"):
        assert answers(children, "safe_now") == ["Yes", "No"]
        assert questionnaire_text.text(staff, "About you") == "About you"
