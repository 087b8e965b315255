"""Spreadsheet outputs never carry a live formula, and carry the figures and the method."""

import csv
import io

import pytest
from openpyxl import load_workbook

from survey_app.evidence.tables import HEADER, neutralise, to_csv, to_xlsx


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2", "'-2"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("Safe text", "Safe text"),
        ("a=b", "a=b"),
        ("", ""),
        (12, 12),
        (-3.5, -3.5),  # numbers stay numbers
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def evidence_with(text: str, comment: str) -> dict:
    return {
        "method": {"test": "mid-p", "threshold": 0.01, "disclosure_threshold": 5},
        "questionnaires": [
            {
                "id": "tiny-children",
                "title": "Children's survey",
                "audience": "children",
                "questions": [
                    {
                        "id": "feel_safe",
                        "text": text,
                        "area": "safety",
                        "type": "yes_no",
                        "background": False,
                        "base": 3,
                        "missing": 0,
                        "dont_want_to_say": 1,
                        "not_applicable": 0,
                        "options": [
                            {"id": "yes", "text": "@yes", "count": 2, "percent": 66.7},
                            {"id": "no", "text": "No", "count": 1, "percent": 33.3},
                        ],
                        "positive": {
                            "answers": ["yes"],
                            "count": 2,
                            "percent": 66.7,
                            "interval": {"low": 20.8, "high": 93.9},
                        },
                        "comparisons": {
                            "previous": {
                                "base": 10,
                                "positive": 1,
                                "percent": 10.0,
                                "difference": 56.7,
                                "test": "fisher",
                                "p_value": 0.07,
                                "p_adjusted": 0.14,
                                "significant": False,
                                "mark": None,
                            },
                            "comparator": None,
                        },
                        "breakdowns": [
                            {
                                "by": "age_band",
                                "text": "How old are you?",
                                "groups": [
                                    {
                                        "id": "over_16",
                                        "text": "-17 or older",
                                        "suppressed": True,
                                        "base": None,
                                        "positive": None,
                                        "percent": None,
                                        "comparison": None,
                                    }
                                ],
                            }
                        ],
                    },
                    {"id": "anything_else", "type": "text", "text": "Anything else?"},
                ],
            }
        ],
        "comments": [
            {
                "questionnaire": "tiny-children",
                "question": "anything_else",
                "text": "Anything else?",
                "comments": [{"ref": "0" * 32, "text": comment, "flags": [], "referred": None}],
            }
        ],
    }


DANGEROUS = "=cmd|' /C calc'!A0"


def test_csv_cells_are_neutralised_and_figures_kept():
    text = to_csv(evidence_with(DANGEROUS, "+tab"))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0].startswith("# Test: mid-p (two-sided), significance threshold p < 0.01")
    assert tuple(rows[1]) == HEADER
    cells = [cell for row in rows[2:] for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    assert "'" + DANGEROUS in cells and "'@yes" in cells and "'-17 or older" in cells
    positive = next(r for r in rows if len(r) > 4 and r[4] == "positive")
    record = dict(zip(HEADER, positive, strict=True))
    assert (record["count"], record["base"], record["percent"]) == ("2", "3", "66.7")
    assert (record["interval_low"], record["interval_high"]) == ("20.8", "93.9")
    hidden = next(r for r in rows if len(r) > 4 and r[4] == "positive_by_group")
    assert dict(zip(HEADER, hidden, strict=True))["suppressed"] == "True"
    assert dict(zip(HEADER, hidden, strict=True))["count"] == ""


def test_xlsx_has_no_formula_cells_and_keeps_numbers(tmp_path):
    path = tmp_path / "evidence.xlsx"
    path.write_bytes(to_xlsx(evidence_with(DANGEROUS, "=1+1")))
    workbook = load_workbook(path)
    values = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                values.append(cell.value)
    assert "'" + DANGEROUS in values and "'=1+1" in values
    assert 66.7 in values and 2 in values
    assert workbook.sheetnames == ["Children - Safety", "Results", "Comments"]


def significant(evidence: dict, name: str, mark: str, difference: float) -> dict:
    [q] = [q for q in evidence["questionnaires"][0]["questions"] if q["id"] == "feel_safe"]
    q["comparisons"][name] = {
        **q["comparisons"]["previous"],
        "percent": round(66.7 - difference, 1),
        "difference": difference,
        "significant": True,
        "mark": mark,
    }
    return evidence


def test_xlsx_has_a_sheet_per_area_with_real_numbers_frozen_headers_and_shaded_marks(tmp_path):
    evidence = evidence_with("Do you feel safe?", "fine")
    significant(evidence, "comparator", "worse", -20.3)
    evidence["questionnaires"][0]["questions"].insert(
        0,
        {
            "id": "first_night",
            "text": "Were you looked after on your first night?",
            "area": "arrival",
            "type": "yes_no",
            "background": False,
            "base": 4,
            "missing": 0,
            "dont_want_to_say": 0,
            "not_applicable": 0,
            "options": [],
        },
    )
    path = tmp_path / "evidence.xlsx"
    path.write_bytes(to_xlsx(evidence))
    workbook = load_workbook(path)
    assert workbook.sheetnames[:2] == ["Children - Arrival and first", "Children - Safety"]
    sheet = workbook["Children - Safety"]
    assert sheet.freeze_panes == "B4"
    assert "Children's survey: Safety" in sheet["A1"].value
    assert [c.value for c in sheet[3]][:4] == [
        "Question",
        "Answered",
        "Don't want to say",
        "Positive",
    ]
    row = list(sheet[4])
    assert [c.value for c in row[:4]] == ["Do you feel safe?", 3, 1, 0.667]
    assert row[3].number_format == "0.0%" and row[4].number_format == "0.0%"
    # previous: not significant, plain; comparator: significantly worse, shaded and marked
    assert (row[4].value, row[5].value, row[6].value) == (0.1, 56.7, None)
    assert row[5].fill.fgColor.rgb in (None, "00000000") and row[5].number_format == "+0.0;-0.0;0.0"
    assert (row[7].value, row[8].value) == (0.87, -20.3)
    assert row[9].value == "▼ significantly worse"
    assert row[8].fill.fgColor.rgb.endswith("F6D7D2") and row[9].fill.fgColor.rgb.endswith("F6D7D2")
    arrival = workbook["Children - Arrival and first"]
    assert [c.value for c in arrival[4]][:4] == [
        "Were you looked after on your first night?",
        4,
        0,
        None,
    ]
    assert workbook["Results"].freeze_panes == "A3"

    significant(evidence, "previous", "better", 56.7)
    path.write_bytes(to_xlsx(evidence))
    row = load_workbook(path)["Children - Safety"][4]
    assert row[6].value == "▲ significantly better" and row[5].fill.fgColor.rgb.endswith("CCE2D8")


def test_xlsx_sheet_names_are_legal_and_unique():
    from survey_app.evidence.tables import _sheet_name

    taken = set()
    long = "Children - Leadership/raising [concerns]: and more words besides"
    first, second = _sheet_name(long, taken), _sheet_name(long, taken)
    assert len(first) <= 31 and len(second) <= 31 and first != second
    assert not any(c in first + second for c in "[]:*?/\\")
