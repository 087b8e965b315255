"""``export`` in every format and ``inspections finalise`` from the command line."""

from __future__ import annotations

import csv
import json

import pytest
from openpyxl import load_workbook

from survey_app.models import Inspection, PublishedCount, db
from tests.integration.test_cli import audit_actions, passphrase_env, refused, run, submit


@pytest.fixture
def answered(app, factory):
    inspection = factory.inspection()
    submit(app, inspection, "children", {"feel_safe": "yes", "anything_else": "@SUM(A1)"}, 3)
    submit(app, inspection, "children", {"feel_safe": "no"}, 2)
    submit(app, inspection, "staff", {"children_safe": "yes"}, 2)
    return inspection


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx", "pdf", "appendices.pdf", "html"])
def test_export_writes_every_format(app, answered, tmp_path, fmt):
    output = tmp_path / f"evidence.{fmt}"
    result = run(
        app, "export", answered, "--format", fmt, "--output", str(output), env=passphrase_env()
    )
    assert result.output.strip() == f"Wrote {output}"
    if fmt == "json":
        assert json.loads(output.read_text(encoding="utf-8"))["format"] == "survey-evidence/2"
    elif fmt == "csv":
        rows = list(csv.reader(output.open(encoding="utf-8")))
        assert rows[0][0].startswith("# Test: mid-p (two-sided)")
        positive = [r for r in rows if r[1:2] == ["feel_safe"] and r[4] == "positive"]
        assert positive[0][8:11] == ["3", "5", "60.0"]
    elif fmt == "xlsx":
        comments = load_workbook(output)["Comments"]
        assert "'@SUM(A1)" in [cell.value for row in comments.iter_rows() for cell in row]
    elif fmt.endswith("pdf"):
        assert output.read_bytes().startswith(b"%PDF")
    else:
        html = output.read_text(encoding="utf-8")
        assert "<style>" in html and "<svg" in html and "<link" not in html
        assert "Do you feel safe here?" in html
    exported = [a for a in audit_actions(app, answered) if a[1] == "export"]
    assert exported == [("command line", "export", f"{fmt} to evidence.{fmt}")]


def test_finalise_from_the_command_line(app, answered):
    error = refused(app, "inspections", "finalise", answered, env=passphrase_env())
    assert error == f"Error: inspection {answered} is open; only a closed one can be finalised"
    run(app, "inspections", "close", answered)
    refused(app, "inspections", "finalise", answered, env=passphrase_env("wrong passphrase"))
    result = run(app, "inspections", "finalise", answered, env=passphrase_env())
    assert result.output.startswith(f"Finalised inspection {answered}")
    with app.app_context():
        assert db.session.get(Inspection, answered).status == "finalised"
        stored = db.session.get(PublishedCount, (answered, "tiny-children", "feel_safe"))
        assert (stored.respondents, stored.asked, stored.positive) == (5, 5, 3)
    again = refused(app, "inspections", "finalise", answered, env=passphrase_env())
    assert "finalised" in again
    actions = [a[1] for a in audit_actions(app, answered)]
    assert "evidence-finalise" in actions and "unlock-refused" in actions


def test_finalise_refuses_an_unknown_inspection(app):
    assert "no inspection with id" in refused(app, "inspections", "finalise", "0" * 32)


def test_children_held_gives_the_response_rate_and_corrected_intervals(app, answered, tmp_path):
    assert "at least 5 were held (got 4)" in refused(
        app, "inspections", "children-held", answered, "4"
    )
    assert "cannot be negative" in refused(
        app, "inspections", "children-held", answered, "--", "-2"
    )
    assert "whole number" in refused(app, "inspections", "children-held", answered, "many")
    assert "or --clear" in refused(app, "inspections", "children-held", answered)
    output = tmp_path / "evidence.json"

    def export() -> dict:
        run(app, "export", answered, "--output", str(output), env=passphrase_env())
        return json.loads(output.read_text(encoding="utf-8"))

    def feel_safe(evidence: dict) -> dict:
        children = evidence["questionnaires"][0]
        return next(q for q in children["questions"] if q["id"] == "feel_safe")

    before = export()
    assert before["questionnaires"][0]["census"] is None
    plain = feel_safe(before)["positive"]["interval"]

    result = run(app, "inspections", "children-held", answered, "8")
    assert "8 children held" in result.output
    held = export()
    children, staff = held["questionnaires"]
    assert children["census"] == {
        "children_held": 8,
        "response_rate": 62.5,
        "finite_population_correction": True,
    }
    assert staff["census"] is None  # staff are not counted by the children held
    page = tmp_path / "evidence.html"
    run(app, "export", answered, "--format", "html", "--output", str(page), env=passphrase_env())
    assert "Children held on the day: 8. Response rate: 62.5%." in page.read_text("utf-8")
    corrected = feel_safe(held)["positive"]["interval"]
    assert corrected["low"] > plain["low"] and corrected["high"] < plain["high"]

    run(app, "inspections", "children-held", answered, "5")  # every child answered
    census = export()
    assert feel_safe(census)["positive"]["interval"] == {"low": 60.0, "high": 60.0}
    run(app, "inspections", "children-held", answered, "--clear")
    assert export()["questionnaires"][0]["census"] is None
    assert [a[1] for a in audit_actions(app)].count("children-held") == 3
