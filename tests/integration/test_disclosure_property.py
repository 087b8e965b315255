"""Random small inspections through the real pipeline (sealed, opened, built, gated,
rendered), every export attacked with the integer programme of ``tests/attacker.py``: no
hidden cell may be narrower than the threshold, unless the whole-inspection totals alone
make it so (issue 13, part 1)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from survey_app import inspections, responses
from survey_app.evidence import disclosure, report
from survey_app.evidence_cli import render_evidence
from survey_app.models import Establishment, Inspection, db
from tests.attacker import attack, small_published_sizes
from tests.conftest import _dispose, _make_app
from tests.helpers import PASSPHRASE

QUESTIONNAIRES = Path(__file__).resolve().parents[1] / "questionnaires_disclosure"
THRESHOLD = 5
DWTS = "dont_want_to_say"


@pytest.fixture
def small_app(migrated_database, tmp_path):
    app = _make_app(migrated_database, tmp_path, QUESTIONNAIRES)
    with app.app_context():
        db.session.add(Establishment(name="Property Centre", type="stc"))
        db.session.commit()
    yield app
    _dispose(app)


def answer(options):
    """One answer, skipped (None) or "I don't want to say" sometimes."""
    return st.sampled_from([*options, None, DWTS])


# Skewed groups, so that small ones (1 to 4 children) are common.
gender = st.sampled_from(["boy"] * 5 + ["girl", "another_way", None, DWTS])
age = st.sampled_from(["old"] * 3 + ["young", None])
#: Children answer from a few shared patterns, so that whole groups often answer alike
#: (the case that gives a hidden group away: "all 3 girls said staff hurt them").
pattern = st.fixed_dictionaries(
    {
        "safe_now": answer(["yes", "no"]),
        "held_by_staff": answer(["yes", "no", "no"]),
        "held_explained": answer(["yes", "no"]),
        "fights_stopped": answer(["yes", "no", "not_seen"]),
        "made_complaint": answer(["yes", "no"]),
        "complaint_fair": answer(["yes", "no"]),
    }
)
#: Each gender answers by its own pattern unless the child departs from it.
OWN_PATTERN = {"boy": 0, "girl": 1, "another_way": 2, None: 1, DWTS: 2}
child = st.tuples(gender, age, st.sampled_from([None, None, None, 0, 1, 2]))
role = st.sampled_from(["frontline_care"] * 4 + ["senior_leader", "manager", "other_or_agency"])
member = st.fixed_dictionaries(
    {
        "role_group": st.one_of(role, st.none()),
        "children_feel_safe": answer(["yes", "no"]),
        "enough_staff": answer(["yes", "no"]),
    }
)


def clean(answers: dict) -> dict:
    return {key: value for key, value in answers.items() if value is not None}


def group_figures(evidence: dict) -> dict:
    return {
        (qn["id"], q["id"], table["by"], group["text"]): (group["positive"], group["base"])
        for qn in evidence["questionnaires"]
        for q in qn["questions"]
        for table in q.get("breakdowns", ())
        for group in table["groups"]
    }


def spreadsheet_figures(rows) -> dict:
    header = rows[1]
    found = {}
    for row in rows[2:]:
        record = dict(zip(header, row, strict=True))
        if record["measure"] == "positive_by_group":
            key = (record["questionnaire"], record["question_id"], record["group_by"])
            found[(*key, record["group"])] = (
                None if record["count"] in (None, "") else int(record["count"]),
                None if record["base"] in (None, "") else int(record["base"]),
            )
    return found


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(pattern, min_size=3, max_size=3),
    st.lists(child, min_size=1, max_size=30),
    st.lists(member, min_size=0, max_size=20),
)
def test_no_export_of_a_random_inspection_lets_a_hidden_cell_be_narrowed(
    small_app, patterns, people, staff
):
    children = [
        {"gender": g, "age_band": a, **patterns[OWN_PATTERN[g] if i is None else i]}
        for g, a, i in people
    ]
    with small_app.app_context():
        library = small_app.extensions["questionnaires"]
        establishment = db.session.scalars(db.select(Establishment)).first()
        inspection = inspections.create_inspection(establishment, "full", PASSPHRASE, [])
        for audience, people in (("children", children), ("staff", staff)):
            questionnaire = library.current(audience, "stc")
            for answers in people:
                responses.add_sealed(inspection, questionnaire, clean(answers))
        db.session.commit()
        inspection = db.session.get(Inspection, inspection.id)
        evidence = report.build(inspection, inspections.unlock(inspection, PASSPHRASE))
        disclosure.gate(evidence, "json")  # the same gate every output passes
        figures = group_figures(evidence)
        csv_rows = list(
            csv.reader(io.StringIO(render_evidence(evidence, inspection, "csv").decode()))
        )
        workbook = load_workbook(io.BytesIO(render_evidence(evidence, inspection, "xlsx")))
        xlsx_rows = list(workbook["Results"].iter_rows(values_only=True))
        # The CSV and the XLSX carry exactly the JSON's group figures, so one attack covers all.
        assert spreadsheet_figures(csv_rows) == figures
        assert spreadsheet_figures(xlsx_rows) == figures
        hidden = attack(evidence, library.get, THRESHOLD)
    assert not small_published_sizes(evidence, THRESHOLD)
    narrow = [h for h in hidden if not h.protected(THRESHOLD)]
    assert not narrow, narrow[:3]
    for gap in evidence["role_gaps"]:
        if not gap["suppressed"]:
            assert min(gap["leaders"]["base"], gap["frontline"]["base"]) >= THRESHOLD
    for qn in evidence["questionnaires"]:
        for q in qn["questions"]:
            for table in q.get("breakdowns", ()):
                if any(g["suppressed"] for g in table["groups"]):
                    assert all(g["comparison"] is None for g in table["groups"])
