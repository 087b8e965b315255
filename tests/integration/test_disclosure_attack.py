"""Suppressed cells attacked as an attacker would: every figure an export publishes is a
linear constraint, and an integer programme (``tests/attacker.py``) gives the lowest and
highest value each hidden cell can take. No hidden cell may be narrower than the
disclosure threshold (issue 13, part 1)."""

from __future__ import annotations

import csv
import io
import json

from openpyxl import load_workbook

from survey_app.models import Inspection, db
from tests.attacker import attack
from tests.helpers import PASSPHRASE, Factory, post_form, sign_in
from tests.integration.test_evidence import seal

THRESHOLD = 5


def download(client, inspection_id: str, fmt: str):
    url = f"/inspector/inspections/{inspection_id}"
    return post_form(client, url, f"{url}/evidence.{fmt}", passphrase=PASSPHRASE, expect=200)


def issue_example(app) -> tuple[str, str]:
    """40 children: 35 boys said staff never hurt them; 3 girls and 2 who did not state
    their gender all said staff hurt them."""
    factory = Factory(app)
    email = factory.inspector()
    inspection = factory.inspection([email])
    boys = [{"gender": "boy", "staff_hurt": "no", "safe_now": "yes"}] * 35
    girls = [{"gender": "girl", "staff_hurt": "yes", "safe_now": "yes"}] * 3
    not_stated = [
        {"staff_hurt": "yes", "safe_now": "no"},
        {"gender": "dont_want_to_say", "staff_hurt": "yes"},
    ]
    seal(app, inspection, "children", boys + girls + not_stated)
    return email, inspection


def published_figures_from_csv(text: str) -> dict:
    """``(question, group_by, group) -> (count, base)`` for every group row of the CSV."""
    reader = csv.reader(io.StringIO(text))
    next(reader)
    header = next(reader)
    found = {}
    for row in reader:
        record = dict(zip(header, row, strict=True))
        if record["measure"] == "positive_by_group":
            found[(record["question_id"], record["group_by"], record["group"])] = (
                record["count"] or None,
                record["base"] or None,
            )
    return found


def test_the_issue_example_hides_the_girls_answers_from_an_integer_programme(shipped_app):
    email, inspection_id = issue_example(shipped_app)
    client = shipped_app.test_client()
    sign_in(client, email)
    evidence = json.loads(download(client, inspection_id, "json").get_data(as_text=True))
    # The CSV and XLSX carry the same figures as the JSON, so one attack covers all three.
    from_csv = published_figures_from_csv(download(client, inspection_id, "csv").get_data(True))
    sheet = load_workbook(io.BytesIO(download(client, inspection_id, "xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[1]
    from_xlsx = {
        (r["question_id"], r["group_by"], r["group"]): (r["count"], r["base"])
        for r in (dict(zip(header, row, strict=True)) for row in rows[2:])
        if r["measure"] == "positive_by_group"
    }
    children = evidence["questionnaires"][0]
    for question in children["questions"]:
        for table in question.get("breakdowns", ()):
            for group in table["groups"]:
                key = (question["id"], table["by"], group["text"])
                expected = (group["positive"], group["base"])
                assert from_xlsx[key] == expected
                assert from_csv[key] == tuple(None if v is None else str(v) for v in expected)

    with shipped_app.app_context():
        library = shipped_app.extensions["questionnaires"]
        hidden = attack(evidence, library.get)
        assert db.session.get(Inspection, inspection_id) is not None
    girls = {
        h.cell: (h.low, h.high)
        for h in hidden
        if h.question == "staff_hurt" and h.by == "gender" and h.group == "girl"
    }
    assert girls, "the girls' staff_hurt row must be hidden"
    narrow = [h for h in hidden if not h.protected(THRESHOLD)]
    assert not narrow, (
        f"{len(narrow)} of {len(hidden)} hidden cells narrower than {THRESHOLD}; the girls' "
        f"staff_hurt cells: {girls}; e.g. {narrow[:3]}"
    )
    # No comparison or mark has hidden groups on its other side.
    for question in children["questions"]:
        for table in question.get("breakdowns", ()):
            if any(g["suppressed"] for g in table["groups"]):
                assert all(g["comparison"] is None for g in table["groups"])
