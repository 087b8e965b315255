"""Disclosure audit: what an attacker can work out from everything one inspection publishes.

Every figure the evidence publishes (and the page, PDF, CSV and XLSX show nothing else) is
a linear constraint on the unknown counts behind the hidden cells. For each hidden cell the
audit finds the lowest and the highest integer value it can take. A hidden cell is
**protected** when that range is at least the disclosure threshold wide
(``high - low >= threshold``), or when it is no narrower than with no breakdown published
at all (the whole-inspection totals and the protected group sizes only: if every child
answered "yes", every group did, and no suppression can hide that). A comparison with "the
rest" beside a hidden group, a group size below the threshold printed, or a background
question's positive count beside a hidden size never passes.

The unknowns, for one questionnaire and one background question ``b`` (groups ``g``:
"not stated" and each answer of ``b``):

* ``n[g]``: the group's size; published as ``b``'s own answer counts unless hidden;
  ``sum(n) = respondents``;
* for each measured question ``q``: ``a`` (asked), ``p`` (positive), ``m`` (in the base, not
  positive), ``o`` (asked but outside the base) per group, with ``p + m + o = a``, each column
  summing to the published total, ``a = n[g]`` for a question everyone was asked, and for a
  question asked only after certain answers of a measured question ``a`` equal to (or at
  most) the parent's cells those answers fall in;
* each published group gives ``p`` and ``p + m``; each published comparison of a group with
  the rest gives the rest's sums; each published role gap its two sides' sums.

Models are kept small: one per *family* (a measured question and every measured question
routed from it) and background question, with the background question's counts, and the
background question's counts alone. A family of one question that is a plain two-way table
gets the exact integer bounds in closed form (``_two_way``); any other is solved by HiGHS
(``ranges``: the linear relaxation, every bound of the model in one ``linprog`` call, a
bound accepted when its solution is integral, ``milp`` otherwise).

``protect`` hides more until every hidden cell is protected: a role gap first, then the
failing group across a routed family, else the smallest published group of the question,
until (at worst) the whole breakdown is hidden. ``ensure_safe`` (``gate`` in the app)
refuses an output that fails (``DisclosureRisk``); the audit of a build is cached by a
digest of the document and trusted only for the cells it covers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import orjson
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import block_diag, coo_matrix

from ..questionnaire import DONT_WANT_TO_SAY, Question

log = logging.getLogger(__name__)

NOT_STATED = "not_stated"
LEADER_ROLES = ("senior_leader", "manager")
FRONTLINE_ROLES = ("frontline_care",)
ROLE_QUESTION = "role_group"


def role_members(question: Question | None, groups, roles) -> list[str]:
    """The groups of the role question that count as ``roles``: one of them, or a merged
    band made only of them ("senior leader or manager" is a leader's)."""
    return [g for g in groups if (question.finer(g) if question else {g}) <= set(roles)]


class DisclosureRisk(Exception):
    """An output would let a hidden cell be worked out to a range narrower than the threshold."""


@dataclass
class Cell:
    questionnaire: str
    by: str
    question: str | None  # None: the group's size (the background question's own count)
    group: str
    kind: str  # "positive", "not_positive" or "size"
    low: int
    high: int
    baseline: tuple[int, int] | None = None

    @property
    def width(self) -> int:
        return self.high - self.low

    @property
    def key(self) -> tuple:
        return (self.questionnaire, self.by, self.question, self.group, self.kind)

    def protected(self, threshold: int) -> bool:
        return self.width >= threshold or (self.low, self.high) == self.baseline


@dataclass
class Audit:
    threshold: int
    cells: list[Cell] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failing(self) -> list[Cell]:
        return [cell for cell in self.cells if not cell.protected(self.threshold)]

    @property
    def keys(self) -> set[tuple]:
        return {cell.key for cell in self.cells}

    @property
    def narrower_than_threshold(self) -> int:
        return sum(1 for cell in self.cells if cell.width < self.threshold)

    def summary(self) -> dict:
        widths = [cell.width for cell in self.cells]
        return {
            "method": "integer-programming-attack",
            "threshold": self.threshold,
            "hidden_cells": len(self.cells),
            "narrowest": min(widths) if widths else None,
            "implied_by_totals": self.narrower_than_threshold,
        }


# --- a small linear model ------------------------------------------------------------------
class Model:
    def __init__(self, upper: int):
        self.default_upper = upper
        self.count = 0
        self.rows: list[tuple[dict[int, float], float, float]] = []

    def var(self) -> int:
        self.count += 1
        return self.count - 1

    def eq(self, terms: dict[int, float], value: float) -> None:
        self.rows.append((terms, value, value))

    def at_most(self, terms: dict[int, float], value: float) -> None:
        # A finite lower bound (every variable lies in 0..upper): HiGHS's MILP presolve in
        # scipy 1.17 can report a feasible model infeasible when a row's lower bound is -inf.
        floor = -self.default_upper * len(terms) - abs(value)
        self.rows.append((terms, floor, value))

    def matrix(self):
        rows, cols, data, low, high = [], [], [], [], []
        for r, (terms, lo, hi) in enumerate(self.rows):
            for c, coef in terms.items():
                rows.append(r)
                cols.append(c)
                data.append(coef)
            low.append(lo)
            high.append(hi)
        shape = (len(self.rows), self.count)
        return coo_matrix((data, (rows, cols)), shape=shape).tocsr(), np.array(low), np.array(high)


def _stacked(model: Model, cells: list[int]):
    """The model repeated once per bound (block-diagonal, independent copies) and the
    objective that minimises copy ``2k`` and maximises copy ``2k + 1`` at ``cells[k]``:
    minimising the sum minimises every copy on its own."""
    copies = 2 * len(cells)
    size = model.count
    objective = np.zeros(size * copies)
    for k, index in enumerate(cells):
        objective[(2 * k) * size + index] = 1.0
        objective[(2 * k + 1) * size + index] = -1.0
    matrix, low, high = model.matrix()
    return objective, block_diag([matrix] * copies, format="csr"), low, high, copies


def _milp_ranges(model: Model, cells: list[int]) -> list[tuple[int, int]]:
    objective, stacked, low, high, copies = _stacked(model, cells)
    size = model.count
    problem = {
        "constraints": LinearConstraint(stacked, np.tile(low, copies), np.tile(high, copies)),
        "integrality": np.ones(size * copies),
        "bounds": Bounds(0, model.default_upper),
    }
    result = milp(objective, **problem)
    if not result.success:  # never trust a presolve's "infeasible" alone: the truth is feasible
        result = milp(objective, **problem, options={"presolve": False})
    if not result.success:
        raise DisclosureRisk(f"the published figures do not add up ({result.message})")
    x = result.x
    return [
        (round(x[(2 * k) * size + index]), round(x[(2 * k + 1) * size + index]))
        for k, index in enumerate(cells)
    ]


def ranges(model: Model, cells: list[int]) -> list[tuple[int, int]]:
    """The integer minimum and maximum of each variable in ``cells``.

    First the linear relaxation, every bound in one ``linprog`` (HiGHS) call: where a copy's
    optimal solution is integral throughout it is an integer solution, so its bound is the
    integer programme's. Any bound whose solution is fractional is solved again by
    ``milp``.
    """
    if not cells:
        return []
    reduced, mapping, fixed = _substituted(model)
    answers: dict[int, tuple[int, int]] = {
        index: (round(fixed[index]), round(fixed[index])) for index in cells if index in fixed
    }
    wanted = sorted({mapping[index] for index in cells if index not in fixed})
    if wanted:
        for new, bounds in zip(wanted, _lp_ranges(reduced, wanted), strict=True):
            answers[new + model.count] = bounds  # keyed apart from the original indices
    return [
        answers[index] if index in fixed else answers[mapping[index] + model.count]
        for index in cells
    ]


def _substituted(model: Model) -> tuple[Model, dict[int, int], dict[int, float]]:
    """The model with every variable a one-variable equality pins substituted out (the
    published groups, mostly), so the copies solved are small. Returns the smaller model,
    old -> new variable numbers, and the pinned values."""
    fixed: dict[int, float] = {}
    rows = [(dict(terms), low, high) for terms, low, high in model.rows]
    changed = True
    while changed:
        changed = False
        for terms, low, high in rows:
            if low != high:
                continue
            free = [v for v in terms if v not in fixed]
            if len(free) == 1:
                v = free[0]
                rest = sum(c * fixed[u] for u, c in terms.items() if u in fixed)
                fixed[v] = (low - rest) / terms[v]
                changed = True
    mapping = {v: i for i, v in enumerate(v for v in range(model.count) if v not in fixed)}
    reduced = Model(model.default_upper)
    reduced.count = len(mapping)
    for terms, low, high in rows:
        rest = sum(c * fixed[u] for u, c in terms.items() if u in fixed)
        kept = {mapping[v]: c for v, c in terms.items() if v not in fixed}
        if kept:
            reduced.rows.append((kept, low - rest, high - rest))
    return reduced, mapping, fixed


def _lp_ranges(model: Model, cells: list[int]) -> list[tuple[int, int]]:
    objective, stacked, low, high, copies = _stacked(model, cells)
    size = model.count
    equal = np.tile(low == high, copies)
    result = linprog(
        objective,
        A_ub=stacked[~equal],
        b_ub=np.tile(high, copies)[~equal],
        A_eq=stacked[equal],
        b_eq=np.tile(high, copies)[equal],
        bounds=(0, model.default_upper),
        method="highs",
    )
    if not result.success:
        return _milp_ranges(model, cells)
    x = result.x
    found: list[tuple[int, int]] = []
    redo: list[int] = []
    for k, index in enumerate(cells):
        blocks = [x[(2 * k + side) * size : (2 * k + side + 1) * size] for side in (0, 1)]
        if any(np.abs(block - np.rint(block)).max() > 1e-6 for block in blocks):
            redo.append(k)
        found.append((round(blocks[0][index]), round(blocks[1][index])))
    if redo:
        exact = _milp_ranges(model, [cells[k] for k in redo])
        for k, bounds in zip(redo, exact, strict=True):
            found[k] = bounds
    return found


# --- the background question's own counts -----------------------------------------------------
def background_cells(entry: dict, respondents: int) -> dict[str, int | None]:
    """Each group's published size (``None``: hidden); "not stated" is everyone else."""
    sizes: dict[str, int | None] = {NOT_STATED: None}
    for option in entry["options"]:
        sizes[option["id"]] = option["count"]
    known = [entry.get(k) for k in ("missing", "dont_want_to_say", "asked")]
    if None not in known:
        missing, dont, asked = (int(value or 0) for value in known)
        sizes[NOT_STATED] = missing + dont + respondents - asked
    return sizes


def background_mask(sizes: list[int], threshold: int) -> list[bool]:
    """Which of one background question's group sizes to hide (``True``).

    The sizes add up to the published number of respondents, so the hidden ones are known
    only as a sum ``S``; each then ranges over ``0..S``. Sizes below the threshold are
    hidden; then, while one size alone is hidden or ``S`` is below the threshold, the
    smallest published size (a nonzero one first) is hidden too.
    """
    hidden = [0 < size < threshold for size in sizes]

    def needs_more() -> bool:
        count = sum(hidden)
        total = sum(size for size, h in zip(sizes, hidden, strict=True) if h)
        return count == 1 or (count > 0 and total < threshold)

    while needs_more() and not all(hidden):
        visible = [i for i, h in enumerate(hidden) if not h]
        nonzero = [i for i in visible if sizes[i] > 0]
        pick = min(nonzero or visible, key=lambda i: sizes[i])
        hidden[pick] = True
    return hidden


# --- families of measured questions ----------------------------------------------------------
def _families(entries: list[dict], definitions: dict[str, Question]) -> list[list[str]]:
    """Measured questions grouped by routing: a question with every measured question routed
    from it (directly or not), parents first."""
    measured = [e["id"] for e in entries if e.get("breakdowns")]
    known = set(measured)
    root: dict[str, str] = {}
    for qid in measured:  # questionnaire order: a parent comes before its children
        when = definitions[qid].when if qid in definitions else None
        parent = when.question if when else None
        root[qid] = root.get(parent, qid) if parent is not None and parent in known else qid
    families: dict[str, list[str]] = {}
    for qid in measured:
        families.setdefault(root[qid], []).append(qid)
    return list(families.values())


@dataclass
class _Context:
    questionnaire: dict
    definitions: dict[str, Question]
    entries: dict[str, dict]
    by: str
    groups: list[str]
    sizes: dict[str, int | None]
    role_gaps: list[dict]


def _route(model, question, parent, a, cells, asked: int, parent_entry: dict):
    """Bound a routed question's asked count, per group, by its parent's cells: equal to the
    parent's positive (or not-positive) cell when exactly those answers route to it and every
    such respondent was asked (one questionnaire version), at most that otherwise."""
    answers = set(question.when.answers)
    real = [o for o in parent.option_ids if o != DONT_WANT_TO_SAY]
    positive = set(parent.positive)
    negative = {o for o in real if o not in positive and o not in parent.not_applicable}
    pa, pp, pm, _po = cells
    single = parent.type != "multiple"
    parent_positive = parent_entry["positive"]["count"]
    if single and answers == positive and asked == parent_positive:
        model.eq({a: 1.0, pp: -1.0}, 0)
    elif single and answers == negative and asked == parent_entry["base"] - parent_positive:
        model.eq({a: 1.0, pm: -1.0}, 0)
    elif answers <= positive:
        model.at_most({a: 1.0, pp: -1.0}, 0)
    elif answers <= negative:
        model.at_most({a: 1.0, pm: -1.0}, 0)
    else:
        model.at_most({a: 1.0, pa: -1.0}, 0)


def _family_model(ctx: _Context, family: list[str], published: bool):
    """The model of one family; ``published=False`` keeps only the whole-inspection totals
    and the background question's published counts (no breakdown, no role gap): the
    baseline."""
    respondents = ctx.questionnaire["respondents"]
    model = Model(respondents)
    size = {g: model.var() for g in ctx.groups}
    model.eq({size[g]: 1.0 for g in ctx.groups}, respondents)
    hidden: list[tuple[tuple, int]] = []
    for g in ctx.groups:
        value = ctx.sizes.get(g)
        if value is None:
            hidden.append(((None, g, "size"), size[g]))
        else:
            model.eq({size[g]: 1.0}, value)
    cells: dict[tuple[str, str], tuple[int, int, int, int]] = {}
    for qid in family:
        entry = ctx.entries[qid]
        for g in ctx.groups:
            a, p, m, o = model.var(), model.var(), model.var(), model.var()
            model.eq({p: 1.0, m: 1.0, o: 1.0, a: -1.0}, 0)
            model.at_most({a: 1.0, size[g]: -1.0}, 0)
            cells[(qid, g)] = (a, p, m, o)
        positive = entry["positive"]["count"]
        for k, total in enumerate(
            (entry["asked"], positive, entry["base"] - positive, entry["asked"] - entry["base"])
        ):
            model.eq({cells[(qid, g)][k]: 1.0 for g in ctx.groups}, total)
        question = ctx.definitions.get(qid)
        when = question.when if question else None
        if when is None and entry["asked"] == respondents:  # everyone was asked it
            for g in ctx.groups:
                model.eq({cells[(qid, g)][0]: 1.0, size[g]: -1.0}, 0)
        elif when is not None and when.question in family:
            parent = ctx.definitions[when.question]
            for g in ctx.groups:
                _route(
                    model,
                    question,
                    parent,
                    cells[(qid, g)][0],
                    cells[(when.question, g)],
                    entry["asked"],
                    ctx.entries[when.question],
                )
        table = next(t for t in entry["breakdowns"] if t["by"] == ctx.by)
        for group in table["groups"]:
            g = group["id"]
            _a, p, m, _o = cells[(qid, g)]
            if group["suppressed"] or not published:
                hidden.append(((qid, g, "positive"), p))
                hidden.append(((qid, g, "not_positive"), m))
                continue
            model.eq({p: 1.0, m: 1.0}, group["base"])
            model.eq({p: 1.0}, group["positive"])
            comparison = group.get("comparison")
            if comparison:
                rest = [h for h in ctx.groups if h != g]
                model.eq({v: 1.0 for h in rest for v in cells[(qid, h)][1:3]}, comparison["base"])
                model.eq({cells[(qid, h)][1]: 1.0 for h in rest}, comparison["positive"])
        for gap in ctx.role_gaps:
            if gap["question"] != qid or gap["suppressed"] or not published:
                continue
            for side, roles in (("leaders", LEADER_ROLES), ("frontline", FRONTLINE_ROLES)):
                members = role_members(ctx.definitions.get(ROLE_QUESTION), ctx.groups, roles)
                model.eq({v: 1.0 for g in members for v in cells[(qid, g)][1:3]}, gap[side]["base"])
                model.eq({cells[(qid, g)][1]: 1.0 for g in members}, gap[side]["positive"])
    return model, hidden


def _two_way(ctx: _Context, qid: str) -> list[Cell] | None:
    """The exact ranges of one question's hidden cells when its breakdown is a plain two-way
    table; ``None`` when it is not (the integer programme then decides).

    Per group the respondents split into positive, in the base but not positive, and the
    rest (asked but outside the base, or not asked): a table whose column totals are
    published and whose row totals are the group sizes. Published groups are subtracted.
    Hidden groups whose size is hidden are known only through the sum of their sizes, so
    together they act as one row. For a two-way table with every margin fixed, the integer
    range of a cell is the Frechet bounds ``max(0, r + c - N) .. min(r, c)``, every value
    between reachable; within the merged row any split is possible, so each of two or more
    such groups ranges from 0 to the merged row's highest value.
    """
    entry = ctx.entries[qid]
    question = ctx.definitions.get(qid)
    if question is not None and question.when is not None:
        parent = question.when.question
        if parent in ctx.entries and ctx.entries[parent].get("breakdowns"):
            return None  # routed from a measured question: not a two-way table
    if any(g["question"] == qid and not g["suppressed"] for g in ctx.role_gaps):
        return None
    table = next(t for t in entry["breakdowns"] if t["by"] == ctx.by)
    hidden = [g for g in table["groups"] if g["suppressed"]]
    if hidden and any(g.get("comparison") for g in table["groups"]):
        return None
    respondents = ctx.questionnaire["respondents"]
    positive = entry["positive"]["count"]
    totals = (positive, entry["base"] - positive)
    columns = list(totals)
    rows: dict[str, int] = {}
    free = []
    for group in table["groups"]:
        g, size = group["id"], ctx.sizes.get(group["id"])
        if not group["suppressed"]:
            if size is None:
                return None  # a published group of unknown size: not a two-way table
            columns[0] -= group["positive"]
            columns[1] -= group["base"] - group["positive"]
        elif size is None:
            free.append(g)
        else:
            rows[g] = size
    # Everyone in a hidden group: the two columns plus the rest (outside the base).
    total = respondents - sum(
        ctx.sizes[g["id"]] or 0 for g in table["groups"] if not g["suppressed"]
    )
    merged = total - sum(rows.values())
    qn = ctx.questionnaire["id"]
    # The baseline: the same table with no group published, only the group sizes.
    unsized = [g["id"] for g in table["groups"] if ctx.sizes.get(g["id"]) is None]
    unsized_total = respondents - sum(
        ctx.sizes[g["id"]] or 0 for g in table["groups"] if ctx.sizes.get(g["id"]) is not None
    )
    out = []
    for group in hidden:
        g = group["id"]
        for kind, c, whole in zip(("positive", "not_positive"), columns, totals, strict=True):
            r = rows.get(g, merged)
            low, high = max(0, r + c - total), min(r, c)
            if g not in rows and len(free) > 1:
                low = 0
            r = rows.get(g, unsized_total)
            baseline = (max(0, r + whole - respondents), min(r, whole))
            if g not in rows and len(unsized) > 1:
                baseline = (0, baseline[1])
            out.append(Cell(qn, ctx.by, qid, g, kind, low, high, baseline))
    for g in free:
        low = 0 if len(free) > 1 else merged
        out.append(Cell(qn, ctx.by, None, g, "size", low, merged, (0, respondents)))
    return out


_FAMILIES: OrderedDict[str, list[Cell]] = OrderedDict()
_FAMILIES_SIZE = 4096


def _solve_family(ctx: _Context, family: list[str], threshold: int) -> list[Cell]:
    """``_solve_family_now``, remembered: the ranges are a pure function of the figures the
    family's model reads, so a later build of the same evidence (the next download, the
    page, finalising) reuses them."""
    key = json.dumps(
        [
            ctx.questionnaire["id"],
            ctx.questionnaire["respondents"],
            ctx.by,
            family,
            ctx.groups,
            ctx.sizes,
            threshold,
            [
                (
                    ctx.entries[q]["asked"],
                    ctx.entries[q]["base"],
                    ctx.entries[q]["positive"]["count"],
                    next(t for t in ctx.entries[q]["breakdowns"] if t["by"] == ctx.by),
                )
                for q in family
            ],
            [g for g in ctx.role_gaps if g["question"] in family],
        ],
        sort_keys=True,
        default=str,
    )
    found = _FAMILIES.get(key)
    if found is None:
        found = _FAMILIES[key] = _solve_family_now(ctx, family, threshold)
        while len(_FAMILIES) > _FAMILIES_SIZE:
            _FAMILIES.popitem(last=False)
    else:
        _FAMILIES.move_to_end(key)
    return [replace(cell) for cell in found]


def _solve_family_now(ctx: _Context, family: list[str], threshold: int) -> list[Cell]:
    if len(family) == 1:
        quick = _two_way(ctx, family[0])
        if quick is not None:
            return quick
    model, hidden = _family_model(ctx, family, True)
    bounds = ranges(model, [index for _key, index in hidden])
    qn = ctx.questionnaire["id"]
    respondents = ctx.questionnaire["respondents"]
    out = [
        Cell(qn, ctx.by, q, g, kind, low, high, (0, respondents) if kind == "size" else None)
        for ((q, g, kind), _i), (low, high) in zip(hidden, bounds, strict=True)
    ]
    narrow = [c for c in out if c.width < threshold and c.kind != "size"]
    if narrow:
        base_model, base_hidden = _family_model(ctx, family, False)
        wanted = {(c.question, c.group, c.kind) for c in narrow}
        picked = [(key, index) for key, index in base_hidden if key in wanted]
        found = dict(
            zip(
                [key for key, _ in picked],
                ranges(base_model, [i for _, i in picked]),
                strict=True,
            )
        )
        for c in narrow:
            c.baseline = found[(c.question, c.group, c.kind)]
    return out


def _contexts(evidence: dict, library_get: Callable):
    for questionnaire in evidence["questionnaires"]:
        definition = library_get(questionnaire["id"], max(questionnaire["versions"]))
        definitions = {q.id: q for q in definition.questions} if definition else {}
        entries = {q["id"]: q for q in questionnaire["questions"]}
        for background in questionnaire["questions"]:
            if not background["background"] or background["type"] == "multiple":
                continue
            if "options" not in background:
                continue
            sizes = background_cells(background, questionnaire["respondents"])
            role_gaps = (
                [g for g in evidence.get("role_gaps", ()) if g["question"] in entries]
                if background["id"] == ROLE_QUESTION and questionnaire["audience"] == "staff"
                else []
            )
            groups = list(sizes)
            for entry in entries.values():  # answers only an older version offered
                for table in entry.get("breakdowns", ()):
                    if table["by"] == background["id"]:
                        groups += [g["id"] for g in table["groups"] if g["id"] not in groups]
            yield _Context(
                questionnaire, definitions, entries, background["id"], groups, sizes, role_gaps
            )


def _background_only(ctx: _Context) -> list[Cell]:
    hidden = [g for g in ctx.groups if ctx.sizes.get(g) is None]
    if not hidden:
        return []
    known = sum(v for v in ctx.sizes.values() if v is not None)
    total = ctx.questionnaire["respondents"] - known
    low = total if len(hidden) == 1 else 0
    return [
        Cell(
            ctx.questionnaire["id"],
            ctx.by,
            None,
            g,
            "size",
            low,
            total,
            (0, ctx.questionnaire["respondents"]),
        )
        for g in hidden
    ]


def _merge(cells: list[Cell]) -> list[Cell]:
    """One cell per key; a group size seen in several models keeps the narrowest range
    (each model is a relaxation of the whole, so the truth lies in every one)."""
    merged: dict[tuple, Cell] = {}
    for cell in cells:
        key = (cell.questionnaire, cell.by, cell.question, cell.group, cell.kind)
        if key in merged:
            kept = merged[key]
            kept.low, kept.high = max(kept.low, cell.low), min(kept.high, cell.high)
        else:
            merged[key] = replace(cell)
    return list(merged.values())


def _check_gaps(evidence: dict) -> None:
    """Perception gaps publish whole-inspection totals only: check they are exactly those."""
    totals = {
        (qn["id"], q["id"]): (q["base"], q.get("positive", {}).get("count"))
        for qn in evidence["questionnaires"]
        for q in qn["questions"]
    }
    for gap in evidence.get("perception_gaps", ()):
        for side in ("children", "staff"):
            s = gap[side]
            if totals.get((s["questionnaire"], s["question"])) != (s["base"], s["positive"]):
                raise DisclosureRisk(
                    f"a perception gap publishes {s['question']} figures that are not its totals"
                )


def audit(evidence: dict, library_get: Callable, threshold: int) -> Audit:
    """Every hidden cell of ``evidence`` with the range its published figures leave."""
    started = time.perf_counter()
    _check_gaps(evidence)
    cells: list[Cell] = []
    for ctx in _contexts(evidence, library_get):
        cells += _background_only(ctx) + _small_sizes(ctx, threshold) + _beside_hidden(ctx)
        for family in _families(list(ctx.entries.values()), ctx.definitions):
            cells += _solve_family(ctx, family, threshold)
    result = Audit(threshold, _merge(cells))
    result.seconds = time.perf_counter() - started
    return result


# --- protecting: hide more until the audit passes -----------------------------------------
def hide_group(group: dict) -> None:
    group.update(suppressed=True, base=None, positive=None, percent=None, comparison=None)


def _hide_more(ctx: _Context, family: list[str], failing: list[Cell]) -> bool:
    """Hide more in ``family``; False if nothing is left to hide.

    A role gap goes first. Then, in a family of routed questions, a failing group is hidden
    in every question of the family (a parent's published row is what pins its children's
    hidden one). Otherwise the smallest published group of the failing question is hidden.
    """
    gaps = [g for g in ctx.role_gaps if g["question"] in family and not g["suppressed"]]
    if gaps:
        for gap in gaps:
            gap.update(suppressed=True, leaders=None, frontline=None, comparison=None)
        return True
    tables = {
        qid: next(t for t in ctx.entries[qid]["breakdowns"] if t["by"] == ctx.by) for qid in family
    }
    mine = [c for c in failing if c.question in tables]
    hidden_any = False
    if len(family) > 1:
        groups = {c.group for c in mine}
        for table in tables.values():
            for group in table["groups"]:
                if group["id"] in groups and not group["suppressed"]:
                    hide_group(group)
                    hidden_any = True
    if not hidden_any:
        for qid in [c.question for c in mine if c.question is not None] + family:
            visible = [g for g in tables[qid]["groups"] if not g["suppressed"]]
            if visible:
                nonempty = [g for g in visible if g["base"]]
                hide_group(min(nonempty or visible, key=lambda g: g["base"]))
                hidden_any = True
                break
    if hidden_any:
        for table in tables.values():
            for group in table["groups"]:
                group["comparison"] = None
    return hidden_any


def protect(evidence: dict, library_get: Callable, threshold: int) -> Audit:
    """Hide more of ``evidence`` (in place) until every hidden cell is protected.

    Each family is solved once; then, while any hidden cell (a group size seen by several
    families keeps the narrowest range) is not protected, one more thing is hidden in the
    family that narrows it most, and that family alone is solved again.
    """
    started = time.perf_counter()
    _check_gaps(evidence)
    cells: list[Cell] = []
    for ctx in _contexts(evidence, library_get):
        _clear_beside_hidden(ctx)
        alone = _background_only(ctx) + _small_sizes(ctx, threshold)
        families = _families(list(ctx.entries.values()), ctx.definitions)
        found = [_solve_family(ctx, family, threshold) for family in families]
        while True:
            failing = [
                c
                for c in _merge(alone + [c for cs in found for c in cs])
                if not c.protected(threshold)
            ]
            if not failing:
                break
            target = _responsible(failing[0], families, found)
            if target is None or not _hide_more(ctx, families[target], failing):
                break
            found[target] = _solve_family(ctx, families[target], threshold)
        cells += alone + [c for cs in found for c in cs]
    result = Audit(threshold, _merge(cells))
    result.seconds = time.perf_counter() - started
    return result


def _responsible(cell: Cell, families: list[list[str]], found: list[list[Cell]]) -> int | None:
    """The family holding ``cell``'s question, or (a group size) narrowing it the most."""
    if cell.question is not None:
        return next((i for i, f in enumerate(families) if cell.question in f), None)
    key = (cell.group, cell.kind)
    widths = [
        (c.width, i)
        for i, cs in enumerate(found)
        for c in cs
        if c.question is None and (c.group, c.kind) == key
    ]
    return min(widths)[1] if widths else None


def _tables(ctx: _Context):
    for entry in ctx.entries.values():
        for table in entry.get("breakdowns", ()):
            if table["by"] == ctx.by:
                yield entry, table


def _beside_hidden(ctx: _Context) -> list[Cell]:
    """A comparison with "the rest" published in a table that hides a group: the rest holds
    the hidden group, so the comparison and its mark point at it. Always a failure."""
    return [
        Cell(ctx.questionnaire["id"], ctx.by, entry["id"], group["id"], "comparison", 0, 0)
        for entry, table in _tables(ctx)
        if any(g["suppressed"] for g in table["groups"])
        for group in table["groups"]
        if group.get("comparison")
    ]


def _clear_beside_hidden(ctx: _Context) -> None:
    for _entry, table in _tables(ctx):
        if any(g["suppressed"] for g in table["groups"]):
            for group in table["groups"]:
                group["comparison"] = None


def _small_sizes(ctx: _Context, threshold: int) -> list[Cell]:
    """A published group size below the threshold is itself a disclosure (width 0), and so
    is a background question's positive count beside a hidden size (a sum of sizes)."""
    qn = ctx.questionnaire["id"]
    found = [
        Cell(qn, ctx.by, None, g, "published_size", size, size, None)
        for g, size in ctx.sizes.items()
        if size is not None and 0 < size < threshold
    ]
    if ctx.entries.get(ctx.by, {}).get("positive") and None in ctx.sizes.values():
        found.append(Cell(qn, ctx.by, None, "positive", "published_size", 0, 0))
    return found


# --- the gate every output passes ----------------------------------------------------------
_CACHE: OrderedDict[str, Audit] = OrderedDict()
_CACHE_SIZE = 32


def digest(evidence: dict) -> str:
    """What the audit cache knows a document by: the hash of its canonical JSON."""
    sorted_keys = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
    body = orjson.dumps(evidence, option=sorted_keys, default=str)
    return hashlib.sha256(body).hexdigest()


def remember(evidence: dict, result: Audit) -> None:
    _CACHE[digest(evidence)] = result
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)


def hidden_keys(evidence: dict, threshold: int) -> set[tuple]:
    """Every cell ``evidence`` hides (and every small group size it prints), read from the
    document itself: an audit is trusted only for a document whose cells it covers."""
    keys = set()
    for questionnaire in evidence["questionnaires"]:
        qn = questionnaire["id"]
        for background in questionnaire["questions"]:
            if not background["background"] or background["type"] == "multiple":
                continue
            if "options" not in background:
                continue
            by = background["id"]
            for g, size in background_cells(background, questionnaire["respondents"]).items():
                if size is None:
                    keys.add((qn, by, None, g, "size"))
                elif 0 < size < threshold:
                    keys.add((qn, by, None, g, "published_size"))
            sizes = background_cells(background, questionnaire["respondents"])
            if background.get("positive") and None in sizes.values():
                keys.add((qn, by, None, "positive", "published_size"))
            for entry in questionnaire["questions"]:
                for table in entry.get("breakdowns", ()):
                    if table["by"] != by:
                        continue
                    hides = any(group["suppressed"] for group in table["groups"])
                    for group in table["groups"]:
                        if group["suppressed"]:
                            keys.add((qn, by, entry["id"], group["id"], "positive"))
                            keys.add((qn, by, entry["id"], group["id"], "not_positive"))
                        elif hides and group.get("comparison"):
                            keys.add((qn, by, entry["id"], group["id"], "comparison"))
    return keys


def ensure_safe(evidence: dict, library_get: Callable, threshold: int, what: str) -> Audit:
    """The audit of ``evidence`` (cached per build); ``DisclosureRisk`` if any hidden cell
    could be narrowed below the threshold, so the caller writes nothing.

    A cached audit is used only for the very document it was made for (a digest of the
    whole document) and only if it covers every cell the document hides; otherwise the
    document is audited afresh."""
    key = digest(evidence)
    result = _CACHE.get(key)
    if (
        result is None
        or result.threshold != threshold
        or not hidden_keys(evidence, threshold) <= result.keys
    ):
        result = audit(evidence, library_get, threshold)
        remember(evidence, result)
    failing = result.failing
    if failing:
        inspection = evidence.get("inspection", {}).get("id", "?")
        message = (
            f"refused to write the {what} of inspection {inspection}: {len(failing)} hidden "
            f"cells could be narrowed below the disclosure threshold of {threshold}"
        )  # which cells, never: that a group's cell is pinned says something of its answers
        log.error(message)
        raise DisclosureRisk(message)
    return result


def gate(evidence: dict, what: str) -> Audit:
    """``ensure_safe`` with the app's threshold and questionnaires: call it before writing
    any output (page, PDF, HTML, XLSX, CSV, JSON, finalised counts)."""
    from flask import current_app

    return ensure_safe(
        evidence,
        current_app.extensions["questionnaires"].get,
        current_app.config["DISCLOSURE_THRESHOLD"],
        what,
    )
