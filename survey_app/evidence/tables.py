"""The evidence as spreadsheet rows (CSV and XLSX), safe against formula injection.

One long table, one row per figure, so a spreadsheet can filter and pivot it.
Any cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is prefixed with a single quote so no spreadsheet runs it as a formula.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER = (
    "questionnaire",
    "question_id",
    "question",
    "area",
    "measure",
    "group_by",
    "group",
    "answer",
    "count",
    "base",
    "percent",
    "interval_low",
    "interval_high",
    "compared_percent",
    "test",
    "p_value",
    "p_adjusted",
    "mark",
    "suppressed",
)


def neutralise(value):
    """Text a spreadsheet could run as a formula, quoted; anything else unchanged."""
    if isinstance(value, str) and value.startswith(DANGEROUS_STARTS):
        return "'" + value
    return value


def _row(**cells) -> list:
    return [cells.get(name) for name in HEADER]


def disclosure_rows(evidence: dict) -> list[list]:
    """Tick-box disclosures first: one row per category and one for any, per questionnaire.
    A count below the disclosure threshold is blank, ``suppressed`` true, and ``group``
    says "at least 1, fewer than N"."""
    out = []
    for block in evidence.get("disclosures", ()):
        entries = [(row["category"], row) for row in block["categories"]]
        for name, figure in [*entries, ("any", block["any"])]:
            banded = figure["count"] is None
            out.append(
                _row(
                    questionnaire=block["questionnaire"],
                    question="Tick-box disclosures, respondents by category",
                    measure="disclosure",
                    answer=name,
                    group=f"at least 1, fewer than {figure['fewer_than']}" if banded else None,
                    count=figure["count"],
                    base=block["respondents"],
                    suppressed=banded,
                )
            )
    return out


def rows(evidence: dict) -> list[list]:
    out = disclosure_rows(evidence)
    for questionnaire in evidence["questionnaires"]:
        for q in questionnaire["questions"]:
            if q["type"] == "text":
                continue
            common = {
                "questionnaire": questionnaire["id"],
                "question_id": q["id"],
                "question": q["text"],
                "area": q["area"],
            }
            for option in q["options"]:
                out.append(
                    _row(
                        **common,
                        measure="answer",
                        answer=option["text"],
                        count=option["count"],
                        base=q["base"],
                        percent=option["percent"],
                    )
                )
            for name, value in (
                ("missing", q["missing"]),
                ("dont_want_to_say", q["dont_want_to_say"]),
                ("not_applicable", q["not_applicable"]),
            ):
                out.append(_row(**common, measure=name, count=value, base=q["base"]))
            positive = q.get("positive")
            if not positive:
                continue
            interval = positive["interval"] or {}
            out.append(
                _row(
                    **common,
                    measure="positive",
                    count=positive["count"],
                    base=q["base"],
                    percent=positive["percent"],
                    interval_low=interval.get("low"),
                    interval_high=interval.get("high"),
                )
            )
            for name, comparison in (q.get("comparisons") or {}).items():
                if comparison is None:
                    continue
                out.append(
                    _row(
                        **common,
                        measure=f"compared_with_{name}",
                        count=comparison["positive"],
                        base=comparison["base"],
                        compared_percent=comparison["percent"],
                        percent=positive["percent"],
                        test=comparison["test"],
                        p_value=comparison["p_value"],
                        p_adjusted=comparison["p_adjusted"],
                        mark=comparison["mark"],
                    )
                )
            for table in q.get("breakdowns", ()):
                for group in table["groups"]:
                    comparison = group["comparison"] or {}
                    out.append(
                        _row(
                            **common,
                            measure="positive_by_group",
                            group_by=table["by"],
                            group=group["text"],
                            count=group["positive"],
                            base=group["base"],
                            percent=group["percent"],
                            compared_percent=comparison.get("percent"),
                            test=comparison.get("test"),
                            p_value=comparison.get("p_value"),
                            p_adjusted=comparison.get("p_adjusted"),
                            mark=comparison.get("mark"),
                            suppressed=group["suppressed"],
                        )
                    )
    return [[neutralise(cell) for cell in row] for row in out]


def comment_rows(evidence: dict) -> list[list]:
    out = []
    for block in evidence["comments"]:
        for comment in block["comments"]:
            out.append(
                [
                    block["questionnaire"],
                    block["text"],
                    comment["text"],
                    ", ".join(comment["flags"]),
                    "yes" if comment["referred"] else "",
                ]
            )
    return [[neutralise(cell) for cell in row] for row in out]


def method_line(evidence: dict) -> str:
    method = evidence["method"]
    return (
        f"Test: {method['test']} (two-sided), significance threshold p < {method['threshold']} "
        "after Holm's adjustment (p_adjusted); "
        f"disclosure threshold {method['disclosure_threshold']}"
    )


def to_csv(evidence: dict) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(f"# {method_line(evidence)}")])
    writer.writerow(HEADER)
    writer.writerows(rows(evidence))
    return buffer.getvalue()


def to_xlsx(evidence: dict) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Results"
    sheet.append([neutralise(method_line(evidence))])
    sheet.append(list(HEADER))
    for row in rows(evidence):
        sheet.append(row)
    comments = workbook.create_sheet("Comments")
    comments.append(["questionnaire", "question", "comment", "safeguarding flags", "referred"])
    for row in comment_rows(evidence):
        comments.append(row)
    for worksheet in (sheet, comments):
        for row in worksheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, never a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
