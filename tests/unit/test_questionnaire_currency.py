"""The newest questionnaires measure change and read well to a child: every experience
question states its period, pairs ask about the same period and the same respondents,
and every child-facing string of four words or more is at Flesch-Kincaid grade 4 or below."""

import shutil
from pathlib import Path

import pytest

from survey_app import questionnaire as qn
from survey_app import readability

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "questionnaires"


def edited(tmp_path, name: str, old: str, new: str) -> dict:
    """The shipped definitions with one edit in ``name``, loaded."""
    folder = tmp_path / "edited"
    shutil.copytree(SHIPPED, folder)
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return qn.load_directory(folder)


def test_the_shipped_definitions_hold_every_rule_of_a_current_questionnaire():
    loaded = qn.load_directory(SHIPPED)
    assert qn.current_problems(loaded.values()) == []
    latest = qn.newest(loaded.values())
    assert {q.key for q in latest.values()} == {"children-stc.v2", "staff-stc.v2"}
    for questionnaire in latest.values():
        for question in questionnaire.questions:
            assert (question.period is not None) == question.is_experience, question.id


def test_version_2_of_the_childrens_questionnaire_reads_at_grade_4_or_below():
    children = qn.load_directory(SHIPPED)[("children-stc", 2)]
    assert readability.problems(children) == []
    measured = [r for r in readability.readings(children) if r.words >= readability.MIN_WORDS]
    assert len(measured) > 200
    hard = [r for r in measured if r.grade > readability.MAX_GRADE]
    assert [r.text for r in hard] == ["Asian or Asian British"]  # a census name, kept


def test_an_experience_question_without_a_period_is_reported(tmp_path):
    loaded = edited(
        tmp_path,
        "children-stc.v2.yaml",
        '        positive: ["no"]\n        period: last_month\n\n      - id: unsafe_places',
        '        positive: ["no"]\n\n      - id: unsafe_places',
    )
    [problem] = qn.current_problems(loaded.values())
    assert "unsafe_last_month.period: an experience question must state its period" in problem


def test_a_period_the_hint_does_not_state_is_reported(tmp_path):
    loaded = edited(
        tmp_path,
        "children-stc.v2.yaml",
        "hint: Think about the last week, in the day and at night.",
        "hint: Think about the day and the night.",
    )
    [problem] = qn.current_problems(loaded.values())
    assert "staff_there_when_needed.hint: must state the period 'last_week'" in problem


def test_a_pair_asking_about_different_periods_is_reported(tmp_path):
    loaded = edited(
        tmp_path,
        "staff-stc.v2.yaml",
        "pair: children-stc/staff_there_when_needed\n        period: last_week",
        "pair: children-stc/staff_there_when_needed\n        period: last_month",
    )
    problems = qn.current_problems(loaded.values())
    assert any(
        "staff_there_when_needed.pair: asks about 'last_week' but "
        "staff-stc/staff_there_for_children asks about 'last_month'" in p
        for p in problems
    ), problems


def test_a_pair_counting_different_respondents_is_reported(tmp_path):
    # Children who never needed care are routed past the question; if staff who do not
    # know could not set themselves aside, the two percentages would have different bases.
    loaded = edited(
        tmp_path,
        "staff-stc.v2.yaml",
        '        positive: ["no"]\n        not_applicable: [not_sure]\n'
        "        pair: children-stc/appointment_missed_recently",
        '        positive: ["no"]\n        pair: children-stc/appointment_missed_recently',
    )
    problems = qn.current_problems(loaded.values())
    assert len(problems) == 2  # reported from both ends
    assert all("must count the same respondents" in p for p in problems)


def test_older_versions_and_definitions_without_periods_are_exempt():
    loaded = qn.load_directory(SHIPPED)
    v1 = [q for q in loaded.values() if q.version == 1]
    assert not any(q.period for questionnaire in v1 for q in questionnaire.questions)
    assert qn.current_problems(v1) == []  # it states no period: it measures no change
    tiny = qn.load_directory(ROOT / "tests" / "questionnaires")
    assert qn.current_problems(tiny.values()) == []


@pytest.mark.parametrize(
    ("text", "too_hard"),
    [
        ("Do you have a disability or a health condition?", True),
        ("Does your body or mind make some things hard for you?", False),
        ("Disability", False),  # under four words: the formula means little
        ("Asian or Asian British", False),  # census name
    ],
)
def test_a_hard_childrens_string_is_reported_and_a_staff_one_is_not(tmp_path, text, too_hard):
    old = "text: Does your body or mind make some things hard for you?"
    children = edited(tmp_path / "c", "children-stc.v2.yaml", old, f"text: {text}")
    problems = readability.problems(children[("children-stc", 2)])
    assert bool(problems) == too_hard
    if too_hard:
        [problem] = problems
        assert problem.startswith("children-stc.v2: disability (text): Flesch-Kincaid grade 7.")
    staff = qn.load_directory(SHIPPED)[("staff-stc", 2)]
    assert readability.problems(staff) == []
    assert any(r.grade > readability.MAX_GRADE for r in readability.readings(staff))


def test_the_report_summarises_then_lists_the_hardest_first():
    children = qn.load_directory(SHIPPED)[("children-stc", 2)]
    first, *rest = readability.report(children)
    assert first.startswith("children-stc.v2 (children): ")
    assert "median" in first and "90th percentile" in first and "0 above 4" in first
    grades = [float(line.split()[0]) for line in rest]
    assert grades == sorted(grades, reverse=True)


def test_a_question_compares_only_with_the_same_wording_and_period():
    import dataclasses

    loaded = qn.load_directory(SHIPPED)
    v1, v2 = loaded[("children-stc", 1)], loaded[("children-stc", 2)]
    safe_now = v2.question("safe_now")
    assert safe_now.comparable(safe_now)
    assert not safe_now.comparable(v1.question("safe_now"))  # v1 states no period
    assert not safe_now.comparable(None)
    assert not safe_now.comparable(dataclasses.replace(safe_now, period="last_month"))
    assert not safe_now.comparable(dataclasses.replace(safe_now, text="Are you safe?"))
    assert not safe_now.comparable(dataclasses.replace(safe_now, hint="Think about today."))
    assert not safe_now.comparable(v2.question("staff_listen"))
    # Background questions kept word for word still compare across versions.
    assert v2.question("age_band").comparable(v1.question("age_band"))
