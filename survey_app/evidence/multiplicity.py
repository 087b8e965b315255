"""Multiple-comparison control: Holm's step-down adjustment, family by family.

An inspection's evidence makes dozens of comparisons (39 questions on the children's
questionnaire against the previous inspection, as many against the comparator, hundreds
of group-against-the-rest breakdowns). Tested one at a time at 0.01, about a third of
inspections with no real change would get a verdict other than "no change". Every
comparison is therefore judged on its Holm-adjusted p-value (Holm 1979): within a family
of ``m`` testable comparisons, the ``i``-th smallest p is multiplied by ``m - i + 1`` and
the running maximum taken, capped at 1. A difference is significant, and marked, when its
adjusted p is below the significance level. That keeps the chance of even one false mark
in a family (the family-wise error rate) at or below the level, under any dependence
between the questions. The families are listed in ``FAMILIES`` and docs/methodology.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

METHOD = "holm"
#: Each family is adjusted on its own; the chance of any false mark within one is <= the level.
FAMILIES = (
    "previous: every question of one questionnaire against the previous inspection",
    "comparator: every question of one questionnaire against the comparator",
    "breakdowns: every group-against-the-rest comparison of one questionnaire",
    "perception gaps: every children-against-staff comparison",
    "role gaps: every leaders-against-frontline comparison",
)


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm-adjusted p-values, in the given order; ``None`` (untestable) stays ``None``
    and does not count towards the family size."""
    testable = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m = len(testable)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, index) in enumerate(testable):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[index] = running
    return adjusted


def adjust(comparisons: Iterable[dict | None], threshold: float) -> None:
    """Set ``p_adjusted``, ``significant`` and ``mark`` on one family of comparison entries.

    Each entry carries ``_lean`` (the mark it would get if significant), which is removed.
    """
    family = [c for c in comparisons if c is not None]
    for comparison, adjusted in zip(family, holm([c["p_value"] for c in family]), strict=True):
        lean = comparison.pop("_lean")
        comparison["p_adjusted"] = adjusted
        comparison["significant"] = adjusted is not None and adjusted < threshold
        comparison["mark"] = lean if comparison["significant"] else None
