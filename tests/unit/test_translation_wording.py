"""Translations that let results compare and let every child read them (issue 15)."""

import re
from pathlib import Path

from babel.messages.pofile import read_po

from survey_app import questionnaire as qn

ROOT = Path(__file__).resolve().parents[2]


def catalogue(code: str) -> dict[str, str]:
    path = ROOT / "translations" / code / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id and isinstance(m.id, str)}


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
