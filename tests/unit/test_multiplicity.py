"""Holm's adjustment, and marks judged on the adjusted p-value."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_app.evidence.multiplicity import adjust, holm


def test_holm_worked_example():
    # m = 4: sorted 0.01, 0.02, 0.03, 0.04 -> 4 * 0.01, 3 * 0.02, 2 * 0.03, 1 * 0.04
    # = 0.04, 0.06, 0.06, 0.04 -> running maximum 0.04, 0.06, 0.06, 0.06.
    assert holm([0.03, 0.01, 0.04, 0.02]) == pytest.approx([0.06, 0.04, 0.06, 0.06])


def test_holm_caps_at_one_and_skips_untestable_comparisons():
    # None is not a test: m = 2, not 3.
    assert holm([0.3, None, 0.9]) == pytest.approx([0.6, None, 0.9])
    assert holm([0.6, 0.7]) == [1.0, 1.0]
    assert holm([]) == []
    assert holm([0.004]) == [0.004]  # a family of one is not adjusted


@settings(max_examples=200, database=None, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(0, 1)), max_size=40))
def test_holm_never_lowers_a_p_value_and_keeps_their_order(p_values):
    adjusted = holm(p_values)
    pairs = [(p, a) for p, a in zip(p_values, adjusted, strict=True) if p is not None]
    assert all(a is not None and p <= a <= 1.0 for p, a in pairs)
    ordered = sorted(pairs)
    assert all(x[1] <= y[1] for x, y in zip(ordered, ordered[1:], strict=False))
    # Holm is never stricter than Bonferroni's m * p, and never looser than p.
    m = len(pairs)
    assert all(a <= min(1.0, m * p) + 1e-12 for p, a in pairs)


def _entry(p, lean):
    return {"p_value": p, "p_adjusted": p, "significant": True, "mark": lean, "_lean": lean}


def test_marks_are_given_on_the_adjusted_p_value():
    # Alone, 0.004 < 0.01 is significant; among five it becomes 5 * 0.004 = 0.02.
    family = [_entry(0.004, "better")] + [_entry(0.5, "worse") for _ in range(4)] + [None]
    adjust(family, 0.01)
    first = family[0]
    assert first["p_adjusted"] == pytest.approx(0.02)
    assert not first["significant"] and first["mark"] is None
    assert all("_lean" not in e for e in family if e)

    strong = [_entry(0.0001, "worse"), _entry(0.5, "better")]
    adjust(strong, 0.01)
    assert strong[0]["p_adjusted"] == pytest.approx(0.0002)
    assert strong[0]["significant"] and strong[0]["mark"] == "worse"
    assert strong[1]["mark"] is None


def test_untestable_entries_stay_unmarked():
    family = [_entry(None, None)]
    adjust(family, 0.01)
    assert family[0]["p_adjusted"] is None and not family[0]["significant"]


def test_one_result_among_many_no_longer_makes_an_area_improving():
    from survey_app.evidence.report import Builder, Method, adjust_questionnaire, compare

    method = Method("mid-p", 0.01, 5)

    def question(i, area, positive, previous_positive):
        return {
            "id": f"q{i}",
            "area": area,
            "background": False,
            "comparisons": {
                "previous": compare(method, 35, positive, 35, previous_positive),
                "comparator": None,
            },
        }

    # 28/35 against 17/35: mid-p 0.0071 < 0.01 alone, but one of 39 comparisons.
    questions = [question(0, "safety", 28, 17)] + [
        question(i, "care", 20, 20) for i in range(1, 39)
    ]
    raw = questions[0]["comparisons"]["previous"]
    assert raw["p_value"] < 0.01 and raw["mark"] == "better"  # before the adjustment
    adjust_questionnaire(questions, method.threshold)
    assert raw["p_adjusted"] > 0.01 and raw["mark"] is None
    change = Builder.area_summary(questions)
    assert change["overall"]["verdict"] == "no_change"
    assert {a["area"]: a["verdict"] for a in change["areas"]} == {
        "safety": "no_change",
        "care": "no_change",
    }

    # A change that survives the adjustment is still found: 30/35 against 10/35.
    questions = [question(0, "safety", 30, 10)] + [
        question(i, "care", 20, 20) for i in range(1, 39)
    ]
    adjust_questionnaire(questions, method.threshold)
    assert Builder.area_summary(questions)["overall"]["verdict"] == "improving"
