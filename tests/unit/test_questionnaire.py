"""Questionnaire definitions: the shipped files load, and every broken one is refused precisely."""

import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_app import questionnaire as qn

ROOT = Path(__file__).resolve().parents[2]

VALID = """\
id: sample
version: 1
audience: children
title: Sample
establishment_types: [stc]
sections:
  - id: main
    title: Main
    questions:
      - id: safe
        type: yes_no
        area: safety
        text: Do you feel safe?
        positive: [yes]
      - id: why
        type: text
        area: comments
        text: Why?
        max_length: 100
"""


def parse(text, source="sample.v1.yaml"):
    return qn.parse(textwrap.dedent(text), source)


def test_shipped_questionnaires_load_with_full_content():
    loaded = qn.load_directory(ROOT / "questionnaires")
    children = max(
        (q for q in loaded.values() if q.audience == "children"), key=lambda q: q.version
    )
    staff = max((q for q in loaded.values() if q.audience == "staff"), key=lambda q: q.version)
    # Version 2 covers every concern in the seeds; follow-ups are asked only when they apply.
    assert 40 <= len(children.questions) <= 75
    assert 30 <= len(staff.questions) <= 50
    for questionnaire in (children, staff):
        assert any(q.background for q in questionnaire.questions)
        assert questionnaire.questions[-1].type == "text"


def test_shipped_questionnaires_mark_the_answers_that_disclose_harm():
    loaded = qn.load_directory(ROOT / "questionnaires")
    children = loaded[("children-stc", 1)]
    staff = loaded[("staff-stc", 1)]
    for question_id in ("child_hurt_what", "staff_hurt_what"):
        assert children.question(question_id).disclosures["sexual"] == "abuse"
        assert children.question(question_id).disclosures["hit_kicked"] == "harm"
        assert "called_names" not in children.question(question_id).disclosures
    assert children.question("staff_hurt").disclosures == {"yes": "staff_misconduct"}
    assert children.question("held_hurt").disclosures == {"yes": "restraint"}
    marked = {c for q in staff.questions for c in q.disclosures.values()}
    assert marked == {"staff_misconduct", "restraint", "whistleblowing"}
    tiny = qn.load_directory(ROOT / "tests" / "questionnaires")[("tiny-children", 1)]
    assert tiny.question("hurt_how").disclosures == {"hit": "harm", "threatened": "harm"}


def test_every_choice_question_offers_dont_want_to_say_like_any_other_answer():
    units = (qn.Option("unit_1", "Oak"), qn.Option("unit_2", "Ash"))
    for shipped in qn.load_directory(ROOT / "questionnaires").values():
        for kind in ("stc", "yoi", "sch"):
            for question in shipped.tailored(kind, units).questions:
                if question.is_choice:
                    assert question.option_ids[-1] == qn.DONT_WANT_TO_SAY
                    others = question.options[:-1]
                    dont = question.options[-1]
                    if shipped.audience == "children":
                        # wherever another answer has a symbol; never the only one
                        assert bool(dont.symbol) == any(o.symbol for o in others)
                    else:
                        assert bool(dont.symbol) == all(o.symbol for o in others)


def test_symbols_on_a_childrens_questionnaire_follow_one_rule():
    """The same answer looks the same on every screen: Yes is a tick and No a cross wherever
    they answer (a yes/no question or among other answers), "I don't want to say" a question
    mark wherever another answer has a symbol, and every point of a scale has its own."""
    for questionnaire in qn.load_directory(ROOT / "questionnaires").values():
        if questionnaire.audience != "children":
            continue
        for question in questionnaire.questions:
            for option in question.options:
                if question.is_choice and qn.YES_NO_TEXT.get(option.id) == option.text:
                    assert option.symbol == qn.YES_NO_SYMBOLS[option.id], (question.id, option)
                if question.type == "scale":
                    assert option.symbol, (question.id, option)
    worries = qn.load_directory(ROOT / "questionnaires")[("children-stc", 2)].question(
        "arrival_worries_help"
    )
    assert [o.symbol for o in worries.options] == ["tick", "cross", None, "question"]
    staff = parse(VALID.replace("audience: children", "audience: staff"))
    assert [o.symbol for o in staff.question("safe").options] == [None, None, None]


def test_yes_and_no_stay_answer_ids_not_booleans():
    question = parse(VALID).question("safe")
    assert question.positive == frozenset({"yes"})
    assert question.option_ids == ("yes", "no", qn.DONT_WANT_TO_SAY)


def test_tiny_test_questionnaires_load():
    loaded = qn.load_directory(ROOT / "tests" / "questionnaires")
    assert set(loaded) == {("tiny-children", 1), ("tiny-staff", 1)}


BROKEN = {
    "missing field": (
        VALID.replace("        area: safety\n", "", 1),
        "sample.v1.yaml:10: sections[0].questions[0]: 'area' is a required property",
    ),
    "unknown type": (
        VALID.replace("type: yes_no", "type: slider"),
        "sample.v1.yaml:11: sections[0].questions[0].type: 'slider' is not one of",
    ),
    "bad id": (
        VALID.replace("id: safe", "id: Safe Now"),
        "sample.v1.yaml:10: sections[0].questions[0].id: 'Safe Now' does not match",
    ),
    "duplicate id": (
        VALID.replace("id: why", "id: safe"),
        "sample.v1.yaml:15: sections[0].questions[1].id: question id 'safe' is used twice",
    ),
    "positive not an option": (
        VALID.replace("positive: [yes]", "positive: [maybe]"),
        "sample.v1.yaml:14: sections[0].questions[0].positive: positive answer 'maybe' is not an option",
    ),
    "text without limit": (
        VALID.replace("        max_length: 100\n", ""),
        "sample.v1.yaml:15: sections[0].questions[1]: 'max_length' is a required property",
    ),
    "routing to a later question": (
        VALID.replace(
            "        positive: [yes]\n",
            "        positive: [yes]\n        when: {question: why, answers: [yes]}\n",
        ),
        "sample.v1.yaml:15: sections[0].questions[0].when.question: routing refers to 'why', "
        "which is not an earlier question",
    ),
    "routing to an answer that does not exist": (
        VALID.replace(
            "        max_length: 100\n",
            "        max_length: 100\n        when: {question: safe, answers: [sometimes]}\n",
        ),
        "sample.v1.yaml:20: sections[0].questions[1].when.answers: 'sometimes' is not an answer of 'safe'",
    ),
    "listing dont want to say": (
        VALID.replace(
            "        type: yes_no\n",
            "        type: single\n        options:\n          - {id: a, text: A}\n"
            "          - {id: dont_want_to_say, text: No}\n",
        ).replace("positive: [yes]", "positive: [a]"),
        'sample.v1.yaml:14: sections[0].questions[0].options[1].id: "I don\'t want to say" is added',
    ),
    "children's scale without symbols": (
        VALID.replace(
            "        type: yes_no\n",
            "        type: scale\n        options:\n          - {id: a, text: A}\n"
            "          - {id: b, text: B}\n",
        ).replace("positive: [yes]", "positive: [a]"),
        "sample.v1.yaml:13: sections[0].questions[0].options: every point of a children's scale needs a symbol",
    ),
    "not applicable answer that is not an option": (
        VALID.replace(
            "        positive: [yes]\n",
            "        positive: [yes]\n        not_applicable: [never]\n",
        ),
        "sample.v1.yaml:15: sections[0].questions[0].not_applicable: not-applicable answer 'never' is not an option",
    ),
    "not applicable answer that is also positive": (
        VALID.replace(
            "        positive: [yes]\n", "        positive: [yes]\n        not_applicable: [yes]\n"
        ),
        "sample.v1.yaml:15: sections[0].questions[0].not_applicable: 'yes' cannot be both not applicable and a positive",
    ),
    "disclosing answer that is not an option": (
        VALID.replace(
            "        positive: [yes]\n",
            "        positive: [yes]\n        disclosures: {hurt: harm}\n",
        ),
        "sample.v1.yaml:15: sections[0].questions[0].disclosures: disclosing answer 'hurt' is not an option",
    ),
    "disclosure of an unknown category": (
        VALID.replace(
            "        positive: [yes]\n",
            "        positive: [yes]\n        disclosures: {no: bad_day}\n",
        ),
        "sample.v1.yaml:15: sections[0].questions[0].disclosures.no: 'bad_day' is not one of",
    ),
    "unknown period": (
        VALID.replace(
            "        positive: [yes]\n", "        positive: [yes]\n        period: ever\n"
        ),
        "sample.v1.yaml:15: sections[0].questions[0].period: 'ever' is not one of",
    ),
    "not yaml": (
        "id: [unclosed\n",
        "sample.v1.yaml:2: (document): not valid YAML",
    ),
    "unknown key": (
        VALID.replace("title: Sample", "title: Sample\ncolour: blue"),
        "sample.v1.yaml:1: (document): Additional properties are not allowed ('colour' was unexpected)",
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_definitions_are_refused_with_file_line_path_and_problem(name):
    text, expected = BROKEN[name]
    with pytest.raises(qn.DefinitionError) as refused:
        parse(text)
    assert any(problem.startswith(expected) for problem in refused.value.problems), (
        refused.value.problems
    )


def test_not_applicable_disclosures_and_period_are_read():
    text = VALID.replace(
        "        positive: [yes]\n",
        "        positive: [yes]\n        not_applicable: [no]\n        disclosures: {no: harm}\n"
        "        period: last_month\n",
    )
    question = parse(text).questions[0]
    assert question.not_applicable == {"no"}
    assert question.disclosures == {"no": "harm"}
    assert question.period == "last_month"


def test_schema_lists_the_same_categories_and_periods_as_the_code():
    import json

    schema = json.loads(
        Path(qn.__file__).with_name("schema").joinpath("questionnaire.schema.json").read_text()
    )
    properties = schema["$defs"]["question"]["properties"]
    assert (
        tuple(properties["disclosures"]["additionalProperties"]["enum"]) == qn.DISCLOSURE_CATEGORIES
    )
    assert tuple(properties["period"]["enum"]) == qn.PERIODS


def test_every_problem_is_reported_at_once():
    text = VALID.replace("type: yes_no", "type: slider").replace("max_length: 100", "max_length: 0")
    with pytest.raises(qn.DefinitionError) as refused:
        parse(text)
    assert len(refused.value.problems) == 2


def write(directory, name, text):
    (directory / name).write_text(textwrap.dedent(text))


def test_a_new_version_may_not_change_what_an_existing_id_means(tmp_path):
    write(tmp_path, "sample.v1.yaml", VALID)
    write(
        tmp_path,
        "sample.v2.yaml",
        VALID.replace("version: 1", "version: 2").replace("[yes]", "[no]"),
    )
    with pytest.raises(qn.DefinitionError) as refused:
        qn.load_directory(tmp_path)
    assert "sample.v2.yaml:1: safe: changes the meaning of question 'safe' from version 1" in (
        "\n".join(refused.value.problems)
    )


def test_a_new_version_may_reword_and_add_questions(tmp_path):
    write(tmp_path, "sample.v1.yaml", VALID)
    v2 = VALID.replace("version: 1", "version: 2").replace(
        "Do you feel safe?", "Do you feel safe here?"
    )
    v2 += "      - id: food\n        type: yes_no\n        area: daily_life\n        text: Is the food good?\n"
    write(tmp_path, "sample.v2.yaml", v2)
    library = qn.Library.from_directory(tmp_path)
    assert library.current("children", "stc").version == 2
    assert library.get("sample", 1).question("safe").text == "Do you feel safe?"


def test_file_name_must_match_id_and_version(tmp_path):
    write(tmp_path, "other.v1.yaml", VALID)
    with pytest.raises(qn.DefinitionError, match="file should be named sample.v1.yaml"):
        qn.load_directory(tmp_path)


def test_pairs_must_point_at_each_other_across_audiences(tmp_path):
    write(
        tmp_path,
        "sample.v1.yaml",
        VALID.replace("positive: [yes]", "positive: [yes]\n        pair: staffside/safe"),
    )
    staff = VALID.replace("id: sample", "id: staffside").replace(
        "audience: children", "audience: staff"
    )
    write(tmp_path, "staffside.v1.yaml", staff)
    with pytest.raises(qn.DefinitionError, match="must pair back with pair: sample/safe"):
        qn.load_directory(tmp_path)


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=300))
def test_any_text_either_parses_or_raises_a_definition_error(text):
    try:
        qn.parse(text, "fuzz.v1.yaml")
    except qn.DefinitionError as error:
        assert all(problem.startswith("fuzz.v1.yaml:") for problem in error.problems)


def test_version_2_keeps_the_disclosures_and_covers_the_concerns_of_the_seeds():
    loaded = qn.load_directory(ROOT / "questionnaires")
    children, staff = loaded[("children-stc", 2)], loaded[("staff-stc", 2)]
    for question_id in ("hurt_by_child_what", "hurt_by_staff_what"):
        assert children.question(question_id).disclosures == {
            "hit_kicked": "harm",
            "threatened": "harm",
            "sexual": "abuse",
        }
    assert children.question("hurt_by_staff").disclosures == {"yes": "staff_misconduct"}
    assert children.question("held_recently_hurt").disclosures == {"yes": "restraint"}
    assert set(children.question("self_harm_help").disclosures.values()) == {"self_harm"}
    marked = {c for q in staff.questions for c in q.disclosures.values()}
    assert marked == {"staff_misconduct", "restraint", "whistleblowing"}
    # Harm by staff no longer mixes in confiscation, and has its "did you tell?" follow-up.
    assert "things_taken" not in children.question("hurt_by_staff_what").option_ids
    assert children.question("hurt_by_staff_told").when.question == "hurt_by_staff"
    for question_id in (
        "searched_how", "know_advocate", "leaders_seen", "staff_there_when_needed",
        "hours_out_of_room_weekend", "locked_in_room_how_long", "kept_apart", "rewards_fair",
        "sanctions_fair", "treated_worse", "self_harm_help", "time_here",
    ):  # fmt: skip
        children.question(question_id)
    for question_id in (
        "separation_shortest_time", "children_rewards_fair", "children_sanctions_fair",
        "children_treated_worse", "self_harm_support", "colleague_mistreat_seen",
        "could_report_safely",
    ):  # fmt: skip
        staff.question(question_id)
    # A child's "No" no longer mixes "not allowed", "no family" and "no lessons" with "No".
    assert {"not_allowed", "no_one"} <= children.question("phone_family_needed").not_applicable
    assert "no_family" in children.question("family_visit").not_applicable
    for question_id in ("learning_in_lessons", "safe_in_lessons"):
        assert children.question(question_id).not_applicable == {"no_lessons"}
    # Agree/disagree scales have a middle and a "don't know" outside the base.
    for question in staff.questions:
        if "strongly_agree" in question.option_ids:
            assert "neither" in question.option_ids
            assert question.not_applicable == {"not_sure"}
