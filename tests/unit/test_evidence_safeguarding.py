"""Safeguarding flags: phrase lists as data, per language, matched as whole words."""

import pytest

from survey_app.evidence import safeguarding
from survey_app.evidence.safeguarding import CATEGORIES, PhraseListError, parse

SHIPPED = safeguarding.DEFAULT_DIRECTORY


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("A boy on my unit hit me and nobody did anything", ["harm"]),
        ("Staff touched me when they searched me", ["abuse"]),
        ("I feel SUICIDAL at night", ["self_harm"]),
        ("Sometimes I want to  hurt   myself", ["self_harm"]),
        ("I don’t want to live here any more", ["self_harm"]),  # curly apostrophe
        ("Can I talk to someone please", ["wish_to_talk"]),
        ("He hit me and I want to talk to an inspector", ["harm", "wish_to_talk"]),
        ("The food is cold and lessons are boring", []),
        ("Whitehouse chess club", []),  # "hit" inside a word is not "hit me"
        ("We are bullied by older boys", ["harm"]),
        # Welsh, Polish, Romanian, Arabic
        ("Dw i eisiau siarad â rhywun", ["wish_to_talk"]),
        ("Chcę umrzeć", ["self_harm"]),
        ("M-a lovit un coleg", ["harm"]),
        ("أريد أن أتحدث مع مفتش", ["wish_to_talk"]),
        ("أحتاج مساعدة من فضلك", ["wish_to_talk"]),
        ("أريد أن أموت", ["self_harm"]),
    ],
)
def test_shipped_lists_flag_what_they_should(text, flags):
    assert safeguarding.flagger().flags(text) == flags


def test_every_shipped_language_has_every_category():
    for language in ("en", "cy", "pl", "ro", "ar"):
        path = SHIPPED / f"{language}.txt"
        phrases = parse(path.read_text(encoding="utf-8"), path.name)
        assert set(phrases) == set(CATEGORIES), language


def test_a_phrase_ending_in_a_star_matches_longer_words_only_from_the_start(tmp_path):
    (tmp_path / "en.txt").write_text("[self_harm]\nsuicid*\n", encoding="utf-8")
    flagger = safeguarding.flagger(tmp_path)
    assert flagger.flags("suicide") == ["self_harm"]
    assert flagger.flags("suicidal thoughts") == ["self_harm"]
    assert flagger.flags("presuicide") == []


def test_edited_files_are_used(tmp_path):
    (tmp_path / "en.txt").write_text("# ours\n[wish_to_talk]\nbanana split\n", encoding="utf-8")
    flagger = safeguarding.flagger(tmp_path)
    assert flagger.flags("I would like a BANANA   split") == ["wish_to_talk"]
    assert flagger.flags("I want to talk to someone") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hello\n", "t.txt:1: a phrase before any [category] heading"),
        ("[worry]\nx\n", "t.txt:1: unknown category [worry]"),
        ("[harm]\n*\n", "t.txt:2: an empty phrase"),
    ],
)
def test_bad_files_are_reported_with_file_and_line(text, message):
    with pytest.raises(PhraseListError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse(text, "t.txt")


def test_an_empty_folder_is_an_error(tmp_path):
    with pytest.raises(PhraseListError, match="no safeguarding phrase files"):
        safeguarding.flagger(tmp_path)
