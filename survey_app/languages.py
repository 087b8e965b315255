"""Languages the respondent pages are offered in, each named in its own words."""

from __future__ import annotations

from dataclasses import dataclass


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
