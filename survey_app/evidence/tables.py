"""The evidence as spreadsheets (CSV and XLSX), safe against formula injection.

The CSV, and the workbook's "Results" sheet, are one long tidy table, one row per figure,
so a spreadsheet can filter and pivot it (layout in docs/evidence-json.md). The workbook
also has a sheet per area of each questionnaire, laid out like the area tables of the page:
one row per question, real numbers with number formats, significant differences shaded as
on the page and marked in words. Any text cell that begins with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return is prefixed with a single quote, and every text cell is stored
as text, so no spreadsheet runs it as a formula.
"""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from . import labels, summary

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
    "difference",
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
                        difference=comparison.get("difference"),
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
                            difference=comparison.get("difference"),
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


#: The page's shading for significant differences (evidence.css ``.sig--better/worse``).
SHADES = {
    "better": (PatternFill("solid", fgColor="CCE2D8"), Font(color="005A30", bold=True)),
    "worse": (PatternFill("solid", fgColor="F6D7D2"), Font(color="942514", bold=True)),
}
PERCENT = "0.0%"
POINTS = "+0.0;-0.0;0.0"  # a difference in percentage points
AREA_HEADER_ROWS = 3  # title, column groups, column names: frozen with the question column
_SHEET_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def _marker(comparison: dict | None) -> str | None:
    mark = (comparison or {}).get("mark")
    if mark == "better":
        return "▲ " + _("significantly better")
    if mark == "worse":
        return "▼ " + _("significantly worse")
    return None


def _fraction(percent):
    return None if percent is None else round(percent / 100, 6)


def _sheet_name(wanted: str, taken: set[str]) -> str:
    """A legal, unique worksheet name (at most 31 characters, none of []:*?/\\)."""
    base = " ".join(wanted.translate(_SHEET_FORBIDDEN).split()).strip("'")
    if len(base) > 31:  # cut at a word where one ends late enough, else at 31
        cut = base[:32].rfind(" ")
        base = base[: cut if cut > 20 else 31].rstrip(" -")
    base = base or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def area_rows(questionnaire: dict, block: dict) -> list[list]:
    """One row per question of an area table: question, answered, don't want to say,
    positive, then for the previous inspection and the comparator: positive, difference
    in points and the significance marker. Percentages are fractions (for a % format)."""
    out = []
    for q in block["questions"]:
        row = [q["text"], q["base"], q["dont_want_to_say"]]
        positive = q.get("positive")
        row.append(_fraction(positive["percent"]) if positive else None)
        for name in ("previous", "comparator"):
            c = (q.get("comparisons") or {}).get(name) if positive else None
            c = c or {}
            row += [_fraction(c.get("percent")), c.get("difference"), _marker(c)]
        out.append(row)
    return out


def _area_sheet(sheet, questionnaire: dict, block: dict, verdict: dict | None) -> None:
    title = f"{questionnaire.get('title') or questionnaire['id']}: {labels.area(block['area'])}"
    wording = {
        "improving": _("Improving"),
        "deteriorating": _("Deteriorating"),
        "mixed": _("Mixed: as many results better as worse"),
    }.get(str((verdict or {}).get("verdict")))
    if wording:
        title += f" ({wording})"
    previous, comparator = _("Previous inspection"), _("Comparator")
    sheet.append([neutralise(title)])
    sheet.append([None, None, None, None, previous, None, None, comparator])
    sheet.append(
        [
            _("Question"),
            _("Answered"),
            _("Don't want to say"),
            _("Positive"),
            *[_("Positive"), _("Difference"), _("significant").capitalize()] * 2,
        ]
    )
    sheet.merge_cells(start_row=2, start_column=5, end_row=2, end_column=7)
    sheet.merge_cells(start_row=2, start_column=8, end_row=2, end_column=10)
    sheet["A1"].font = Font(bold=True, size=13)
    for row in sheet.iter_rows(min_row=2, max_row=AREA_HEADER_ROWS):
        for cell in row:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    for values in area_rows(questionnaire, block):
        sheet.append([neutralise(v) for v in values])
        r = sheet.max_row
        sheet.cell(r, 1).alignment = Alignment(wrap_text=True, vertical="top")
        for column in (4, 5, 8):
            sheet.cell(r, column).number_format = PERCENT
        for column in (6, 9):
            difference = sheet.cell(r, column)
            difference.number_format = POINTS
            mark = values[column]  # the marker, in the next column (1-based ``column + 1``)
            if mark:
                shade = SHADES["better" if mark.startswith("▲") else "worse"]
                for cell in (difference, sheet.cell(r, column + 1)):
                    cell.fill, cell.font = shade
    sheet.freeze_panes = sheet.cell(AREA_HEADER_ROWS + 1, 2)
    sheet.column_dimensions["A"].width = 60
    for letter in "BCDEFGHIJ":
        sheet.column_dimensions[letter].width = 13
    sheet.column_dimensions["G"].width = sheet.column_dimensions["J"].width = 24


def to_xlsx(evidence: dict) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Results"
    sheet.append([neutralise(method_line(evidence))])
    sheet.append(list(HEADER))
    for row in rows(evidence):
        sheet.append(row)
    sheet.freeze_panes = "A3"
    comments = workbook.create_sheet("Comments")
    comments.append(["questionnaire", "question", "comment", "safeguarding flags", "referred"])
    for row in comment_rows(evidence):
        comments.append(row)
    comments.freeze_panes = "A2"
    taken = {"results", "comments"}
    position = 0
    for questionnaire in evidence["questionnaires"]:
        audience = {"children": _("Children"), "staff": _("Staff")}.get(
            questionnaire.get("audience"), questionnaire["id"]
        )
        verdicts = {a["area"]: a for a in (questionnaire.get("change") or {}).get("areas", ())}
        for block in summary.areas(questionnaire):
            name = _sheet_name(f"{audience} - {labels.area(block['area'])}", taken)
            area_sheet = workbook.create_sheet(name, position)
            position += 1
            _area_sheet(area_sheet, questionnaire, block, verdicts.get(block["area"]))
    for worksheet in workbook.worksheets:
        for row in worksheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, never a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
