"""Questionnaire text in the respondent's language (the messages of
``survey_app.questionnaire_babel``): staff text in its own register, and the "Yes"
and "No" of a yes/no question in the words that answer that question. Each falls
back to the plain message, so a catalogue without the context still translates."""

from __future__ import annotations

from flask_babel import gettext, pgettext

from .questionnaire import DONT_WANT_TO_SAY, YES_NO_TEXT, Option, Question, Questionnaire
from .questionnaire_babel import STAFF_CONTEXT, yes_no_context


def _contextual(context: str, text: str) -> str | None:
    translated = pgettext(context, text)
    return translated if translated != text else None


def text(questionnaire: Questionnaire | None, message: str | None) -> str:
    """A title, introduction, section title, question, hint or answer."""
    if not message:
        return message or ""
    if questionnaire is not None and questionnaire.audience == "staff":
        translated = _contextual(STAFF_CONTEXT, message)
        if translated is not None:
            return translated
    return gettext(message)


def answer(questionnaire: Questionnaire | None, question: Question, option: Option) -> str:
    """An answer's words; "Yes" and "No" follow the question they answer; a unit's name is
    shown as the inspector wrote it (a unit called "Mixed" is no ethnic group)."""
    if question.options_from and option.id != DONT_WANT_TO_SAY:
        return option.text
    if question.type == "yes_no" and YES_NO_TEXT.get(option.id) == option.text:
        translated = _contextual(yes_no_context(question.text), option.text)
        if translated is not None:
            return translated
    return text(questionnaire, option.text)
