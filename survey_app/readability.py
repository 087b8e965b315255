"""How hard the English of a questionnaire is to read, measured with textstat.

Every child-facing string (title, introduction, section titles, question text, hints
and answers) of ``MIN_WORDS`` words or more must be at Flesch-Kincaid grade
``MAX_GRADE`` or below: about a reading age of 9. Shorter strings are left out: the
formula means little for two or three words. ``flask questionnaires readability``
prints the report; ``questionnaires check`` and the tests enforce it.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterator
from dataclasses import dataclass

import textstat

from .questionnaire import Questionnaire

MAX_GRADE = 4.0
MIN_WORDS = 4
# Names of the census's ethnic groups, kept as the census writes them so that answers
# compare with other surveys; the formula counts their syllables, not how well known they are.
CENSUS_NAMES = frozenset({"Asian or Asian British", "Black or Black British"})


@dataclass(frozen=True)
class Reading:
    where: str  # question id and field, e.g. "safe_now (hint)"
    text: str
    words: int
    grade: float

    @property
    def too_hard(self) -> bool:
        return self.words >= MIN_WORDS and self.grade > MAX_GRADE and self.text not in CENSUS_NAMES


def _words(text: str) -> int:
    return len(re.findall(r"[\w'’]+", text))


def strings(questionnaire: Questionnaire) -> Iterator[tuple[str, str]]:
    """``(where, text)`` for every string the respondent reads."""
    yield "(title)", questionnaire.title
    if questionnaire.introduction:
        yield "(introduction)", questionnaire.introduction
    for section in questionnaire.sections:
        yield f"{section.id} (section title)", section.title
        for question in section.questions:
            yield f"{question.id} (text)", question.text
            if question.hint:
                yield f"{question.id} (hint)", question.hint
            for option in question.options:
                yield f"{question.id}.{option.id} (answer)", option.text


def readings(questionnaire: Questionnaire) -> list[Reading]:
    """Every string with its word count and Flesch-Kincaid grade (English)."""
    measured = []
    for where, text in strings(questionnaire):
        measured.append(
            Reading(where, text, _words(text), float(textstat.flesch_kincaid_grade(text)))
        )
    return measured


def problems(questionnaire: Questionnaire) -> list[str]:
    """One line per child-facing string above the grade; none for a staff questionnaire."""
    if questionnaire.audience != "children":
        return []
    return [
        f"{questionnaire.key}: {r.where}: Flesch-Kincaid grade {r.grade:.1f} is above "
        f"{MAX_GRADE:g}: {r.text!r}"
        for r in readings(questionnaire)
        if r.too_hard
    ]


def report(questionnaire: Questionnaire) -> list[str]:
    """A printable report: a summary line, then every measured string, hardest first."""
    measured = [r for r in readings(questionnaire) if r.words >= MIN_WORDS]
    grades = [r.grade for r in measured]
    if not grades:
        return [f"{questionnaire.key}: no string of {MIN_WORDS} words or more"]
    ninetieth = statistics.quantiles(grades, n=10)[-1] if len(grades) > 1 else grades[0]
    lines = [
        f"{questionnaire.key} ({questionnaire.audience}): {len(measured)} strings of "
        f"{MIN_WORDS} words or more; Flesch-Kincaid grade median "
        f"{statistics.median(grades):.1f}, 90th percentile {ninetieth:.1f}, "
        f"highest {max(grades):.1f}"
        + (
            f"; {sum(r.too_hard for r in measured)} above {MAX_GRADE:g}"
            if questionnaire.audience == "children"
            else ""
        )
    ]
    for r in sorted(measured, key=lambda r: -r.grade):
        mark = "  TOO HARD" if questionnaire.audience == "children" and r.too_hard else ""
        mark = "  (census name, kept)" if r.text in CENSUS_NAMES else mark
        lines.append(f"  {r.grade:5.1f}  {r.where}: {r.text}{mark}")
    return lines
