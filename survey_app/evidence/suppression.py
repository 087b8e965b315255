"""Statistical disclosure control for breakdown tables.

``suppress(table, threshold)`` returns a mask of the same shape as ``table``
(``True`` = hide the cell). Rows are groups, columns are answer categories, and
every row total and column total is assumed to be published. The rules, applied
in this order, are:

1. **Small base.** A row whose total is at least 1 and below ``threshold`` is
   hidden entirely, zero cells included. A row totalling 0 (an empty group)
   discloses nothing and is left to the other rules.
2. **Primary suppression.** Every cell with ``0 < count < threshold`` is hidden.
   Zero cells are not hidden by this rule.
3. **Secondary suppression.** A row or column with exactly one hidden cell
   would give that cell away by subtraction from its published total, so it
   gets a second hidden cell: the smallest visible nonzero cell in that line
   (ties go to the leftmost cell of a row, the topmost cell of a column); if
   every visible cell in the line is zero, the leftmost (topmost) zero cell.
   Lines are examined in passes (rows top to bottom, then columns left to
   right), each against the mask as it stands, and passes repeat until one
   hides nothing more. Each step hides one more cell, so this terminates.

Afterwards no row or column of two or more cells has exactly one hidden cell,
and every cell with ``0 < count < threshold`` is hidden. A line of a single
cell (a one-column or one-row table) is its own total, so rule 3 cannot protect
it; callers must not publish that total alongside a hidden cell.

The procedure is deterministic. It is not guaranteed to hide the fewest cells.
"""

from __future__ import annotations

Mask = list[list[bool]]
Cell = tuple[int, int]


def _validate(table: list[list[int]], threshold: int) -> None:
    if threshold < 1:
        raise ValueError(f"threshold must be at least 1 (got {threshold})")
    widths = {len(row) for row in table}
    if len(widths) > 1:
        raise ValueError("table rows must all have the same length")
    if any(count < 0 for row in table for count in row):
        raise ValueError("table counts must be non-negative")


def _protect_line(table: list[list[int]], mask: Mask, line: list[Cell]) -> bool:
    """Hide a second cell in ``line`` if it has exactly one; return True if it did."""
    if len(line) < 2 or sum(mask[r][c] for r, c in line) != 1:
        return False
    visible = [(r, c) for r, c in line if not mask[r][c]]
    nonzero = [cell for cell in visible if table[cell[0]][cell[1]] > 0]
    candidates = nonzero or visible
    # min() keeps the first of equal values: leftmost in a row, topmost in a column.
    r, c = min(candidates, key=lambda cell: table[cell[0]][cell[1]])
    mask[r][c] = True
    return True


def suppress(table: list[list[int]], threshold: int = 5) -> Mask:
    """Return the cells of ``table`` to hide (``True``) under the module's rules."""
    _validate(table, threshold)
    n_rows = len(table)
    n_cols = len(table[0]) if table else 0

    mask: Mask = [[False] * n_cols for _ in range(n_rows)]
    for r, row in enumerate(table):
        small_base = 0 < sum(row) < threshold
        for c, count in enumerate(row):
            mask[r][c] = small_base or 0 < count < threshold

    rows = [[(r, c) for c in range(n_cols)] for r in range(n_rows)]
    columns = [[(r, c) for r in range(n_rows)] for c in range(n_cols)]
    changed = True
    while changed:
        changed = False
        for line in rows + columns:
            if _protect_line(table, mask, line):
                changed = True
    return mask
