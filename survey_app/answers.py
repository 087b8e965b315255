"""Turning a submitted form into validated answers for one questionnaire.

Every question may be skipped. A question whose routing condition was not met
is dropped even if the browser sent something for it (the filtered base).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .questionnaire import Question, Questionnaire


@dataclass
class Checked:
    answers: dict
    errors: dict

    @property
    def ok(self) -> bool:
        return not self.errors


def is_asked(question: Question, answers: Mapping) -> bool:
    """Whether a respondent with these answers is asked ``question`` (its routing is met)."""
    if question.when is None:
        return True
    given = answers.get(question.when.question)
    if isinstance(given, list):
        return bool(question.when.answers.intersection(given))
    return given in question.when.answers


def check(questionnaire: Questionnaire, form) -> Checked:
    """Validate a submitted MultiDict-like ``form`` (``getlist`` and ``get``)."""
    answers: dict = {}
    errors: dict = {}
    for question in questionnaire.questions:
        given: list[str] | str
        if question.type == "multiple":
            given = [value for value in form.getlist(question.id) if value]
        else:
            given = (form.get(question.id) or "").strip()
        if not given:
            continue
        if question.type == "text":
            if len(given) > (question.max_length or 0):  # the schema requires one
                errors[question.id] = _l(
                    "Please make this shorter: up to %(limit)d characters.",
                    limit=question.max_length,
                )
            answers[question.id] = given
        elif question.type == "multiple":
            unknown = [value for value in given if value not in question.option_ids]
            if unknown:
                errors[question.id] = _l("Please choose from the answers shown.")
            answers[question.id] = [o for o in question.option_ids if o in given]
        else:
            if given not in question.option_ids:
                errors[question.id] = _l("Please choose from the answers shown.")
            answers[question.id] = given
    for question in questionnaire.questions:  # routing uses the answers as finally given
        if question.id in answers and not is_asked(question, answers):
            del answers[question.id]
            errors.pop(question.id, None)
    return Checked(answers, errors)
