"""An attacker's integer programme over one evidence export (written apart from the app's
own audit, so the two check each other).

The attacker has the published JSON and the public questionnaire definitions, nothing
else. For each questionnaire and background question ``b`` it writes one joint model
over every measured question: per group ``g`` the group's size ``n[g]`` and, per
question, the respondents asked (``a``), positive (``p``), in the base but not positive
(``m``) and asked but outside the base (``o``). Every published figure is a linear
constraint: the background question's counts, each question's totals, each published
group, each "group vs the rest" comparison, role gaps and routing (a question asked only
after certain answers of a measured question is bounded by that question's cells). Then
``scipy.optimize.milp`` (HiGHS) gives the lowest and highest value of every hidden cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import block_diag, lil_matrix

from survey_app.questionnaire import DONT_WANT_TO_SAY

LEADERS = ("senior_leader", "manager")
FRONTLINE = ("frontline_care",)
#: A finite lower bound for "at most" rows (HiGHS's MILP presolve mishandles -inf ones).
FLOOR = -1e6


@dataclass
class Hidden:
    questionnaire: str
    by: str
    question: str | None  # None: a group size in the background question itself
    group: str
    cell: str  # "positive", "not_positive" or "size"
    low: int
    high: int
    #: The range with no breakdown published at all (the background question's own
    #: counts and the whole-inspection totals only; for a group size, nothing at all).
    baseline: tuple[int, int] | None = None

    @property
    def width(self) -> int:
        return self.high - self.low

    def protected(self, threshold: int) -> bool:
        """At least ``threshold`` wide, or no narrower than with no breakdown published."""
        return self.width >= threshold or (self.low, self.high) == self.baseline


class Model:
    def __init__(self):
        self.names: dict[tuple, int] = {}
        self.upper: list[float] = []
        self.rows: list[tuple[dict[int, float], float, float]] = []

    def var(self, key: tuple, upper: float) -> int:
        if key not in self.names:
            self.names[key] = len(self.upper)
            self.upper.append(upper)
        return self.names[key]

    def eq(self, terms: dict[int, float], value: float) -> None:
        self.rows.append((terms, value, value))

    def between(self, terms: dict[int, float], low: float, high: float) -> None:
        self.rows.append((terms, low, high))

    def solve_ranges(self, indices: list[int], chunk: int = 12) -> list[tuple[int, int]]:
        """The integer minimum and maximum of each variable, by ``milp``: the model is
        repeated once per bound (independent copies, block-diagonal), ``chunk`` variables
        at a time, so that one call answers many bounds."""
        constraint, bounds = self._build()
        size = len(self.upper)
        found = []
        for start in range(0, len(indices), chunk):
            part = indices[start : start + chunk]
            copies = 2 * len(part)
            objective = np.zeros(size * copies)
            for k, index in enumerate(part):
                objective[2 * k * size + index] = 1.0
                objective[(2 * k + 1) * size + index] = -1.0
            stacked = LinearConstraint(
                block_diag([constraint.A] * copies, format="csr"),
                np.tile(constraint.lb, copies),
                np.tile(constraint.ub, copies),
            )
            problem = {
                "constraints": stacked,
                "integrality": np.ones(size * copies),
                "bounds": Bounds(np.tile(bounds.lb, copies), np.tile(bounds.ub, copies)),
            }
            result = milp(objective, **problem)
            if not result.success:  # HiGHS's presolve can misjudge; the truth is feasible
                result = milp(objective, **problem, options={"presolve": False})
            assert result.success, f"the published figures are infeasible: {result.message}"
            found += [
                (round(result.x[2 * k * size + i]), round(result.x[(2 * k + 1) * size + i]))
                for k, i in enumerate(part)
            ]
        return found

    def _build(self):
        size = len(self.upper)
        matrix = lil_matrix((len(self.rows), size))
        lows, highs = [], []
        for row, (terms, low, high) in enumerate(self.rows):
            for column, coef in terms.items():
                matrix[row, column] += coef
            lows.append(low)
            highs.append(high)
        constraint = LinearConstraint(matrix.tocsr(), lows, highs)
        bounds = Bounds(np.zeros(size), np.array(self.upper))
        return constraint, bounds


def attack(evidence: dict, library_get, threshold: int = 5) -> list[Hidden]:
    """Every hidden cell of ``evidence`` with the range the published figures leave it
    (and, for those narrower than ``threshold``, the range with no breakdown published)."""
    found: list[Hidden] = []
    for questionnaire in evidence["questionnaires"]:
        definition = library_get(questionnaire["id"], max(questionnaire["versions"]))
        for background in [q for q in questionnaire["questions"] if q["background"]]:
            if background["type"] == "multiple":
                continue
            cells = _attack_one(evidence, questionnaire, definition, background, True)
            narrow = {(h.question, h.group, h.cell) for h in cells if h.width < threshold}
            base = {
                (h.question, h.group, h.cell): (h.low, h.high)
                for h in _attack_one(evidence, questionnaire, definition, background, False, narrow)
            }
            for h in cells:
                h.baseline = (
                    (0, questionnaire["respondents"])
                    if h.cell == "size"
                    else base.get((h.question, h.group, h.cell))
                )
            found += cells
    return found


def small_published_sizes(evidence: dict, threshold: int = 5) -> list[tuple[str, str, int]]:
    """Background answer counts published below the threshold (each pins a group's size)."""
    return [
        (background["id"], option["id"], option["count"])
        for questionnaire in evidence["questionnaires"]
        for background in questionnaire["questions"]
        if background["background"] and "options" in background
        for option in background["options"]
        if option["count"] is not None and 0 < option["count"] < threshold
    ]


def _attack_one(
    evidence, questionnaire, definition, background, breakdowns, only=None
) -> list[Hidden]:
    respondents = questionnaire["respondents"]
    by = background["id"]
    model = Model()
    groups = ["not_stated"] + [
        o["id"] for o in background["options"] if o["id"] != DONT_WANT_TO_SAY
    ]
    size = {g: model.var(("n", g), respondents) for g in groups}
    model.eq({size[g]: 1.0 for g in groups}, respondents)
    hidden: list[tuple[tuple, int]] = []
    for option in background["options"]:
        g = option["id"]
        if option["count"] is not None:
            model.eq({size[g]: 1.0}, option["count"])
        else:
            hidden.append(((None, g, "size"), size[g]))
            if option["percent"] is not None and background["base"]:
                base = background["base"]
                model.between(
                    {size[g]: 100.0 / base}, option["percent"] - 0.05, option["percent"] + 0.05
                )
    stated = [background.get(k) for k in ("missing", "dont_want_to_say", "asked")]
    if None not in stated:
        missing, dont, asked = stated
        model.eq({size["not_stated"]: 1.0}, missing + dont + respondents - asked)
    else:
        hidden.append(((None, "not_stated", "size"), size["not_stated"]))
    by_id = {q.id: q for q in definition.questions}
    questions = {q["id"]: q for q in questionnaire["questions"]}
    for entry in questionnaire["questions"]:
        tables = {t["by"]: t for t in entry.get("breakdowns", ())}
        if by not in tables:
            continue
        qid = entry["id"]
        cells = {}
        for g in groups:
            a = model.var((qid, g, "a"), respondents)
            p = model.var((qid, g, "p"), respondents)
            m = model.var((qid, g, "m"), respondents)
            o = model.var((qid, g, "o"), respondents)
            model.eq({p: 1.0, m: 1.0, o: 1.0, a: -1.0}, 0)
            model.between({a: 1.0, size[g]: -1.0}, FLOOR, 0)
            cells[g] = (a, p, m, o)
        positive = entry["positive"]["count"]
        model.eq({cells[g][1]: 1.0 for g in groups}, positive)
        model.eq({cells[g][2]: 1.0 for g in groups}, entry["base"] - positive)
        model.eq({cells[g][3]: 1.0 for g in groups}, entry["asked"] - entry["base"])
        model.eq({cells[g][0]: 1.0 for g in groups}, entry["asked"])
        question = by_id[qid]
        if question.when is None and entry["asked"] == respondents:
            for g in groups:
                model.eq({cells[g][0]: 1.0, size[g]: -1.0}, 0)
        else:
            parent = by_id.get(question.when.question)
            if parent is not None and (parent.id, groups[0], "a") in model.names:
                _route(model, question, parent, groups, entry, questions[parent.id])
        table = tables[by]
        for group in table["groups"]:
            g = group["id"]
            a, p, m, o = cells[g]
            if group["suppressed"] or not breakdowns:
                hidden.append(((qid, g, "positive"), p))
                hidden.append(((qid, g, "not_positive"), m))
                continue
            if group["base"] is not None:
                model.eq({p: 1.0, m: 1.0}, group["base"])
            if group["positive"] is not None:
                model.eq({p: 1.0}, group["positive"])
            comparison = group["comparison"]
            if comparison:
                rest = [h for h in groups if h != g]
                model.eq(
                    {v: 1.0 for h in rest for v in (cells[h][1], cells[h][2])}, comparison["base"]
                )
                model.eq({cells[h][1]: 1.0 for h in rest}, comparison["positive"])
        for gap in evidence.get("role_gaps", ()):
            if by != "role_group" or gap["question"] != qid or gap["suppressed"] or not breakdowns:
                continue
            for side, roles in (("leaders", LEADERS), ("frontline", FRONTLINE)):
                members = [g for g in groups if g in roles]
                model.eq(
                    {v: 1.0 for g in members for v in (cells[g][1], cells[g][2])},
                    gap[side]["base"],
                )
                model.eq({cells[g][1]: 1.0 for g in members}, gap[side]["positive"])
    results = []
    wanted = [(key, index) for key, index in hidden if only is None or key in only]
    solved = model.solve_ranges([index for _key, index in wanted])
    for ((question, group, cell), _index), (low, high) in zip(wanted, solved, strict=True):
        results.append(Hidden(questionnaire["id"], by, question, group, cell, low, high))
    return results


def _route(model: Model, question, parent, groups, entry, parent_entry) -> None:
    """A question asked after ``parent``'s answers ``when``: each group's asked count is
    bounded by (or equal to) the parent's cells those answers fall in."""
    answers = set(question.when.answers)
    real = [o for o in parent.option_ids if o != DONT_WANT_TO_SAY]
    positive = set(parent.positive)
    negative = {o for o in real if o not in positive and o not in parent.not_applicable}
    for g in groups:
        a = model.names[(question.id, g, "a")]
        pa, pp, pm, _po = (model.names[(parent.id, g, k)] for k in ("a", "p", "m", "o"))
        single = parent.type != "multiple"
        asked, parent_positive = entry["asked"], parent_entry["positive"]["count"]
        if single and answers == positive and asked == parent_positive:
            model.eq({a: 1.0, pp: -1.0}, 0)
        elif single and answers == negative and asked == parent_entry["base"] - parent_positive:
            model.eq({a: 1.0, pm: -1.0}, 0)
        elif answers <= positive:
            model.between({a: 1.0, pp: -1.0}, FLOOR, 0)
        elif answers <= negative:
            model.between({a: 1.0, pm: -1.0}, FLOOR, 0)
        else:
            model.between({a: 1.0, pa: -1.0}, FLOOR, 0)
