"""Languages the respondent pages are offered in, each named in its own words."""

from __future__ import annotations

import json
from dataclasses import dataclass

from babel import Locale


@dataclass(frozen=True)
class Language:
    code: str
    own_name: str
    english_name: str
    direction: str = "ltr"


LANGUAGES: dict[str, Language] = {
    language.code: language
    for language in (
        Language("en", "English", "English"),
        Language("cy", "Cymraeg", "Welsh"),
        Language("pl", "Polski", "Polish"),
        Language("ro", "Română", "Romanian"),
        Language("ar", "العربية", "Arabic", "rtl"),
    )
}


def text_direction(code: str) -> str:
    language = LANGUAGES.get(code)
    return language.direction if language else "ltr"


def plural_templates(singular: str, plural: str) -> str:
    """A countdown's words for every plural category of the page's language, as JSON for the
    browser: ``{"one": "1 second left", "few": ...}`` with ``{n}`` where the number goes. The
    browser picks one with ``Intl.PluralRules``, so Welsh, Polish, Romanian and Arabic count
    right at every number, as ``ngettext`` does on the server. The messages take ``%(num)s``.
    """
    from flask_babel import get_locale, get_translations

    rule = (get_locale() or Locale("en")).plural_form
    translations = get_translations()
    samples: dict[str, int] = {}
    for number in range(0, 201):
        samples.setdefault(rule(number), number)
    return json.dumps(
        {
            tag: translations.ungettext(singular, plural, number) % {"num": "{n}"}
            for tag, number in samples.items()
        },
        ensure_ascii=False,
        sort_keys=True,
    )
