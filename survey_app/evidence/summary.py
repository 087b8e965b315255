"""The summary at the front of the evidence: a reading of figures the document already
holds (``report.build``), chosen and ordered for an inspection plan. It computes no new
figure and reveals nothing the document hides: it only picks entries out of it.
"""

from __future__ import annotations

#: How many of the largest gaps, and of the suggested lines of enquiry, to show.
TOP_GAPS = 3
TOP_LINES = 8
#: How many of each questionnaire's lowest positive results become lines of enquiry.
LOWEST = 2


def areas(questionnaire: dict) -> list[dict]:
    """The questions of one questionnaire grouped by area, in questionnaire order, with
    the measures shown in the area tables (no comments, no background questions)."""
    grouped: dict[str, list[dict]] = {}
    for question in questionnaire["questions"]:
        if question["type"] == "text" or question["background"]:
            continue
        grouped.setdefault(question["area"], []).append(question)
    return [{"area": area, "questions": questions} for area, questions in grouped.items()]


def breakdown_columns(questions: list[dict], index: int) -> tuple[list[int], list[dict]]:
    """The columns of a breakdown table, the ``index``-th of each measured question in
    ``questions``: the positions of the groups to show, and the groups nobody who answered
    belongs to (a unit retired before this inspection), left out and named under the table.
    "Not stated", when empty, is only left out."""
    tables = [question["breakdowns"][index] for question in questions]
    groups = tables[0]["groups"]
    empty = {
        at
        for at in range(len(groups))
        if all(not t["groups"][at]["suppressed"] and t["groups"][at]["base"] == 0 for t in tables)
    }
    shown = [at for at in range(len(groups)) if at not in empty]
    named = [groups[at] for at in sorted(empty) if groups[at]["id"] != "not_stated"]
    return shown, named


def _marked(questions, name: str, mark: str) -> list[dict]:
    def mark_of(q: dict):
        return ((q.get("comparisons") or {}).get(name) or {}).get("mark")

    return [q for q in questions if not q["background"] and mark_of(q) == mark]


def _largest(gaps: list[dict]) -> list[dict]:
    shown = [g for g in gaps if g.get("comparison") and g["comparison"]["difference"] is not None]

    def size(gap: dict):
        comparison = gap["comparison"]
        return (-abs(comparison["difference"]), comparison["p_adjusted"] or 1.0)

    shown.sort(key=size)
    return shown[:TOP_GAPS]


def build(evidence: dict) -> dict:
    questionnaires = []
    lines: list[dict] = []
    for questionnaire in evidence["questionnaires"]:
        questions = questionnaire["questions"]
        verdicts = []
        for area in questionnaire["change"]["areas"]:
            if area["verdict"] == "no_change":
                continue
            inside = [q for q in questions if q["area"] == area["area"]]
            verdicts.append(
                {
                    **area,
                    "better_questions": _marked(inside, "previous", "better"),
                    "worse_questions": _marked(inside, "previous", "worse"),
                }
            )
        below_comparator = _marked(questions, "comparator", "worse")
        questionnaires.append(
            {
                "id": questionnaire["id"],
                "title": questionnaire["title"],
                "audience": questionnaire["audience"],
                "respondents": questionnaire["respondents"],
                "census": questionnaire["census"],
                "overall": questionnaire["change"]["overall"],
                "verdicts": verdicts,
                "below_comparator": below_comparator,
            }
        )
        for q in _marked(questions, "previous", "worse"):
            lines.append({"kind": "previous", "questionnaire": questionnaire, "question": q})
        for q in below_comparator:
            lines.append({"kind": "comparator", "questionnaire": questionnaire, "question": q})
        marked = {id(line["question"]) for line in lines if "question" in line}
        scored = [
            q
            for q in questions
            if not q["background"]
            and (q.get("positive") or {}).get("percent") is not None
            and id(q) not in marked
        ]
        scored.sort(key=lambda q: q["positive"]["percent"])
        for q in scored[:LOWEST]:
            lines.append({"kind": "lowest", "questionnaire": questionnaire, "question": q})
    perception = _largest(evidence.get("perception_gaps") or [])
    roles = _largest([g for g in evidence.get("role_gaps") or [] if not g["suppressed"]])
    lines += [{"kind": "perception", "gap": g} for g in perception if g["comparison"]["mark"]]
    lines += [{"kind": "roles", "gap": g} for g in roles if g["comparison"]["mark"]]
    flags = evidence.get("safeguarding_flags") or []
    return {
        "flags": len(flags),
        "flags_not_referred": sum(1 for flag in flags if not flag["referred"]),
        "disclosures": [
            {"questionnaire": block["questionnaire"], "audience": block["audience"], **block["any"]}
            for block in evidence.get("disclosures") or []
        ],
        "questionnaires": questionnaires,
        "perception_gaps": perception,
        "role_gaps": roles,
        "lines": lines[:TOP_LINES],
        "more_lines": max(0, len(lines) - TOP_LINES),
    }
