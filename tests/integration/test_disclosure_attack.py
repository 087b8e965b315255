"""Suppressed cells attacked as an attacker would: every figure an export publishes is a
linear constraint, and an integer programme (``tests/attacker.py``) gives the lowest and
highest value each hidden cell can take. No hidden cell may be narrower than the
disclosure threshold (issue 13, part 1)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from survey_app.evidence import disclosure, report
from survey_app.models import Inspection, PublishedCount, db
from tests.attacker import attack, small_published_sizes
from tests.helpers import PASSPHRASE, Factory, post_form, sign_in
from tests.integration.test_cli import audit_actions, passphrase_env, refused, run
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
    # Version 1, whose "staff_hurt" the issue's attack used (version 2 asks it with a period).
    seal(app, inspection, "children", boys + girls + not_stated, version=1)
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
    sheet = load_workbook(io.BytesIO(download(client, inspection_id, "xlsx").data))["Results"]
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
        hidden = attack(evidence, library.get, THRESHOLD)
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
    # No background count pins a small group's size (3 girls, 2 not stated).
    assert not small_published_sizes(evidence, THRESHOLD)
    gender = next(q for q in children["questions"] if q["id"] == "gender")
    assert {o["id"]: o["count"] for o in gender["options"]} == {
        "boy": 35,
        "girl": None,
        "another_way": 0,
    }
    assert gender["missing"] is None and gender["dont_want_to_say"] is None
    # No comparison or mark has hidden groups on its other side.
    for question in children["questions"]:
        for table in question.get("breakdowns", ()):
            if any(g["suppressed"] for g in table["groups"]):
                assert all(g["comparison"] is None for g in table["groups"])


# --- the gate: nothing is written that fails the audit -------------------------------------


@pytest.fixture
def leaky(monkeypatch):
    """The suppression rules before issue 13 (no background suppression, no protection):
    what a bug in them would publish. Every output must then be refused."""
    monkeypatch.setattr(disclosure, "protect", lambda evidence, get, t: disclosure.Audit(t))
    monkeypatch.setattr(report.Builder, "size_masks_for", lambda self, summary: {})


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx", "pdf", "appendices.pdf"])
def test_a_download_that_fails_the_audit_is_refused_and_logged(shipped_app, leaky, caplog, fmt):
    email, inspection_id = issue_example(shipped_app)
    client = shipped_app.test_client()
    sign_in(client, email)
    url = f"/inspector/inspections/{inspection_id}"
    response = post_form(client, url, f"{url}/evidence.{fmt}", passphrase=PASSPHRASE, expect=500)
    assert "attachment" not in response.headers.get("Content-Disposition", "")
    actions = [(action, detail) for _actor, action, detail in audit_actions(shipped_app)]
    assert ("export-refused", f"{fmt} download") in actions
    assert not any(action == "export" for action, _detail in actions)
    [logged] = [r.getMessage() for r in caplog.records if "refused to write" in r.getMessage()]
    assert f"{fmt} download of inspection {inspection_id}" in logged
    assert "below the disclosure threshold of 5" in logged


def test_the_evidence_page_that_fails_the_audit_is_refused(shipped_app, leaky):
    email, inspection_id = issue_example(shipped_app)
    client = shipped_app.test_client()
    sign_in(client, email)
    url = f"/inspector/inspections/{inspection_id}"
    # The page is streamed, so its status is sent before the audit runs: the refusal is in
    # the page, and none of the evidence is.
    response = post_form(client, url, f"{url}/evidence", passphrase=PASSPHRASE, expect=200)
    page = response.get_data(as_text=True)
    assert "the disclosure check found figures that could point to someone" in page
    assert 'role="alert"' in page
    assert "The evidence is ready." not in page and 'id="contents-heading"' not in page
    assert ("export-refused", "evidence page") in [
        (action, detail) for _actor, action, detail in audit_actions(shipped_app)
    ]


def test_the_command_line_writes_no_file_and_finalises_nothing_that_fails(
    shipped_app, leaky, tmp_path
):
    _email, inspection_id = issue_example(shipped_app)
    output = tmp_path / "evidence.json"
    error = refused(
        shipped_app, "export", inspection_id, "--output", str(output), env=passphrase_env()
    )
    assert "below the disclosure threshold" in error and not output.exists()
    run(shipped_app, "inspections", "close", inspection_id)
    error = refused(shipped_app, "inspections", "finalise", inspection_id, env=passphrase_env())
    assert "finalised counts" in error
    with shipped_app.app_context():
        assert db.session.get(Inspection, inspection_id).status == "closed"
        assert not db.session.scalars(
            select(PublishedCount).where(PublishedCount.inspection_id == inspection_id)
        ).all()


def test_finalising_keeps_no_group_sizes(shipped_app):
    _email, inspection_id = issue_example(shipped_app)
    run(shipped_app, "inspections", "close", inspection_id)
    run(shipped_app, "inspections", "finalise", inspection_id, env=passphrase_env())
    with shipped_app.app_context():
        kept = {
            row.question_id
            for row in db.session.scalars(
                select(PublishedCount).where(PublishedCount.inspection_id == inspection_id)
            )
        }
    assert "staff_hurt" in kept
    assert not kept & {"gender", "age_band", "ethnic_group", "disability", "unit"}
