"""Breakdowns: per-group totals from one streaming pass, and what gets hidden."""

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from survey_app.evidence.aggregate import summarise
from survey_app.evidence.breakdown import NOT_STATED
from survey_app.evidence.report import combination_is_safe, hidden_groups, verdict
from survey_app.questionnaire import DONT_WANT_TO_SAY, Library
from survey_app.responses import Opened

LIBRARY = Library.from_directory(Path(__file__).resolve().parents[1] / "questionnaires")

ages = st.sampled_from([None, "under_15", "age_15_16", "over_16", DONT_WANT_TO_SAY])
safe = st.sampled_from([None, "yes", "no", DONT_WANT_TO_SAY])
respect = st.sampled_from([None, "always", "mostly", "sometimes", "never", DONT_WANT_TO_SAY])


def _answers(age, feel_safe, staff_respect):
    given = {"age_band": age, "feel_safe": feel_safe, "staff_respect": staff_respect}
    return {key: value for key, value in given.items() if value is not None}


def brute_force(answers_list, question, positive_answers):
    """Counted the slow, obvious way: one respondent at a time, per group."""
    totals = {}
    for answers in answers_list:
        age = answers.get("age_band")
        group = NOT_STATED if age in (None, DONT_WANT_TO_SAY) else age
        answer = answers.get(question)
        in_base = answer not in (None, DONT_WANT_TO_SAY)
        base, positive = totals.get(group, (0, 0))
        totals[group] = (base + in_base, positive + (answer in positive_answers))
    return totals


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(ages, safe, respect), min_size=1, max_size=40), st.integers(1, 7))
def test_group_totals_match_a_brute_force_count_whatever_the_batch_size(rows, batch):
    answers_list = [_answers(*row) for row in rows]
    opened = [
        Opened("tiny-children", 1, answers, f"r{i}") for i, answers in enumerate(answers_list)
    ]
    import survey_app.evidence.breakdown as breakdown

    original = breakdown.BATCH_ROWS
    breakdown.BATCH_ROWS = batch  # flush often, so buffers are reused many times
    try:
        summary = summarise(LIBRARY.get, opened)["tiny-children"]
    finally:
        breakdown.BATCH_ROWS = original
    for question, positive in (("feel_safe", {"yes"}), ("staff_respect", {"always", "mostly"})):
        expected = brute_force(answers_list, question, positive)
        got = {g: (b, p) for g, b, p in summary.groups.table("age_band", question)}
        assert {g: v for g, v in got.items() if v != (0, 0)} == {
            g: v for g, v in expected.items() if v != (0, 0)
        }
        # Groups add up to the whole-inspection counts.
        counts = summary.questions[question]
        assert sum(b for b, _ in got.values()) == counts.base
        assert sum(p for _, p in got.values()) == counts.positive


def test_routed_questions_use_the_filtered_base_in_every_group():
    # hurt_how has no positive outcome, so it is not broken down; hurt_by_child is, for all.
    opened = [
        Opened("tiny-children", 1, {"age_band": "over_16", "hurt_by_child": "yes"}),
        Opened("tiny-children", 1, {"age_band": "over_16", "hurt_by_child": "no"}),
        Opened("tiny-children", 1, {"age_band": "under_15"}),
    ]
    summary = summarise(LIBRARY.get, opened)["tiny-children"]
    table = {g: (b, p) for g, b, p in summary.groups.table("age_band", "hurt_by_child")}
    assert table["over_16"] == (2, 1)  # positive is "no"
    assert table["under_15"] == (0, 0)
    assert "hurt_how" not in summary.groups.measured


# --- suppression as applied to breakdowns (worked by hand) ----------------------------------


def test_a_small_group_is_hidden_and_another_group_with_it():
    # groups: not stated 0/0, A 3 of 4 positive (base below 5), B 10 of 20, C 12 of 30.
    rows = [("not_stated", 0, 0), ("a", 4, 3), ("b", 20, 10), ("c", 30, 12)]
    # A is a small base: hidden. Each column then has one hidden cell (3 and 1), which the
    # column total would give away, so the smallest visible nonzero cell of each column is
    # hidden too: positive column -> B's 10; other column -> B's 10 (B: 20-10). Rows with a
    # hidden cell are hidden whole.
    assert hidden_groups(rows, 5) == [False, True, True, False]


def test_nothing_is_hidden_when_every_cell_is_at_least_the_threshold():
    rows = [("not_stated", 0, 0), ("a", 10, 5), ("b", 12, 6)]
    assert hidden_groups(rows, 5) == [False, False, False]


def test_a_small_positive_count_hides_its_group_and_a_partner():
    # Table (positive, not positive): A (6, 4), B (2, 18), C (20, 10). Primary: A's 4 and
    # B's 2. Secondary by row: A's 6 goes with A's 4, B's 18 with B's 2. Each column then
    # has two hidden cells, so C stays.
    rows = [("not_stated", 0, 0), ("a", 10, 6), ("b", 20, 2), ("c", 30, 20)]
    assert hidden_groups(rows, 5) == [False, True, True, False]


def test_a_threshold_of_one_hides_nothing():
    rows = [("not_stated", 1, 0), ("a", 2, 1)]
    assert hidden_groups(rows, 1) == [False, False]


def test_combining_rows_is_safe_only_if_no_single_hidden_cell_is_isolated():
    leaders = [True, True, False, False]
    # Nothing hidden.
    assert combination_is_safe([[False, False]] * 4, leaders)
    # Both leader rows hidden and nothing else: the combination reveals only their sum.
    assert combination_is_safe(
        [[True, True], [True, True], [False, False], [False, False]], leaders
    )
    # One leader row hidden alongside one outside: the sum of leaders gives the hidden one.
    assert not combination_is_safe(
        [[True, True], [False, False], [True, True], [False, False]], leaders
    )
    # Leaders visible, two other rows hidden: still two hidden outside, safe.
    assert combination_is_safe(
        [[False, False], [False, False], [True, True], [True, True]], leaders
    )


def test_verdict_rule():
    assert verdict(5, 1) == "improving"
    assert verdict(1, 5) == "deteriorating"
    assert verdict(2, 2) == "mixed"
    assert verdict(0, 0) == "no_change"


def test_a_group_nobody_is_in_is_left_out_of_its_table_and_named():
    from survey_app.evidence.summary import breakdown_columns

    def group(group_id, base, suppressed=False):
        return {"id": group_id, "text": group_id.title(), "base": base, "suppressed": suppressed}

    def question(*groups):
        return {
            "breakdowns": [{"by": "other", "groups": []}, {"by": "unit", "groups": list(groups)}]
        }

    questions = [
        question(group("not_stated", 0), group("oak", 12), group("elm", 0), group("ash", 0)),
        question(
            group("not_stated", 0), group("oak", None, True), group("elm", 0), group("ash", 3)
        ),
        question(
            group("not_stated", 0), group("oak", 9), group("elm", 0), group("ash", None, True)
        ),
    ]
    shown, nobody = breakdown_columns(questions, 1)
    assert shown == [1, 3]  # Ash has people somewhere; a hidden cell may hide people too
    assert [g["id"] for g in nobody] == ["elm"]  # "Not stated", empty, is only left out
