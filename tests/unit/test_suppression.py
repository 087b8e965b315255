"""Tests for survey_app.evidence.suppression.

Each worked case below is traced by hand in its comments, using the rules in
the module docstring with the default threshold of 5. Masks are written with
T (hidden) and F (shown).
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_app.evidence.suppression import suppress

T, F = True, False


def hidden_cells(mask: list[list[bool]]) -> set[tuple[int, int]]:
    return {(r, c) for r, row in enumerate(mask) for c, hide in enumerate(row) if hide}


def test_nothing_to_hide():
    # Every count is 0 or at least 5: no primary cell, so nothing else either.
    table = [[10, 20, 0], [30, 5, 12], [0, 7, 9]]
    assert suppress(table) == [[F, F, F], [F, F, F], [F, F, F]]


def test_secondary_suppression_in_rows():
    # Primary: 3 at (0,0) and 4 at (1,0). Column 0 already has two hidden cells.
    # Row 0 has one hidden cell: smallest visible nonzero is 10 at (0,1).
    # Row 1 has one hidden cell: smallest visible nonzero is 11 at (1,1).
    # Column 1 now holds (0,1) and (1,1): two hidden, so stable.
    table = [
        [3, 10, 20],
        [4, 11, 25],
        [9, 12, 30],
    ]
    assert suppress(table) == [
        [T, T, F],
        [T, T, F],
        [F, F, F],
    ]


def test_secondary_suppression_in_columns():
    # Primary: 3 at (0,0) and 4 at (0,1). Row 0 already has two hidden cells.
    # Column 0 has one: smallest visible nonzero is 10 at (1,0) (20 is larger).
    # Column 1 has one: smallest visible nonzero is 11 at (1,1).
    # Row 1 now holds (1,0) and (1,1): two hidden, so stable.
    table = [
        [3, 4, 9],
        [10, 11, 12],
        [20, 25, 30],
    ]
    assert suppress(table) == [
        [T, T, F],
        [T, T, F],
        [F, F, F],
    ]


def test_cascading_secondary_suppression():
    # Primary: 2 at (0,0).
    # Pass 1, rows: row 0 -> hide 8 at (0,1).
    #         columns: col 0 {(0,0)} -> hide 6 at (1,0) (6 < 40);
    #                  col 1 {(0,1)} -> hide 9 at (2,1) (9 < 60); col 2 has none.
    # Pass 2, rows: row 1 {(1,0)} -> hide 7 at (1,2) (7 < 60);
    #               row 2 {(2,1)} -> hide 40 at (2,0) (40 < 70).
    #         columns: col 0 has three, col 1 has two;
    #                  col 2 {(1,2)} -> hide 50 at (0,2) (50 < 70).
    # Pass 3: every row and column has two or three hidden cells; stable.
    table = [
        [2, 8, 50],
        [6, 60, 7],
        [40, 9, 70],
    ]
    assert suppress(table) == [
        [T, T, T],
        [T, F, T],
        [T, T, F],
    ]


def test_row_with_base_under_threshold_is_hidden_entirely():
    # Row 0 totals 3 < 5, so all of it is hidden, its zeros included.
    # (Without that rule, only 3 and the leftmost zero would be hidden.)
    # Each column then has one hidden cell; the smallest visible nonzero in
    # each is in row 1: 10 at (1,0), 12 at (1,1), 14 at (1,2).
    table = [
        [3, 0, 0],
        [10, 12, 14],
        [11, 13, 15],
    ]
    assert suppress(table) == [
        [T, T, T],
        [T, T, T],
        [F, F, F],
    ]


def test_empty_group_is_not_hidden():
    # A row totalling 0 discloses nothing; zero cells are never primary.
    assert suppress([[0, 0, 0], [10, 12, 14]]) == [[F, F, F], [F, F, F]]


def test_zero_cell_used_when_no_nonzero_candidate():
    # Primary: 3 at (0,0). Row 0 -> hide 20 at (0,1).
    # Column 0 {(0,0)}: the visible cells are both zero, so the topmost
    # zero (1,0) is hidden. Column 1 {(0,1)} -> hide 30 at (1,1) (30 < 40).
    # Row 1 then has two hidden cells; stable.
    table = [
        [3, 20],
        [0, 30],
        [0, 40],
    ]
    assert suppress(table) == [
        [T, T],
        [T, T],
        [F, F],
    ]


def test_ties_go_leftmost_then_topmost():
    # Primary: 1 at (0,0). Row 0: 10 and 10 tie -> leftmost (0,1).
    # Column 0: 9 and 9 tie -> topmost (1,0).
    # Column 1 {(0,1)}: 12 and 12 tie -> topmost (1,1).
    # Row 1 then has (1,0) and (1,1); row 2 has none; stable.
    table = [
        [1, 10, 10],
        [9, 12, 30],
        [9, 12, 30],
    ]
    assert suppress(table) == [
        [T, T, F],
        [T, T, F],
        [F, F, F],
    ]


def test_custom_threshold():
    # With threshold 10, 7 at (0,0) is primary; row 0 -> 12 at (0,1);
    # column 0 -> 15 at (1,0); column 1 -> 20 at (1,1).
    table = [[7, 12], [15, 20]]
    assert suppress(table, threshold=10) == [[T, T], [T, T]]
    # With the default threshold 5 nothing is small.
    assert suppress(table) == [[F, F], [F, F]]
    # Threshold 1 hides nothing at all: no count is strictly between 0 and 1.
    assert suppress([[1, 2], [3, 4]], threshold=1) == [[F, F], [F, F]]


def test_single_cell_lines():
    # A one-cell row is its own total: rule 3 only acts on the column here.
    assert suppress([[3], [10]]) == [[T], [T]]
    assert suppress([[3, 10]]) == [[T, T]]
    assert suppress([[3]]) == [[T]]
    assert suppress([[7]]) == [[F]]


def test_empty_tables():
    assert suppress([]) == []
    assert suppress([[], []]) == [[], []]


@pytest.mark.parametrize(
    ("table", "threshold"),
    [
        ([[1, 2], [3]], 5),
        ([[1, -2], [3, 4]], 5),
        ([[1, 2], [3, 4]], 0),
    ],
)
def test_invalid_input(table, threshold):
    with pytest.raises(ValueError):
        suppress(table, threshold)


tables = st.integers(min_value=1, max_value=6).flatmap(
    lambda width: st.lists(
        st.lists(st.integers(min_value=0, max_value=25), min_size=width, max_size=width),
        min_size=1,
        max_size=6,
    )
)


@settings(max_examples=400, database=None, deadline=None)
@given(table=tables, threshold=st.integers(min_value=1, max_value=10))
def test_suppression_properties(table, threshold):
    original = copy.deepcopy(table)
    mask = suppress(table, threshold)

    assert table == original  # input untouched
    assert [len(row) for row in mask] == [len(row) for row in table]
    assert suppress(table, threshold) == mask  # deterministic

    for r, row in enumerate(table):
        if 0 < sum(row) < threshold:
            assert all(mask[r])
        for c, count in enumerate(row):
            if 0 < count < threshold:
                assert mask[r][c]

    columns = [list(col) for col in zip(*mask, strict=True)]
    for line in [*mask, *columns]:
        if len(line) >= 2:
            assert sum(line) != 1, (table, threshold, mask)


@settings(max_examples=200, database=None, deadline=None)
@given(table=tables)
def test_large_counts_never_hidden_without_cause(table):
    # If no cell is small and no group base is small, nothing is hidden.
    big = [[count + 5 for count in row] for row in table]
    assert not hidden_cells(suppress(big))
