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


# --- the matcher: what people mean, not only the letters written ---------------------------


def test_the_categories_are_the_questionnaires_disclosure_categories():
    from survey_app.questionnaire import DISCLOSURE_CATEGORIES

    assert CATEGORIES == DISCLOSURE_CATEGORIES


def lists(tmp_path, name, text):
    (tmp_path / name).write_text(text, encoding="utf-8")
    return safeguarding.Flagger.from_files([tmp_path / name])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Chcę się zabić", "chce sie zabic"),  # Polish accents and the stroked l
        ("Mă tai, şi ţi-e frică", "ma tai, si ti-e frica"),  # Romanian cedilla and comma
        ("Dŵr â chŷn", "dwr a chyn"),  # Welsh to bach
        ("أُرِيدُ أنْ أمـــوت", "اريد ان اموت"),  # harakat, tatweel, hamza on alef
        ("إهمال آذاني مسؤول", "اهمال اذاني مسوول"),
        ("مساعدة على", "مساعده علي"),  # taa marbuta, alef maqsura
    ],
)
def test_folding(text, expected):
    assert safeguarding.normalise(text) == expected


def test_word_forms_come_from_the_stemmer(tmp_path):
    flagger = lists(tmp_path, "en.txt", "[harm]\nhurt me\n")
    assert flagger.flags("they keep hurting me") == ["harm"]
    assert flagger.flags("he hurts me") == ["harm"]
    flagger = lists(tmp_path, "ro.txt", "[restraint]\nimobilizare\n")
    assert flagger.flags("m-au imobilizat") == ["restraint"]


def test_misspellings_of_longer_words_match_short_words_do_not(tmp_path):
    flagger = lists(tmp_path, "en.txt", "[harm]\nthreatening\nbully\n[self_harm]\nsuicid*\n")
    assert flagger.flags("they keep threatning me") == ["harm"]  # one letter missing
    assert flagger.flags("threetning") == ["harm"]  # two edits in a long word
    assert flagger.flags("sucidal") == ["self_harm"]  # a misspelt prefix
    assert flagger.flags("bulli") == ["harm"]  # stem of bully
    assert flagger.flags("belly") == ["harm"]  # five letters, one edit: flagged (errs that way)
    assert flagger.flags("bull") == []  # four letters: no guessing


def test_exact_words_are_not_stemmed_or_guessed(tmp_path):
    flagger = lists(tmp_path, "en.txt", "[self_harm]\n=cutting\n[restraint]\n=prone\n")
    assert flagger.flags("been cutting again") == ["self_harm"]
    assert flagger.flags("I cut my hair") == []
    assert flagger.flags("more phone calls") == []  # "phone" is one edit from "prone"


def test_word_order_and_words_between(tmp_path):
    flagger = lists(tmp_path, "en.txt", "[self_harm]\nwant to die\n[harm]\nhit me\n")
    assert flagger.flags("i want to die") == ["self_harm"]
    assert flagger.flags("i just want to honestly die") == ["self_harm"]  # two words between
    assert flagger.flags("die is what i want to do") == []  # too far apart
    assert flagger.flags("me? they hit") == ["harm"]  # any order
    assert flagger.flags("hit the ball to me") == []  # two words between a two-word phrase


def test_alternatives_in_one_place(tmp_path):
    flagger = lists(tmp_path, "en.txt", "[harm]\nhit/kick*/batter* me/us\n")
    assert flagger.flags("they battered us") == ["harm"]
    assert flagger.flags("he kicked me") == ["harm"]
    assert flagger.flags("he kicked the ball") == []


def test_welsh_mutations_match_the_radical(tmp_path):
    flagger = lists(tmp_path, "cy.txt", "[harm]\nbrifo\ncuro\n[abuse]\ncyffwrdd\n")
    for text in ("maen nhw'n fy mrifo i", "wnaeth e frifo fi", "brifo"):  # nasal, soft, radical
        assert flagger.flags(text) == ["harm"], text
    assert flagger.flags("yn fy nghuro") == ["harm"]  # nasal ngh- for c-
    assert flagger.flags("wnaeth o gyffwrdd â fi") == ["abuse"]  # soft g- for c-
    assert flagger.flags("brifodd") == ["harm"]  # a hand-kept ending


def test_welsh_little_words_do_not_separate_a_phrase(tmp_path):
    flagger = lists(tmp_path, "cy.txt", "[harm]\nddim saff\n")
    assert flagger.flags("dydw i ddim yn teimlo'n saff") == ["harm"]


def test_arabic_attached_prefixes_and_letter_forms(tmp_path):
    flagger = lists(
        tmp_path, "ar.txt", "[self_harm]\nانتحار\n[harm]\nسكين\n[wish_to_talk]\nأحتاج مساعدة\n"
    )
    assert flagger.flags("افكر بالانتحار") == ["self_harm"]  # ب + ال
    # prefixes the Snowball stemmer leaves on: ف + ال, و + ال, و + ب + ال
    assert flagger.flags("فالانتحار") == ["self_harm"]
    assert flagger.flags("والسكين") == ["harm"]
    assert flagger.flags("هددني وبالسكين") == ["harm"]
    assert flagger.flags("احتاج مساعده") == ["wish_to_talk"]  # no hamza, taa marbuta as haa
    assert flagger.flags("أحْتَاجُ المساعدة") == ["wish_to_talk"]  # harakat, ال


def test_a_file_for_another_language_still_folds_and_matches_words(tmp_path):
    flagger = lists(tmp_path, "fr.txt", "[harm]\nfrappé\n")
    assert flagger.flags("il m'a FRAPPE") == ["harm"]


def test_a_two_word_alternative_is_reported():
    with pytest.raises(PhraseListError, match=r"t.txt:2: 'self-harm' is two words"):
        parse("[self_harm]\ncut/self-harm myself\n", "t.txt")


def test_explain_names_the_phrase():
    flagger = safeguarding.flagger()
    assert ("en", "self_harm", "kms") in flagger.explain("i want to kms")


# --- the corpus: recall is the requirement, precision is reported --------------------------

CORPUS_LANGUAGES = ("en", "cy", "pl", "ro", "ar")


def test_the_corpus_is_big_enough_and_labelled_with_known_categories():
    from benchmarks.safeguarding import load

    for language in CORPUS_LANGUAGES:
        positive, negative = load(language)
        assert len(positive) >= 40, language
        assert len(negative) >= 40, language
        assert {category for category, _ in positive} == set(CATEGORIES), language
        assert len({text for _, text in positive} | set(negative)) == len(positive) + len(
            negative
        ), f"{language}: a comment is listed twice"


@pytest.mark.parametrize("language", CORPUS_LANGUAGES)
def test_recall_on_the_corpus_is_at_least_95_percent(language):
    from benchmarks.safeguarding import score

    scores = score(safeguarding.flagger(), language)
    overall = scores["all"]
    print(
        f"{language}: recall {overall.found}/{overall.positives}, precision "
        f"{overall.right}/{overall.flagged}"
    )
    missed = overall.positives - overall.found
    assert overall.recall >= 0.95, f"{language}: {missed} positive comments not flagged"


# Speed is measured by `python -m benchmarks.safeguarding` (timings are too noisy for a unit
# test on a shared machine): about 0.25 s for 2,000 comments with a new flagger.


def test_the_evidence_schema_names_every_category_the_flags_and_ticks_can_have():
    """A comment flagged as restraint, staff misconduct or whistleblowing must not make the
    JSON export fail its own schema (the schema once listed only four categories)."""
    import json
    import re
    from pathlib import Path

    from survey_app.questionnaire import DISCLOSURE_CATEGORIES

    schema_path = Path(__file__).resolve().parents[2] / "survey_app/schema/evidence.schema.json"
    text = schema_path.read_text(encoding="utf-8")
    enums = [
        tuple(json.loads(match))
        for match in re.findall(r'"enum": (\[[^\]]*"wish_to_talk"[^\]]*\])', text)
    ]
    assert enums, "no category enum found in the evidence schema"
    assert all(enum == DISCLOSURE_CATEGORIES for enum in enums), enums
