"""From a submitted form to validated answers, and from answers to per-question counts."""

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from survey_app.answers import check
from survey_app.evidence.aggregate import summarise
from survey_app.questionnaire import DONT_WANT_TO_SAY, Library
from survey_app.responses import Opened

LIBRARY = Library.from_directory(Path(__file__).resolve().parents[1] / "questionnaires")
CHILDREN = LIBRARY.get("tiny-children", 1)


def form(**fields):
    data = MultiDict()
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            data.add(key, item)
    return data


def test_everything_may_be_skipped():
    checked = check(CHILDREN, form())
    assert checked.ok and checked.answers == {}


def test_answers_are_kept_as_given():
    checked = check(
        CHILDREN,
        form(
            feel_safe="yes",
            hurt_by_child="yes",
            hurt_how=["threatened", "hit"],
            anything_else="  hi  ",
        ),
    )
    assert checked.ok
    assert checked.answers == {
        "feel_safe": "yes",
        "hurt_by_child": "yes",
        "hurt_how": ["hit", "threatened"],  # in the questionnaire's order
        "anything_else": "hi",
    }


def test_a_routed_question_is_dropped_when_its_condition_is_not_met():
    checked = check(CHILDREN, form(hurt_by_child="no", hurt_how=["hit"]))
    assert checked.answers == {"hurt_by_child": "no"}


def test_unknown_answers_and_overlong_text_are_errors_and_the_answers_are_kept():
    checked = check(
        CHILDREN, form(feel_safe="perhaps", anything_else="x" * 501, age_band="over_16")
    )
    assert set(checked.errors) == {"feel_safe", "anything_else"}
    assert checked.answers["age_band"] == "over_16"
    assert checked.answers["anything_else"] == "x" * 501  # shown again, nothing lost


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([q.id for q in CHILDREN.questions] + ["csrf_token", "other"]),
        st.lists(st.text(max_size=30), max_size=3),
    )
)
def test_any_form_is_either_accepted_with_known_answers_or_refused(fields):
    checked = check(CHILDREN, form(**fields))
    for question_id, answer in checked.answers.items():
        question = CHILDREN.question(question_id)
        if checked.ok and question.is_choice:
            chosen = answer if isinstance(answer, list) else [answer]
            assert set(chosen) <= set(question.option_ids)


def opened(*answers):
    return [Opened("tiny-children", 1, a) for a in answers]


def test_counts_exclude_dont_want_to_say_and_missing_from_percentages():
    summary = summarise(
        LIBRARY.get,
        opened(
            {"feel_safe": "yes"},
            {"feel_safe": "yes"},
            {"feel_safe": "no"},
            {"feel_safe": DONT_WANT_TO_SAY},
            {},
        ),
    )["tiny-children"]
    counts = summary.questions["feel_safe"]
    assert (counts.asked, counts.missing, counts.dont_want_to_say, counts.base) == (5, 1, 1, 3)
    assert counts.options["yes"] == 2 and counts.positive == 2
    assert counts.percent(counts.positive) == pytest.approx(200 / 3)


def test_a_filtered_question_uses_the_filtered_base():
    summary = summarise(
        LIBRARY.get,
        opened(
            {"hurt_by_child": "yes", "hurt_how": ["hit", "threatened"]},
            {"hurt_by_child": "yes"},
            {"hurt_by_child": "no"},
            {"hurt_by_child": "no"},
        ),
    )["tiny-children"]
    counts = summary.questions["hurt_how"]
    assert counts.asked == 2 and counts.missing == 1 and counts.base == 1
    assert counts.options == {"hit": 1, "threatened": 1}


def test_comments_are_kept_apart_in_random_order():
    comments = [{"anything_else": f"comment {i}"} for i in range(20)]
    summary = summarise(LIBRARY.get, opened(*comments), random.Random(1))["tiny-children"]
    kept = summary.questions["anything_else"].comments
    assert sorted(kept) == sorted(c["anything_else"] for c in comments)
    assert kept != [c["anything_else"] for c in comments]


def test_responses_to_an_unknown_version_are_an_error_not_dropped():
    from survey_app.evidence.aggregate import summarise_chunk

    with pytest.raises(LookupError):
        summarise(LIBRARY.get, [Opened("tiny-children", 9, {})])
    with pytest.raises(LookupError, match="tiny-children version 9, which is not installed"):
        summarise_chunk([Opened("tiny-children", 9, {})], {("tiny-children", 9): None})


# --- not-applicable answers -------------------------------------------------------------

SHIPPED = Library.from_directory(Path(__file__).resolve().parents[2] / "questionnaires")


def _shipped(*answers):
    return [Opened("children-stc", 1, a) for a in answers]


def test_not_applicable_answers_are_counted_and_kept_out_of_the_base():
    # The issue's example: 20 positive of 34 answers, 4 of them "I did not have any
    # worries", is 20/30 = 66.7%, not 20/34 = 58.8%.
    answers = (
        [{"arrival_worries_help": "yes"}] * 20
        + [{"arrival_worries_help": "no"}] * 10
        + [{"arrival_worries_help": "no_worries"}] * 4
    )
    summary = summarise(SHIPPED.get, _shipped(*answers))["children-stc"]
    counts = summary.questions["arrival_worries_help"]
    assert (counts.asked, counts.not_applicable, counts.base, counts.positive) == (34, 4, 30, 20)
    assert counts.options["no_worries"] == 4  # still counted and shown
    assert round(counts.percent(counts.positive), 1) == 66.7


def test_not_applicable_answers_are_outside_every_breakdown_base():
    answers = [
        {"fights_stopped": "yes", "age_band": "age_15_to_16"},
        {"fights_stopped": "not_seen", "age_band": "age_15_to_16"},
        {"fights_stopped": "not_seen", "age_band": "age_15_to_16"},
        {"fights_stopped": "no", "age_band": "age_15_to_16"},
    ]
    summary = summarise(SHIPPED.get, _shipped(*answers))["children-stc"]
    table = {g: (b, p) for g, b, p in summary.groups.table("age_band", "fights_stopped")}
    assert table["age_15_to_16"] == (2, 1)


def test_the_shipped_questionnaire_marks_its_not_applicable_answers():
    children = SHIPPED.get("children-stc", 1)
    marked = {q.id: q.not_applicable for q in children.questions if q.not_applicable}
    assert marked == {
        "arrival_worries_help": {"no_worries"},
        "fights_stopped": {"not_seen"},
        "family_visits": {"no_visits_wanted"},
    }


def _counts(summaries: dict) -> dict:
    """Every figure of the summaries, by ids (not by column), comments as a sorted list."""
    out = {}
    for questionnaire_id, summary in summaries.items():
        out[questionnaire_id] = {
            "respondents": summary.respondents,
            "disclosing": summary.disclosing,
            "disclosures": dict(summary.disclosures),
            "versions": sorted(summary.versions),
            "questions": {
                question_id: (
                    c.asked,
                    c.missing,
                    c.dont_want_to_say,
                    c.not_applicable,
                    c.positive,
                    dict(c.options),
                    sorted(zip(c.comments, c.comment_refs, strict=True)),
                )
                for question_id, c in summary.questions.items()
            },
            "groups": {
                (background, question_id): summary.groups.table(background, question_id)
                for background in summary.groups.groupings
                for question_id in summary.groups.measured
            },
        }
    return out


def test_chunks_summarised_apart_and_combined_equal_one_summary_across_versions():
    """Chunks as workers make them (``summarise_chunk``), some of only version 1, some of
    only a version 2 that asks its questions in reverse order (so its columns are laid out
    differently), combine into exactly what one pass over everything counts."""
    import dataclasses

    from survey_app.demo import synthetic_answers
    from survey_app.evidence.aggregate import combine, summarise_chunk

    backwards = tuple(
        dataclasses.replace(section, questions=section.questions[::-1])
        for section in CHILDREN.sections[::-1]
    )
    second = dataclasses.replace(CHILDREN, version=2, sections=backwards)
    versions = {1: CHILDREN, 2: second}
    rng = random.Random(14)
    everyone = [
        Opened("tiny-children", version, synthetic_answers(CHILDREN, rng, 0.6), f"r{i}")
        for i, version in enumerate([1] * 30 + [2] * 25 + [1] * 12)
    ]
    definitions = {("tiny-children", v): d for v, d in versions.items()}

    def name(response_id, question_id):
        return f"{response_id}/{question_id}"

    whole = summarise(lambda _id, v: versions[v], everyone, random.Random(1), name)
    chunks = [everyone[55:], everyone[30:55], everyone[:30]]  # v1, then v2, then v1
    combined = combine(
        (summarise_chunk(iter(chunk), definitions) for chunk in chunks), random.Random(1), name
    )
    assert _counts(combined) == _counts(whole)
    assert combined["tiny-children"].respondents == 67
    assert any(c.comments for c in combined["tiny-children"].questions.values())
