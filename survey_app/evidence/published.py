"""Finalised evidence: whole-inspection counts kept in the clear for later comparisons.

When the lead inspector finalises an inspection's evidence, each question's
whole-inspection counts (as an inspectorate publishes them: no breakdown by
group, no comment, no background question's group sizes) are stored in
``published_count``, once the evidence they belong to has passed the disclosure
audit (``disclosure.gate``). Later inspections compare
against these, so a comparison never needs another inspection's passphrase.
The raw responses stay sealed until they are purged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from ..models import Establishment, Inspection, PublishedCount, db, today
from ..questionnaire import Question, Questionnaire
from .aggregate import QuestionnaireSummary


class AlreadyFinalised(Exception):
    pass


class StillOpen(Exception):
    pass


def finalise(inspection: Inspection, summaries: dict[str, QuestionnaireSummary]) -> int:
    """Store the counts of every choice question and mark the inspection finalised.

    Returns the number of questions stored. The caller commits.
    """
    if inspection.status == "finalised":
        raise AlreadyFinalised(f"inspection {inspection.id} is already finalised")
    if inspection.is_open:
        raise StillOpen(f"inspection {inspection.id} is still open; close the survey first")
    stored = 0
    for summary in summaries.values():
        for counts in summary.questions.values():
            # Background questions are never compared, and their counts are group sizes:
            # they are not kept (the evidence hides the small ones).
            if not counts.question.is_choice or counts.question.background:
                continue
            db.session.add(
                PublishedCount(
                    inspection_id=inspection.id,
                    questionnaire_id=summary.questionnaire_id,
                    question_id=counts.question.id,
                    respondents=summary.respondents,
                    asked=counts.asked,
                    missing=counts.missing,
                    dont_want_to_say=counts.dont_want_to_say,
                    not_applicable=counts.not_applicable,
                    positive=counts.positive,
                    options=dict(counts.options),
                    questionnaire_version=summary.latest.version,
                )
            )
            stored += 1
    inspection.status = "finalised"
    inspection.finalised_on = today()
    return stored


@dataclass(frozen=True)
class Pooled:
    """Counts for one question over one or more finalised inspections."""

    base: int
    positive: int
    # The questionnaire version whose wording the counts answered; None when pooled
    # inspections answered different versions.
    version: int | None = None


def same_question(
    library_get: Callable[[str, int], Questionnaire | None],
    questionnaire_id: str,
    question: Question,
    version: int | None,
) -> bool:
    """Whether counts that answered ``version`` of the questionnaire measured ``question``:
    the same id, meaning, wording and period (``Question.comparable``)."""
    definition = library_get(questionnaire_id, version) if version is not None else None
    if definition is None:
        return False
    try:
        other = definition.question(question.id)
    except KeyError:
        return False
    return question.comparable(other)


def _finalised_before(inspection: Inspection):
    """Only evidence finalised before this inspection opened can be its baseline: nobody
    can make an inspection (finalised the same day, say) the baseline of one already open."""
    return (
        Inspection.id != inspection.id,
        Inspection.status == "finalised",
        Inspection.finalised_on < inspection.opened_on,
    )


def eligible_previous(inspection: Inspection) -> list[Inspection]:
    """Earlier inspections of the same establishment that could be the previous one, latest
    first."""
    return list(
        db.session.scalars(
            select(Inspection)
            .where(
                Inspection.establishment_id == inspection.establishment_id,
                *_finalised_before(inspection),
            )
            .order_by(Inspection.opened_on.desc(), Inspection.finalised_on.desc())
        )
    )


def previous(inspection: Inspection) -> Inspection | None:
    """The team's choice, if they made one (and it is still eligible), or else the latest
    inspection of the same establishment finalised before this one opened."""
    eligible = eligible_previous(inspection)
    if inspection.previous_chosen:
        return next((e for e in eligible if e.id == inspection.previous_id), None)
    return eligible[0] if eligible else None


def comparators(inspection: Inspection) -> list[Inspection]:
    """The latest inspection of every other establishment of the same type finalised before
    this one opened."""
    candidates = db.session.scalars(
        select(Inspection)
        .join(Inspection.establishment)
        .where(
            Establishment.type == inspection.establishment.type,
            Inspection.establishment_id != inspection.establishment_id,
            *_finalised_before(inspection),
        )
        .order_by(Inspection.opened_on.desc(), Inspection.finalised_on.desc())
    )
    latest: dict[str, Inspection] = {}
    for candidate in candidates:
        latest.setdefault(candidate.establishment_id, candidate)
    return sorted(latest.values(), key=lambda i: i.id)


def pooled(inspections: list[Inspection]) -> dict[tuple[str, str], Pooled]:
    """``(questionnaire id, question id) -> Pooled`` summed over ``inspections``."""
    if not inspections:
        return {}
    totals: dict[tuple[str, str], list[int]] = {}
    versions: dict[tuple[str, str], set[int]] = {}
    rows = db.session.scalars(
        select(PublishedCount).where(PublishedCount.inspection_id.in_([i.id for i in inspections]))
    )
    for row in rows:
        key = (row.questionnaire_id, row.question_id)
        total = totals.setdefault(key, [0, 0])
        total[0] += row.asked - row.missing - row.dont_want_to_say - (row.not_applicable or 0)
        total[1] += row.positive
        versions.setdefault(key, set()).add(row.questionnaire_version)
    return {
        key: Pooled(base, positive, next(iter(versions[key])) if len(versions[key]) == 1 else None)
        for key, (base, positive) in totals.items()
    }


def by_inspection(inspections: list[Inspection]) -> dict[tuple[str, str], list[Pooled]]:
    """``(questionnaire id, question id) -> [Pooled]``, one per inspection that asked it
    (the comparator's establishments as units)."""
    if not inspections:
        return {}
    found: dict[tuple[str, str], list[Pooled]] = {}
    rows = db.session.scalars(
        select(PublishedCount)
        .where(PublishedCount.inspection_id.in_([i.id for i in inspections]))
        .order_by(PublishedCount.inspection_id)
    )
    for row in rows:
        base = row.asked - row.missing - row.dont_want_to_say - (row.not_applicable or 0)
        found.setdefault((row.questionnaire_id, row.question_id), []).append(
            Pooled(base, row.positive, row.questionnaire_version)
        )
    return found
