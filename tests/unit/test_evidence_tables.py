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
                "questions": [
                    {
                        "id": "feel_safe",
                        "text": text,
                        "area": "safety",
                        "type": "yes_no",
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
    assert workbook.sheetnames == ["Results", "Comments"]
