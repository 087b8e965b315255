"""Paper questionnaires keyed in from CSV: sealed like online answers, all or nothing."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from survey_app import inspections
from survey_app.models import Inspection, SealedResponse, db
from survey_app.paper import MULTIPLE_SEPARATOR, PaperError, parse
from survey_app.questionnaire import DONT_WANT_TO_SAY, Library
from survey_app.responses import BrokenSeals, open_all
from tests.helpers import PASSPHRASE
from tests.integration.test_cli import audit_actions, refused, run

LIBRARY = Library.from_directory(Path(__file__).resolve().parents[1] / "questionnaires")
CHILDREN = LIBRARY.get("tiny-children", 1)


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def stored(app, inspection_id: str) -> list[dict]:
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        unsealer = inspections.unlock(inspection, PASSPHRASE)
        broken = BrokenSeals()
        opened = [r.answers for r in open_all(inspection, unsealer, broken)]
        assert broken.count == 0
        return opened


def canonical(answers: dict) -> str:
    return json.dumps(answers, sort_keys=True)


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SealedResponse))


def test_valid_rows_are_sealed_like_online_answers(app, factory, tmp_path):
    inspection = factory.inspection()
    path = write_csv(
        tmp_path / "paper.csv",
        [
            ["feel_safe", "hurt_by_child", "hurt_how", "age_band", "anything_else"],
            ["yes", "yes", "hit|threatened", "over_16", "The food, is cold"],
            ["dont_want_to_say", "no", "hit", "", ""],  # hurt_how not asked: dropped
            ["", "", "", "under_15", ""],
        ],
    )
    result = run(
        app, "responses", "import", inspection, str(path), "--questionnaire", "tiny-children"
    )
    assert result.output.strip() == "Sealed 3 paper questionnaires (tiny-children.v1)"
    answers = stored(app, inspection)
    assert sorted(answers, key=canonical) == sorted(
        [
            {
                "feel_safe": "yes",
                "hurt_by_child": "yes",
                "hurt_how": ["hit", "threatened"],
                "age_band": "over_16",
                "anything_else": "The food, is cold",
            },
            {"feel_safe": DONT_WANT_TO_SAY, "hurt_by_child": "no"},
            {"age_band": "under_15"},
        ],
        key=canonical,
    )
    assert ("command line", "paper-import", "3 tiny-children.v1") in audit_actions(app, inspection)


def test_any_invalid_value_is_reported_by_row_and_column_and_nothing_is_stored(
    app, factory, tmp_path
):
    inspection = factory.inspection()
    path = write_csv(
        tmp_path / "paper.csv",
        [
            ["feel_safe", "hurt_by_child", "hurt_how", "anything_else"],
            ["yes", "no", "", "fine"],
            ["perhaps", "yes", "hit|bitten", "x" * 501],
            ["", "", "", ""],
            ["yes", "no"],
        ],
    )
    result = app.test_cli_runner().invoke(
        args=["responses", "import", inspection, str(path), "--questionnaire", "tiny-children"]
    )
    assert result.exit_code != 0
    output = result.output
    assert "paper.csv: row 3, column feel_safe: 'perhaps' is not an answer" in output
    assert "paper.csv: row 3, column hurt_how: 'hit | bitten' is not an answer" in output
    assert "paper.csv: row 3, column anything_else: longer than 500 characters" in output
    assert "paper.csv: row 4: is empty" in output
    assert "paper.csv: row 5: has 2 cells; the header has 4" in output
    assert "Error: 5 problems found; nothing was imported" in output
    assert count(app) == 0


def test_unknown_columns_questionnaires_and_finalised_inspections_are_refused(
    app, factory, tmp_path
):
    inspection = factory.inspection()
    path = write_csv(tmp_path / "paper.csv", [["feel_safe", "shoe_size"], ["yes", "9"]])
    result = app.test_cli_runner().invoke(
        args=["responses", "import", inspection, str(path), "--questionnaire", "tiny-children"]
    )
    assert "row 1, column shoe_size: not a question id of tiny-children.v1" in result.output
    good = write_csv(tmp_path / "good.csv", [["feel_safe"], ["yes"]])
    assert "no questionnaire nope" in refused(
        app, "responses", "import", inspection, str(good), "--questionnaire", "nope"
    )
    assert "no questionnaire tiny-children.v9" in refused(
        app, "responses", "import", inspection, str(good), "--questionnaire", "tiny-children.v9"
    )
    (tmp_path / "latin1.csv").write_bytes("feel_safe\ncaf\xe9\n".encode("latin-1"))
    assert "not UTF-8" in refused(
        app,
        "responses",
        "import",
        inspection,
        str(tmp_path / "latin1.csv"),
        "--questionnaire",
        "tiny-children",
    )
    with app.app_context():
        db.session.get(Inspection, inspection).status = "finalised"
        db.session.commit()
    assert "finalised" in refused(
        app, "responses", "import", inspection, str(good), "--questionnaire", "tiny-children"
    )
    assert count(app) == 0


# --- the parser, for any answers a respondent could give -----------------------------------

CHOICES = {q.id: q for q in CHILDREN.questions if q.is_choice}
text_answers = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00"),
    min_size=1,
    max_size=60,
).filter(lambda t: t.strip() == t and t.strip())


@st.composite
def respondent(draw) -> dict:
    answers = {}
    for question in CHILDREN.questions:
        if not draw(st.booleans()):
            continue
        if question.type == "text":
            answers[question.id] = draw(text_answers)
        elif question.type == "multiple":
            real = [o for o in question.option_ids if o != DONT_WANT_TO_SAY]
            chosen = draw(st.lists(st.sampled_from(real), min_size=1, unique=True))
            answers[question.id] = [o for o in question.option_ids if o in chosen]
        else:
            answers[question.id] = draw(st.sampled_from(question.option_ids))
    if answers.get("hurt_by_child") != "yes":
        answers.pop("hurt_how", None)
    return answers


@settings(max_examples=80, deadline=None)
@given(st.lists(respondent().filter(bool), min_size=1, max_size=6))
def test_any_valid_answers_survive_a_round_trip_through_csv(people):
    columns = [q.id for q in CHILDREN.questions]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for answers in people:
        writer.writerow(
            [
                MULTIPLE_SEPARATOR.join(value) if isinstance(value, list) else value
                for value in (answers.get(c, "") for c in columns)
            ]
        )
    assert parse(buffer.getvalue(), CHILDREN) == people


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_either_parsed_or_refused_with_located_problems(text):
    try:
        rows = parse(text, CHILDREN)
    except PaperError as error:
        assert error.problems
        assert all(problem.row >= 1 for problem in error.problems)
    else:
        assert all(isinstance(row, dict) for row in rows)
