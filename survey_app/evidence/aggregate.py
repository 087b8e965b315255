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
pass: each response leaves one small row of outcome codes in a fixed-size buffer,
and every full buffer is folded into per-group totals with a matrix product
(``breakdown.GroupTotals``). No per-response object outlives its buffer.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from ..questionnaire import DONT_WANT_TO_SAY, Question, Questionnaire
from .breakdown import IN_BASE, POSITIVE, GroupTotals

_SINGLE, _MULTIPLE, _TEXT = "single", "multiple", "text"


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


class QuestionnaireSummary:
    """Counts for one questionnaire id across all the versions its responses used."""

    def __init__(self, questionnaire_id: str):
        self.questionnaire_id = questionnaire_id
        self.versions: dict[int, Questionnaire] = {}
        self._plans: dict[int, list[tuple]] = {}
        self._latest: Questionnaire | None = None
        self.respondents = 0
        self.questions: dict[str, QuestionCounts] = {}
        self.groups = GroupTotals()
        #: Respondents who chose at least one answer disclosing each category, and any.
        self.disclosures: Counter = Counter()
        self.disclosing = 0

    def add_version(self, definition: Questionnaire) -> None:
        self.versions[definition.version] = definition
        newest = self._latest is None or definition.version > self._latest.version
        if newest:
            self._latest = definition
        for question in definition.questions:
            counts = self.questions.setdefault(question.id, QuestionCounts(question))
            if newest:
                counts.question = question
        self.groups.extend(definition.questions)
        for version, known in self.versions.items():  # columns may have moved
            self._plans[version] = self._plan(known)

    def _plan(self, definition: Questionnaire) -> list[tuple]:
        """Everything ``add`` needs per question, worked out once per version."""
        plan = []
        for question in definition.questions:
            when = question.when
            plan.append(
                (
                    question.id,
                    when.question if when else None,
                    when.answers if when else None,
                    self.questions[question.id],
                    _TEXT
                    if question.type == "text"
                    else (_MULTIPLE if question.type == "multiple" else _SINGLE),
                    question.positive,
                    question.not_applicable,
                    self.groups.measured.get(question.id),
                    question.disclosures,
                )
            )
        return plan

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
        This loop runs once per question per response, so it is written out flat.
        """
        self.respondents += 1
        row = self.groups.start_row(answers)
        get = answers.get
        disclosed = None
        for (
            question_id,
            when_id,
            when_answers,
            counts,
            kind,
            positive,
            not_applicable,
            column,
            disclosures,
        ) in self._plans[version]:
            if when_id is not None:  # routing, as answers.is_asked
                given = get(when_id)
                if given.__class__ is list:
                    if when_answers.isdisjoint(given):
                        continue
                elif given not in when_answers:
                    continue
            counts.asked += 1
            answer = get(question_id)
            if not answer:  # None, "" or []
                counts.missing += 1
                continue
            if kind is _SINGLE:
                if answer == DONT_WANT_TO_SAY:
                    counts.dont_want_to_say += 1
                    continue
                counts.options[answer] += 1
                if disclosures and answer in disclosures:
                    disclosed = disclosed or set()
                    disclosed.add(disclosures[answer])
                if answer in not_applicable:
                    counts.not_applicable += 1
                    continue
                code = POSITIVE if answer in positive else IN_BASE
            elif kind is _TEXT:
                counts.comments.append(answer)
                counts.comment_refs.append(
                    comment_ref(response_id, question_id) if comment_ref else ""
                )
                continue
            else:
                real = [option for option in answer if option != DONT_WANT_TO_SAY]
                if not real:
                    counts.dont_want_to_say += 1
                    continue
                counts.options.update(real)
                if disclosures:
                    found = {disclosures[o] for o in real if o in disclosures}
                    if found:
                        disclosed = (disclosed or set()) | found
                if not_applicable and not_applicable.issuperset(real):
                    counts.not_applicable += 1
                    continue
                code = IN_BASE if positive.isdisjoint(real) else POSITIVE
            if code == POSITIVE:
                counts.positive += 1
            if column is not None:
                row[column] = code
        self.groups.end_row()
        if disclosed:
            self.disclosing += 1
            self.disclosures.update(disclosed)

    def merge(self, other: QuestionnaireSummary) -> None:
        """Add the counts of ``other``, a summary of other responses to this questionnaire
        (``summarise_chunk``'s, of another chunk; it may have met other versions)."""
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
        """Fold the last rows into the group totals; count finer answers (to an older
        version) in the merged band the newest offers; put comments in random order."""
        self.groups.flush()
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
        summary.groups.flush()
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
