"""Per-question counts, built one response at a time (never holding every response).

For each question:

* ``asked``: respondents whose routing reached the question (the filtered base
  before skips);
* ``missing``: asked but left blank; ``dont_want_to_say``: chose "I don't want to
  say"; both are counted and shown, and both are excluded from percentages;
* ``base``: ``asked - missing - dont_want_to_say``, the denominator of every
  percentage (for multiple choice, respondents who chose at least one real answer);
* ``positive``: respondents whose answer is one of the question's positive
  outcomes (for multiple choice, any of them).

Responses to several versions of one questionnaire are combined through the
stable question ids; the newest version supplies the wording.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from ..answers import is_asked
from ..questionnaire import DONT_WANT_TO_SAY, Question, Questionnaire


@dataclass
class QuestionCounts:
    question: Question
    asked: int = 0
    missing: int = 0
    dont_want_to_say: int = 0
    positive: int = 0
    options: Counter = field(default_factory=Counter)
    comments: list[str] = field(default_factory=list)

    @property
    def base(self) -> int:
        return self.asked - self.missing - self.dont_want_to_say

    def percent(self, count: int) -> float | None:
        return None if self.base <= 0 else 100.0 * count / self.base

    def add(self, answer) -> None:
        question = self.question
        self.asked += 1
        if answer in (None, "", []):
            self.missing += 1
            return
        if question.type == "text":
            self.comments.append(answer)
            return
        chosen = answer if isinstance(answer, list) else [answer]
        real = [option for option in chosen if option != DONT_WANT_TO_SAY]
        if not real:
            self.dont_want_to_say += 1
            return
        self.options.update(real)
        if question.positive.intersection(real):
            self.positive += 1


class QuestionnaireSummary:
    """Counts for one questionnaire id across all the versions its responses used."""

    def __init__(self, questionnaire_id: str):
        self.questionnaire_id = questionnaire_id
        self.versions: dict[int, Questionnaire] = {}
        self.latest: Questionnaire | None = None
        self.respondents = 0
        self.questions: dict[str, QuestionCounts] = {}

    def add_version(self, definition: Questionnaire) -> None:
        self.versions[definition.version] = definition
        newest = self.latest is None or definition.version > self.latest.version
        if newest:
            self.latest = definition
        for question in definition.questions:
            counts = self.questions.setdefault(question.id, QuestionCounts(question))
            if newest:
                counts.question = question

    def ordered(self) -> list[QuestionCounts]:
        """Questions in the newest version's order, then any only older versions asked."""
        order = {q.id: i for i, q in enumerate(self.latest.questions)}
        return sorted(self.questions.values(), key=lambda c: order.get(c.question.id, len(order)))

    def add(self, version: int, answers: Mapping) -> None:
        self.respondents += 1
        for question in self.versions[version].questions:
            if is_asked(question, answers):
                self.questions[question.id].add(answers.get(question.id))

    def shuffle_comments(self, rng: random.Random) -> None:
        """Comments are shown in random order, apart from any other answer."""
        for counts in self.questions.values():
            rng.shuffle(counts.comments)


def summarise(
    library_get: Callable[[str, int], Questionnaire | None],
    opened: Iterable,
    rng: random.Random | None = None,
) -> dict[str, QuestionnaireSummary]:
    """Fold opened responses into one summary per questionnaire id.

    ``library_get(questionnaire_id, version)`` returns the definition used;
    ``opened`` yields objects with ``questionnaire_id``, ``version`` and ``answers``.
    """
    summaries: dict[str, QuestionnaireSummary] = {}
    for response in opened:
        summary = summaries.get(response.questionnaire_id)
        if summary is None:
            summary = summaries[response.questionnaire_id] = QuestionnaireSummary(
                response.questionnaire_id
            )
        if response.version not in summary.versions:
            definition = library_get(response.questionnaire_id, response.version)
            if definition is None:
                raise LookupError(
                    f"responses use {response.questionnaire_id} version {response.version}, "
                    "which is not installed"
                )
            summary.add_version(definition)
        summary.add(response.version, response.answers)
    for summary in summaries.values():
        summary.shuffle_comments(rng or random.SystemRandom())
    return summaries
