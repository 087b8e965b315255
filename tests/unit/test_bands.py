"""Background bands per establishment type, merged bands and answers from named units:
the format is checked, and a questionnaire tailored to an establishment offers and accepts
exactly its type's bands."""

import textwrap
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from survey_app import questionnaire as qn
from survey_app.answers import check

ROOT = Path(__file__).resolve().parents[2]

BANDED = """\
id: sample
version: 1
audience: children
title: Sample
establishment_types: [stc, yoi, sch]
sections:
  - id: main
    title: Main
    questions:
      - id: safe
        type: yes_no
        area: safety
        text: Do you feel safe?
        positive: [yes]
      - id: age_band
        type: single
        area: background
        background: true
        text: How old are you?
        options:
          - {id: young, text: 14 or younger}
          - {id: middle, text: 15 or 16}
          - {id: old, text: 17 or older}
          - {id: middle_or_old, text: 15 or older, merges: [middle, old]}
        offered:
          sch: [young, middle_or_old]
          yoi: [middle, old]
      - id: gender
        type: single
        area: background
        background: true
        text: Which of these best describes you?
        options:
          - {id: boy, text: A boy}
          - {id: girl, text: A girl}
        offered:
          yoi: []
      - id: living_unit
        type: single
        area: background
        background: true
        text: Which unit do you live on?
        options_from: units
"""


def parse(text, source="sample.v1.yaml"):
    return qn.parse(textwrap.dedent(text), source)


def problems(text):
    with pytest.raises(qn.DefinitionError) as raised:
        parse(text)
    return "\n".join(raised.value.problems)


UNITS = (qn.Option("unit_1", "Oak"), qn.Option("unit_2", "Ash"))


def offered(questionnaire, question_id):
    return [o.id for o in questionnaire.question(question_id).options]


def test_a_type_not_named_is_offered_the_finest_answers():
    stc = parse(BANDED).tailored("stc")
    assert offered(stc, "age_band") == ["young", "middle", "old", qn.DONT_WANT_TO_SAY]
    assert offered(stc, "gender") == ["boy", "girl", qn.DONT_WANT_TO_SAY]


def test_each_type_is_offered_its_own_bands_and_an_empty_list_is_not_asked():
    sch = parse(BANDED).tailored("sch")
    assert offered(sch, "age_band") == ["young", "middle_or_old", qn.DONT_WANT_TO_SAY]
    yoi = parse(BANDED).tailored("yoi")
    assert offered(yoi, "age_band") == ["middle", "old", qn.DONT_WANT_TO_SAY]
    assert "gender" not in {q.id for q in yoi.questions}
    # Ids and version are kept: answers seal and count as for the whole questionnaire.
    assert (yoi.id, yoi.version, yoi.key) == ("sample", 1, "sample.v1")


def test_the_unit_question_offers_the_units_given_and_is_not_asked_without_any():
    questionnaire = parse(BANDED)
    assert "living_unit" not in {q.id for q in questionnaire.tailored("stc").questions}
    with_units = questionnaire.tailored("stc", UNITS)
    assert offered(with_units, "living_unit") == ["unit_1", "unit_2", qn.DONT_WANT_TO_SAY]
    assert [o.text for o in with_units.question("living_unit").options][:2] == ["Oak", "Ash"]
    # Untailored, it offers nothing (and so accepts no unit at all).
    assert questionnaire.question("living_unit").option_ids == ()


def test_answers_are_accepted_only_where_offered():
    questionnaire = parse(BANDED)
    sch = questionnaire.tailored("sch", UNITS)
    assert check(sch, MultiDict({"age_band": "middle_or_old", "living_unit": "unit_2"})).ok
    for field, answer in (("age_band", "middle"), ("age_band", "old"), ("living_unit", "unit_3")):
        assert not check(sch, MultiDict({field: answer})).ok
    yoi = questionnaire.tailored("yoi")
    assert check(yoi, MultiDict({"age_band": "old"})).answers == {"age_band": "old"}
    # A question not asked there is dropped, never stored.
    assert check(yoi, MultiDict({"gender": "girl"})).answers == {}


def test_a_merged_band_knows_the_finer_answers_it_covers():
    question = parse(BANDED).question("age_band")
    assert question.finer("middle_or_old") == {"middle", "old"}
    assert question.finer("young") == {"young"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("merges: [middle, old]", "merges: [middle, elderly]"), "'elderly' is not an option"),
        (("merges: [middle, old]", "merges: [middle, middle_or_old]"), "at least two other"),
        (("sch: [young, middle_or_old]", "sch: [young, aged]"), "'aged' is not an option"),
        (
            ("sch: [young, middle_or_old]", "sch: [young, middle, middle_or_old]"),
            "'middle_or_old' and 'middle' both cover 'middle'",
        ),
        (("establishment_types: [stc, yoi, sch]", "establishment_types: [stc, sch]"), "'yoi'"),
        (("          yoi: [middle, old]\n", "          hmp: [middle, old]\n"), "'hmp' is not one"),
        (
            ("        options_from: units\n", "        options_from: units\n        options: []\n"),
            "should not be valid",
        ),
        (("        options_from: units\n", "        options_from: staff\n"), "'staff' is not one"),
        (
            (
                "      - id: age_band\n        type: single",
                "      - id: age_band\n        type: multiple",
            ),
            "for background questions of type single",
        ),
    ],
)
def test_broken_bands_are_refused(change, message):
    assert message in problems(BANDED.replace(*change))


def test_routing_cannot_depend_on_a_question_that_depends_on_the_establishment():
    routed = BANDED + textwrap.indent(
        textwrap.dedent("""\
        - id: which_age
          type: yes_no
          area: safety
          text: Is that right?
          when: {question: age_band, answers: [young]}
        """),
        "      ",
    )
    assert "routing cannot depend on a question whose answers depend" in problems(routed)


def version(text, number):
    return qn.parse(
        textwrap.dedent(text).replace("version: 1", f"version: {number}"), f"sample.v{number}.yaml"
    )


def test_merged_bands_may_be_added_in_a_later_version_but_never_changed():
    plain = BANDED.replace(
        "          - {id: middle_or_old, text: 15 or older, merges: [middle, old]}\n", ""
    ).replace("          sch: [young, middle_or_old]\n", "")
    # Adding a merged band keeps the question's meaning: its finer answers are unchanged.
    assert qn.check_versions([version(plain, 1), version(BANDED, 2)]) == []
    changed = BANDED.replace("merges: [middle, old]", "merges: [young, middle, old]").replace(
        "sch: [young, middle_or_old]", "sch: [middle_or_old]"
    )
    found = qn.check_versions([version(BANDED, 1), version(changed, 2)])
    assert len(found) == 1 and "'middle_or_old' merges other answers than in version 1" in found[0]


def test_shipped_bands_cover_every_type_and_map_onto_version_1():
    loaded = qn.load_directory(ROOT / "questionnaires")
    children, staff = loaded[("children-stc", 2)], loaded[("staff-stc", 2)]
    v1 = loaded[("children-stc", 1)]
    for kind in ("stc", "yoi", "sch"):
        for questionnaire in (children, staff):
            tailored = questionnaire.tailored(kind)
            for question in tailored.questions:
                if not question.background or question.type != "single":
                    continue
                covered = [f for o in question.options for f in o.finer]
                # Every band covers distinct finer answers, each a version 1 answer if
                # version 1 asked the question, so old answers fall in exactly one band.
                assert len(covered) == len(set(covered))
                if questionnaire is children and question.id in {q.id for q in v1.questions}:
                    assert set(covered) - {qn.DONT_WANT_TO_SAY} <= set(
                        v1.question(question.id).option_ids
                    )
    assert offered(children.tailored("sch"), "age_band") == [
        "age_14_or_younger",
        "age_15_or_older",
        qn.DONT_WANT_TO_SAY,
    ]
    assert "gender" not in {q.id for q in children.tailored("yoi").questions}
    assert "leader_or_manager" in offered(staff.tailored("sch"), "role_group")


bands = st.lists(
    st.sampled_from(["young", "middle", "old", "middle_or_old", "elderly"]), max_size=4
)


@settings(max_examples=60, deadline=None)
@given(sch=bands, yoi=bands)
def test_any_offer_is_either_refused_or_tailors_to_distinct_bands(sch, yoi):
    """Whatever is offered per type, the definition is refused or every type's offer is
    made of real answers covering distinct finer answers."""
    text = BANDED.replace("sch: [young, middle_or_old]", f"sch: [{', '.join(sch)}]").replace(
        "yoi: [middle, old]", f"yoi: [{', '.join(yoi)}]"
    )
    try:
        questionnaire = parse(text)
    except qn.DefinitionError:
        assert (
            len(set(sch)) < len(sch)
            or len(set(yoi)) < len(yoi)
            or "middle_or_old" not in sch + yoi
            or any(
                "elderly" in x or ("middle_or_old" in x and ("middle" in x or "old" in x))
                for x in (sch, yoi)
            )
        )
        return
    for kind, wanted in (("sch", sch), ("yoi", yoi)):
        tailored = questionnaire.tailored(kind)
        ids = [q.id for q in tailored.questions]
        if not wanted:
            assert "age_band" not in ids
            continue
        question = tailored.question("age_band")
        assert [o.id for o in question.options] == [*wanted, qn.DONT_WANT_TO_SAY]
        covered = [f for o in question.options[:-1] for f in o.finer]
        assert len(covered) == len(set(covered))


# --- the evidence of a home whose inspection met both versions ---------------------------

SHIPPED = qn.Library.from_directory(ROOT / "questionnaires")
HOME = {v: SHIPPED.get("children-stc", v).tailored("sch") for v in (1, 2)}
TO_BAND = {"age_15_to_16": "age_15_or_older", "age_17_or_older": "age_15_or_older"}

responses_strategy = st.lists(
    st.tuples(
        st.sampled_from([1, 2]),
        st.sampled_from(["yes", "no", None]),
        st.sampled_from(
            [None, qn.DONT_WANT_TO_SAY, "age_14_or_younger", "age_15_to_16", "age_17_or_older"]
        ),
    ),
    min_size=1,
    max_size=30,
)


def _opened(version, safe, age):
    from survey_app.responses import Opened

    answers = {}
    if safe:
        answers["safe_now"] = safe  # asked the same way in both versions
    if age:
        # Version 2 in a home offers only the merged band; version 1 the finer ones.
        answers["age_band"] = TO_BAND.get(age, age) if version == 2 else age
    return Opened("children-stc", version, answers)


@settings(max_examples=40, deadline=None)
@given(responses_strategy, st.integers(1, 5), st.booleans())
# Finer answers met before the merged band is known, and after it.
@example([(1, "yes", "age_17_or_older"), (2, "no", None), (1, "no", "age_15_to_16")], 5, False)
def test_a_homes_breakdown_counts_finer_answers_in_the_band_offered(rows, chunk, backwards):
    """Whatever the order and chunks the responses come in, once any response used version
    2 the age groups are the bands the home is offered, each holding the finer version 1
    answers it covers. (With version 1 alone, the groups are those version 1 offered.)"""
    import random

    from survey_app.evidence.aggregate import combine, summarise_chunk

    if all(version == 1 for version, _s, _a in rows):
        rows = [*rows, (2, None, None)]
    opened = [_opened(*row) for row in rows]
    chunks = [opened[i : i + chunk] for i in range(0, len(opened), chunk)]
    if backwards:
        chunks.reverse()
    definitions = {("children-stc", v): HOME[v] for v in (1, 2)}
    summary = combine((summarise_chunk(c, definitions) for c in chunks), random.Random(1))[
        "children-stc"
    ]
    expected: dict[str, list[int]] = {}
    for _version, safe, age in rows:
        group = "not_stated" if age in (None, qn.DONT_WANT_TO_SAY) else TO_BAND.get(age, age)
        cell = expected.setdefault(group, [0, 0])
        cell[0] += safe is not None
        cell[1] += safe == "yes"
    table = summary.groups.table("age_band", "safe_now")
    assert [g for g, _b, _p in table] == ["not_stated", "age_14_or_younger", "age_15_or_older"]
    for group, base, positive in table:
        assert [base, positive] == expected.get(group, [0, 0])
    counts = summary.questions["age_band"].options
    assert set(counts) <= {"age_14_or_younger", "age_15_or_older"}
    assert counts["age_15_or_older"] == sum(
        1 for _v, _s, age in rows if age in ("age_15_to_16", "age_17_or_older")
    )


def test_a_merged_role_of_leaders_counts_as_leaders():
    from survey_app.evidence.disclosure import FRONTLINE_ROLES, LEADER_ROLES, role_members

    role = SHIPPED.get("staff-stc", 2).tailored("sch").question("role_group")
    groups = ["not_stated", "leader_or_manager", "frontline_care", "education_health_or_another"]
    assert role_members(role, groups, LEADER_ROLES) == ["leader_or_manager"]
    assert role_members(role, groups, FRONTLINE_ROLES) == ["frontline_care"]
    # A band that mixes leaders with others is neither.
    stc = SHIPPED.get("staff-stc", 2).tailored("stc").question("role_group")
    assert role_members(stc, ["senior_leader", "manager", "health"], LEADER_ROLES) == [
        "senior_leader",
        "manager",
    ]


def test_a_definition_offering_finer_answers_beside_bands_merges_nothing():
    """Untailored, version 2 lists finer answers and bands side by side: each answer is
    then its own group (a band counts finer answers only where offered instead of them)."""
    import random

    from survey_app.evidence.aggregate import summarise

    raw = SHIPPED.get("children-stc", 2)
    answers = [{"safe_now": "yes", "age_band": "age_15_to_16"}] * 2 + [
        {"safe_now": "no", "age_band": "age_17_or_older"}
    ]
    from survey_app.responses import Opened

    opened = [Opened("children-stc", 2, a) for a in answers]
    summary = summarise(lambda q, v: raw, opened, random.Random(1))["children-stc"]
    table = {g: (b, p) for g, b, p in summary.groups.table("age_band", "safe_now")}
    assert table["age_15_to_16"] == (2, 2) and table["age_17_or_older"] == (1, 0)
    assert summary.questions["age_band"].options["age_15_to_16"] == 2
