"""The disclosure audit on documents written by hand: its exact two-way bounds against the
integer programme, background suppression, the rules it never lets through, and the gate."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_app.evidence import disclosure
from survey_app.questionnaire import Library

LIBRARY = Library.from_directory(Path(__file__).resolve().parents[1] / "questionnaires")
GROUPS = ("not_stated", "under_15", "age_15_16", "over_16")


def document(people, hide_groups=(), hide_sizes=(), compare=False) -> dict:
    """A children's evidence document from ``people``: ``(group, answer)`` pairs, answer
    ``"pos"``, ``"neg"`` or ``"out"`` (skipped feel_safe). ``hide_groups`` are hidden in the
    feel_safe breakdown, ``hide_sizes`` in the age question's own counts."""
    respondents = len(people)
    size = {g: sum(1 for p in people if p[0] == g) for g in GROUPS}
    cells = {
        g: (
            sum(1 for p in people if p == (g, "pos")),
            sum(1 for p in people if p[0] == g and p[1] != "out"),
        )
        for g in GROUPS
    }
    base = sum(b for _p, b in cells.values())
    positive = sum(p for p, _b in cells.values())
    age = {
        "id": "age_band",
        "background": True,
        "type": "single",
        "asked": respondents,
        "missing": size["not_stated"],
        "dont_want_to_say": 0,
        "base": respondents - size["not_stated"],
        "options": [
            {"id": g, "count": size[g], "percent": None} for g in GROUPS if g != "not_stated"
        ],
    }
    for option in age["options"]:
        if option["id"] in hide_sizes:
            option["count"] = None
    if "not_stated" in hide_sizes:
        age["missing"] = age["dont_want_to_say"] = age["base"] = None
    groups = []
    for g in GROUPS:
        hidden = g in hide_groups
        p, b = cells[g]
        rest = {"base": base - b, "positive": positive - p} if compare and b else None
        groups.append(
            {
                "id": g,
                "suppressed": hidden,
                "base": None if hidden else b,
                "positive": None if hidden else p,
                "comparison": None if hidden or g == "not_stated" else rest,
            }
        )
    feel_safe = {
        "id": "feel_safe",
        "background": False,
        "type": "yes_no",
        "asked": respondents,
        "base": base,
        "positive": {"count": positive},
        "breakdowns": [{"by": "age_band", "groups": groups}],
    }
    return {
        "questionnaires": [
            {
                "id": "tiny-children",
                "versions": [1],
                "audience": "children",
                "respondents": respondents,
                "questions": [feel_safe, age],
            }
        ],
        "role_gaps": [],
        "perception_gaps": [],
    }


people_strategy = st.lists(
    st.tuples(st.sampled_from(GROUPS), st.sampled_from(["pos", "neg", "out"])),
    min_size=1,
    max_size=30,
)


@settings(max_examples=80, deadline=None)
@given(people_strategy, st.sets(st.sampled_from(GROUPS)), st.sets(st.sampled_from(GROUPS)))
def test_the_exact_two_way_bounds_are_the_integer_programmes(people, hide_groups, hide_sizes):
    hide_groups = set(hide_groups) | set(hide_sizes)  # as published: hidden size, hidden group
    doc = document(people, hide_groups, hide_sizes)
    [ctx] = list(disclosure._contexts(doc, LIBRARY.get))
    quick = disclosure._two_way(ctx, "feel_safe")
    assert quick is not None
    model, hidden = disclosure._family_model(ctx, ["feel_safe"], True)
    exact = dict(
        zip([k for k, _ in hidden], disclosure.ranges(model, [i for _, i in hidden]), strict=True)
    )
    base_model, base_hidden = disclosure._family_model(ctx, ["feel_safe"], False)
    baseline = dict(
        zip(
            [k for k, _ in base_hidden],
            disclosure.ranges(base_model, [i for _, i in base_hidden]),
            strict=True,
        )
    )
    assert {(c.question, c.group, c.kind): (c.low, c.high) for c in quick} == exact
    for c in quick:
        if c.kind != "size":
            assert c.baseline == baseline[(c.question, c.group, c.kind)]
    # And the truth is inside every range.
    for c in quick:
        truth = {
            "positive": sum(1 for p in people if p == (c.group, "pos")),
            "not_positive": sum(1 for p in people if p == (c.group, "neg")),
            "size": sum(1 for p in people if p[0] == c.group),
        }[c.kind]
        assert c.low <= truth <= c.high


def test_ranges_match_enumerating_every_integer_solution():
    # x + y + z = 4, x <= y, z >= 1 (as z - 1 >= 0 via y): small enough to list.
    model = disclosure.Model(4)
    x, y, z = model.var(), model.var(), model.var()
    model.eq({x: 1.0, y: 1.0, z: 1.0}, 4)
    model.at_most({x: 1.0, y: -1.0}, 0)
    model.at_most({z: -1.0}, -1)
    solutions = [
        s
        for s in itertools.product(range(5), repeat=3)
        if sum(s) == 4 and s[0] <= s[1] and s[2] >= 1
    ]
    expected = [(min(s[i] for s in solutions), max(s[i] for s in solutions)) for i in range(3)]
    assert disclosure.ranges(model, [x, y, z]) == expected


def test_the_issue_example_is_recovered_without_background_suppression():
    # 35 over 16 all positive; 3 under 15 and 2 not stated all negative. The small rows are
    # hidden, but with their sizes printed their answers follow: 0 of 3 positive.
    people = [("over_16", "pos")] * 35 + [("under_15", "neg")] * 3 + [("not_stated", "neg")] * 2
    leaky = disclosure.audit(document(people, {"under_15", "not_stated"}), LIBRARY.get, 5)
    cells = {c.key[2:]: (c.low, c.high) for c in leaky.cells}
    assert cells[("feel_safe", "under_15", "positive")] == (0, 0)
    assert cells[("feel_safe", "under_15", "not_positive")] == (3, 3)
    assert leaky.failing
    # Sizes hidden too (their sum is 5), and over 16 hidden: nothing narrower than 5 is left.
    safe = disclosure.audit(
        document(people, set(GROUPS), {"under_15", "not_stated"}), LIBRARY.get, 5
    )
    assert not safe.failing
    assert {c.key[2:]: (c.low, c.high) for c in safe.cells}[
        ("feel_safe", "under_15", "positive")
    ] == (0, 5)


def test_protect_hides_more_until_the_audit_passes():
    people = [("over_16", "pos")] * 35 + [("under_15", "neg")] * 3 + [("not_stated", "neg")] * 2
    doc = document(people, {"under_15", "not_stated"}, {"under_15", "not_stated"}, compare=True)
    result = disclosure.protect(doc, LIBRARY.get, 5)
    assert not result.failing
    groups = {
        g["id"]: g for g in doc["questionnaires"][0]["questions"][0]["breakdowns"][0]["groups"]
    }
    assert groups["over_16"]["suppressed"]  # its 35 would give the other 5 away
    assert all(g["comparison"] is None for g in groups.values())
    assert not disclosure.audit(doc, LIBRARY.get, 5).failing


def test_a_comparison_beside_a_hidden_group_never_passes():
    people = [("over_16", "pos")] * 10 + [("age_15_16", "neg")] * 10 + [("under_15", "pos")] * 6
    people += [("not_stated", "neg")] * 6
    doc = document(people, {"under_15", "not_stated"}, compare=True)
    failing = disclosure.audit(doc, LIBRARY.get, 5).failing
    assert {(c.group, c.kind) for c in failing} >= {
        ("over_16", "comparison"),
        ("age_15_16", "comparison"),
    }
    with pytest.raises(disclosure.DisclosureRisk, match="refused to write the json"):
        disclosure.ensure_safe(doc, LIBRARY.get, 5, "json")


def test_a_small_group_size_printed_never_passes():
    people = [("over_16", "pos")] * 20 + [("under_15", "neg")] * 3 + [("age_15_16", "pos")] * 9
    doc = document(people, {"under_15"} | set(GROUPS))
    failing = disclosure.audit(doc, LIBRARY.get, 5).failing
    assert ("under_15", "published_size") in {(c.group, c.kind) for c in failing}


def test_a_cached_audit_is_trusted_only_for_the_cells_it_covers():
    people = [("over_16", "pos")] * 35 + [("under_15", "neg")] * 3 + [("not_stated", "neg")] * 2
    doc = document(people, {"under_15", "not_stated"})
    disclosure.remember(doc, disclosure.Audit(5))  # an audit that saw nothing
    with pytest.raises(disclosure.DisclosureRisk):
        disclosure.ensure_safe(doc, LIBRARY.get, 5, "csv")


@pytest.mark.parametrize(
    ("sizes", "hidden"),
    [
        ([2, 35, 3, 0], [True, False, True, False]),  # 2 + 3 = 5: enough
        ([0, 37, 3, 0], [False, True, True, False]),  # 3 alone would be pinned: 37 too
        ([0, 30, 3, 7], [False, False, True, True]),  # 3 + 7 = 10
        ([0, 10, 12, 18], [False, False, False, False]),
        ([1, 1, 1, 1], [True, True, True, True]),  # 4 respondents: all hidden
    ],
)
def test_background_sizes_are_hidden_until_their_sum_is_the_threshold(sizes, hidden):
    assert disclosure.background_mask(sizes, 5) == hidden


STAFF = Library.from_directory(Path(__file__).resolve().parents[1] / "questionnaires_disclosure")


def staff_document(role_gap: bool) -> dict:
    """90 staff: senior leaders 4, managers 4 and other staff 6 (the three sizes hidden, 14
    together), frontline 20 and 56 not stated; every leader said "yes" to enough_staff, no
    other staff did, frontline 10 of 20, not stated 30 of 56."""
    sizes = {"not_stated": 56, "senior_leader": 4, "manager": 4, "frontline_care": 20}
    sizes["other_or_agency"] = 6
    positive = {"not_stated": 30, "senior_leader": 4, "manager": 4, "frontline_care": 10}
    positive["other_or_agency"] = 0
    hidden = {"senior_leader", "manager", "other_or_agency"}
    groups = [
        {
            "id": g,
            "suppressed": g in hidden,
            "base": None if g in hidden else sizes[g],
            "positive": None if g in hidden else positive[g],
            "comparison": None,
        }
        for g in sizes
    ]
    role = {
        "id": "role_group",
        "background": True,
        "type": "single",
        "asked": 90,
        "missing": 56,
        "dont_want_to_say": 0,
        "base": 34,
        "options": [
            {"id": g, "count": None if g in hidden else sizes[g], "percent": None}
            for g in sizes
            if g != "not_stated"
        ],
    }
    question = {
        "id": "enough_staff",
        "background": False,
        "type": "yes_no",
        "asked": 90,
        "base": 90,
        "positive": {"count": sum(positive.values())},
        "breakdowns": [{"by": "role_group", "groups": groups}],
    }
    gap = {
        "question": "enough_staff",
        "suppressed": not role_gap,
        "leaders": {"base": 8, "positive": 8} if role_gap else None,
        "frontline": {"base": 20, "positive": 10} if role_gap else None,
        "comparison": None,
    }
    return {
        "questionnaires": [
            {
                "id": "small-staff",
                "versions": [1],
                "audience": "staff",
                "respondents": 90,
                "questions": [question, role],
            }
        ],
        "role_gaps": [gap],
        "perception_gaps": [],
    }


def test_a_role_gap_that_pins_a_hidden_group_is_not_published():
    # Leaders 8 of 8: the hidden groups' positive total is 8, so the other staff's is 0.
    leaky = disclosure.audit(staff_document(role_gap=True), STAFF.get, 5)
    pinned = {c.key[2:]: (c.low, c.high) for c in leaky.failing}
    assert pinned[("enough_staff", "other_or_agency", "positive")] == (0, 0)
    assert not disclosure.audit(staff_document(role_gap=False), STAFF.get, 5).failing
    doc = staff_document(role_gap=True)
    assert not disclosure.protect(doc, STAFF.get, 5).failing
    [gap] = doc["role_gaps"]
    assert gap["suppressed"] and gap["leaders"] is None and gap["comparison"] is None


def test_a_perception_gap_must_be_the_published_totals():
    doc = staff_document(role_gap=False)
    doc["perception_gaps"] = [
        {
            "children": {"questionnaire": "small-staff", "question": "enough_staff"},
            "staff": {"questionnaire": "small-staff", "question": "enough_staff"},
        }
    ]
    for side in ("children", "staff"):
        doc["perception_gaps"][0][side].update(base=90, positive=48)
    assert not disclosure.audit(doc, STAFF.get, 5).failing
    doc["perception_gaps"][0]["staff"]["positive"] = 47
    with pytest.raises(disclosure.DisclosureRisk, match="not its totals"):
        disclosure.audit(doc, STAFF.get, 5)


def test_a_background_questions_positive_count_beside_a_hidden_size_never_passes():
    people = [("over_16", "pos")] * 20 + [("under_15", "neg")] * 3 + [("not_stated", "pos")] * 9
    doc = document(people, {"under_15", "not_stated"}, {"under_15", "not_stated"})
    age = doc["questionnaires"][0]["questions"][1]
    assert not disclosure.audit(doc, LIBRARY.get, 5).failing
    age["positive"] = {"count": 23}  # over 16 and under 15 together: gives under 15 away
    failing = disclosure.audit(doc, LIBRARY.get, 5).failing
    assert ("positive", "published_size") in {(c.group, c.kind) for c in failing}


def test_two_questions_with_the_same_figures_keep_their_own_cells():
    # Ranges are remembered by the figures a family's model reads; the question is one of them.
    people = [("over_16", "pos")] * 10 + [("under_15", "neg")] * 6 + [("not_stated", "pos")] * 6
    doc = document(people, {"under_15", "not_stated"})
    questions = doc["questionnaires"][0]["questions"]
    twin = json.loads(json.dumps(questions[0]))
    twin["id"] = "staff_respect"
    questions.insert(1, twin)
    for _ in range(2):  # the second time from the remembered ranges
        cells = disclosure.audit(doc, LIBRARY.get, 5).cells
        assert {c.question for c in cells if c.question} == {"feel_safe", "staff_respect"}
        assert len([c for c in cells if c.question]) == 8
