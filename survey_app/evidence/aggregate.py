"""Per-question counts, built one response at a time (never holding every response).

For each question:

* ``asked``: respondents whose routing reached the question (the filtered base
  before skips);
* ``missing``: asked but left blank; ``dont_want_to_say``: chose "I don't want to
  say"; both are counted and shown, and both are excluded from percentages;
* ``not_applicable``: chose one of the question's not-applicable answers ("I have not
  seen a fight here"; for multiple choice, only not-applicable answers): counted and
  shown, excluded from percentages, intervals and tests;
* ``base``: ``asked - missing - dont_want_to_say - not_applicable``, the denominator of
  every percentage (for multiple choice, respondents who chose at least one real answer);
* ``positive``: respondents whose answer is one of the question's positive
  outcomes (for multiple choice, any of them).

Responses to several versions of one questionnaire are combined through the
stable question ids; the newest version supplies the wording.

Tick-box disclosures (``disclosures:`` in a question) are counted per respondent and
category (``QuestionnaireSummary.disclosures``): a respondent who chose several answers
disclosing harm counts once under harm. Nothing else about that respondent is kept with
the count.

Breakdowns by background question (age band, role...) come out of the same single
pass. Counting is cheap enough to run alongside opening, in the same workers: ``add`` only
numbers a response's answers, the plain ones (one option, no routing) with one ``map`` over
the response's own items, and looks one by one only at routing, multiple-choice, text and
disclosing answers. Every ``breakdown.BATCH_ROWS`` responses the numbers are counted with
``numpy.bincount``, overall and per group, and turned into the figures above
(``QuestionnaireSummary._settle``). No per-response object outlives its batch.
"""

from __future__ import annotations

import random
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..questionnaire import DONT_WANT_TO_SAY, Question, Questionnaire
from . import breakdown
from .breakdown import GroupTotals, is_grouping

_SINGLE, _MULTIPLE, _TEXT = "single", "multiple", "text"
_LOOKED_AT = frozenset({"multiple", "text"})


@dataclass
class QuestionCounts:
    question: Question
    asked: int = 0
    missing: int = 0
    dont_want_to_say: int = 0
    not_applicable: int = 0
    positive: int = 0
    options: Counter = field(default_factory=Counter)
    comments: list[str] = field(default_factory=list)
    #: One reference per comment (``comment_refs[i]`` names ``comments[i]``); see report.py.
    comment_refs: list[str] = field(default_factory=list)

    @property
    def base(self) -> int:
        return self.asked - self.missing - self.dont_want_to_say - self.not_applicable

    def percent(self, count: int) -> float | None:
        return None if self.base <= 0 else 100.0 * count / self.base


#: What one count of a tally number adds to its question's figures (``_Tallies.meanings``).
_IGNORED, _ANSWER, _ASKED, _OPTION, _DWTS, _NA, _POSITIVE, _BASE, _WRITTEN, _GROUP = range(10)


class _Tallies(dict):
    """The tally numbers of one questionnaire version, given out as answers are met.

    A plain answer (one option, to a question with no routing and no disclosures) is
    tallied through its ``(question id, answer)`` item as it stands, so a response's plain
    answers are numbered by one ``map`` over its items; ``add`` looks at every other answer
    itself and tallies ``(kind, question id, value)``. Number 0 counts nothing (an empty
    answer, an answer to a question this version does not ask)."""

    def __init__(self, plain: frozenset[str]):
        super().__init__()
        self.plain = plain
        #: ``meanings[number]`` is ``(question id, kind, value)``.
        self.meanings: list[tuple[str, int, object]] = [("", _IGNORED, None)]

    def __missing__(self, key: tuple) -> int:
        if len(key) == 3:
            kind, question_id, value = key
        elif key[0] in self.plain and key[1]:
            (question_id, value), kind = key, _ANSWER
        else:
            if key[0] in self.plain:  # an empty answer: remembered, counts nothing
                self[key] = 0
            return 0
        number = self[key] = len(self.meanings)
        self.meanings.append((question_id, kind, value))
        return number


@dataclass(eq=False)
class _Careful:
    """A question ``add`` looks at itself: routed, multiple choice, text or disclosing."""

    id: str
    kind: str
    counts: QuestionCounts
    positive: frozenset[str]
    not_applicable: frozenset[str]
    disclosures: Mapping[str, str]
    grouping: bool
    when_answers: frozenset[str] | None = None
    asked: int = 0  # the tally number of "its routing reached it"


class _Plan:
    """One questionnaire version compiled for ``QuestionnaireSummary.add``, holding the
    tally numbers of the responses counted since the summary last settled them."""

    def __init__(self, definition: Questionnaire, questions: dict[str, QuestionCounts]):
        self.questions = {q.id: q for q in definition.questions}
        lifted = frozenset(q.id for q in definition.questions if q.type in _LOOKED_AT)
        self.tallies = _Tallies(frozenset(self.questions) - lifted)
        #: Multiple-choice and text answers: taken out of the plain answers, looked at.
        self.lifted = lifted
        self.unrouted: dict[str, _Careful] = {}
        self.disclosing: list[tuple[str, Mapping[str, str]]] = []  # unrouted, one answer
        routed: dict[str, list[_Careful]] = {}  # by the question their routing reads
        for question in definition.questions:
            looked_at = _Careful(
                question.id,
                _TEXT
                if question.type == "text"
                else (_MULTIPLE if question.type == "multiple" else _SINGLE),
                questions[question.id],
                question.positive,
                question.not_applicable,
                question.disclosures,
                is_grouping(question),
            )
            if question.when:
                looked_at.when_answers = question.when.answers
                looked_at.asked = self.tallies[(_ASKED, question.id, None)]
                routed.setdefault(question.when.question, []).append(looked_at)
            elif question.id in lifted:
                self.unrouted[question.id] = looked_at
            elif question.disclosures:
                self.disclosing.append((question.id, question.disclosures))
        #: (question it reads, [(id, answers routed on, tally number of "asked", the
        #: question if ``add`` looks at its answer: multiple choice, text, disclosing)]).
        self.routed: list[tuple[str, list[tuple[str, frozenset[str], int, _Careful | None]]]]
        self.routed = [
            (
                parent,
                [
                    (
                        c.id,
                        c.when_answers or frozenset(),
                        c.asked,
                        c if c.kind is not _SINGLE or c.disclosures else None,
                    )
                    for c in children
                ],
            )
            for parent, children in routed.items()
        ]
        self.unrouted_ids = [q.id for q in definition.questions if not q.when]
        self.ids = array("i")  # tally numbers of the responses not yet settled
        self.ends = array("i")  # where each of those responses' numbers end in ``ids``

    def tally(self, looked_at: _Careful, answer, disclosed: set, response_id: str, name) -> None:
        """Tally one given answer to a multiple-choice or text question whose routing is
        met; keep a comment, named by ``name(response_id, question_id)``."""
        emit, tallies, question_id = self.ids.append, self.tallies, looked_at.id
        if looked_at.kind is _TEXT:
            emit(tallies[(_WRITTEN, question_id, None)])
            looked_at.counts.comments.append(answer)
            looked_at.counts.comment_refs.append(name(response_id, question_id) if name else "")
            return
        real = [option for option in answer if option != DONT_WANT_TO_SAY]
        if not real:
            emit(tallies[(_DWTS, question_id, None)])
            return
        for option in real:
            emit(tallies[(_OPTION, question_id, option)])
        if looked_at.disclosures:
            disclosed.update(looked_at.disclosures[o] for o in real if o in looked_at.disclosures)
        if looked_at.not_applicable and looked_at.not_applicable.issuperset(real):
            kind = _NA
        else:
            kind = _BASE if looked_at.positive.isdisjoint(real) else _POSITIVE
        emit(tallies[(kind, question_id, None)])


class QuestionnaireSummary:
    """Counts for one questionnaire id across all the versions its responses used.

    ``add`` only numbers a response's answers (``_Plan``); every ``breakdown.BATCH_ROWS``
    responses, and before the figures are read, the numbers are counted with numpy and
    turned into the questions' figures and the group totals (``_settle``)."""

    def __init__(self, questionnaire_id: str):
        self.questionnaire_id = questionnaire_id
        self.versions: dict[int, Questionnaire] = {}
        self._plans: dict[int, _Plan] = {}
        self._latest: Questionnaire | None = None
        self.respondents = 0
        self.questions: dict[str, QuestionCounts] = {}
        self.groups = GroupTotals()
        #: Respondents who chose at least one answer disclosing each category, and any.
        self.disclosures: Counter = Counter()
        self.disclosing = 0
        self._pending = 0
        self._batch = breakdown.BATCH_ROWS

    def add_version(self, definition: Questionnaire) -> None:
        self._settle()
        self.versions[definition.version] = definition
        newest = self._latest is None or definition.version > self._latest.version
        if newest:
            self._latest = definition
        for question in definition.questions:
            counts = self.questions.setdefault(question.id, QuestionCounts(question))
            if newest:
                counts.question = question
        self.groups.extend(definition.questions)
        self._plans[definition.version] = _Plan(definition, self.questions)

    @property
    def latest(self) -> Questionnaire:
        """The newest version any response used (a summary exists once one is added)."""
        if self._latest is None:
            raise LookupError(f"no responses to {self.questionnaire_id} yet")
        return self._latest

    def ordered(self) -> list[QuestionCounts]:
        """Questions in the newest version's order, then any only older versions asked."""
        order = {q.id: i for i, q in enumerate(self.latest.questions)}
        return sorted(self.questions.values(), key=lambda c: order.get(c.question.id, len(order)))

    def add(
        self,
        version: int,
        answers: Mapping,
        response_id: str = "",
        comment_ref: Callable[[str, str], str] | None = None,
    ) -> None:
        """Count one response; ``comment_ref(response_id, question_id)`` names its comments.

        The rules are those of the module docstring; routing is ``answers.is_asked``'s.
        This runs once per response: plain answers are numbered in one ``map``, and only
        routed, multiple-choice, text and disclosing questions are looked at one by one.
        """
        plan = self._plans[version]
        self.respondents += 1
        ids, get = plan.ids, answers.get
        answer: Any
        disclosed: set = set()
        lifted = plan.lifted.intersection(answers)
        unasked = None  # answers to questions their routing did not reach: not counted
        for parent_id, routed in plan.routed:  # routing, as answers.is_asked
            given = get(parent_id)
            listed = given.__class__ is list
            for question_id, when_answers, asked, looked_at in routed:
                if given is None or (
                    when_answers.isdisjoint(given) if listed else given not in when_answers
                ):
                    if question_id in answers:
                        unasked = unasked or []
                        unasked.append(question_id)
                    continue
                ids.append(asked)
                if looked_at is None:  # one answer, counted with the plain ones
                    continue
                answer = get(question_id)
                if not answer:
                    continue
                if looked_at.kind is _SINGLE:  # disclosing
                    if answer in looked_at.disclosures:
                        disclosed.add(looked_at.disclosures[answer])
                else:
                    plan.tally(looked_at, answer, disclosed, response_id, comment_ref)
        for question_id, disclosures in plan.disclosing:
            answer = get(question_id)
            if answer in disclosures:
                disclosed.add(disclosures[answer])
        plain: Mapping = answers
        if lifted or unasked:
            plain = dict(answers)
            for question_id in lifted:
                answer = plain.pop(question_id)
                looked_at = plan.unrouted.get(question_id)
                if looked_at is not None and answer:
                    plan.tally(looked_at, answer, disclosed, response_id, comment_ref)
            for question_id in unasked or ():
                answer = plain.pop(question_id, None)
                if answer and question_id in self.groups.groupings:  # still says the group
                    ids.append(plan.tallies[(_GROUP, question_id, answer)])
        if disclosed:
            self.disclosing += 1
            self.disclosures.update(disclosed)
        ids.extend(map(plan.tallies.__getitem__, plain.items()))
        plan.ends.append(len(ids))
        self._pending += 1
        if self._pending >= self._batch:
            self._settle()

    def _settle(self) -> None:
        """Count the tally numbers of the responses added since last time into the
        questions' figures and the group totals, and empty the buffers."""
        self._pending = 0
        for plan in self._plans.values():
            if plan.ends:
                self._settle_plan(plan)

    def _settle_plan(self, plan: _Plan) -> None:
        meanings = plan.tallies.meanings
        width = len(meanings)
        ids = np.frombuffer(plan.ids, dtype=np.int32) if plan.ids else np.zeros(0, np.int32)
        totals = np.bincount(ids, minlength=width)
        respondents = len(plan.ends)
        asked = dict.fromkeys(plan.unrouted_ids, respondents)
        answered: Counter = Counter()
        questions = self.questions
        for number in np.flatnonzero(totals).tolist():
            question_id, kind, value = meanings[number]
            if kind in (_IGNORED, _GROUP):
                continue
            count = int(totals[number])
            counts = questions[question_id]
            if kind == _ASKED:
                asked[question_id] = asked.get(question_id, 0) + count
                continue
            if kind == _OPTION:
                counts.options[value] += count
                continue
            answered[question_id] += count
            if kind == _ANSWER:
                question = plan.questions[question_id]
                if value == DONT_WANT_TO_SAY:
                    counts.dont_want_to_say += count
                    continue
                counts.options[value] += count
                if value in question.not_applicable:
                    counts.not_applicable += count
                elif value in question.positive:
                    counts.positive += count
            elif kind == _DWTS:
                counts.dont_want_to_say += count
            elif kind == _NA:
                counts.not_applicable += count
            elif kind == _POSITIVE:
                counts.positive += count
        for question_id, reached in asked.items():
            counts = questions[question_id]
            counts.asked += reached
            counts.missing += reached - answered[question_id]
        self._settle_groups(plan, ids, meanings)
        plan.ids, plan.ends = array("i"), array("i")  # numpy still reads the old ones

    def _settle_groups(self, plan: _Plan, ids: np.ndarray, meanings: list) -> None:
        """Per group of each background question: how many were in each measured
        question's base, and how many answered positively (``breakdown.GroupTotals``)."""
        groups = self.groups
        if not groups.measured or not groups.groupings:
            return
        width, columns = len(meanings), len(groups.measured)
        in_base = np.zeros((width, columns), dtype=np.int64)
        positive = np.zeros((width, columns), dtype=np.int64)
        member_of = {background: np.zeros(width, dtype=np.int64) for background in groups.groupings}
        for number, (question_id, kind, value) in enumerate(meanings):
            column = groups.measured.get(question_id)
            if column is not None:
                if kind == _ANSWER:
                    question = plan.questions[question_id]
                    if value != DONT_WANT_TO_SAY and value not in question.not_applicable:
                        in_base[number, column] = 1
                        positive[number, column] = value in question.positive
                elif kind in (_BASE, _POSITIVE):
                    in_base[number, column] = 1
                    positive[number, column] = kind == _POSITIVE
            if question_id in member_of and kind in (_ANSWER, _GROUP):
                band = groups.merged.get(question_id, {}).get(value, value)  # finer: its band
                member_of[question_id][number] = groups.groupings[question_id].get(band, 0)
        respondents = len(plan.ends)
        ends = np.frombuffer(plan.ends, dtype=np.int32)
        owner = np.repeat(np.arange(respondents), np.diff(ends, prepend=0))
        for background, names in groups.groupings.items():
            of_number = member_of[background][ids]
            group = np.zeros(respondents, dtype=np.int64)
            given = of_number > 0
            group[owner[given]] = of_number[given]
            tally = np.bincount(group[owner] * width + ids, minlength=len(names) * width)
            tally = tally.reshape(len(names), width)
            groups.add(background, tally @ in_base, tally @ positive)

    def merge(self, other: QuestionnaireSummary) -> None:
        """Add the counts of ``other``, a summary of other responses to this questionnaire
        (``summarise_chunk``'s, of another chunk; it may have met other versions)."""
        self._settle()
        other._settle()  # noqa: SLF001 - another summary of the same class
        for version in sorted(other.versions.keys() - self.versions.keys()):
            self.add_version(other.versions[version])
        self.respondents += other.respondents
        self.disclosing += other.disclosing
        self.disclosures.update(other.disclosures)
        for question_id, theirs in other.questions.items():
            ours = self.questions[question_id]
            ours.asked += theirs.asked
            ours.missing += theirs.missing
            ours.dont_want_to_say += theirs.dont_want_to_say
            ours.not_applicable += theirs.not_applicable
            ours.positive += theirs.positive
            ours.options.update(theirs.options)
            ours.comments += theirs.comments
            ours.comment_refs += theirs.comment_refs
        self.groups.merge(other.groups)

    def finish(self, rng: random.Random) -> None:
        """Count the last responses; count finer answers (to an older version) in the
        merged band the newest offers; put comments in random order."""
        self._settle()
        for counts in self.questions.values():
            offered = set(counts.question.option_ids)
            for option in counts.question.options:
                for finer in option.merges - offered:
                    counts.options[option.id] += counts.options.pop(finer, 0)
            order = list(range(len(counts.comments)))
            rng.shuffle(order)
            counts.comments = [counts.comments[i] for i in order]
            counts.comment_refs = [counts.comment_refs[i] for i in order]


def summarise(
    library_get: Callable[[str, int], Questionnaire | None],
    opened: Iterable,
    rng: random.Random | None = None,
    comment_ref: Callable[[str, str], str] | None = None,
) -> dict[str, QuestionnaireSummary]:
    """Fold opened responses into one summary per questionnaire id.

    ``library_get(questionnaire_id, version)`` returns the definition used;
    ``opened`` yields objects with ``questionnaire_id``, ``version``, ``answers``
    and ``response_id``; ``comment_ref(response_id, question_id)``, if given,
    names each comment so a referral can point at it without its text.
    """
    summaries = _fold(opened, library_get, comment_ref)
    for summary in summaries.values():
        summary.finish(rng or random.SystemRandom())
    return summaries


def _fold(
    opened: Iterable,
    definition_of: Callable[[str, int], Questionnaire | None],
    comment_ref: Callable[[str, str], str] | None,
) -> dict[str, QuestionnaireSummary]:
    """Count each opened response into its questionnaire's summary (not yet finished)."""
    summaries: dict[str, QuestionnaireSummary] = {}
    for response in opened:
        summary = summaries.get(response.questionnaire_id)
        if summary is None:
            summary = summaries[response.questionnaire_id] = QuestionnaireSummary(
                response.questionnaire_id
            )
        if response.version not in summary.versions:
            definition = definition_of(response.questionnaire_id, response.version)
            if definition is None:
                raise LookupError(
                    f"responses use {response.questionnaire_id} version {response.version}, "
                    "which is not installed"
                )
            summary.add_version(definition)
        summary.add(
            response.version,
            response.answers,
            getattr(response, "response_id", ""),
            comment_ref,
        )
    return summaries


def _response_id(response_id: str, question_id: str) -> str:
    return response_id


def summarise_chunk(
    opened: Iterable, definitions: Mapping[tuple[str, int], Questionnaire | None]
) -> dict[str, QuestionnaireSummary]:
    """``summarise`` for one chunk of responses (``responses.fold_opened``'s fold, in a
    worker), merged by ``combine``: ``definitions[(questionnaire_id, version)]`` is each
    version's definition. Comments are named by their response id until ``combine`` names
    them; the group rows are folded in; comments are shuffled only once merged."""
    summaries = _fold(opened, lambda qid, version: definitions.get((qid, version)), _response_id)
    for summary in summaries.values():
        summary._settle()  # noqa: SLF001 - counted before pickling, in the worker
    return summaries


def combine(
    chunks: Iterable[dict[str, QuestionnaireSummary]],
    rng: random.Random | None = None,
    comment_ref: Callable[[str, str], str] | None = None,
) -> dict[str, QuestionnaireSummary]:
    """Merge ``summarise_chunk`` results into what ``summarise`` gives for all responses."""
    summaries: dict[str, QuestionnaireSummary] = {}
    for chunk in chunks:
        for questionnaire_id, summary in chunk.items():
            if questionnaire_id in summaries:
                summaries[questionnaire_id].merge(summary)
            else:
                summaries[questionnaire_id] = summary
    for summary in summaries.values():
        for counts in summary.questions.values():
            question_id = counts.question.id
            counts.comment_refs = [
                comment_ref(response_id, question_id) if comment_ref else ""
                for response_id in counts.comment_refs
            ]
        summary.finish(rng or random.SystemRandom())
    return summaries
