"""Per-group totals for breakdowns, accumulated in one streaming pass.

For every background question (age band, role...) and every question with a
positive outcome, ``GroupTotals`` counts, per group, how many respondents were in
the question's base and how many gave a positive answer. Group 0 is "not stated"
(the background question was skipped or answered "I don't want to say"), so the
groups of one background question always add up to the whole-inspection base.

Each response writes one row of outcome codes (one byte a question) into a
fixed-size buffer; a full buffer is folded into the totals with a matrix product
per background question, and reused. Memory stays constant however many
responses there are.

Where an establishment is offered merged bands ("15 or older"), an answer given with a
finer one (to an older version of the questionnaire) is counted in the band that covers
it, and the finer group is left out of the tables: the groups are the bands offered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from ..questionnaire import DONT_WANT_TO_SAY, Question

NOT_IN_BASE, IN_BASE, POSITIVE = 0, 1, 2
NOT_STATED = "not_stated"
BATCH_ROWS = 4096


def is_measured(question: Question) -> bool:
    """Questions whose positive outcome is broken down and compared."""
    return question.is_choice and not question.background and bool(question.positive)


def is_grouping(question: Question) -> bool:
    """Background questions with one answer a respondent: they split respondents into groups."""
    return question.background and question.is_choice and question.type != "multiple"


class GroupTotals:
    def __init__(self, batch_rows: int | None = None):
        self.batch_rows = batch_rows or BATCH_ROWS
        self.measured: dict[str, int] = {}  # question id -> column
        self.groupings: dict[str, dict[str, int]] = {}  # background id -> {answer id -> group}
        #: background id -> {finer answer -> the merged band counting it}
        self.merged: dict[str, dict[str, str]] = {}
        self._base: dict[str, np.ndarray] = {}  # background id -> groups x questions
        self._positive: dict[str, np.ndarray] = {}
        self._allocate()

    # --- definition -------------------------------------------------------------------------
    def extend(self, questions: Iterable[Question]) -> None:
        """Make room for the questions and groups of another questionnaire version."""
        self.flush()
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
        self._allocate()

    def _fold_merged(self) -> None:
        """Move what finer groups counted into the merged bands that cover them."""
        for background, merged in self.merged.items():
            groups = self.groupings[background]
            for finer, band in merged.items():
                if finer in groups:
                    for totals in (self._base, self._positive):
                        totals[background][groups[band]] += totals[background][groups[finer]]
                        totals[background][groups[finer]] = 0

    def _allocate(self) -> None:
        self._width = len(self.measured)
        self._grouping_items = list(self.groupings.items())
        self._codes = bytearray(self.batch_rows * self._width)
        self._groups = bytearray(self.batch_rows * len(self._grouping_items))
        self._blank_row = bytes(self._width)
        self.row = bytearray(self._width)
        self._rows = 0

    # --- one response -----------------------------------------------------------------------
    def start_row(self, answers: Mapping) -> bytearray:
        """Record the respondent's groups; return the row to fill with outcome codes."""
        at = self._rows * len(self._grouping_items)
        for offset, (background, groups) in enumerate(self._grouping_items):
            answer = answers.get(background)
            if isinstance(answer, list):
                answer = answer[0] if len(answer) == 1 else None
            if answer is not None and background in self.merged:
                answer = self.merged[background].get(answer, answer)
            self._groups[at + offset] = groups.get(answer, 0) if answer is not None else 0
        return self.row

    def end_row(self) -> None:
        start = self._rows * self._width
        self._codes[start : start + self._width] = self.row
        self.row[:] = self._blank_row
        self._rows += 1
        if self._rows == self.batch_rows:
            self.flush()

    def flush(self) -> None:
        rows = self._rows
        if rows == 0:
            return
        self._rows = 0
        if not self._width or not self._grouping_items:
            return
        codes = np.frombuffer(self._codes, dtype=np.uint8, count=rows * self._width)
        codes = codes.reshape(rows, self._width)
        in_base = (codes > NOT_IN_BASE).astype(np.float64)
        positive = (codes == POSITIVE).astype(np.float64)
        groups = np.frombuffer(self._groups, dtype=np.uint8, count=rows * len(self._grouping_items))
        groups = groups.reshape(rows, len(self._grouping_items))
        every_row = np.arange(rows)
        for column, (background, names) in enumerate(self._grouping_items):
            membership = np.zeros((len(names), rows), dtype=np.float64)
            membership[groups[:, column], every_row] = 1.0
            # Sums of at most BATCH_ROWS ones: exact in float64, then kept as integers.
            self._base[background] += np.rint(membership @ in_base).astype(np.int64)
            self._positive[background] += np.rint(membership @ positive).astype(np.int64)

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
