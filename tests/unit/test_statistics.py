"""Tests for survey_app.evidence.statistics against independently computed values.

Reference values come from a published source (Newcombe 1998) or are worked
out here without scipy: Wilson limits from the closed-form score formula with
the standard library's NormalDist, chi-square from sum((O - E)^2 / E) and the
df = 1 relation p = erfc(sqrt(chi2 / 2)), and Fisher's exact p and its mid-p by
summing hypergeometric probabilities in exact fractions.
"""

from __future__ import annotations

import math
from fractions import Fraction
from statistics import NormalDist

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_app.evidence.statistics import (
    Comparison,
    compare_many,
    compare_proportions,
    compare_with_establishments,
    fisher_mid_p,
    proportion_interval,
)

# --- independent reference computations -------------------------------------


def wilson_by_formula(k: int, n: int, confidence: float) -> tuple[float, float]:
    """Wilson score interval: (p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)."""
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = k / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    scale = 1 + z * z / n
    return (centre - half) / scale, (centre + half) / scale


def chi_square_by_hand(table: list[list[int]]) -> tuple[float, float]:
    """Pearson chi-square (no continuity correction) and its df = 1 p-value."""
    rows = [sum(row) for row in table]
    cols = [sum(col) for col in zip(*table, strict=True)]
    total = sum(rows)
    stat = sum(
        (table[i][j] - rows[i] * cols[j] / total) ** 2 / (rows[i] * cols[j] / total)
        for i in range(2)
        for j in range(2)
    )
    return stat, math.erfc(math.sqrt(stat / 2))


def fisher_by_hand(table: list[list[int]]) -> Fraction:
    """Two-sided Fisher p: total probability of tables no more likely than the observed."""
    (a, b), (c, d) = table
    row1, row2, col1 = a + b, c + d, a + c
    denominator = math.comb(row1 + row2, col1)

    def prob(x: int) -> Fraction:
        return Fraction(math.comb(row1, x) * math.comb(row2, col1 - x), denominator)

    observed = prob(a)
    support = range(max(0, col1 - row2), min(row1, col1) + 1)
    return sum((prob(x) for x in support if prob(x) <= observed), Fraction(0))


def mid_p_by_hand(table: list[list[int]]) -> Fraction:
    """Two-sided mid-p: twice the smaller tail, each tail counting half the observed table."""
    (a, b), (c, d) = table
    row1, row2, col1 = a + b, c + d, a + c
    denominator = math.comb(row1 + row2, col1)

    def prob(x: int) -> Fraction:
        return Fraction(math.comb(row1, x) * math.comb(row2, col1 - x), denominator)

    support = range(max(0, col1 - row2), min(row1, col1) + 1)
    below = sum((prob(x) for x in support if x < a), Fraction(0))
    above = sum((prob(x) for x in support if x > a), Fraction(0))
    half = prob(a) / 2
    return min(Fraction(1), 2 * min(below + half, above + half))


# --- proportion_interval -------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857-872, Table I,
        # method 3 (Wilson score, no continuity correction).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_1998(k, n, low, high):
    interval = proportion_interval(k, n)
    assert interval is not None
    assert interval[0] == pytest.approx(low, abs=5e-5)
    assert interval[1] == pytest.approx(high, abs=5e-5)


@pytest.mark.parametrize("confidence", [0.80, 0.90, 0.95, 0.99])
@pytest.mark.parametrize(("k", "n"), [(81, 263), (3, 7), (0, 5), (12, 12), (1, 1000)])
def test_wilson_matches_closed_form(k, n, confidence):
    low, high = proportion_interval(k, n, confidence)
    ref_low, ref_high = wilson_by_formula(k, n, confidence)
    assert low == pytest.approx(ref_low, abs=1e-9)
    assert high == pytest.approx(ref_high, abs=1e-9)
    assert 0.0 <= low <= k / n <= high <= 1.0


def test_wider_confidence_gives_wider_interval():
    low90, high90 = proportion_interval(81, 263, 0.90)
    low99, high99 = proportion_interval(81, 263, 0.99)
    assert low99 < low90 and high90 < high99


def test_interval_for_empty_sample_is_none():
    assert proportion_interval(0, 0) is None


@pytest.mark.parametrize(
    ("k", "n", "confidence"),
    [(-1, 10, 0.95), (1, -10, 0.95), (11, 10, 0.95), (1, 10, 0.0), (1, 10, 1.0), (1, 10, 95)],
)
def test_interval_rejects_invalid_input(k, n, confidence):
    with pytest.raises(ValueError):
        proportion_interval(k, n, confidence)


# --- compare_proportions: the tests themselves ---------------------------------


def test_chi_square_without_continuity_correction():
    # [[30, 70], [50, 50]]: row totals 100, 100; column totals 80, 120; N = 200.
    # E = [[40, 60], [40, 60]].
    # chi2 = 2 * 10^2/40 + 2 * 10^2/60 = 5 + 3.3333 = 8.3333
    # p = erfc(sqrt(8.3333 / 2)) = erfc(2.0412) = 0.003892
    # (Yates' correction would give chi2 = 9.5^2 * (2/40 + 2/60) = 7.5208, p = 0.0061.)
    stat, p = chi_square_by_hand([[30, 70], [50, 50]])
    assert stat == pytest.approx(25 / 3)
    assert p == pytest.approx(0.003892, abs=5e-7)

    result = compare_proportions(30, 100, 50, 100, test="chi-square")
    assert result.test == "chi-square"
    assert result.p_value == pytest.approx(p, rel=1e-9)
    assert result.proportion_a == pytest.approx(0.3)
    assert result.proportion_b == pytest.approx(0.5)


@pytest.mark.parametrize(
    "table",
    [[[30, 70], [50, 50]], [[81, 182], [120, 180]], [[12, 88], [25, 75]], [[200, 50], [170, 90]]],
)
def test_chi_square_matches_hand_formula(table):
    (a, b), (c, d) = table
    _, p = chi_square_by_hand(table)
    result = compare_proportions(a, a + b, c, c + d, test="chi-square")
    assert result.p_value == pytest.approx(p, rel=1e-9)


def test_fisher_lady_tasting_tea():
    # Fisher (1935): [[3, 1], [1, 3]], all margins 4, N = 8.
    # P(x) = C(4, x) C(4, 4 - x) / C(8, 4) = 1, 16, 36, 16, 1 (/ 70) for x = 0..4.
    # Two-sided p = (1 + 16 + 16 + 1) / 70 = 17/35 = 0.4857.
    assert fisher_by_hand([[3, 1], [1, 3]]) == Fraction(17, 35)
    result = compare_proportions(3, 4, 1, 4, test="fisher")
    assert result.test == "fisher"
    assert result.p_value == pytest.approx(17 / 35, rel=1e-9)
    assert round(result.p_value, 4) == 0.4857
    assert not result.significant
    assert result.direction is None


@pytest.mark.parametrize(
    "table",
    [
        [[3, 1], [1, 3]],
        [[1, 49], [6, 44]],
        [[8, 0], [0, 8]],
        [[0, 12], [5, 3]],
        [[30, 70], [50, 50]],
    ],
)
def test_fisher_matches_hand_enumeration(table):
    (a, b), (c, d) = table
    result = compare_proportions(a, a + b, c, c + d, test="fisher")
    assert result.p_value == pytest.approx(float(fisher_by_hand(table)), rel=1e-9)


# --- compare_proportions: one rule, Fisher's mid-p ----------------------------


def test_the_default_test_is_fishers_mid_p():
    # Lady tasting tea again: P(x) = 1, 16, 36, 16, 1 (/ 70). Upper tail mid-p at x = 3:
    # P(4) + P(3) / 2 = (1 + 8) / 70; two-sided: 18/70 = 9/35 = 0.2571 (Fisher: 17/35).
    assert mid_p_by_hand([[3, 1], [1, 3]]) == Fraction(9, 35)
    result = compare_proportions(3, 4, 1, 4)
    assert result.test == "mid-p"
    assert result.p_value == pytest.approx(9 / 35, rel=1e-9)


@pytest.mark.parametrize(
    "table",
    [
        [[1, 49], [6, 44]],  # an expected count below 5: once Fisher, still mid-p
        [[8, 0], [0, 8]],
        [[2, 8], [8, 2]],  # every expected count exactly 5: once chi-square, still mid-p
        [[30, 70], [50, 50]],
        [[0, 12], [5, 3]],
        [[9, 1], [2, 8]],
    ],
)
def test_mid_p_matches_hand_enumeration_at_every_sample_size(table):
    (a, b), (c, d) = table
    result = compare_proportions(a, a + b, c, c + d)
    assert result.test == "mid-p"
    assert result.p_value == pytest.approx(float(mid_p_by_hand(table)), rel=1e-9)


@pytest.mark.parametrize(
    "table",
    [
        [[2, 398], [60, 340]],  # far in the lower tail: p about 1e-15
        [[60, 340], [2, 398]],  # the same, far in the upper tail
        [[200, 200], [201, 199]],  # at the centre: both tails near a half
        [[1, 999], [0, 1000]],  # just above the mean
        [[150, 850], [300, 1700]],  # exactly at the mean
    ],
)
def test_mid_p_keeps_its_precision_in_either_tail(table):
    # Only the tail on the observed side is summed; the other is 1 minus it. A tiny p on
    # either side must still match the exact value, not lose its digits to 1 - (1 - p).
    (a, b), (c, d) = table
    assert fisher_mid_p(table) == pytest.approx(float(mid_p_by_hand(table)), rel=1e-9)
    assert compare_proportions(a, a + b, c, c + d).p_value == fisher_mid_p(table)


def test_mid_p_does_not_jump_where_the_old_rule_switched_tests():
    # 30 children, 15 of 30 positive before; now k of 30. The old rule switched from
    # chi-square to Fisher as k crossed the expected-count-of-5 line, and p jumped. The
    # mid-p is one test: its p falls steadily as the difference grows.
    values = [compare_proportions(k, 30, 15, 30).p_value for k in range(15, 31)]
    assert all(later < earlier for earlier, later in zip(values, values[1:], strict=False))


def test_mid_p_is_below_fishers_p_and_never_above_one():
    for table in ([[3, 1], [1, 3]], [[5, 5], [5, 5]], [[1, 0], [0, 1]]):
        (a, b), (c, d) = table
        mid = compare_proportions(a, a + b, c, c + d).p_value
        fisher = compare_proportions(a, a + b, c, c + d, test="fisher").p_value
        assert mid <= fisher and mid <= 1.0
    assert compare_proportions(5, 10, 5, 10).p_value == pytest.approx(1.0)


# --- compare_proportions: significance and direction ---------------------------


@pytest.mark.parametrize(
    ("higher_is_better", "expected"),
    [(True, "worse"), (False, "better")],
)
def test_direction_when_a_is_lower(higher_is_better, expected):
    # a = 30%, b = 50%, p = 0.003892 < 0.01.
    result = compare_proportions(
        30, 100, 50, 100, test="chi-square", higher_is_better=higher_is_better
    )
    assert result.significant
    assert result.direction == expected


@pytest.mark.parametrize(
    ("higher_is_better", "expected"),
    [(True, "better"), (False, "worse")],
)
def test_direction_when_a_is_higher(higher_is_better, expected):
    # a = 50%, b = 30%: the same table with rows swapped, same p.
    result = compare_proportions(
        50, 100, 30, 100, test="chi-square", higher_is_better=higher_is_better
    )
    assert result.significant
    assert result.direction == expected


@pytest.mark.parametrize("higher_is_better", [True, False])
def test_no_direction_when_not_significant(higher_is_better):
    # a = 30%, b = 35%: chi2 = 6.25 * (2/32.5 + 2/67.5) = 0.5698, p = 0.4503.
    result = compare_proportions(
        30, 100, 35, 100, test="chi-square", higher_is_better=higher_is_better
    )
    assert result.p_value == pytest.approx(chi_square_by_hand([[30, 70], [35, 65]])[1])
    assert result.p_value == pytest.approx(0.4503, abs=5e-5)
    assert not result.significant
    assert result.direction is None


def test_equal_proportions_are_not_significant():
    result = compare_proportions(20, 40, 50, 100)
    assert result.p_value == pytest.approx(1.0)
    assert not result.significant
    assert result.direction is None


def test_threshold_boundary_is_strict():
    # p = erfc(sqrt(3.6)) = 0.0072904 for [[2, 8], [8, 2]] (worked above).
    chi = {"test": "chi-square"}
    p = compare_proportions(2, 10, 8, 10, **chi).p_value
    assert p is not None

    at = compare_proportions(2, 10, 8, 10, threshold=p, **chi)
    assert not at.significant and at.direction is None  # p < threshold is required
    above = compare_proportions(2, 10, 8, 10, threshold=math.nextafter(p, 1.0), **chi)
    assert above.significant and above.direction == "worse"

    assert compare_proportions(2, 10, 8, 10, threshold=0.0073, **chi).significant
    assert not compare_proportions(2, 10, 8, 10, threshold=0.0072, **chi).significant
    assert compare_proportions(2, 10, 8, 10, threshold=0.05, **chi).threshold == 0.05


def test_default_threshold_is_one_percent():
    # [[12, 88], [25, 75]]: column totals 37, 163, so E = 18.5, 81.5 in each row.
    # chi2 = 6.5^2 * (2/18.5 + 2/81.5) = 5.6044, p = 0.01792: below 0.05, not below 0.01.
    result = compare_proportions(12, 100, 25, 100, test="chi-square")
    assert result.threshold == 0.01
    assert result.p_value == pytest.approx(0.01792, abs=5e-6)
    assert not result.significant
    assert compare_proportions(12, 100, 25, 100, threshold=0.05).direction == "worse"


# --- compare_proportions: untestable and invalid input ---------------------------


@pytest.mark.parametrize(
    ("pos_a", "n_a", "pos_b", "n_b", "prop_a", "prop_b"),
    [
        (0, 0, 3, 10, None, 0.3),  # a is empty
        (3, 10, 0, 0, 0.3, None),  # b is empty
        (0, 0, 0, 0, None, None),  # both empty
        (0, 10, 0, 20, 0.0, 0.0),  # no positives anywhere: zero column total
        (10, 10, 20, 20, 1.0, 1.0),  # all positive: zero column total
    ],
)
@pytest.mark.parametrize("test", ["mid-p", "chi-square", "fisher"])
def test_untestable_tables(pos_a, n_a, pos_b, n_b, prop_a, prop_b, test):
    result = compare_proportions(pos_a, n_a, pos_b, n_b, test=test)
    assert result.p_value is None
    assert result.significant is False
    assert result.direction is None
    assert result.proportion_a == prop_a
    assert result.proportion_b == prop_b
    assert result.test == test


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((-1, 10, 3, 10), {}),
        ((1, -10, 3, 10), {}),
        ((11, 10, 3, 10), {}),
        ((1, 10, -3, 10), {}),
        ((1, 10, 3, -10), {}),
        ((1, 10, 11, 10), {}),
        ((1, 10, 3, 10), {"test": "t-test"}),
        ((1, 10, 3, 10), {"test": "auto"}),  # the old switch is gone
        ((1, 10, 3, 10), {"threshold": 0.0}),
        ((1, 10, 3, 10), {"threshold": 1.0}),
        ((1, 10, 3, 10), {"threshold": -0.05}),
    ],
)
def test_compare_rejects_invalid_input(args, kwargs):
    with pytest.raises(ValueError):
        compare_proportions(*args, **kwargs)


def test_comparison_is_frozen():
    result = compare_proportions(30, 100, 50, 100)
    assert isinstance(result, Comparison)
    with pytest.raises(AttributeError):
        result.significant = False  # type: ignore[misc]


@st.composite
def samples(draw):
    n_a = draw(st.integers(min_value=0, max_value=80))
    n_b = draw(st.integers(min_value=0, max_value=80))
    return (
        draw(st.integers(min_value=0, max_value=n_a)),
        n_a,
        draw(st.integers(min_value=0, max_value=n_b)),
        n_b,
    )


@settings(max_examples=300, database=None, deadline=None)
@given(
    sample=samples(),
    test=st.sampled_from(["mid-p", "chi-square", "fisher"]),
    higher_is_better=st.booleans(),
)
def test_compare_never_raises_or_returns_nan(sample, test, higher_is_better):
    pos_a, n_a, pos_b, n_b = sample
    result = compare_proportions(
        pos_a, n_a, pos_b, n_b, test=test, higher_is_better=higher_is_better
    )
    assert result.test == test
    if result.p_value is None:
        assert not result.significant
    else:
        assert 0.0 <= result.p_value <= 1.0
        assert result.significant == (result.p_value < result.threshold)
    assert (result.direction is not None) == result.significant
    # Swapping a and b keeps p and flips the direction.
    swapped = compare_proportions(
        pos_b, n_b, pos_a, n_a, test=test, higher_is_better=higher_is_better
    )
    if result.p_value is None:
        assert swapped.p_value is None
    else:
        assert swapped.p_value == pytest.approx(result.p_value, rel=1e-9)
    flip = {"better": "worse", "worse": "better", None: None}
    assert swapped.direction == flip[result.direction]


# --- compare_with_establishments: the comparator as units --------------------------------


def test_establishments_count_once_whatever_their_size():
    # 60% here. Others: 40% of 1000, 70% of 10, 80% of 10, 75% of 20. Pooled they are
    # 436/1040 = 41.9%, dominated by the large one; as units their mean is 66.25%.
    result = compare_with_establishments(6, 10, [(400, 1000), (7, 10), (8, 10), (15, 20)])
    assert result.test == "establishments-t"
    assert result.proportion_b == pytest.approx(0.6625)
    # s = sd(0.4, 0.7, 0.8, 0.75) = 0.17970; t = (0.6 - 0.6625) / (s * sqrt(1 + 1/4))
    # = -0.31109 on 3 df; two-sided p = 0.77609 (from the t distribution's closed form).
    q = [0.4, 0.7, 0.8, 0.75]
    s = math.sqrt(sum((x - 0.6625) ** 2 for x in q) / 3)
    t = (0.6 - 0.6625) / (s * math.sqrt(1.25))
    # Student's t with 3 df: F(t) = 1/2 + (1/pi)(theta + sin(theta)cos(theta)), theta = atan(t/sqrt3)
    theta = math.atan(abs(t) / math.sqrt(3))
    p = 2 * (0.5 - (theta + math.sin(theta) * math.cos(theta)) / math.pi)
    assert result.p_value == pytest.approx(p, rel=1e-9)
    assert not result.significant and result.lean == "worse"


def test_an_establishment_far_outside_the_others_is_marked():
    others = [(50, 100), (52, 100), (48, 100), (51, 100), (49, 100)]
    result = compare_with_establishments(95, 100, others, threshold=0.01)
    assert result.p_value < 0.01 and result.direction == "better"
    low = compare_with_establishments(5, 100, others, higher_is_better=False)
    assert low.direction == "better"


def test_between_establishment_spread_makes_the_test_less_sure_than_pooling():
    # Others vary widely (30% to 70%): 80% here is within what establishments do.
    others = [(30, 100), (70, 100), (45, 100), (60, 100)]
    units = compare_with_establishments(80, 100, others)
    pooled = compare_proportions(80, 100, 205, 400)
    assert pooled.p_value < 0.01 < units.p_value


@pytest.mark.parametrize(
    "others",
    [[], [(5, 10)], [(5, 10), (6, 10)], [(5, 10), (5, 10), (5, 10)], [(5, 10), (0, 0), (6, 10)]],
)
def test_too_few_establishments_or_no_spread_is_not_tested(others):
    result = compare_with_establishments(9, 10, others)
    assert result.p_value is None and not result.significant and result.direction is None


def test_establishments_reject_bad_counts():
    with pytest.raises(ValueError):
        compare_with_establishments(11, 10, [(1, 2)] * 3)
    with pytest.raises(ValueError):
        compare_with_establishments(1, 10, [(3, 2)] * 3)


@settings(max_examples=200, database=None, deadline=None)
@given(
    many=st.lists(samples(), max_size=12),
    test=st.sampled_from(["mid-p", "chi-square", "fisher"]),
    higher_is_better=st.booleans(),
)
def test_many_compared_at_once_are_each_as_compared_alone(many, test, higher_is_better):
    # The evidence tests its breakdowns together (one call of scipy's methods for all);
    # each result, untestable ones among them, is exactly the one-by-one result.
    together = compare_many(many, test=test, higher_is_better=higher_is_better)
    alone = [
        compare_proportions(*sample, test=test, higher_is_better=higher_is_better)
        for sample in many
    ]
    # compare_proportions is one sample through the same code: this says a table's value
    # does not depend on the tables beside it (masks, order, the empty tails of numpy).
    assert together == alone
    assert all(c.p_value is None or 0.0 <= c.p_value <= 1.0 for c in together)
