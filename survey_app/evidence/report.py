"""The evidence document: one plain, JSON-ready structure that every rendering uses.

``docs/evidence-json.md`` documents the format; ``survey_app/schema/evidence.schema.json``
is its JSON Schema.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select

from .. import responses, units
from ..models import Inspection, SafeguardingReferral, SealedResponse, db, now
from ..questionnaire import DISCLOSURE_CATEGORIES, DONT_WANT_TO_SAY
from ..sealing import Unsealer
from . import aggregate, census, disclosure, multiplicity, published, safeguarding
from .aggregate import QuestionCounts, QuestionnaireSummary
from .breakdown import NOT_STATED

# Staff role groups compared in the "leaders and frontline" perception gap.
from .disclosure import FRONTLINE_ROLES, LEADER_ROLES, ROLE_QUESTION, role_members
from .statistics import (
    Comparison,
    TestName,
    compare_many,
    compare_with_establishments,
    proportion_interval,
)
from .suppression import suppress

FORMAT = "survey-evidence/2"
CONFIDENCE = 0.95
NOT_STATED_TEXT = "Not stated"


@dataclass(frozen=True)
class Method:
    test: TestName
    threshold: float
    disclosure_threshold: int

    @classmethod
    def from_config(cls) -> Method:
        config = current_app.config
        return cls(
            config["EVIDENCE_TEST"],
            config["EVIDENCE_SIGNIFICANCE"],
            config["DISCLOSURE_THRESHOLD"],
        )

    def as_dict(self) -> dict:
        return {
            "test": self.test,
            "threshold": self.threshold,
            "two_sided": True,
            "multiple_comparisons": {
                "method": multiplicity.METHOD,
                "families": list(multiplicity.FAMILIES),
            },
            "confidence_interval": {"method": "wilson", "level": CONFIDENCE},
            "disclosure_threshold": self.disclosure_threshold,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _percent(count: int, base: int) -> float | None:
    return None if base <= 0 else round(100.0 * count / base, 1)


def comment_namer(inspection_id: str):
    """``name(response_id, question_id)``: a name for one comment that reveals nothing
    without the server's secret key.

    Referrals store this name, never the comment. It is a keyed BLAKE2b MAC (key: a
    SHA-256 of ``SECRET_KEY``) of the inspection, the sealed response and the question,
    so someone with only the database cannot join it to a sealed row.
    """
    key = hashlib.sha256(current_app.config["SECRET_KEY"].encode("utf-8")).digest()
    prefix = f"comment/{inspection_id}/".encode()

    def name(response_id: str, question_id: str) -> str:
        message = prefix + f"{response_id}/{question_id}".encode()
        return hashlib.blake2b(message, key=key, digest_size=16).hexdigest()

    return name


def names_a_comment(inspection: Inspection, ref: str) -> bool:
    """Whether ``ref`` is the name of a free-text answer this inspection could hold: one of
    its sealed responses and a text question of that response's questionnaire. Checked from
    the clear ids alone (nothing is unsealed), so a made-up ref is refused."""
    name = comment_namer(inspection.id)
    library = current_app.extensions["questionnaires"]
    rows = db.session.execute(
        select(
            SealedResponse.id,
            SealedResponse.questionnaire_id,
            SealedResponse.questionnaire_version,
        ).where(SealedResponse.inspection_id == inspection.id)
    )
    for response_id, questionnaire_id, version in rows:
        definition = library.get(questionnaire_id, version)
        for question in definition.questions if definition else ():
            if question.type == "text" and hmac.compare_digest(name(response_id, question.id), ref):
                return True
    return False


def compare(method: Method, base: int, positive: int, other_base: int, other_positive: int):
    """One comparison entry: this result (a) against another (b).

    ``significant`` and ``mark`` are provisional until ``multiplicity.adjust`` judges the
    entry with the rest of its family on the Holm-adjusted p-value.
    """
    return compare_all(method, [(base, positive, other_base, other_positive)])[0]


def compare_all(method: Method, rows: list[tuple[int, int, int, int]]) -> list[dict]:
    """``compare`` of each ``(base, positive, other_base, other_positive)``, tested together
    (``statistics.compare_many``: one call of scipy's methods for a whole breakdown)."""
    results = compare_many(
        [
            (positive, base, other_positive, other_base)
            for base, positive, other_base, other_positive in rows
        ],
        test=method.test,
        threshold=method.threshold,
    )
    entries = []
    for (base, positive, other_base, other_positive), result in zip(rows, results, strict=True):
        percent_a = _percent(positive, base)
        percent_b = _percent(other_positive, other_base)
        entries.append(
            {
                "base": other_base,
                "positive": other_positive,
                "percent": percent_b,
                "difference": None
                if percent_a is None or percent_b is None
                else round(100.0 * (positive / base - other_positive / other_base), 1),
                **_judgement(result),
            }
        )
    return entries


def _judgement(result: Comparison) -> dict:
    """A comparison entry's test and verdict, provisional until ``multiplicity.adjust``."""
    return {
        "test": result.test,
        "p_value": result.p_value,
        "p_adjusted": result.p_value,
        "significant": result.significant,
        "mark": result.direction,
        "_lean": result.lean,
    }


def compare_establishments(method: Method, base: int, positive: int, units: list) -> dict:
    """This result against the comparator's establishments, each counted once.

    ``percent`` is the mean of their percentages and ``range`` the lowest and highest;
    ``base`` and ``positive`` are their totals, for reference.
    """
    others = [(unit.positive, unit.base) for unit in units]
    result = compare_with_establishments(positive, base, others, threshold=method.threshold)
    percents = [100.0 * p / b for p, b in others if b]
    mean = result.proportion_b
    return {
        "base": sum(b for _p, b in others),
        "positive": sum(p for p, _b in others),
        "percent": _round(None if mean is None else 100 * mean),
        "difference": None
        if mean is None or result.proportion_a is None
        else round(100.0 * (result.proportion_a - mean), 1),
        **_judgement(result),
        "establishments": len(percents),
        "range": {"low": _round(min(percents)), "high": _round(max(percents))}
        if percents
        else None,
    }


def _interval(positive: int, base: int, population: int | None = None) -> dict | None:
    """The Wilson interval in percent; finite-population corrected when ``population`` is
    known (``census.wilson_fpc``)."""
    if population is None:
        interval = proportion_interval(positive, base, CONFIDENCE)
    else:
        interval = census.wilson_fpc(positive, base, population, CONFIDENCE)
    if interval is None:
        return None
    return {"low": _round(100 * interval[0]), "high": _round(100 * interval[1])}


class Builder:
    def __init__(self, inspection: Inspection, method: Method):
        self.inspection = inspection
        self.method = method
        self.previous = published.previous(inspection)
        self.comparators = published.comparators(inspection)
        self.previous_counts = published.pooled([self.previous] if self.previous else [])
        self.comparator_units = published.by_inspection(self.comparators)
        # Questions with counts to compare with that asked something else (other wording
        # or period): "previous" / "comparator" -> ["questionnaire/question", ...].
        self.not_compared: dict[str, list[str]] = {"previous": [], "comparator": []}
        self.library_get = current_app.extensions["questionnaires"].get
        #: background question id -> the groups whose size is hidden (this questionnaire's)
        self.size_masks: dict[str, set[str]] = {}
        self.flagger = safeguarding.flagger(current_app.config.get("SAFEGUARDING_PHRASES_DIR"))
        self.referrals = {
            referral.comment_ref: referral
            for referral in db.session.scalars(
                select(SafeguardingReferral).where(
                    SafeguardingReferral.inspection_id == inspection.id
                )
            )
        }

    # --- questions ------------------------------------------------------------------------
    def question_entry(self, summary: QuestionnaireSummary, counts: QuestionCounts) -> dict:
        question = counts.question
        entry = {
            "id": question.id,
            "text": question.text,
            "area": question.area,
            "type": question.type,
            "background": question.background,
            "filtered": question.when is not None,
            "asked": counts.asked,
            "missing": counts.missing,
            "dont_want_to_say": counts.dont_want_to_say,
            "not_applicable": counts.not_applicable,
            "base": counts.base,
        }
        if question.type == "text":
            entry["comments"] = len(counts.comments)
            return entry
        entry["options"] = [
            {
                "id": option.id,
                "text": option.text,
                "count": counts.options[option.id],
                # A not-applicable answer is outside the base: counted, no percentage.
                "percent": None
                if option.id in question.not_applicable
                else _round(counts.percent(counts.options[option.id])),
                "not_applicable": option.id in question.not_applicable,
            }
            for option in question.options
            if option.id != DONT_WANT_TO_SAY
        ]
        sizes_hidden = self.size_masks.get(question.id) if question.background else None
        if sizes_hidden:
            hide_background_counts(entry, sizes_hidden)
        # A background question's positive count is a sum of group sizes: not published
        # (nor compared) once any of them is hidden.
        if question.positive and not sizes_hidden:
            entry["positive"] = {
                "answers": sorted(question.positive),
                "count": counts.positive,
                "percent": _round(counts.percent(counts.positive)),
                "interval": _interval(
                    counts.positive, counts.base, self.population(summary, counts)
                ),
            }
            key = (summary.questionnaire_id, question.id)
            previous = self.previous_counts.get(key)
            units = self.comparator_units.get(key)
            previous, units = self.comparable(summary, question, previous, units)
            entry["comparisons"] = {
                "previous": None
                if previous is None
                else compare(
                    self.method, counts.base, counts.positive, previous.base, previous.positive
                ),
                "comparator": None
                if not units
                else compare_establishments(self.method, counts.base, counts.positive, units),
            }
            if not question.background:
                entry["breakdowns"] = self.breakdowns(summary, counts)
        return entry

    def comparable(self, summary: QuestionnaireSummary, question, previous, units):
        """Keep only the counts that answered the same question (wording and period);
        note the question as not compared where counts were set aside."""

        def same(pooled) -> bool:
            return published.same_question(
                self.library_get, summary.questionnaire_id, question, pooled.version
            )

        where = f"{summary.questionnaire_id}/{question.id}"
        if previous is not None and not same(previous):
            previous = None
            self.not_compared["previous"].append(where)
        if units:
            kept = [unit for unit in units if same(unit)]
            if len(kept) < len(units):
                self.not_compared["comparator"].append(where)
            units = kept
        return previous, units

    def held(self, summary: QuestionnaireSummary) -> int | None:
        """Children held on the day, for the children's questionnaire; else ``None``."""
        if summary.latest.audience != "children":
            return None
        return self.inspection.children_held

    def population(self, summary: QuestionnaireSummary, counts: QuestionCounts) -> int | None:
        return census.question_population(counts.base, summary.respondents, self.held(summary))

    def census_entry(self, summary: QuestionnaireSummary) -> dict | None:
        held = self.held(summary)
        if held is None:
            return None
        rate = census.response_rate(summary.respondents, held)
        return {
            "children_held": held,
            "response_rate": rate,
            "finite_population_correction": rate is not None,
        }

    def breakdowns(self, summary: QuestionnaireSummary, counts: QuestionCounts) -> list[dict]:
        """Each background question's groups, with small cells and their giveaways hidden;
        every group of every table tested against the rest together (``compare_all``)."""
        tables, tested = [], []
        for background in summary.groups.groupings:
            rows = summary.groups.table(background, counts.question.id)
            hidden_rows = hidden_groups(rows, self.method.disclosure_threshold)
            # A group whose size is hidden is hidden in every breakdown: its base would
            # otherwise bound the size.
            sizes_hidden = self.size_masks.get(background, set())
            hidden_rows = [
                hidden or group in sizes_hidden
                for (group, _b, _p), hidden in zip(rows, hidden_rows, strict=True)
            ]
            # A comparison with "the rest" is published only when the rest holds no hidden
            # group, so no mark points at one.
            compared = not any(hidden_rows)
            options = {o.id: o.text for o in summary.questions[background].question.options}
            groups = []
            for (group, base, positive), suppressed in zip(rows, hidden_rows, strict=True):
                groups.append(
                    {
                        "id": group,
                        "text": options.get(group, NOT_STATED_TEXT),
                        "suppressed": suppressed,
                        "base": None if suppressed else base,
                        "positive": None if suppressed else positive,
                        "percent": None if suppressed else _percent(positive, base),
                        "comparison": None,
                    }
                )
                if compared and group != NOT_STATED and base:
                    tested.append(
                        (
                            groups[-1],
                            (base, positive, counts.base - base, counts.positive - positive),
                        )
                    )
            tables.append(
                {
                    "by": background,
                    "text": summary.questions[background].question.text,
                    "groups": groups,
                }
            )
        comparisons = compare_all(self.method, [row for _cell, row in tested])
        for (cell, _row), comparison in zip(tested, comparisons, strict=True):
            cell["comparison"] = comparison
        return tables

    # --- areas ----------------------------------------------------------------------------
    @staticmethod
    def area_summary(questions: list[dict]) -> dict:
        areas: dict[str, dict[str, Any]] = {}
        overall: dict[str, Any] = {"area": None, "compared": 0, "better": 0, "worse": 0}
        for entry in questions:
            comparison = (entry.get("comparisons") or {}).get("previous")
            if entry["background"] or comparison is None:
                continue
            area = areas.setdefault(
                entry["area"], {"area": entry["area"], "compared": 0, "better": 0, "worse": 0}
            )
            for tally in (area, overall):
                tally["compared"] += 1
                if comparison["mark"] in ("better", "worse"):
                    tally[comparison["mark"]] += 1
        for tally in [*areas.values(), overall]:
            tally["verdict"] = verdict(tally["better"], tally["worse"])
            tally["wording"] = verdict_wording(tally)
        return {"areas": list(areas.values()), "overall": overall}

    # --- gaps -----------------------------------------------------------------------------
    def perception_gaps(self, summaries: dict[str, QuestionnaireSummary]) -> list[dict]:
        gaps = []
        for summary in summaries.values():
            if summary.latest.audience != "children":
                continue
            for counts in summary.ordered():
                pair = counts.question.pair
                if not pair or not counts.question.positive:
                    continue
                other_id, other_question = pair.split("/", 1)
                other = summaries.get(other_id)
                if other is None or other_question not in other.questions:
                    continue
                staff = other.questions[other_question]
                gaps.append(
                    {
                        "children": self._side(summary.questionnaire_id, counts),
                        "staff": self._side(other_id, staff),
                        "comparison": compare(
                            self.method, counts.base, counts.positive, staff.base, staff.positive
                        ),
                    }
                )
        return gaps

    @staticmethod
    def _side(questionnaire_id: str, counts: QuestionCounts) -> dict:
        return {
            "questionnaire": questionnaire_id,
            "question": counts.question.id,
            "text": counts.question.text,
            "base": counts.base,
            "positive": counts.positive,
            "percent": _percent(counts.positive, counts.base),
        }

    def role_gaps(self, summaries: dict[str, QuestionnaireSummary]) -> list[dict]:
        """Senior leaders and managers beside frontline staff, where it discloses nothing.

        The role breakdown is published with its own suppression. Publishing the leaders'
        combined figure as well adds one more total; it is shown only if, in each column
        of the role table, it would not single out a hidden cell (``combination_is_safe``).
        """
        gaps = []
        threshold = self.method.disclosure_threshold
        for summary in summaries.values():
            if summary.latest.audience != "staff" or ROLE_QUESTION not in summary.groups.groupings:
                continue
            for counts in summary.ordered():
                if counts.question.id not in summary.groups.measured:
                    continue
                rows = summary.groups.table(ROLE_QUESTION, counts.question.id)
                table = [[positive, base - positive] for _, base, positive in rows]
                mask = suppress(table, threshold)
                groups = [group for group, _b, _p in rows]
                role = summary.questions[ROLE_QUESTION].question
                leaders = set(role_members(role, groups, LEADER_ROLES))
                frontline = set(role_members(role, groups, FRONTLINE_ROLES))
                frontline_hidden = any(
                    any(hidden)
                    for group, hidden in zip(groups, mask, strict=True)
                    if group in frontline
                )
                sides = {}
                for name, members in (("leaders", leaders), ("frontline", frontline)):
                    base = sum(b for g, b, _p in rows if g in members)
                    positive = sum(p for g, _b, p in rows if g in members)
                    sides[name] = (base, positive)
                safe = (
                    not frontline_hidden
                    and combination_is_safe(mask, [g in leaders for g in groups])
                    and all(
                        base >= threshold
                        and not 0 < positive < threshold
                        and not 0 < base - positive < threshold
                        for base, positive in sides.values()
                    )
                )
                entry = {
                    "question": counts.question.id,
                    "text": counts.question.text,
                    "area": counts.question.area,
                    "suppressed": not safe,
                    "leaders": None,
                    "frontline": None,
                    "comparison": None,
                }
                if safe:
                    (lb, lp), (fb, fp) = sides["leaders"], sides["frontline"]
                    entry["leaders"] = {"base": lb, "positive": lp, "percent": _percent(lp, lb)}
                    entry["frontline"] = {"base": fb, "positive": fp, "percent": _percent(fp, fb)}
                    entry["comparison"] = compare(self.method, lb, lp, fb, fp)
                gaps.append(entry)
        return gaps

    # --- tick-box disclosures --------------------------------------------------------------
    def small_count(self, count: int) -> dict:
        """A disclosure count under the small-number rule: exact from the disclosure
        threshold up, and 0 as 0; from 1 to threshold - 1 only "at least 1, fewer than
        the threshold", so the lead inspector always knows someone disclosed."""
        threshold = self.method.disclosure_threshold
        if 0 < count < threshold:
            return {"count": None, "fewer_than": threshold}
        return {"count": count, "fewer_than": None}

    def disclosures(self, summaries: list[QuestionnaireSummary]) -> list[dict]:
        """Per questionnaire that marks disclosing answers: respondents who chose one, by
        category, counted once each; never joined to any other answer."""
        blocks = []
        for summary in summaries:
            sources: dict[str, list[dict]] = {}
            seen = set()
            for definition in [summary.latest, *summary.versions.values()]:
                for question in definition.questions:
                    for option in question.options:
                        category = question.disclosures.get(option.id)
                        if category and (question.id, option.id) not in seen:
                            seen.add((question.id, option.id))
                            sources.setdefault(category, []).append(
                                {"question": question.id, "answer": option.id}
                            )
            if not sources:
                continue
            blocks.append(
                {
                    "questionnaire": summary.questionnaire_id,
                    "audience": summary.latest.audience,
                    "respondents": summary.respondents,
                    "any": self.small_count(summary.disclosing),
                    "categories": [
                        {
                            "category": category,
                            **self.small_count(summary.disclosures[category]),
                            "answers": sources[category],
                        }
                        for category in DISCLOSURE_CATEGORIES
                        if category in sources
                    ],
                }
            )
        return blocks

    # --- comments -------------------------------------------------------------------------
    def comments(self, summaries: dict[str, QuestionnaireSummary]) -> list[dict]:
        blocks = []
        for summary in summaries.values():
            for counts in summary.ordered():
                if counts.question.type != "text":
                    continue
                items = []
                flagged: dict[str, list[str]] = {}  # the same words are flagged once
                for ref, text in zip(counts.comment_refs, counts.comments, strict=True):
                    flags = flagged.get(text)
                    if flags is None:
                        flags = flagged[text] = self.flagger.flags(text)
                    referral = self.referrals.get(ref)
                    items.append(
                        {
                            "ref": ref,
                            "text": text,
                            "flags": list(flags),
                            "referred": None
                            if referral is None
                            else {
                                "by": referral.referred_by,
                                "at": referral.referred_at.replace(microsecond=0).isoformat() + "Z",
                            },
                        }
                    )
                blocks.append(
                    {
                        "questionnaire": summary.questionnaire_id,
                        "audience": summary.latest.audience,
                        "question": counts.question.id,
                        "text": counts.question.text,
                        "comments": items,
                    }
                )
        return blocks

    # --- the document ---------------------------------------------------------------------
    def size_masks_for(self, summary: QuestionnaireSummary) -> dict[str, set[str]]:
        """Which group sizes of each background question to hide (see ``background_mask``)."""
        masks = {}
        for background, groups in summary.groups.groupings.items():
            counts = summary.questions[background]
            merged = summary.groups.merged.get(background, {})
            sizes = {
                group: summary.respondents - counts.base if group == NOT_STATED else 0
                for group in groups
                if group not in merged
            }
            for option, count in counts.options.items():
                if option in sizes:
                    sizes[option] = count
            names = list(sizes)
            mask = disclosure.background_mask(
                [sizes[name] for name in names], self.method.disclosure_threshold
            )
            masks[background] = {name for name, hidden in zip(names, mask, strict=True) if hidden}
        return masks

    def document(
        self, summaries: dict[str, QuestionnaireSummary], broken: int, invalid: int = 0
    ) -> dict:
        inspection = self.inspection
        audiences = {"children": 0, "staff": 1}
        ordered = sorted(summaries.values(), key=lambda s: audiences.get(s.latest.audience, 2))
        questionnaires: list[dict[str, Any]] = []
        for summary in ordered:
            self.size_masks = self.size_masks_for(summary)
            questions = [self.question_entry(summary, c) for c in summary.ordered()]
            questionnaires.append(
                {
                    "id": summary.latest.id,
                    "versions": sorted(summary.versions),
                    "audience": summary.latest.audience,
                    "title": summary.latest.title,
                    "respondents": summary.respondents,
                    "census": self.census_entry(summary),
                    "questions": questions,
                }
            )
        perception_gaps = self.perception_gaps(summaries)
        role_gaps = self.role_gaps(summaries)
        # Everything published together is audited together; more is hidden until no hidden
        # cell can be narrowed below the threshold, before any mark is judged.
        library_get = units.reader(current_app.extensions["questionnaires"].get, self.inspection)
        audited = disclosure.protect(
            {
                "questionnaires": questionnaires,
                "role_gaps": role_gaps,
                "perception_gaps": perception_gaps,
            },
            library_get,
            self.method.disclosure_threshold,
        )
        threshold = self.method.threshold
        for entry in questionnaires:
            adjust_questionnaire(entry["questions"], threshold)
            entry["change"] = self.area_summary(entry["questions"])
        multiplicity.adjust((gap["comparison"] for gap in perception_gaps), threshold)
        multiplicity.adjust((gap["comparison"] for gap in role_gaps), threshold)
        comments = self.comments(ordered_dict(ordered))
        flagged = [
            {"questionnaire": block["questionnaire"], "question": block["question"], **item}
            for block in comments
            for item in block["comments"]
            if item["flags"]
        ]
        document = {
            "format": FORMAT,
            "generated_at": now().replace(microsecond=0).isoformat() + "Z",
            "inspection": {
                "id": inspection.id,
                "establishment": inspection.establishment.name,
                "establishment_type": inspection.establishment.type,
                "kind": inspection.kind,
                "status": inspection.status,
                "opened_on": inspection.opened_on.isoformat(),
                "closed_on": inspection.closed_on.isoformat() if inspection.closed_on else None,
                "finalised_on": inspection.finalised_on.isoformat()
                if inspection.finalised_on
                else None,
            },
            "method": self.method.as_dict(),
            "compared_with": {
                "previous": None
                if self.previous is None
                else {
                    **_dated(self.previous),
                    "chosen_by_team": inspection.previous_chosen,
                    "not_compared": self.not_compared["previous"],
                },
                "comparator": {
                    "establishment_type": inspection.establishment.type,
                    "inspections": [_dated(c) for c in self.comparators],
                    "not_compared": self.not_compared["comparator"],
                },
            },
            "unopenable_responses": broken,
            "invalid_responses": invalid,
            "disclosures": self.disclosures(ordered),
            "safeguarding_flags": flagged,
            "questionnaires": questionnaires,
            "perception_gaps": perception_gaps,
            "role_gaps": role_gaps,
            "comments": comments,
            "disclosure": audited.summary(),
        }
        disclosure.remember(document, audited)
        return document


def _dated(inspection: Inspection) -> dict:
    """An inspection compared with, named with its dates."""
    return {
        "inspection": inspection.id,
        "establishment": inspection.establishment.name,
        "opened_on": inspection.opened_on.isoformat(),
        "finalised_on": inspection.finalised_on.isoformat() if inspection.finalised_on else None,
    }


def adjust_questionnaire(questions: list[dict], threshold: float) -> None:
    """Holm within each family of one questionnaire's entries (``multiplicity.FAMILIES``),
    before marks are counted into verdicts."""
    measured = [q for q in questions if q.get("comparisons")]
    for name in ("previous", "comparator"):
        multiplicity.adjust(
            (q["comparisons"][name] for q in measured if not q["background"]), threshold
        )
        # Background questions with a positive outcome stay out of the verdict's family.
        multiplicity.adjust(
            (q["comparisons"][name] for q in measured if q["background"]), threshold
        )
    multiplicity.adjust(
        (
            group["comparison"]
            for q in measured
            for table in q.get("breakdowns", ())
            for group in table["groups"]
        ),
        threshold,
    )


def hidden_groups(rows: list[tuple[str, int, int]], threshold: int) -> list[bool]:
    """Which groups of one breakdown to hide entirely.

    ``rows`` are ``(group, base, positive)`` for every group, "not stated" included, so
    the columns add up to the published whole-inspection positive and other counts. Each
    group is a row of two cells (positive, not positive) for ``suppression.suppress``;
    a group with any hidden cell is hidden whole (count, base and percentage), so
    nothing about it can be recovered from its published base either.
    """
    table = [[positive, base - positive] for _, base, positive in rows]
    return [any(hidden) for hidden in suppress(table, threshold)]


def hide_background_counts(entry: dict, hidden: set[str]) -> None:
    """Hide a background question's small group sizes (``disclosure.background_mask``).

    "Not stated" is everyone who did not give an answer, so when it is hidden so are the
    figures that add up to it (skipped, don't want to say, the base) and every percentage
    of that base."""
    for option in entry["options"]:
        if option["id"] in hidden:
            option["count"] = None
            option["percent"] = None
    if NOT_STATED in hidden:
        entry["missing"] = entry["dont_want_to_say"] = entry["base"] = None
        for option in entry["options"]:
            option["percent"] = None


def combination_is_safe(mask: list[list[bool]], combined: list[bool]) -> bool:
    """Whether publishing the sum of the ``combined`` rows keeps every hidden cell hidden.

    With a column's total and visible cells published, the hidden cells inside the
    combination and those outside it are each known as a sum. Each sum must cover none
    or at least two hidden cells, or it gives one away.
    """
    columns = len(mask[0]) if mask else 0
    for column in range(columns):
        inside = sum(1 for row, flag in zip(mask, combined, strict=True) if flag and row[column])
        outside = sum(
            1 for row, flag in zip(mask, combined, strict=True) if not flag and row[column]
        )
        if inside == 1 or outside == 1:
            return False
    return True


def ordered_dict(summaries: list[QuestionnaireSummary]) -> dict[str, QuestionnaireSummary]:
    return {summary.questionnaire_id: summary for summary in summaries}


def verdict(better: int, worse: int) -> str:
    """The documented rule (docs/evidence-json.md, "Improving or deteriorating")."""
    if better > worse:
        return "improving"
    if worse > better:
        return "deteriorating"
    return "mixed" if better else "no_change"


VERDICT_LABELS = {
    "improving": "Improving",
    "deteriorating": "Deteriorating",
    "mixed": "Mixed: as many results better as worse",
    "no_change": "No significant change",
}


def verdict_wording(tally: dict) -> str:
    """English wording for the JSON; the web page and PDF word it in the reader's language."""

    def results(count: int) -> str:
        return f"{count} result{'s' if count != 1 else ''}"

    return (
        f"{VERDICT_LABELS[tally['verdict']]}: {results(tally['better'])} significantly better, "
        f"{tally['worse']} significantly worse, of {results(tally['compared'])} compared "
        "with the previous inspection."
    )


def summaries_for(inspection: Inspection, unsealer: Unsealer, rng: random.Random | None = None):
    """Open every response of ``inspection`` once; return the summaries and the ``BrokenSeals``
    (how many did not open, and how many tablet-sealed ones were not valid answers)."""
    library = current_app.extensions["questionnaires"]
    broken = responses.BrokenSeals()
    # Chunks are opened and summarised in worker processes when the inspection is large
    # (here when small), and their summaries merged.
    chunks = responses.fold_opened(
        inspection,
        unsealer,
        broken,
        aggregate.summarise_chunk,
        units.reader(library.get, inspection),
    )
    return aggregate.combine(chunks, rng, comment_namer(inspection.id)), broken


def build(inspection: Inspection, unsealer: Unsealer, rng: random.Random | None = None) -> dict:
    """Open every response of ``inspection`` and build its evidence document."""
    summaries, broken = summaries_for(inspection, unsealer, rng)
    return Builder(inspection, Method.from_config()).document(
        summaries, broken.count, invalid=broken.invalid
    )


def finalise(inspection: Inspection, unsealer: Unsealer) -> int:
    """Keep the whole-inspection counts in the clear and mark the evidence final.

    Raises ``published.StillOpen``, ``published.AlreadyFinalised`` or
    ``disclosure.DisclosureRisk``; the caller commits.
    """
    if inspection.status == "finalised":
        raise published.AlreadyFinalised(f"inspection {inspection.id} is already finalised")
    summaries, broken = summaries_for(inspection, unsealer)
    # What finalising keeps (whole-inspection totals, no group sizes) is published in every
    # export: it is kept only if the evidence it belongs to passes the audit.
    disclosure.gate(
        Builder(inspection, Method.from_config()).document(summaries, broken), "finalised counts"
    )
    return published.finalise(inspection, summaries)
