"""Confidence intervals and two-sample tests for survey proportions.

All distributions come from scipy; nothing here hand-rolls a p-value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.stats import binomtest, chi2_contingency, fisher_exact, hypergeom
from scipy.stats import t as student_t

TestName = Literal["mid-p", "fisher", "chi-square", "establishments-t"]
TESTS: tuple[TestName, ...] = ("mid-p", "fisher", "chi-square")
Direction = Literal["better", "worse"]


def _check_counts(successes: int, n: int) -> None:
    if n < 0 or successes < 0:
        raise ValueError(f"counts must be non-negative (got {successes}/{n})")
    if successes > n:
        raise ValueError(f"successes ({successes}) exceed the sample size ({n})")


def proportion_interval(
    successes: int, n: int, confidence: float = 0.95
) -> tuple[float, float] | None:
    """Wilson score interval for ``successes / n``; ``None`` when ``n == 0``."""
    _check_counts(successes, n)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1 (got {confidence})")
    if n == 0:
        return None
    ci = binomtest(successes, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


@dataclass(frozen=True)
class Comparison:
    """Outcome of comparing this result (a) with a comparator (b).

    ``p_value`` is ``None`` when the test is undefined (an empty sample, or a
    table with a zero row or column total); ``direction`` is ``None`` unless
    the difference is significant. ``lean`` is the direction a would have if the
    difference were significant (``None`` when the proportions are equal or undefined),
    for marking after a multiple-comparison adjustment. A proportion is ``None`` for an
    empty sample.
    """

    test: TestName
    p_value: float | None
    significant: bool
    direction: Direction | None
    threshold: float
    proportion_a: float | None
    proportion_b: float | None
    lean: Direction | None = None


def fisher_mid_p(table: list[list[int]]) -> float:
    """Two-sided mid-p of Fisher's exact test on a 2x2 table (Lancaster 1961).

    Conditional on the margins, the top-left cell ``x`` is hypergeometric. Each tail's
    mid-p counts half the probability of the observed table; the two-sided value is twice
    the smaller tail, at most 1 (the doubling rule: Rothman, Greenland and Lash, *Modern
    Epidemiology*; OpenEpi's "mid-P exact"). Unlike Fisher's own p it is not conservative:
    its size is close to the nominal level, and it never jumps at an arbitrary switch.
    """
    (a, b), (c, d) = table
    return float(mid_p_values([(a, b, c, d)])[0])


def mid_p_values(tables: Sequence[Sequence[int]]) -> np.ndarray:
    """``fisher_mid_p`` of many 2x2 tables, each given as ``(a, b, c, d)``, with one call
    of each of scipy's distribution methods for them all: the evidence tests a thousand
    tables, and a call's own cost was most of each test's."""
    cells = np.asarray(tables, dtype=np.int64).reshape(-1, 4)
    a, b, c, d = cells.T
    total, positives, first_row = a + b + c + d, a + c, a + b
    # The observed table's probability from its logarithm (a closed form in log-beta
    # functions): a quarter of the time of the summing pmf on large tables, to ~1e-11.
    half_observed = 0.5 * np.exp(hypergeom.logpmf(a, total, positives, first_row))
    # The two tails' mid-p values add up to 1, so only the one on the observed side of the
    # mean is summed (half the work on large tables: the sum runs the length of the tail);
    # that one is the smaller, or close to a half, so the other loses no precision as 1 - it.
    low = a * total <= positives * first_row
    high = ~low
    tail = np.empty(len(cells))
    tail[low] = hypergeom.cdf(a[low] - 1, total[low], positives[low], first_row[low])
    tail[high] = hypergeom.sf(a[high], total[high], positives[high], first_row[high])
    tail += half_observed
    return np.minimum(1.0, 2.0 * np.minimum(tail, 1.0 - tail))


def compare_proportions(
    pos_a: int,
    n_a: int,
    pos_b: int,
    n_b: int,
    *,
    test: TestName = "mid-p",
    threshold: float = 0.01,
    higher_is_better: bool = True,
) -> Comparison:
    """Two-sided test of ``pos_a / n_a`` against ``pos_b / n_b``.

    One rule throughout, whatever the counts: ``test="mid-p"`` (the default) is the
    two-sided mid-p of Fisher's exact test (``fisher_mid_p``). ``test="fisher"`` is
    Fisher's exact test and ``test="chi-square"`` Pearson's chi-square without
    continuity correction, the test published survey tables such as CQC's use, kept for
    reproducing them. The difference is significant when ``p < threshold``;
    ``direction`` then says whether a is "better" or "worse" than b.
    """
    (comparison,) = compare_many(
        [(pos_a, n_a, pos_b, n_b)],
        test=test,
        threshold=threshold,
        higher_is_better=higher_is_better,
    )
    return comparison


def compare_many(
    samples: Sequence[tuple[int, int, int, int]],
    *,
    test: TestName = "mid-p",
    threshold: float = 0.01,
    higher_is_better: bool = True,
) -> list[Comparison]:
    """``compare_proportions`` of each ``(pos_a, n_a, pos_b, n_b)``, the mid-p values of all
    of them computed together (``mid_p_values``)."""
    for pos_a, n_a, pos_b, n_b in samples:
        _check_counts(pos_a, n_a)
        _check_counts(pos_b, n_b)
    if test not in TESTS:
        raise ValueError(f"unknown test {test!r} (use one of {', '.join(TESTS)})")
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be between 0 and 1 (got {threshold})")
    # A zero row total (empty sample) or zero column total (everyone, or no one,
    # positive) leaves nothing to compare: the test is undefined.
    tested = [
        i
        for i, (pos_a, n_a, pos_b, n_b) in enumerate(samples)
        if n_a and n_b and pos_a + pos_b and (n_a - pos_a) + (n_b - pos_b)
    ]
    tables = [
        (samples[i][0], samples[i][1] - samples[i][0], samples[i][2], samples[i][3] - samples[i][2])
        for i in tested
    ]
    if test == "mid-p":
        values = mid_p_values(tables).tolist() if tables else []
    elif test == "fisher":
        values = [
            float(fisher_exact([[a, b], [c, d]], alternative="two-sided").pvalue)
            for a, b, c, d in tables
        ]
    else:
        values = [
            float(chi2_contingency([[a, b], [c, d]], correction=False).pvalue)
            for a, b, c, d in tables
        ]
    p_values: list[float | None] = [None] * len(samples)
    for i, value in zip(tested, values, strict=True):
        p_values[i] = None if math.isnan(value) else min(max(value, 0.0), 1.0)
    return [
        _judged(sample, p_value, test, threshold, higher_is_better)
        for sample, p_value in zip(samples, p_values, strict=True)
    ]


def _judged(
    sample: tuple[int, int, int, int],
    p_value: float | None,
    test: TestName,
    threshold: float,
    higher_is_better: bool,
) -> Comparison:
    pos_a, n_a, pos_b, n_b = sample
    proportion_a = pos_a / n_a if n_a else None
    proportion_b = pos_b / n_b if n_b else None
    if p_value is None:
        return Comparison(test, None, False, None, threshold, proportion_a, proportion_b)
    significant = p_value < threshold
    lean: Direction | None = None
    # Compare pos_a/n_a with pos_b/n_b exactly, in integers.
    if pos_a * n_b != pos_b * n_a:
        a_higher = pos_a * n_b > pos_b * n_a
        lean = "better" if a_higher == higher_is_better else "worse"
    direction = lean if significant else None
    return Comparison(
        test, p_value, significant, direction, threshold, proportion_a, proportion_b, lean
    )


#: Fewer other establishments than this leave their spread unknown: the comparison is shown
#: (mean and range) but not tested.
MIN_ESTABLISHMENTS = 3


def compare_with_establishments(
    pos_a: int,
    n_a: int,
    others: list[tuple[int, int]],
    *,
    threshold: float = 0.01,
    higher_is_better: bool = True,
) -> Comparison:
    """This establishment's proportion against the other establishments as units.

    Each other establishment with a non-empty base counts once (``others`` are
    ``(positive, base)``), whatever its size. With ``k`` of them, mean ``m`` and standard
    deviation ``s`` of their proportions, this proportion ``p`` is compared with the
    distribution they come from by the prediction-interval statistic
    ``t = (p - m) / (s * sqrt(1 + 1/k))`` on ``k - 1`` degrees of freedom (two-sided). The
    spread ``s`` holds both the variation between establishments and each one's sampling
    variation, so the test allows for both. Untestable (``p_value`` ``None``) with fewer than
    ``MIN_ESTABLISHMENTS``, an empty base, or no spread at all. ``proportion_b`` is ``m``.
    """
    _check_counts(pos_a, n_a)
    for positive, base in others:
        _check_counts(positive, base)
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be between 0 and 1 (got {threshold})")
    proportions = [positive / base for positive, base in others if base]
    k = len(proportions)
    proportion_a = pos_a / n_a if n_a else None
    mean = sum(proportions) / k if k else None
    test: TestName = "establishments-t"
    lean: Direction | None = None
    if proportion_a is not None and mean is not None and proportion_a != mean:
        lean = "better" if (proportion_a > mean) == higher_is_better else "worse"
    if proportion_a is None or mean is None or k < MIN_ESTABLISHMENTS:
        return Comparison(test, None, False, None, threshold, proportion_a, mean, lean)
    spread = math.sqrt(sum((q - mean) ** 2 for q in proportions) / (k - 1))
    if spread == 0.0:
        return Comparison(test, None, False, None, threshold, proportion_a, mean, lean)
    statistic = (proportion_a - mean) / (spread * math.sqrt(1 + 1 / k))
    p_value = min(1.0, float(2 * student_t.sf(abs(statistic), k - 1)))
    significant = p_value < threshold
    return Comparison(
        test,
        p_value,
        significant,
        lean if significant else None,
        threshold,
        proportion_a,
        mean,
        lean,
    )
