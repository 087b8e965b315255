"""The evidence document: one plain, JSON-ready structure that every rendering uses.

``docs/evidence-json.md`` documents the format.
"""

from __future__ import annotations

import random

from flask import current_app

from .. import responses
from ..models import Inspection, now
from ..sealing import Unsealer
from .aggregate import QuestionCounts, QuestionnaireSummary, summarise

FORMAT = "survey-evidence/1"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def question_entry(counts: QuestionCounts) -> dict:
    question = counts.question
    entry = {
        "id": question.id,
        "text": question.text,
        "area": question.area,
        "type": question.type,
        "background": question.background,
        "filtered": question.when is not None,
        "asked": counts.asked,
        "missing": counts.missing,
        "dont_want_to_say": counts.dont_want_to_say,
        "base": counts.base,
    }
    if question.type == "text":
        entry["comments"] = list(counts.comments)
        return entry
    entry["options"] = [
        {
            "id": option.id,
            "text": option.text,
            "count": counts.options[option.id],
            "percent": _round(counts.percent(counts.options[option.id])),
        }
        for option in question.options
        if option.id != "dont_want_to_say"
    ]
    if question.positive:
        entry["positive"] = {
            "answers": sorted(question.positive),
            "count": counts.positive,
            "percent": _round(counts.percent(counts.positive)),
        }
    return entry


def questionnaire_entry(summary: QuestionnaireSummary) -> dict:
    latest = summary.latest
    return {
        "id": latest.id,
        "versions": sorted(summary.versions),
        "audience": latest.audience,
        "title": latest.title,
        "respondents": summary.respondents,
        "questions": [question_entry(counts) for counts in summary.ordered()],
    }


def build(inspection: Inspection, unsealer: Unsealer, rng: random.Random | None = None) -> dict:
    """Open every response of ``inspection`` and build its evidence document."""
    library = current_app.extensions["questionnaires"]
    broken = responses.BrokenSeals()
    summaries = summarise(library.get, responses.open_all(inspection, unsealer, broken), rng)
    audiences = {"children": 0, "staff": 1}
    ordered = sorted(summaries.values(), key=lambda s: audiences.get(s.latest.audience, 2))
    return {
        "format": FORMAT,
        "generated_at": now().replace(microsecond=0).isoformat() + "Z",
        "inspection": {
            "id": inspection.id,
            "establishment": inspection.establishment.name,
            "establishment_type": inspection.establishment.type,
            "kind": inspection.kind,
            "status": inspection.status,
            "opened_on": inspection.opened_on.isoformat(),
            "closed_on": inspection.closed_on.isoformat() if inspection.closed_on else None,
        },
        "unopenable_responses": broken.count,
        "questionnaires": [questionnaire_entry(summary) for summary in ordered],
    }
