"""Flag free text that suggests harm, abuse, self-harm or a wish to talk.

The phrases are data, one file per shipped language in ``survey_app/safeguarding/``
(``en.txt``, ``cy.txt``...), so the research team can edit them without a
developer. Every comment is checked against every language's list: a child may
write in any language, whatever language the questionnaire was shown in.
Matching is by whole words, ignoring case, punctuation and spacing; a phrase
ending in ``*`` lets its last word continue. Flagging errs towards flagging;
the lead inspector reads every flagged comment.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CATEGORIES = ("harm", "abuse", "self_harm", "wish_to_talk")
DEFAULT_DIRECTORY = Path(__file__).resolve().parent.parent / "safeguarding"
_HEADING = re.compile(r"^\[(\w+)\]$")
_WORD = re.compile(r"\w+")


class PhraseListError(ValueError):
    """A phrase file that cannot be read: reported with its file and line."""


def normalise(text: str) -> str:
    """Fold case, compatibility forms and apostrophes; one space between words."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """The words of ``text`` after ``normalise``; punctuation and hyphens separate words."""
    return _WORD.findall(normalise(text))


def parse(text: str, source: str) -> dict[str, list[str]]:
    """Phrases by category from one file's text."""
    phrases: dict[str, list[str]] = {}
    category = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        heading = _HEADING.match(line)
        if heading:
            category = heading.group(1)
            if category not in CATEGORIES:
                raise PhraseListError(
                    f"{source}:{number}: unknown category [{category}]; use one of "
                    + ", ".join(CATEGORIES)
                )
            continue
        if category is None:
            raise PhraseListError(f"{source}:{number}: a phrase before any [category] heading")
        if not words(line.rstrip("*")):
            raise PhraseListError(f"{source}:{number}: an empty phrase")
        phrases.setdefault(category, []).append(line)
    return phrases


@dataclass(frozen=True)
class Phrase:
    category: str
    words: tuple[str, ...]
    prefix: bool  # the last word may continue (``suicid*``)


class Flagger:
    """Matches phrases word by word: each word of a comment is looked up once, so the cost
    grows with the comment, not with the number of phrases."""

    def __init__(self, phrases: dict[str, list[str]]):
        self.by_first_word: dict[str, list[Phrase]] = {}
        self.prefixes: list[Phrase] = []  # one-word phrases ending in *
        for category in CATEGORIES:
            for raw in phrases.get(category, ()):
                prefix = raw.endswith("*")
                phrase = Phrase(category, tuple(words(raw.rstrip("*"))), prefix)
                if prefix and len(phrase.words) == 1:
                    self.prefixes.append(phrase)
                else:
                    self.by_first_word.setdefault(phrase.words[0], []).append(phrase)
        self._starts = tuple(phrase.words[0] for phrase in self.prefixes)

    @classmethod
    def from_files(cls, paths: Iterable[Path]) -> Flagger:
        combined: dict[str, list[str]] = {}
        for path in sorted(paths):
            for category, phrases in parse(path.read_text(encoding="utf-8"), path.name).items():
                combined.setdefault(category, []).extend(phrases)
        return cls(combined)

    def flags(self, text: str) -> list[str]:
        """The categories ``text`` suggests, in the fixed order of ``CATEGORIES``."""
        found: set[str] = set()
        said = words(text)
        starts = self._starts
        for start, word in enumerate(said):
            if starts and word.startswith(starts):  # one C call for every prefix at once
                found.update(p.category for p in self.prefixes if word.startswith(p.words[0]))
            for phrase in self.by_first_word.get(word, ()):
                if phrase.category not in found and _matches(phrase, said, start):
                    found.add(phrase.category)
        return [category for category in CATEGORIES if category in found]


def _matches(phrase: Phrase, said: list[str], start: int) -> bool:
    end = start + len(phrase.words)
    if end > len(said):
        return False
    window = said[start:end]
    if phrase.prefix:
        return window[:-1] == list(phrase.words[:-1]) and window[-1].startswith(phrase.words[-1])
    return tuple(window) == phrase.words


@cache
def _cached(directory: str) -> Flagger:
    paths = list(Path(directory).glob("*.txt"))
    if not paths:
        raise PhraseListError(f"{directory}: no safeguarding phrase files (*.txt)")
    return Flagger.from_files(paths)


def flagger(directory: str | Path | None = None) -> Flagger:
    """The flagger for the phrase files in ``directory`` (the shipped lists by default)."""
    return _cached(str(directory or DEFAULT_DIRECTORY))
