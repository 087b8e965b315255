"""A census, not a sample: the children held on the day, the response rate, and the
finite-population correction.

Most inspections hear from nearly every child held. When the inspector enters how many
children the establishment held on the day (``Inspection.children_held``; command line:
``flask --app wsgi inspections children-held ID N``), the children's evidence reports the
response rate and narrows each interval by the finite-population correction: a question
answered by ``n`` of a population of ``N`` has ``f = (N - n) / (N - 1)``, and its Wilson
interval is computed on the effective sample size ``n / f`` (Kish's design effect). When
every child answered, ``f = 0``: the percentage is the population's and the interval is
that one point.

The population of one question is the children who answered it plus every child held who
did not respond at all (``base + held - respondents``): those who responded but are
outside the base (routed past the question, skipped it, "I don't want to say", not
applicable) are known not to be in it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from scipy.stats import norm
from sqlalchemy import func, select

from ..models import Inspection, SealedResponse, db


class BadCensus(ValueError):
    """The number held cannot be right; the message is the one-line reason."""


def children_responses(
    inspection: Inspection, audience_of: Callable[[str, int], str | None]
) -> int:
    """How many stored responses of ``inspection`` are to a children's questionnaire
    (counted from the clear questionnaire id of each sealed row: nothing is unsealed)."""
    rows = db.session.execute(
        select(
            SealedResponse.questionnaire_id,
            SealedResponse.questionnaire_version,
            func.count(),
        )
        .where(SealedResponse.inspection_id == inspection.id)
        .group_by(SealedResponse.questionnaire_id, SealedResponse.questionnaire_version)
    )
    return sum(count for qid, version, count in rows if audience_of(qid, version) == "children")


def check_held(held: int | None, responded: int) -> None:
    """Raise ``BadCensus`` unless ``held`` could be the number of children held."""
    if held is None:
        return
    if isinstance(held, bool) or not isinstance(held, int):
        raise BadCensus(f"children held must be a whole number (got {held!r})")
    if held < 0:
        raise BadCensus(f"children held cannot be negative (got {held})")
    if held < responded:
        raise BadCensus(
            f"{responded} children have responded, so at least {responded} were held (got {held})"
        )


def set_children_held(
    inspection: Inspection, held: int | None, audience_of: Callable[[str, int], str | None]
) -> None:
    """Record (or, with ``None``, clear) the children held on the day. The caller commits."""
    check_held(held, children_responses(inspection, audience_of))
    inspection.children_held = held


def response_rate(respondents: int, held: int | None) -> float | None:
    """Respondents as a percentage of the children held, one decimal; ``None`` if unknown."""
    if held is None or held <= 0 or respondents > held:
        return None
    return round(100.0 * respondents / held, 1)


def question_population(base: int, respondents: int, held: int | None) -> int | None:
    """The population a question's base was drawn from (see the module docstring)."""
    if held is None or respondents > held:
        return None
    return base + held - respondents


def wilson_fpc(
    successes: int, n: int, population: int, confidence: float
) -> tuple[float, float] | None:
    """Wilson score interval on the effective sample size ``n / f``, ``f`` the finite-
    population correction ``(N - n) / (N - 1)``; ``None`` when ``n == 0``."""
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"counts must satisfy 0 <= successes <= n (got {successes}/{n})")
    if population < n:
        raise ValueError(f"the population ({population}) is smaller than the sample ({n})")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1 (got {confidence})")
    if n == 0:
        return None
    p = successes / n
    f = (population - n) / (population - 1) if population > 1 else 0.0
    if f <= 0.0:
        return p, p
    effective = n / f
    z = float(norm.ppf(0.5 + confidence / 2))
    scale = 1 + z * z / effective
    centre = (p + z * z / (2 * effective)) / scale
    half = z * math.sqrt(p * (1 - p) / effective + z * z / (4 * effective**2)) / scale
    return max(0.0, centre - half), min(1.0, centre + half)
