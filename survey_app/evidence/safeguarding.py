"""Flag free text that suggests harm, abuse, self-harm, restraint, staff misconduct, a
whistleblowing concern or a wish to talk.

The phrases are data, one file per shipped language in ``survey_app/safeguarding/``
(``en.txt``, ``cy.txt``...), so the research team can edit them without a developer; the
format is described at the top of ``en.txt`` and in ``docs/safeguarding.md``. Every comment
is checked against every language's list: a child may write in any language, whatever
language the questionnaire was shown in.

A phrase matches what people mean, not only the letters written:

* **folding**: case, accents (``zabić`` = ``zabic``, ``să`` = ``sa``, ``ŵ`` = ``w``), Arabic
  letter forms (alef and hamza forms, taa marbuta, alef maqsura, tatweel, harakat);
* **word forms**: each word and each phrase word is reduced by the language's Snowball
  stemmer (English, Polish, Romanian, Arabic; PyStemmer) as well as kept as written, and a
  word matches if any of its forms do; ``word*`` lets a word continue; ``a/b/c`` gives
  alternative words (hand-kept forms where no stemmer fits, such as Welsh);
* **attached parts**: Arabic prefixes (و ف ب ل ك ال لل), Welsh initial mutations (soft,
  nasal, aspirate and the h- before a vowel: ``frifo``, ``mrifo``, ``brifo`` are one word);
* **misspellings**: a word of at least ``FUZZY_LENGTH`` letters matches a phrase word one
  edit away (two from ``FUZZY_LENGTH_TWO``), by Levenshtein distance (rapidfuzz);
* **word order**: a phrase's words may come in any order with up to ``SLACK`` other words
  among them (``hurt me`` matches "me they hurt"; ``want to die`` matches "want to just die").

Negation is not understood, on purpose: "staff never hurt me" is flagged, because a matcher
that tries to read "not" misses "I'm not safe" and "no one believes I was hurt". A flag
that over-triggers costs the lead inspector a minute; one that misses costs a child. The
lead inspector reads every flagged comment.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import Stemmer
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from ..questionnaire import DISCLOSURE_CATEGORIES

CATEGORIES = DISCLOSURE_CATEGORIES
DEFAULT_DIRECTORY = Path(__file__).resolve().parent.parent / "safeguarding"
_HEADING = re.compile(r"^\[(\w+)\]$")
_WORD = re.compile(r"\w+")
FUZZY_LENGTH = 5  # words this long may be misspelt by one edit
FUZZY_LENGTH_TWO = 9  # and this long by two
SLACK = 2  # other words allowed among a phrase's words (one for a two-word phrase)
_CACHE_LIMIT = 200_000  # distinct words remembered per language before starting afresh

# Folding that NFD and dropping combining marks do not do (Arabic hamza forms, Welsh and
# Polish and Romanian accents are combining marks after NFD).
_FOLD = str.maketrans(
    {
        "\u0629": "\u0647",  # taa marbuta -> haa
        "\u0649": "\u064a",  # alef maqsura -> yaa
        "\u0640": None,  # tatweel
        "\u0621": None,  # hamza on the line
        "\u0671": "\u0627",  # alef wasla
        "\u06a9": "\u0643",  # Persian kaf
        "\u06cc": "\u064a",  # Persian yaa
        "\u0142": "l",  # Polish l with stroke
        "\u00df": "ss",
        "\u00f8": "o",
        "\u0111": "d",
        "\u2019": "'",
        "\u2018": "'",
        "`": "'",
    }
)


class PhraseListError(ValueError):
    """A phrase file that cannot be read: reported with its file and line."""


def fold(text: str) -> str:
    """Case, compatibility forms, accents, Arabic letter forms and harakat folded away."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", text.translate(_FOLD))


def normalise(text: str) -> str:
    """``fold``, with one space between words."""
    return " ".join(fold(text).split())


def words(
    text: str, split_apostrophes: bool = False, ignore: frozenset[str] = frozenset()
) -> list[str]:
    """The words of ``text`` after ``fold``; punctuation and hyphens separate words, and an
    apostrophe joins ("don't" is "dont") unless ``split_apostrophes`` (Welsh "dw i'n");
    words in ``ignore`` are left out."""
    folded = fold(text)
    folded = folded.replace("'", " " if split_apostrophes else "")
    found = _WORD.findall(folded)
    return [word for word in found if word not in ignore] if ignore else found


# --- languages -----------------------------------------------------------------------------


#: Welsh nasal and aspirate mutations written as a digraph, and the radical letter they stand for.
_MUTATED_DIGRAPHS = {"mh": "p", "nh": "t", "ph": "p", "th": "t", "ch": "c", "dd": "d"}


def _welsh_radicals(word: str) -> set[str]:
    """The words ``word`` may be a mutation of (soft, nasal, aspirate, h- before a vowel),
    and itself: ``mrifo`` -> brifo; ``nghuro`` -> curo; ``gyffwrdd`` -> cyffwrdd."""
    out = {word}
    if len(word) < 3:
        return out
    first, rest = word[0], word[1:]
    two, rest2 = word[:2], word[2:]
    if word.startswith("ngh"):
        out.add("c" + word[3:])
    elif two == "ng":
        out.add("g" + rest2)
    if two in _MUTATED_DIGRAPHS:
        out.add(_MUTATED_DIGRAPHS[two] + rest2)
    if first == "h" and rest[:1] in "aeiouwy":
        out.add(rest)
    if first == "l" and two != "ll":
        out.add("ll" + rest)
    if first == "r" and two != "rh":
        out.add("rh" + rest)
    if first == "b":
        out.add("p" + rest)
    if first == "d" and two != "dd":
        out.add("t" + rest)
    if first == "g" and two != "ng":
        out.add("c" + rest)
    if first == "f" and two != "ff":
        out.update(("b" + rest, "m" + rest))
    if first == "m" and two != "mh":
        out.add("b" + rest)
    if first == "n" and two not in ("nh", "ng"):
        out.add("d" + rest)
    if first in "aeiouwylr":  # soft mutation drops a g: "wneud" -> gwneud, "orfodi" -> gorfodi
        out.add("g" + word)
    return out


# Welsh has no Snowball stemmer: a light, hand-kept list of verb and noun endings, longest
# first, stripped when at least three letters remain (brifodd, brifo -> brif).
_WELSH_ENDINGS = (
    "iodd", "odd", "aist", "asom", "asoch", "ason", "wyd", "iwyd", "ais", "iais", "ith",
    "ion", "iad", "iaid", "au", "io", "wch", "ant", "ent", "u", "o", "i", "a",
)  # fmt: skip


def _welsh_stem(word: str) -> str:
    for ending in _WELSH_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def _arabic_bare(word: str) -> set[str]:
    """``word`` and ``word`` without attached prefixes: و ف, then ب ل ك, then ال (or لل)."""
    out = {word}
    stage = {word}
    for prefixes in (("و", "ف"), ("ب", "ل", "ك"), ("ال", "لل")):
        more = set()
        for candidate in stage:
            for prefix in prefixes:
                if candidate.startswith(prefix) and len(candidate) - len(prefix) >= 3:
                    more.add(candidate[len(prefix) :])
        out |= more
        stage |= more
    return out


@dataclass
class Language:
    """How one language's words are reduced to the forms that are compared."""

    code: str
    stemmer: str | None = None  # a PyStemmer algorithm
    split_apostrophes: bool = False
    fuzzy_length: int = FUZZY_LENGTH
    # little words left out before matching, in comments and phrases alike (Welsh "yn", "fy"
    # and "'r" come between almost any two words)
    ignore: frozenset[str] = frozenset()
    _stem: object = field(default=None, init=False, repr=False)

    def __post_init__(self):
        if self.stemmer:
            self._stem = Stemmer.Stemmer(self.stemmer)

    def variants(self, word: str) -> set[str]:
        """``word`` (already folded) and what it may be written for: unmutated, unprefixed."""
        if self.code == "cy":
            return _welsh_radicals(word)
        if self.code == "ar":
            return _arabic_bare(word)
        return {word}

    def stems(self, word: str, original: str | None = None) -> set[str]:
        """The forms of one folded word (``original``: as written, before folding)."""
        out = set()
        for variant in self.variants(word):
            out.add(variant)
            if self._stem is not None:
                out.add(self._stem.stemWord(variant))  # type: ignore[attr-defined]
            elif self.code == "cy":
                out.add(_welsh_stem(variant))
        if original is not None and self._stem is not None and original != word:
            out.add(fold(self._stem.stemWord(original)))  # type: ignore[attr-defined]
        return out


LANGUAGES = {
    "en": Language("en", "english"),
    "cy": Language(
        "cy",
        None,
        split_apostrophes=True,
        ignore=frozenset({"yn", "n", "y", "yr", "r", "fy", "m", "ei", "eu", "wedi", "di"}),
    ),
    "pl": Language("pl", "polish"),
    "ro": Language("ro", "romanian"),
    "ar": Language("ar", "arabic", fuzzy_length=6),  # short roots: one edit is another word
}


def language(code: str) -> Language:
    """The settings for a phrase file named ``<code>.txt``; other names fold and compare
    whole words only (no stemmer, no mutations)."""
    return LANGUAGES.get(code) or Language(code)


# --- phrase files --------------------------------------------------------------------------


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
        if not words(line.replace("*", " ").replace("/", " ")):
            raise PhraseListError(f"{source}:{number}: an empty phrase")
        for part in line.split():
            alternatives = part.split("/")
            for alternative in alternatives:
                pieces = words(alternative.lstrip("=").rstrip("*"))
                if not pieces:
                    raise PhraseListError(f"{source}:{number}: an empty alternative in {part!r}")
                if len(pieces) > 1 and len(alternatives) > 1:
                    raise PhraseListError(
                        f"{source}:{number}: {alternative!r} is two words, so it cannot be "
                        f"one of the alternatives in {part!r}; write it on a line of its own"
                    )
        phrases.setdefault(category, []).append(line)
    return phrases


@dataclass(frozen=True)
class Phrase:
    category: str
    text: str
    slots: tuple[frozenset[str], ...]  # per phrase word: the keys any of which match it


class Matcher:
    """One language's phrases. A comment's words are reduced to keys (folded forms, stems,
    unmutated and unprefixed forms, the phrase words a misspelling is near, ``prefix*`` for
    each phrase prefix they continue); a phrase word matches a comment word when their keys
    meet. Each distinct word is reduced once and remembered."""

    def __init__(self, lang: Language, phrases: dict[str, list[str]]):
        self.lang = lang
        self.phrases: list[Phrase] = []
        self.index: dict[str, list[tuple[int, int]]] = {}  # key -> (phrase, slot)
        prefixes: set[str] = set()
        for category in CATEGORIES:
            for raw in phrases.get(category, ()):
                slots = []
                for part in raw.split():
                    if fold(part) in lang.ignore:
                        continue
                    keys: set[str] = set()
                    for alternative in part.split("/"):
                        exact = alternative.startswith("=")
                        alternative = alternative.lstrip("=")
                        pieces = words(alternative.rstrip("*"), lang.split_apostrophes, lang.ignore)
                        if not pieces:
                            continue
                        for piece in pieces[:-1]:  # "self-harm" in one part: "self" is a slot
                            slots.append(frozenset(lang.stems(piece)))
                        if exact:
                            keys.add("=" + pieces[-1])
                        elif alternative.endswith("*"):
                            keys.add(pieces[-1] + "*")
                            prefixes.add(pieces[-1])
                        else:
                            keys |= lang.stems(pieces[-1])
                    if keys:
                        slots.append(frozenset(keys))
                phrase = Phrase(category, raw, tuple(slots))
                number = len(self.phrases)
                self.phrases.append(phrase)
                for slot_number, keys_ in enumerate(phrase.slots):
                    for key in keys_:
                        self.index.setdefault(key, []).append((number, slot_number))
        self.prefixes = tuple(sorted(prefixes))
        self.fuzzy_prefixes = tuple(p for p in self.prefixes if len(p) > lang.fuzzy_length)
        by_length: dict[int, list[str]] = {}
        for key in self.index:
            if key[-1] != "*" and key[0] != "=" and len(key) >= lang.fuzzy_length:
                by_length.setdefault(len(key), []).append(key)
        self.by_length = by_length
        self._keys: dict[str, frozenset[str]] = {}

    def keys(self, word: str) -> frozenset[str]:
        """The keys of one folded comment word."""
        known = self._keys.get(word)
        if known is not None:
            return known
        lang = self.lang
        keys = lang.stems(word)
        surface = lang.variants(word)
        keys.update("=" + form for form in surface)
        for form in surface:
            if form.startswith(self.prefixes):
                keys.update(p + "*" for p in self.prefixes if form.startswith(p))
        if len(word) >= lang.fuzzy_length:
            most = 2 if len(word) >= FUZZY_LENGTH_TWO else 1
            for length in range(len(word) - most, len(word) + most + 1):
                bucket = self.by_length.get(length)
                if bucket:
                    matches = process.extract(
                        word, bucket, scorer=Levenshtein.distance, score_cutoff=most, limit=None
                    )
                    keys.update(match[0] for match in matches)
            for prefix in self.fuzzy_prefixes:
                if prefix + "*" in keys or prefix[0] != word[0]:  # typos keep the first letter
                    continue
                near = 2 if len(prefix) >= FUZZY_LENGTH_TWO else 1
                for cut in range(len(prefix) - near, len(prefix) + near + 1):
                    if cut <= len(word) and (
                        Levenshtein.distance(word[:cut], prefix, score_cutoff=near) <= near
                    ):
                        keys.add(prefix + "*")
                        break
        if len(self._keys) >= _CACHE_LIMIT:
            self._keys.clear()
        frozen = self._keys[word] = frozenset(keys)
        return frozen

    def categories(self, text: str, found: set[str]) -> None:
        """Add to ``found`` the categories of the phrases ``text`` contains."""
        for phrase in self.matching(text, skip=found):
            found.add(phrase.category)

    def matching(self, text: str, skip: Iterable[str] = ()) -> list[Phrase]:
        """The phrases ``text`` contains, one per category (none in ``skip``)."""
        skip = set(skip)
        matched = []
        said = words(text, self.lang.split_apostrophes, self.lang.ignore)
        hits: dict[int, dict[int, list[int]]] = {}  # phrase -> slot -> positions
        for position, word in enumerate(said):
            for key in self.keys(word):
                for number, slot in self.index.get(key, ()):
                    hits.setdefault(number, {}).setdefault(slot, []).append(position)
        for number, slots in hits.items():
            phrase = self.phrases[number]
            if phrase.category in skip or len(slots) < len(phrase.slots):
                continue
            if _within(slots, len(phrase.slots)):
                skip.add(phrase.category)
                matched.append(phrase)
        return matched


def _within(slots: dict[int, list[int]], size: int) -> bool:
    """Whether each slot can take a different position, all within ``size`` + slack words."""
    if size == 1:
        return True
    span = size + (1 if size == 2 else SLACK)
    order = sorted(slots, key=lambda s: len(slots[s]))

    def place(i: int, used: tuple[int, ...]) -> bool:
        if i == len(order):
            return True
        for position in slots[order[i]]:
            if position in used:
                continue
            if used and (max(*used, position) - min(*used, position) >= span):
                continue
            if place(i + 1, (*used, position)):
                return True
        return False

    return place(0, ())


class Flagger:
    """Every language's matcher; a comment is checked against them all."""

    def __init__(self, phrases: dict[str, list[str]], code: str = ""):
        self.matchers = [Matcher(language(code), phrases)]

    @classmethod
    def from_files(cls, paths: Iterable[Path]) -> Flagger:
        flagger = cls({})
        flagger.matchers = []
        by_language: dict[str, dict[str, list[str]]] = {}
        for path in sorted(paths):
            combined = by_language.setdefault(path.stem, {})
            for category, phrases in parse(path.read_text(encoding="utf-8"), path.name).items():
                combined.setdefault(category, []).extend(phrases)
        for code, by_category in by_language.items():
            flagger.matchers.append(Matcher(language(code), by_category))
        return flagger

    def explain(self, text: str) -> list[tuple[str, str, str]]:
        """``(language, category, phrase)`` for each phrase that flags ``text``."""
        return [
            (matcher.lang.code, phrase.category, phrase.text)
            for matcher in self.matchers
            for phrase in matcher.matching(text)
        ]

    def flags(self, text: str) -> list[str]:
        """The categories ``text`` suggests, in the fixed order of ``CATEGORIES``."""
        found: set[str] = set()
        for matcher in self.matchers:
            matcher.categories(text, found)
        return [category for category in CATEGORIES if category in found]


@cache
def _cached(directory: str) -> Flagger:
    paths = list(Path(directory).glob("*.txt"))
    if not paths:
        raise PhraseListError(f"{directory}: no safeguarding phrase files (*.txt)")
    return Flagger.from_files(paths)


def flagger(directory: str | Path | None = None) -> Flagger:
    """The flagger for the phrase files in ``directory`` (the shipped lists by default)."""
    return _cached(str(directory or DEFAULT_DIRECTORY))
