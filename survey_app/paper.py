"""Paper questionnaires keyed in from a CSV file, sealed exactly like online responses.

The file (UTF-8, comma-separated) has a header row of question ids, then one row
per paper questionnaire. A cell holds the answer id (``yes``, ``mostly``...,
``dont_want_to_say`` for "I don't want to say"), the words of an open answer, or
nothing for a skipped question. A multiple-choice cell lists its answer ids
separated by ``|`` (``MULTIPLE_SEPARATOR``). Routing is applied as online: an
answer to a follow-up whose condition was not met is dropped.

Every problem is reported with its row (the header is row 1) and column, and
nothing is stored unless every row is valid.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from . import answers as answer_rules
from .questionnaire import Questionnaire

MULTIPLE_SEPARATOR = "|"


@dataclass(frozen=True)
class Problem:
    row: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class PaperError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


def _describe(questionnaire: Questionnaire, question_id: str, value) -> str:
    question = questionnaire.question(question_id)
    if question.type == "text":
        return f"longer than {question.max_length} characters"
    shown = " | ".join(value) if isinstance(value, list) else value
    allowed = ", ".join(question.option_ids)
    return f"{shown!r} is not an answer to this question (answers: {allowed})"


def parse(text: str, questionnaire: Questionnaire) -> list[dict]:
    """Validated answers, one dict per row; raises PaperError listing every problem."""
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[Problem] = []
    try:
        header = next(reader)
    except StopIteration:
        raise PaperError([Problem(1, None, "the file is empty: it needs a header row")]) from None
    except csv.Error as error:
        raise PaperError([Problem(1, None, f"not a readable CSV file ({error})")]) from None
    header = [name.strip() for name in header]
    known = {question.id for question in questionnaire.questions}
    for name in header:
        if name not in known:
            problems.append(
                Problem(1, name or "(blank)", "not a question id of " + questionnaire.key)
            )
    for name in {n for n in header if header.count(n) > 1}:
        problems.append(Problem(1, name, "this column appears more than once"))
    if problems:
        raise PaperError(problems)

    rows: list[dict] = []
    line = 1
    try:
        for line, cells in enumerate(reader, start=2):
            if len(cells) != len(header):
                problems.append(
                    Problem(line, None, f"has {len(cells)} cells; the header has {len(header)}")
                )
                continue
            form: MultiDict[str, str] = MultiDict()
            for name, cell in zip(header, cells, strict=True):
                question = questionnaire.question(name)
                if question.type == "multiple":
                    for value in cell.split(MULTIPLE_SEPARATOR):
                        if value.strip():
                            form.add(name, value.strip())
                elif question.type == "text":
                    form.add(name, cell)
                else:
                    form.add(name, cell.strip())
            if not any(value.strip() for value in form.values()):
                problems.append(Problem(line, None, "is empty: leave blank questionnaires out"))
                continue
            checked = answer_rules.check(questionnaire, form)
            for question_id in checked.errors:
                given = form.getlist(question_id)
                shown = (
                    given if questionnaire.question(question_id).type == "multiple" else given[0]
                )
                problems.append(
                    Problem(line, question_id, _describe(questionnaire, question_id, shown))
                )
            rows.append(checked.answers)
    except csv.Error as error:
        problems.append(Problem(line, None, f"not readable as CSV ({error})"))
    if problems:
        raise PaperError(problems)
    if not rows:
        raise PaperError([Problem(1, None, "no questionnaires after the header row")])
    return rows
