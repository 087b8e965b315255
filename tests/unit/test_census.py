"""Census: response rate and the finite-population correction of intervals."""

from __future__ import annotations

import math
from statistics import NormalDist

import pytest

from survey_app.evidence.census import (
    BadCensus,
    check_held,
    question_population,
    response_rate,
    wilson_fpc,
)
from survey_app.evidence.statistics import proportion_interval


def wilson_by_hand(p: float, n: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson's score interval for a proportion ``p`` observed on ``n`` (maybe effective)."""
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    scale = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / scale
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / scale
    return centre - half, centre + half


def test_a_huge_population_gives_the_ordinary_wilson_interval():
    low, high = wilson_fpc(20, 30, 10**9, 0.95)
    assert (low, high) == pytest.approx(proportion_interval(20, 30, 0.95), abs=1e-7)


def test_the_correction_uses_the_effective_sample_size():
    # 20 of 30 answered, 40 held: f = (40 - 30) / 39, effective n = 30 / f = 117.
    f = 10 / 39
    assert wilson_fpc(20, 30, 40, 0.95) == pytest.approx(wilson_by_hand(20 / 30, 30 / f), abs=1e-12)
    plain = proportion_interval(20, 30, 0.95)
    corrected = wilson_fpc(20, 30, 40, 0.95)
    assert corrected[1] - corrected[0] < (plain[1] - plain[0]) * 0.6


def test_a_full_census_has_no_sampling_error():
    assert wilson_fpc(20, 30, 30, 0.95) == (20 / 30, 20 / 30)
    assert wilson_fpc(1, 1, 1, 0.95) == (1.0, 1.0)
    assert wilson_fpc(0, 0, 10, 0.95) is None


def test_the_interval_narrows_as_more_of_the_population_answers():
    widths = []
    for held in (1000, 100, 50, 35, 31):
        low, high = wilson_fpc(20, 30, held, 0.95)
        widths.append(high - low)
    assert widths == sorted(widths, reverse=True)


@pytest.mark.parametrize(
    ("args", "words"),
    [((5, 10, 9, 0.95), "smaller than the sample"), ((11, 10, 20, 0.95), "counts must")],
)
def test_bad_interval_input(args, words):
    with pytest.raises(ValueError, match=words):
        wilson_fpc(*args)


def test_response_rate_and_population():
    assert response_rate(34, 40) == 85.0
    assert response_rate(34, None) is None
    assert response_rate(41, 40) is None  # inconsistent: no rate rather than a wrong one
    # 30 answered a question, 34 responded, 40 held: 30 + 6 who never responded.
    assert question_population(30, 34, 40) == 36
    assert question_population(30, 34, None) is None


@pytest.mark.parametrize(
    ("held", "responded", "words"),
    [
        (-1, 0, "children held cannot be negative (got -1)"),
        (10, 12, "12 children have responded, so at least 12 were held (got 10)"),
        (2.5, 0, "children held must be a whole number (got 2.5)"),
    ],
)
def test_bad_numbers_held_get_a_one_line_reason(held, responded, words):
    with pytest.raises(BadCensus) as error:
        check_held(held, responded)
    assert str(error.value) == words


def test_good_numbers_held_pass():
    for held, responded in ((None, 5), (0, 0), (12, 12), (40, 34)):
        check_held(held, responded)
