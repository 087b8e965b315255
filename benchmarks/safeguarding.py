"""Recall and precision of the free-text safeguarding flags, and their speed.

    python -m benchmarks.safeguarding [--comments 2000] [--repeat 5]

Reads the evaluation corpus (``tests/safeguarding_corpus/<language>.yaml``) and flags every
comment with the shipped phrase lists, as the evidence does. For each language and category:

* recall: of the positive comments labelled with the category, the share flagged with it;
* precision: of the comments flagged with the category (positive and negative alike), the
  share labelled with it.

A comment "flagged" at all counts for the per-language line: recall is the share of positive
comments flagged with their category, precision the share of flagged comments that are
positive. Then it times flagging ``--comments`` comments drawn from the whole corpus (a large
inspection), first with a new flagger (nothing remembered) and then again (words remembered).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from survey_app.evidence import safeguarding
from survey_app.questionnaire import DISCLOSURE_CATEGORIES

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "safeguarding_corpus"
LANGUAGES = ("en", "cy", "pl", "ro", "ar")


@dataclass
class Scores:
    positives: int = 0
    found: int = 0
    flagged: int = 0  # comments flagged (with the category, for a category line)
    right: int = 0  # of those, labelled so

    @property
    def recall(self) -> float | None:
        return self.found / self.positives if self.positives else None

    @property
    def precision(self) -> float | None:
        return self.right / self.flagged if self.flagged else None


def load(language: str) -> tuple[list[tuple[str, str]], list[str]]:
    """``([(category, comment)], [negative comment])`` of one language's corpus file."""
    data = yaml.safe_load((CORPUS / f"{language}.yaml").read_text(encoding="utf-8"))
    positive = [(category, text) for category, texts in data["positive"].items() for text in texts]
    return positive, list(data["negative"])


def score(flagger: safeguarding.Flagger, language: str) -> dict[str, Scores]:
    """Scores by category, and ``"all"`` for the language as a whole."""
    positive, negative = load(language)
    scores = {category: Scores() for category in (*DISCLOSURE_CATEGORIES, "all")}
    for category, text in positive:
        flags = flagger.flags(text)
        scores[category].positives += 1
        scores[category].found += category in flags
        scores["all"].positives += 1
        scores["all"].found += category in flags
        if flags:
            scores["all"].flagged += 1
            scores["all"].right += 1
        for flag in flags:
            scores[flag].flagged += 1
            scores[flag].right += flag == category
    for text in negative:
        flags = flagger.flags(text)
        scores["all"].flagged += bool(flags)
        for flag in flags:
            scores[flag].flagged += 1
    return scores


def _percent(value: float | None) -> str:
    return "   -" if value is None else f"{100 * value:5.1f}%"


def report(flagger: safeguarding.Flagger) -> dict[str, dict[str, Scores]]:
    results = {language: score(flagger, language) for language in LANGUAGES}
    print(f"{'language':8} {'category':17} {'positives':>9} {'recall':>7} {'flagged':>7} "
          f"{'precision':>9}")  # fmt: skip
    for language, scores in results.items():
        for category, s in scores.items():
            if category != "all" and not (s.positives or s.flagged):
                continue
            print(
                f"{language:8} {category:17} {s.positives:9d} {_percent(s.recall):>7} "
                f"{s.flagged:7d} {_percent(s.precision):>9}"
            )
    return results


def timing(comments: int, repeat: int, seed: int = 16) -> tuple[float, float]:
    """Seconds to flag ``comments`` corpus comments: a new flagger, then a warm one."""
    pool = []
    for language in LANGUAGES:
        positive, negative = load(language)
        pool += [text for _, text in positive] + negative
    rng = random.Random(seed)
    sample = [rng.choice(pool) + f" {number}" for number in range(comments)]  # all distinct
    cold = warm = float("inf")
    for _ in range(repeat):
        flagger = safeguarding.Flagger.from_files(safeguarding.DEFAULT_DIRECTORY.glob("*.txt"))
        start = time.perf_counter()
        for text in sample:
            flagger.flags(text)
        cold = min(cold, time.perf_counter() - start)
        start = time.perf_counter()
        for text in sample:
            flagger.flags(text)
        warm = min(warm, time.perf_counter() - start)
    return cold, warm


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if args.comments < 1 or args.repeat < 1:
        parser.error("--comments and --repeat must be at least 1")
    start = time.perf_counter()
    flagger = safeguarding.Flagger.from_files(safeguarding.DEFAULT_DIRECTORY.glob("*.txt"))
    loading = time.perf_counter() - start
    results = report(flagger)
    cold, warm = timing(args.comments, args.repeat)
    print(f"loading the phrase lists: {1000 * loading:.0f} ms")
    print(
        f"flagging {args.comments} comments: {1000 * cold:.0f} ms with a new flagger, "
        f"{1000 * warm:.0f} ms with one that has seen the words"
    )
    lowest = min(results[language]["all"].recall or 0 for language in LANGUAGES)
    verdict = "meets" if lowest >= 0.95 else "FAILS"
    print(f"lowest recall {100 * lowest:.1f}%: {verdict} the 95% requirement")
    return 0 if lowest >= 0.95 else 1


if __name__ == "__main__":
    sys.exit(main())
