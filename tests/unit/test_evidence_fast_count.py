"""The evidence's counting (``aggregate.summarise``, which numbers answers and counts them
in batches) against a straightforward count: one respondent, one question at a time."""

import dataclasses
import random
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_app.answers import is_asked
from survey_app.evidence import breakdown
from survey_app.evidence.aggregate import combine, summarise, summarise_chunk
from survey_app.evidence.breakdown import NOT_STATED, is_grouping, is_measured
from survey_app.questionnaire import DONT_WANT_TO_SAY, Library, Option, Routing
from survey_app.responses import Opened

LIBRARY = Library.from_directory(Path(__file__).resolve().parents[1] / "questionnaires")
TINY = LIBRARY.get("tiny-children", 1)


def _variant():
    """tiny-children with every case the counting treats apart: a routed multiple choice
    that discloses (``hurt_how``, with a not-applicable answer), a routed single answer
    with a not-applicable answer (``staff_respect``, asked only if ``feel_safe`` is yes),
    a single answer that discloses (``hurt_by_child``), a routed background question
    (``age_band``) and text."""
    changed = {
        "hurt_how": {
            "options": (*TINY.question("hurt_how").options, Option("not_sure", "Not sure")),
            "not_applicable": frozenset({"not_sure"}),
            "positive": frozenset({"other"}),
        },
        "staff_respect": {
            "when": Routing("feel_safe", frozenset({"yes"})),
            "options": (*TINY.question("staff_respect").options, Option("no_staff", "No staff")),
            "not_applicable": frozenset({"no_staff"}),
        },
        "hurt_by_child": {"disclosures": {"yes": "harm_by_child"}},
        # A routed background question: an answer given anyway still says the group.
        "age_band": {"when": Routing("feel_safe", frozenset({"yes", "no"}))},
    }
    sections = tuple(
        dataclasses.replace(
            section,
            questions=tuple(
                dataclasses.replace(q, **changed.get(q.id, {})) for q in section.questions
            ),
        )
        for section in TINY.sections
    )
    return dataclasses.replace(TINY, sections=sections)


VARIANT = _variant()


def reference(definition, everyone: list[dict]) -> dict:
    """Every figure, counted the obvious way (the rules of aggregate.py's docstring)."""
    questions = {}
    for question in definition.questions:
        figures = {"asked": 0, "missing": 0, "dwts": 0, "na": 0, "positive": 0}
        options: Counter = Counter()
        comments = []
        for answers in everyone:
            if not is_asked(question, answers):
                continue
            figures["asked"] += 1
            answer = answers.get(question.id)
            if not answer:
                figures["missing"] += 1
            elif question.type == "text":
                comments.append(answer)
            elif question.type == "multiple":
                real = {o for o in answer if o != DONT_WANT_TO_SAY}
                options.update(o for o in answer if o != DONT_WANT_TO_SAY)
                if not real:
                    figures["dwts"] += 1
                elif question.not_applicable and real <= question.not_applicable:
                    figures["na"] += 1
                elif real & question.positive:
                    figures["positive"] += 1
            elif answer == DONT_WANT_TO_SAY:
                figures["dwts"] += 1
            else:
                options[answer] += 1
                if answer in question.not_applicable:
                    figures["na"] += 1
                elif answer in question.positive:
                    figures["positive"] += 1
        questions[question.id] = (figures, dict(options), sorted(comments))
    groups = {}
    for background in filter(is_grouping, definition.questions):
        for question in filter(is_measured, definition.questions):
            table: dict = {}
            for answers in everyone:
                group = answers.get(background.id)
                if group not in background.option_ids or group == DONT_WANT_TO_SAY:
                    group = NOT_STATED
                base, positive = table.get(group, (0, 0))
                answer = answers.get(question.id) if is_asked(question, answers) else None
                given = set(answer) if isinstance(answer, list) else {answer} - {None, ""}
                given.discard(DONT_WANT_TO_SAY)
                if given and not (question.not_applicable and given <= question.not_applicable):
                    base += 1
                    positive += bool(given & question.positive)
                table[group] = (base, positive)
            groups[(background.id, question.id)] = {g: v for g, v in table.items() if v[0]}
    disclosing: Counter = Counter()
    for answers in everyone:
        found = set()
        for question in definition.questions:
            if question.disclosures and is_asked(question, answers):
                answer = answers.get(question.id) or []
                for option in answer if isinstance(answer, list) else [answer]:
                    if option in question.disclosures:
                        found.add(question.disclosures[option])
        disclosing.update(found | ({"any"} if found else set()))
    return {
        "respondents": len(everyone),
        "questions": questions,
        "groups": groups,
        "disclosures": dict(disclosing),
    }


def figures(summary) -> dict:
    """The same figures, read from a summary."""
    questions = {
        question_id: (
            {
                "asked": c.asked,
                "missing": c.missing,
                "dwts": c.dont_want_to_say,
                "na": c.not_applicable,
                "positive": c.positive,
            },
            {option: count for option, count in c.options.items() if count},
            sorted(c.comments),
        )
        for question_id, c in summary.questions.items()
    }
    groups = {
        (background, question_id): {
            g: (b, p) for g, b, p in summary.groups.table(background, question_id) if b
        }
        for background in summary.groups.groupings
        for question_id in summary.groups.measured
    }
    disclosures = dict(summary.disclosures)
    if summary.disclosing:
        disclosures["any"] = summary.disclosing
    return {
        "respondents": summary.respondents,
        "questions": questions,
        "groups": groups,
        "disclosures": disclosures,
    }


def _question_answers(question):
    """Answers as stored, and some no form would give: empty, unknown, skipped."""
    if question.type == "text":
        return st.sampled_from(["", "a comment", "another comment"])
    choices = [*question.option_ids, DONT_WANT_TO_SAY]
    if question.type == "multiple":
        return st.lists(st.sampled_from(choices), max_size=4, unique=True)
    return st.sampled_from([*choices, "", "not_an_option"])


response = st.fixed_dictionaries(
    {},
    optional={q.id: _question_answers(q) for q in VARIANT.questions},
)


@settings(max_examples=150, deadline=None)
@given(st.lists(response, max_size=30), st.integers(1, 9))
def test_the_count_equals_a_straightforward_count(everyone, batch):
    """Routing (met, not met, and answered anyway), multiple choice, not applicable, "I
    don't want to say", empty and unknown answers, disclosures, groups and comments: the
    same figures whatever the batch between two countings."""
    original = breakdown.BATCH_ROWS
    breakdown.BATCH_ROWS = batch
    try:
        opened = [Opened(VARIANT.id, 1, answers, f"r{i}") for i, answers in enumerate(everyone)]
        if not opened:
            assert summarise(lambda _q, _v: VARIANT, opened) == {}
            return
        summary = summarise(lambda _q, _v: VARIANT, opened, random.Random(1))[VARIANT.id]
        chunks = [opened[i : i + 7] for i in range(0, len(opened), 7)]
        combined = combine(
            (summarise_chunk(chunk, {(VARIANT.id, 1): VARIANT}) for chunk in chunks),
            random.Random(1),
        )[VARIANT.id]
    finally:
        breakdown.BATCH_ROWS = original
    expected = reference(VARIANT, everyone)
    assert figures(summary) == expected
    assert figures(combined) == expected


def test_the_straightforward_count_is_checked_on_figures_worked_by_hand():
    """The reference itself, on four respondents counted by hand."""
    everyone = [
        {"feel_safe": "yes", "staff_respect": "no_staff", "hurt_by_child": "yes",
         "hurt_how": ["hit", DONT_WANT_TO_SAY], "age_band": "over_16"},
        {"feel_safe": "no", "staff_respect": "always", "hurt_by_child": "no",
         "hurt_how": ["other"]},
        {"feel_safe": "yes", "staff_respect": "mostly", "hurt_by_child": "yes",
         "hurt_how": [DONT_WANT_TO_SAY]},
        {"feel_safe": DONT_WANT_TO_SAY, "hurt_by_child": "yes", "hurt_how": ["not_sure"]},
    ]  # fmt: skip
    expected = reference(VARIANT, everyone)
    respect, respect_options, _ = expected["questions"]["staff_respect"]
    # Asked of the two who feel safe; "no_staff" is counted but kept out of the base.
    assert respect == {"asked": 2, "missing": 0, "dwts": 0, "na": 1, "positive": 1}
    assert respect_options == {"no_staff": 1, "mostly": 1}
    how, how_options, _ = expected["questions"]["hurt_how"]
    assert how == {"asked": 3, "missing": 0, "dwts": 1, "na": 1, "positive": 0}
    assert how_options == {"hit": 1, "not_sure": 1}  # the second was not asked
    assert expected["disclosures"] == {"harm": 1, "harm_by_child": 3, "any": 3}
    # The first is over 16 but outside the base ("no_staff"); the third states no age.
    assert expected["groups"][("age_band", "staff_respect")] == {NOT_STATED: (1, 1)}
    summary = summarise(lambda _q, _v: VARIANT, [Opened(VARIANT.id, 1, a) for a in everyone])
    assert figures(summary[VARIANT.id]) == expected


@pytest.mark.parametrize("lean", [0.2, 0.8])
def test_the_shipped_questionnaire_counts_as_the_straightforward_count(lean):
    """The shipped children's questionnaire (14 routed questions, multiple choice, four
    that disclose, eight background questions), with synthetic answers."""
    from survey_app.demo import synthetic_answers

    shipped = Library.from_directory(Path(__file__).resolve().parents[2] / "questionnaires")
    children = shipped.get("children-stc", 1)
    rng = random.Random(lean)
    everyone = [synthetic_answers(children, rng, lean) for _ in range(300)]
    opened = [Opened(children.id, 1, answers, f"r{i}") for i, answers in enumerate(everyone)]
    summary = summarise(shipped.get, opened, random.Random(1))[children.id]
    assert figures(summary) == reference(children, everyone)
