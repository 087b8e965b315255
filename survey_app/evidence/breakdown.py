"""Per-group totals for breakdowns, accumulated in one streaming pass.

For every background question (age band, role...) and every question with a
positive outcome, ``GroupTotals`` counts, per group, how many respondents were in
the question's base and how many gave a positive answer. Group 0 is "not stated"
(the background question was skipped or answered "I don't want to say"), so the
groups of one background question always add up to the whole-inspection base.

The totals are counted by ``aggregate.QuestionnaireSummary``: every ``BATCH_ROWS``
responses, the tally numbers of their answers are counted per group with ``numpy.bincount``
and turned into bases and positives with a matrix product per background question
(``add``). Memory stays constant however many responses there are.

Where an establishment is offered merged bands ("15 or older"), an answer given with a
finer one (to an older version of the questionnaire) is counted in the band that covers
it, and the finer group is left out of the tables: the groups are the bands offered.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..questionnaire import DONT_WANT_TO_SAY, Question

NOT_STATED = "not_stated"
#: Responses counted between two settlings of ``aggregate.QuestionnaireSummary``.
BATCH_ROWS = 4096


def is_measured(question: Question) -> bool:
    """Questions whose positive outcome is broken down and compared."""
    return question.is_choice and not question.background and bool(question.positive)


def is_grouping(question: Question) -> bool:
    """Background questions with one answer a respondent: they split respondents into groups."""
    return question.background and question.is_choice and question.type != "multiple"


class GroupTotals:
    def __init__(self) -> None:
        self.measured: dict[str, int] = {}  # question id -> column
        self.groupings: dict[str, dict[str, int]] = {}  # background id -> {answer id -> group}
        #: background id -> {finer answer -> the merged band counting it}
        self.merged: dict[str, dict[str, str]] = {}
        self._base: dict[str, np.ndarray] = {}  # background id -> groups x questions
        self._positive: dict[str, np.ndarray] = {}

    # --- definition -------------------------------------------------------------------------
    def extend(self, questions: Iterable[Question]) -> None:
        """Make room for the questions and groups of another questionnaire version."""
        for question in questions:
            if is_measured(question) and question.id not in self.measured:
                self.measured[question.id] = len(self.measured)
            if is_grouping(question):
                groups = self.groupings.setdefault(question.id, {NOT_STATED: 0})
                for option in question.options:
                    if option.id != DONT_WANT_TO_SAY and option.id not in groups:
                        groups[option.id] = len(groups)
                    # Only where the band is offered instead of its finer answers (as
                    # tailored to an establishment), not beside them.
                    for finer in option.merges - set(question.option_ids):
                        self.merged.setdefault(question.id, {})[finer] = option.id
        width = len(self.measured)
        for background, groups in self.groupings.items():
            for totals in (self._base, self._positive):
                old = totals.get(background, np.zeros((0, 0), dtype=np.int64))
                grown = np.zeros((len(groups), width), dtype=np.int64)
                grown[: old.shape[0], : old.shape[1]] = old
                totals[background] = grown
        self._fold_merged()

    def _fold_merged(self) -> None:
        """Move what finer groups counted into the merged bands that cover them."""
        for background, merged in self.merged.items():
            groups = self.groupings[background]
            for finer, band in merged.items():
                if finer in groups:
                    for totals in (self._base, self._positive):
                        totals[background][groups[band]] += totals[background][groups[finer]]
                        totals[background][groups[finer]] = 0

    def add(self, background: str, base: np.ndarray, positive: np.ndarray) -> None:
        """Add counted totals: ``base[group, column]`` respondents of ``background``'s group
        in the base of the measured question of ``column``, ``positive`` of them positive."""
        self._base[background] += base
        self._positive[background] += positive

    def merge(self, other: GroupTotals) -> None:
        """Add ``other``'s totals (both flushed), matched by question and group ids: its
        questions and groups must be among ours (``QuestionnaireSummary.merge`` adds any
        version it met first)."""
        if not other.measured or not other.groupings:
            return
        columns = [self.measured[q] for q in other.measured]  # in other's column order
        for background, groups in other.groupings.items():
            ours = self.groupings[background]
            rows = [ours[g] for g in groups]
            at = np.ix_(rows, columns)
            self._base[background][at] += other._base[background]  # noqa: SLF001
            self._positive[background][at] += other._positive[background]  # noqa: SLF001
        self._fold_merged()

    # --- results ----------------------------------------------------------------------------
    def table(self, background: str, question_id: str) -> list[tuple[str, int, int]]:
        """``(group, base, positive)`` for every group of ``background``, "not stated" first
        (a finer answer that a merged band counts is not a group of its own)."""
        column = self.measured[question_id]
        base = self._base[background][:, column]
        positive = self._positive[background][:, column]
        merged = self.merged.get(background, {})
        return [
            (group, int(base[index]), int(positive[index]))
            for group, index in self.groupings[background].items()
            if group not in merged
        ]
