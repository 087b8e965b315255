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


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx", "pdf", "html"])
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
    elif fmt == "pdf":
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
