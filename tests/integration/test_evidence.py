"""Evidence end to end: comparisons with finalised inspections, every output, finalising,
safeguarding referrals, and the JSON format against its schema."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from openpyxl import load_workbook
from sqlalchemy import select

from survey_app import access, inspections, responses, sealing
from survey_app.demo import DEMO_EMAIL, DEMO_PASSPHRASE, DEMO_PASSWORD, load_demo
from survey_app.evidence import render, report, tables
from survey_app.models import AuditEvent, Inspection, PublishedCount, SafeguardingReferral, db
from tests.helpers import PASSPHRASE, Factory, post_form, sign_in

SCHEMA = json.loads(
    (
        Path(__file__).resolve().parents[2] / "survey_app" / "schema" / "evidence.schema.json"
    ).read_text(encoding="utf-8")
)


def seal(
    app, inspection_id: str, audience: str, answers_list: list[dict], version: int | None = None
) -> None:
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        library = app.extensions["questionnaires"]
        questionnaire = library.current(audience, "stc")
        if version is not None:
            questionnaire = library.get(questionnaire.id, version)
        for answers in answers_list:
            responses.add_sealed(inspection, questionnaire, answers)
        db.session.commit()


def finalise(app, inspection_id: str) -> None:
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        if inspection.is_open:
            inspections.close_inspection(inspection, "test")
        report.finalise(inspection, inspections.unlock(inspection, PASSPHRASE))
        # Finalised long ago, as a real baseline is (only evidence finalised before an
        # inspection opened can be its baseline).
        inspection.finalised_on = dt.date.today() - dt.timedelta(days=200)
        db.session.commit()


def fisher_two_sided(a: int, b: int, c: int, d: int) -> float:
    """Fisher's exact test from the hypergeometric distribution, written out independently."""
    row1, col1, n = a + b, a + c, a + b + c + d

    def p(x: int) -> float:
        return math.comb(col1, x) * math.comb(n - col1, row1 - x) / math.comb(n, row1)

    observed = p(a)
    low, high = max(0, row1 + col1 - n), min(row1, col1)
    return sum(p(x) for x in range(low, high + 1) if p(x) <= observed * (1 + 1e-7))


def mid_p_two_sided(a: int, b: int, c: int, d: int) -> float:
    """Fisher's mid-p, doubled from the smaller tail, written out independently."""
    row1, col1, n = a + b, a + c, a + b + c + d

    def p(x: int) -> float:
        return math.comb(col1, x) * math.comb(n - col1, row1 - x) / math.comb(n, row1)

    low, high = max(0, row1 + col1 - n), min(row1, col1)
    below = sum(p(x) for x in range(low, a))
    above = sum(p(x) for x in range(a + 1, high + 1))
    return min(1.0, 2 * (min(below, above) + p(a) / 2))


@pytest.fixture
def setting(app, factory):
    """A previous and a current inspection of one centre, and a comparator centre."""
    email = factory.inspector()
    centre = factory.establishment("Centre A")
    other = factory.establishment("Centre B")
    previous = factory.inspection([email], establishment=centre)
    comparator = factory.inspection([email], establishment=other)
    with app.app_context():  # the previous one opened a year earlier
        import datetime as dt

        db.session.get(Inspection, previous).opened_on = dt.date.today() - dt.timedelta(days=365)
        db.session.commit()
    current = factory.inspection([email], establishment=centre)
    seal(app, previous, "children", [{"feel_safe": "yes"}] * 2 + [{"feel_safe": "no"}] * 8)
    seal(app, comparator, "children", [{"feel_safe": "yes"}] * 5 + [{"feel_safe": "no"}] * 5)
    seal(
        app,
        current,
        "children",
        [{"feel_safe": "yes", "age_band": "over_16"}] * 9
        + [{"feel_safe": "no", "anything_else": "=HYPERLINK(1) he hit me"}],
    )
    seal(app, current, "staff", [{"children_safe": "yes", "role_group": "frontline"}] * 6)
    finalise(app, previous)
    finalise(app, comparator)
    return {"email": email, "current": current, "previous": previous, "comparator": comparator}


def unlock(client, inspection_id: str, action: str, passphrase: str = PASSPHRASE, expect=200):
    url = f"/inspector/inspections/{inspection_id}"
    return post_form(client, url, url + action, passphrase=passphrase, expect=expect)


def test_comparisons_use_finalised_counts_with_p_values_and_marks(app, client, setting):
    sign_in(client, setting["email"])
    download = unlock(client, setting["current"], "/evidence.json", expect=200)
    evidence = json.loads(download.get_data(as_text=True))
    Draft202012Validator(SCHEMA).validate(evidence)
    assert evidence["method"]["test"] == "mid-p" and evidence["method"]["threshold"] == 0.01
    assert evidence["compared_with"]["previous"]["inspection"] == setting["previous"]
    compared = evidence["compared_with"]["comparator"]["inspections"]
    assert [c["inspection"] for c in compared] == [setting["comparator"]]
    assert compared[0]["establishment"] == "Centre B" and compared[0]["finalised_on"]
    children = evidence["questionnaires"][0]
    feel_safe = next(q for q in children["questions"] if q["id"] == "feel_safe")
    previous = feel_safe["comparisons"]["previous"]
    # 9/10 against 2/10: Fisher's mid-p, as for every comparison (Fisher's own p: 0.005477).
    assert (previous["base"], previous["positive"], previous["test"]) == (10, 2, "mid-p")
    assert previous["p_value"] == pytest.approx(mid_p_two_sided(9, 1, 2, 8), rel=1e-9)
    assert previous["p_value"] == pytest.approx(0.002798, abs=1e-6)
    assert fisher_two_sided(9, 1, 2, 8) == pytest.approx(0.005477, abs=1e-6)
    assert previous["significant"] and previous["mark"] == "better"
    # The only testable comparison with the previous inspection: Holm leaves it as it is.
    assert previous["p_adjusted"] == previous["p_value"]
    assert evidence["method"]["multiple_comparisons"]["method"] == "holm"
    assert previous["difference"] == 70.0
    comparator = feel_safe["comparisons"]["comparator"]
    # One other establishment: its spread is unknown, so the comparator is shown, not tested.
    assert comparator["test"] == "establishments-t" and comparator["establishments"] == 1
    assert comparator["percent"] == 50.0 and comparator["range"] == {"low": 50.0, "high": 50.0}
    assert comparator["p_value"] is None
    assert not comparator["significant"] and comparator["mark"] is None
    change = children["change"]
    assert change["overall"]["better"] == 1 and change["overall"]["verdict"] == "improving"
    assert change["overall"]["wording"].startswith("Improving: 1 result significantly better")
    # Breakdowns: not stated is 0 of 1 (a base below 5: hidden). Its positive cell would
    # follow from the column total (9) minus over 16's 9, so over 16 is hidden too.
    [age] = feel_safe["breakdowns"]
    groups = {g["id"]: g for g in age["groups"]}
    assert groups["not_stated"]["suppressed"] and groups["not_stated"]["base"] is None
    assert groups["over_16"]["suppressed"] and groups["over_16"]["percent"] is None
    # Comments are apart from the answers and flagged.
    [flag] = evidence["safeguarding_flags"]
    assert flag["flags"] == ["harm"] and flag["referred"] is None
    assert "comments" not in json.dumps(children["questions"][-1].get("options", []))
    # Perception gap: children 9/10 against staff 6/6.
    [gap] = evidence["perception_gaps"]
    assert (gap["children"]["percent"], gap["staff"]["percent"]) == (90.0, 100.0)


DOWNLOAD_NAMES = {
    "pdf": "evidence-{}.pdf",
    "appendices.pdf": "evidence-{}-appendices.pdf",
    "xlsx": "evidence-{}.xlsx",
    "csv": "evidence-{}.csv",
    "json": "evidence-{}.json",
}


@pytest.mark.parametrize("fmt", list(DOWNLOAD_NAMES))
def test_every_download_unlocks_and_is_audit_logged(app, client, setting, fmt):
    sign_in(client, setting["email"])
    download = unlock(client, setting["current"], f"/evidence.{fmt}", expect=200)
    name = DOWNLOAD_NAMES[fmt].format(setting["current"])
    assert download.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    assert download.headers["Cache-Control"] == "no-store"
    body = download.data
    if fmt.endswith("pdf"):
        assert download.mimetype == "application/pdf"
        assert body.startswith(b"%PDF") and body.rstrip().endswith(b"%%EOF")
    elif fmt == "xlsx":
        workbook = load_workbook(io.BytesIO(body))
        comments = [c.value for row in workbook["Comments"].iter_rows() for c in row]
        assert "'=HYPERLINK(1) he hit me" in comments
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
        assert "p < 0.01" in rows[0][0]
    else:
        assert json.loads(body)["format"] == "survey-evidence/2"
    with app.app_context():
        details = db.session.scalars(
            select(AuditEvent.detail).where(
                AuditEvent.inspection_id == setting["current"], AuditEvent.action == "export"
            )
        ).all()
    assert details == [f"{fmt} download"]


def test_downloads_refuse_a_wrong_passphrase_and_unknown_formats(app, client, setting):
    sign_in(client, setting["email"])
    for fmt in ("pdf", "appendices.pdf"):
        unlock(client, setting["current"], f"/evidence.{fmt}", passphrase="not one", expect=403)
    unlock(client, setting["current"], "/evidence.docx", expect=404)
    unlock(client, setting["current"], "/evidence.appendices.json", expect=404)
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.inspection_id == setting["current"])
        ).all()
    assert actions.count("unlock-refused") == 2 and "export" not in actions


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "evidence.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True)
    return " ".join(done.stdout.split())  # lines joined: headings may wrap


UNFLAGGED = "The food on Sundays is cold and there is never enough"


def test_the_pdf_is_the_report_and_the_appendices_pdf_holds_the_rest(
    app, client, setting, tmp_path
):
    """The PDF download stops before the appendices and its contents says where they are;
    the appendices PDF has its own heading and contents, the answers, breakdowns and every
    comment (the flagged one and this unflagged one)."""
    seal(app, setting["current"], "children", [{"feel_safe": "yes", "anything_else": UNFLAGGED}])
    sign_in(client, setting["email"])
    body = unlock(client, setting["current"], "/evidence.pdf", expect=200).data
    extra = unlock(client, setting["current"], "/evidence.appendices.pdf", expect=200).data
    report_text, appendices_text = pdf_text(body, tmp_path), pdf_text(extra, tmp_path)

    assert "Evidence: Centre A" in report_text and "Summary" in report_text
    assert "Safeguarding flags for the lead inspector (1)" in report_text
    assert "Results by area: Your life here" in report_text
    assert "Appendices: in the separate appendices PDF" in report_text
    assert "Answers to each question: Your life here" in report_text  # listed, not there
    for appendix in ("Appendix: answers to each question", "In random order", UNFLAGGED):
        assert appendix not in report_text, appendix

    assert "Evidence appendices: Centre A" in appendices_text
    assert "This file holds the appendices of the evidence." in appendices_text
    for there in ("Inspection", "Status", "Generated", "Contents"):
        assert there in appendices_text, there
    assert "Appendix: answers to each question: Your life here" in appendices_text
    assert "Breakdowns: Your life here" in appendices_text
    assert "In random order, apart from every other answer." in appendices_text
    assert UNFLAGGED in appendices_text and "he hit me" in appendices_text
    for report_only in ("Suggested lines of enquiry", "How to read this", "Tick-box"):
        assert report_only not in appendices_text, report_only


def _bookmarks(tree) -> list[str]:
    """Every label of WeasyPrint's bookmark tree, ``(label, target, children, state)``."""
    return [
        text for label, _at, children, _state in tree for text in (label, *_bookmarks(children))
    ]


def test_each_pdf_stands_alone_with_its_own_bookmarks_and_no_dead_links(app, setting):
    import re

    with app.app_context():
        inspection = db.session.get(Inspection, setting["current"])
        built = report.build(inspection, inspections.unlock(inspection, PASSPHRASE))
        documents = {
            part: render.pdf_document(built, inspection, part) for part in render.PDF_PARTS
        }
        html = {
            part: render.to_html(built, inspection, part) for part in ("all", *render.PDF_PARTS)
        }
    marks = {
        part: _bookmarks(document.make_bookmark_tree()) for part, document in documents.items()
    }
    assert marks["report"][0] == "Evidence: Centre A"
    assert "Summary" in marks["report"] and "Contents" in marks["report"]
    assert not [m for m in marks["report"] if m.startswith(("Appendix", "Breakdowns", "Comments"))]
    assert marks["appendices"][0] == "Evidence appendices: Centre A"
    assert "Contents" in marks["appendices"] and "Comments" in marks["appendices"]
    assert any(m.startswith("Appendix: answers to each question") for m in marks["appendices"])
    assert any(m.startswith("Breakdowns: Your life here") for m in marks["appendices"])
    assert "Summary" not in marks["appendices"]
    # Every link inside a document leads somewhere in that document.
    for part, text in html.items():
        ids = set(re.findall(r'\bid="([^"]+)"', text))
        targets = set(re.findall(r'href="#([^"]+)"', text))
        assert targets and targets <= ids, (part, sorted(targets - ids))
    assert 'id="appendices"' not in html["report"] and 'id="summary-heading"' in html["report"]
    assert (
        'id="comments-heading"' in html["appendices"]
        and "summary-heading" not in html["appendices"]
    )
    assert 'id="appendices"' in html["all"] and 'id="summary-heading"' in html["all"]


def test_the_evidence_page_shows_charts_marks_and_flags_first(app, client, setting):
    sign_in(client, setting["email"])
    page = unlock(client, setting["current"], "/evidence", expect=200)
    html = page.get_data(as_text=True)
    assert "<svg" in html and 'role="img"' in html and "<title id=" in html
    assert "significantly better" in html
    assert "evidence.css" in html
    assert html.index("Safeguarding flags") < html.index("Results by area")
    assert "http://" not in html.replace("http://www.w3.org", "")


def test_recording_a_referral_is_audit_logged_and_shown(app, client, setting):
    sign_in(client, setting["email"])
    evidence = json.loads(unlock(client, setting["current"], "/evidence.json").data)
    ref = evidence["safeguarding_flags"][0]["ref"]
    url = f"/inspector/inspections/{setting['current']}"
    post_form(client, url, url + "/referrals", ref=ref, expect=302)
    with app.app_context():
        [referral] = db.session.scalars(select(SafeguardingReferral)).all()
        assert (referral.comment_ref, referral.referred_by) == (ref, setting["email"])
        actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "safeguarding-referral" in actions
    again = json.loads(unlock(client, setting["current"], "/evidence.json").data)
    assert again["safeguarding_flags"][0]["referred"]["by"] == setting["email"]
    post_form(client, url, url + "/referrals", ref="not-a-ref", expect=400)
    # A well-formed ref that names no comment of this inspection (made up, or another
    # inspection's) is refused and audited, and records nothing.
    made_up = "0123456789abcdef" * 2
    post_form(client, url, url + "/referrals", ref=made_up, expect=400)
    other = f"/inspector/inspections/{setting['previous']}"
    post_form(client, other, other + "/referrals", ref=ref, expect=400)
    with app.app_context():
        assert len(db.session.scalars(select(SafeguardingReferral)).all()) == 1
        refused = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "safeguarding-referral-refused")
        ).all()
        assert len(refused) == 2


def test_finalising_keeps_question_counts_only_and_needs_a_closed_inspection(
    app, client, factory, setting
):
    sign_in(client, setting["email"])
    current = setting["current"]
    unlock(client, current, "/finalise", expect=400)  # still open
    factory.close(current)
    unlock(client, current, "/finalise", passphrase="wrong passphrase", expect=403)
    unlock(client, current, "/finalise", expect=302)
    with app.app_context():
        inspection = db.session.get(Inspection, current)
        assert inspection.status == "finalised" and inspection.finalised_on is not None
        rows = db.session.scalars(
            select(PublishedCount).where(PublishedCount.inspection_id == current)
        ).all()
        stored = {(r.questionnaire_id, r.question_id): r for r in rows}
        assert stored[("tiny-children", "feel_safe")].positive == 9
        assert stored[("tiny-children", "feel_safe")].options == {"yes": 9, "no": 1}
        assert ("tiny-children", "anything_else") not in stored  # no comments
        assert "evidence-finalise" in db.session.scalars(select(AuditEvent.action)).all()
    unlock(client, current, "/finalise", expect=400)  # only once


def test_the_inspection_page_offers_finalising_only_when_closed(app, client, factory, setting):
    sign_in(client, setting["email"])
    url = f"/inspector/inspections/{setting['current']}"
    assert "Finalise the evidence" not in client.get(url).get_data(as_text=True)
    factory.close(setting["current"])
    assert "Finalise the evidence" in client.get(url).get_data(as_text=True)


def test_the_evidence_documents_are_english_whoever_asks(shipped_app):
    """The files are English (their html lang says so), rendered with no request of their
    own: an inspector whose session chose Welsh on a kiosk still gets English files."""
    from flask import render_template_string, session

    with shipped_app.app_context():
        created = load_demo(children=12, staff=12, seed=5)
        inspection = db.session.get(Inspection, created["current"])
        evidence = report.build(inspection, inspections.unlock(inspection, DEMO_PASSPHRASE))
        english = render.to_html(evidence, inspection)
    with shipped_app.test_request_context():  # a request of its own: nothing cached
        session["language"] = "cy"
        assert "Cynnwys" in render_template_string("{{ _('Contents') }}")  # the page is Welsh
        inspection = db.session.get(Inspection, created["current"])
        asked_in_welsh = render.to_html(evidence, inspection)
        sheet = load_workbook(io.BytesIO(render.as_file(evidence, inspection, "xlsx")))
        headers = [cell.value for row in sheet.worksheets[1].iter_rows(max_row=6) for cell in row]
        assert "Question" in headers  # the spreadsheet too
    assert '<html lang="en"' in english and ">Contents<" in english
    assert ">Contents<" in asked_in_welsh and "Cynnwys" not in asked_in_welsh


def test_the_demo_evidence_is_valid_against_the_schema_and_renders(shipped_app, tmp_path):
    with shipped_app.app_context():
        created = load_demo(children=30, staff=40, seed=7)
        inspection = db.session.get(Inspection, created["current"])
        evidence = report.build(inspection, inspections.unlock(inspection, DEMO_PASSPHRASE))
    Draft202012Validator(SCHEMA).validate(evidence)
    assert evidence["compared_with"]["previous"] is not None
    assert evidence["compared_with"]["comparator"]["inspections"]
    assert evidence["perception_gaps"] and evidence["role_gaps"]
    client = shipped_app.test_client()
    post_form(client, "/inspector/sign-in", email=DEMO_EMAIL, password=DEMO_PASSWORD, expect=302)
    page = unlock(client, created["current"], "/evidence", passphrase=DEMO_PASSPHRASE, expect=200)
    assert page.status_code == 200  # the checked client validates the whole page


def _comparable(evidence: dict) -> dict:
    """The evidence without what differs between two builds: the time, and the (random)
    order of comments and of the flags drawn from them."""
    evidence = json.loads(json.dumps(evidence))
    evidence.pop("generated_at", None)
    for block in evidence["comments"]:
        block["comments"].sort(key=lambda c: (c["ref"], c["text"]))
    evidence["safeguarding_flags"].sort(key=lambda f: json.dumps(f, sort_keys=True))
    return evidence


def test_a_large_inspection_is_opened_in_parallel_with_the_same_evidence(shipped_app, monkeypatch):
    """Workers open and summarise chunks of 7 responses; merged, the evidence is the one
    the single process builds, figure for figure, and a broken seal is still counted."""
    with shipped_app.app_context():
        created = load_demo(children=30, staff=40, seed=7)
        inspection = db.session.get(Inspection, created["current"])
        unsealer = inspections.unlock(inspection, DEMO_PASSPHRASE)
        row, forged = db.session.scalars(
            select(responses.SealedResponse)
            .where(responses.SealedResponse.inspection_id == inspection.id)
            .limit(2)
        ).all()
        row.sealed = row.sealed[:-1] + bytes([row.sealed[-1] ^ 1])  # tampered with
        # Sealed as the server seals, with the public key anyone may hold, but no JSON: the
        # server never seals that, so it is counted with the ones that do not open.
        forged.sealed = sealing.seal(
            inspection.public_key,
            b"not JSON",
            sealing.response_context(
                inspection.id, forged.questionnaire_id, forged.questionnaire_version
            ),
        )
        db.session.commit()
        serial = report.build(inspection, unsealer)
        assert serial["unopenable_responses"] == 2

        monkeypatch.setattr(responses, "PARALLEL_FROM", 1)
        monkeypatch.setattr(responses, "CHUNK_ROWS", 7)
        monkeypatch.setattr(responses, "workers_available", lambda: 2)
        opened = list(
            responses.fold_opened(
                inspection, unsealer, responses.BrokenSeals(), responses.count_opened
            )
        )
        assert len(opened) == math.ceil(count_rows(inspection) / 7) and sum(opened) > 60
        parallel = report.build(inspection, unsealer)
    assert _comparable(parallel) == _comparable(serial)
    assert parallel["unopenable_responses"] == 2


def count_rows(inspection) -> int:
    return sum(responses.counts(inspection).values())


def test_not_applicable_answers_are_shown_and_outside_every_base(shipped_app):
    """20 "yes" of 34, 4 "I did not have any worries": 20/30 = 66.7%, here and when the
    finalised counts are compared with later."""
    factory = Factory(shipped_app)
    centre = factory.establishment("Centre N")
    previous = factory.inspection(establishment=centre)
    worries = (
        [{"arrival_worries_help": "yes"}] * 20
        + [{"arrival_worries_help": "no"}] * 10
        + [{"arrival_worries_help": "no_worries"}] * 4
    )
    seal(shipped_app, previous, "children", worries)
    finalise(shipped_app, previous)
    current = factory.inspection(establishment=centre)
    seal(shipped_app, current, "children", worries)
    with shipped_app.app_context():
        stored = db.session.get(PublishedCount, (previous, "children-stc", "arrival_worries_help"))
        assert (stored.not_applicable, stored.positive) == (4, 20)
        inspection = db.session.get(Inspection, current)
        evidence = report.build(inspection, inspections.unlock(inspection, PASSPHRASE))
        html = render.to_html(evidence, inspection)
    assert "Not applicable, so left out of the percentages: 4." in html
    assert "Fisher's exact test, mid-p" in html and "Holm's method" in html
    Draft202012Validator(SCHEMA).validate(evidence)
    [children] = evidence["questionnaires"]
    q = next(q for q in children["questions"] if q["id"] == "arrival_worries_help")
    assert (q["asked"], q["not_applicable"], q["base"]) == (34, 4, 30)
    assert q["positive"]["percent"] == 66.7
    options = {o["id"]: o for o in q["options"]}
    assert options["no_worries"]["count"] == 4 and options["no_worries"]["percent"] is None
    assert options["no_worries"]["not_applicable"] and not options["yes"]["not_applicable"]
    assert options["yes"]["percent"] + options["no"]["percent"] == pytest.approx(100.0)
    previous_side = q["comparisons"]["previous"]
    assert (previous_side["base"], previous_side["positive"]) == (30, 20)
    rows = [r for r in tables.rows(evidence) if r[1] == "arrival_worries_help"]
    assert ["not_applicable", 4] in [[r[4], r[8]] for r in rows]


def test_tick_box_disclosures_come_first_counted_once_per_child_and_banded_below_5(app, factory):
    """3 children disclose harm (two of them twice over), 1 ticks a non-disclosing answer and
    1 a disclosing answer routed out: 3 is below the threshold, so only "at least 1, fewer
    than 5" is published; 2 more make 5, shown exactly."""
    inspection_id = factory.inspection()
    hurt = {"hurt_by_child": "yes"}
    seal(
        app,
        inspection_id,
        "children",
        [
            {**hurt, "hurt_how": ["hit", "threatened"], "anything_else": "x"},
            {**hurt, "hurt_how": ["hit", "threatened"]},
            {**hurt, "hurt_how": ["threatened", "other"]},
            {**hurt, "hurt_how": ["other"]},
            {"hurt_by_child": "no", "hurt_how": ["hit"]},  # not asked: not counted
            {"feel_safe": "yes"},
        ],
    )

    def evidence():
        with app.app_context():
            inspection = db.session.get(Inspection, inspection_id)
            built = report.build(inspection, inspections.unlock(inspection, PASSPHRASE))
            return built, render.to_html(built, inspection)

    built, html = evidence()
    Draft202012Validator(SCHEMA).validate(built)
    keys = list(built)
    assert keys.index("disclosures") < keys.index("safeguarding_flags")
    [block] = built["disclosures"]  # the tiny staff questionnaire marks no disclosures
    assert block["questionnaire"] == "tiny-children" and block["respondents"] == 6
    [harm] = block["categories"]
    assert harm == {
        "category": "harm",
        "count": None,
        "fewer_than": 5,
        "answers": [
            {"question": "hurt_how", "answer": "hit"},
            {"question": "hurt_how", "answer": "threatened"},
        ],
    }
    assert block["any"] == {"count": None, "fewer_than": 5}
    assert html.index("Tick-box disclosures") < html.index("How to read this")
    assert html.count("at least 1, fewer than 5") == 4  # the summary, the note, harm and any
    rows = tables.rows(built)
    assert [r[4] for r in rows[:2]] == ["disclosure", "disclosure"]
    assert [(r[7], r[6], r[8], r[18]) for r in rows[:2]] == [
        ("harm", "at least 1, fewer than 5", None, True),
        ("any", "at least 1, fewer than 5", None, True),
    ]

    seal(app, inspection_id, "children", [{**hurt, "hurt_how": ["hit"]}] * 2)
    built, html = evidence()
    Draft202012Validator(SCHEMA).validate(built)
    [block] = built["disclosures"]
    assert block["categories"][0]["count"] == 5 and block["any"] == {"count": 5, "fewer_than": None}
    assert "at least 1, fewer than 5</td>" not in html
    assert [(r[7], r[8], r[18]) for r in tables.rows(built)[:2]] == [
        ("harm", 5, False),
        ("any", 5, False),
    ]


def test_the_page_reads_summary_first_then_one_table_per_area_with_marked_differences(
    app, client, setting
):
    sign_in(client, setting["email"])
    html = unlock(client, setting["current"], "/evidence", expect=200).get_data(as_text=True)
    order = ["Contents", 'id="summary-heading"', 'id="disclosures-heading"', 'id="flags-heading"']
    order += ['id="area-tiny-children-safety"', 'id="appendices"', 'id="comments-heading"']
    positions = [html.index(marker) for marker in order]
    assert positions == sorted(positions)
    # One row a question in its area's table, the significant difference shaded and marked.
    table = html[html.index('id="area-tiny-children-safety"') :]
    table = table[: table.index("</table>")]
    row = table[table.index('id="row-tiny-children-feel_safe"') :]
    row = row[: row.index("</tr>")]
    assert "sig sig--better" in row and "▲" in row and "+70.0" in row
    assert "staff_respect" not in table  # care has its own table
    assert 'id="area-tiny-children-care"' in html
    # Words, not ids; plurals by number.
    assert "Safety" in table and ">safety<" not in html
    assert "1 results" not in html and "of 1 other establishments" not in html
    assert "inspection of 1 other establishment of the same type" in html


def test_the_demo_reads_true_in_labels_and_voices(shipped_app):
    from survey_app.demo import DEMO_COMMENTS

    with shipped_app.app_context():
        created = load_demo(children=40, staff=90, seed=3)
        inspection = db.session.get(Inspection, created["current"])
        evidence = report.build(inspection, inspections.unlock(inspection, DEMO_PASSPHRASE))
        html = render.to_html(evidence, inspection)
        assert inspection.staff_codes_issued == 90  # each staff response used a slip
        assert access.unspent_staff_codes(inspection) == 0
    for block in evidence["comments"]:
        texts = [comment["text"] for comment in block["comments"]]
        assert texts and len(texts) == len(set(texts)), block["audience"]
        assert set(texts) <= set(DEMO_COMMENTS[block["audience"]]), block["audience"]
    flagged = [flag["text"] for flag in evidence["safeguarding_flags"]]
    assert len(flagged) == len(set(flagged))
    for block in evidence["disclosures"]:  # a minority disclose, as in life (not 36 of 40)
        disclosed = block["any"]["count"] or block["any"]["fewer_than"]
        assert 0 < disclosed < block["respondents"] * 0.4, block["audience"]
    import re

    body = html[html.index("<body") :]
    shown = re.sub(r"<[^>]+>", " ", body)  # what a reader sees, not ids in attributes
    for raw in ("wish_to_talk", "daily_life", "family_contact", "_"):
        assert raw not in shown, raw
    assert not re.search(r"\d{4}-\d\d-\d\dT", shown)  # no ISO times
    read = re.sub(r"<[^>]+>", "", body)  # the words as they run on
    assert not re.search(r"[?!.]\.(?!\.)", read), re.search(r".{60}[?!.]\.(?!\.)", read)
    assert "Contact with family" in html and "Suggested lines of enquiry" in html
    # The unit retired before this inspection: no column of "n=0" in its breakdown, a line.
    by_unit = html[html.index('id="bd-children-stc-living_unit"') :]
    by_unit = by_unit[: by_unit.index("</table>")]
    assert "Oak</th>" in by_unit and "Elm (closed)" not in by_unit
    assert '<col span="4">' in by_unit  # not stated, Ash, Beech, Oak
    assert "Nobody who answered is in: Elm (closed)." in html


def test_a_question_whose_wording_or_period_changed_is_not_compared(shipped_app):
    """A previous inspection on version 1 ("Do you feel safe here now?", no period) and one
    on version 2 (the same question, its period stated in a hint): the percentages measure
    different things, so the evidence does not compare them and says so."""
    factory = Factory(shipped_app)
    centre = factory.establishment("Centre W")
    previous = factory.inspection(establishment=centre)
    answers = [{"safe_now": "yes"}] * 2 + [{"safe_now": "no"}] * 8
    seal(shipped_app, previous, "children", answers, version=1)
    finalise(shipped_app, previous)
    current = factory.inspection(establishment=centre)
    seal(shipped_app, current, "children", [{"safe_now": "yes"}] * 10, version=2)
    with shipped_app.app_context():
        stored = db.session.get(PublishedCount, (previous, "children-stc", "safe_now"))
        assert stored.questionnaire_version == 1
        inspection = db.session.get(Inspection, current)
        evidence = report.build(inspection, inspections.unlock(inspection, PASSPHRASE))
        html = render.to_html(evidence, inspection)
    Draft202012Validator(SCHEMA).validate(evidence)
    [children] = evidence["questionnaires"]
    safe_now = next(q for q in children["questions"] if q["id"] == "safe_now")
    assert safe_now["comparisons"]["previous"] is None
    not_compared = evidence["compared_with"]["previous"]["not_compared"]
    assert "children-stc/safe_now" in not_compared
    assert "Not compared with the previous inspection" in html
    assert "children-stc/safe_now" in html
    # The same version on both sides is compared.
    later = factory.inspection(establishment=centre)
    finalise(shipped_app, current)
    seal(shipped_app, later, "children", [{"safe_now": "no"}] * 10, version=2)
    with shipped_app.app_context():
        inspection = db.session.get(Inspection, later)
        inspection.previous_id, inspection.previous_chosen = current, True
        db.session.commit()
        evidence = report.build(inspection, inspections.unlock(inspection, PASSPHRASE))
    [children] = evidence["questionnaires"]
    safe_now = next(q for q in children["questions"] if q["id"] == "safe_now")
    assert (
        safe_now["comparisons"]["previous"]["base"],
        safe_now["comparisons"]["previous"]["positive"],
    ) == (10, 10)
    assert "children-stc/safe_now" not in evidence["compared_with"]["previous"]["not_compared"]


def test_an_inspection_answered_on_version_1_still_gives_its_evidence(shipped_app):
    factory = Factory(shipped_app)
    inspection_id = factory.inspection(establishment=factory.establishment("Centre V"))
    seal(shipped_app, inspection_id, "children", [{"ever_unsafe": "yes"}] * 6, version=1)
    seal(shipped_app, inspection_id, "staff", [{"children_feel_safe": "no"}] * 6, version=1)
    with shipped_app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        evidence = report.build(inspection, inspections.unlock(inspection, PASSPHRASE))
        html = render.to_html(evidence, inspection)
    Draft202012Validator(SCHEMA).validate(evidence)
    children = next(q for q in evidence["questionnaires"] if q["id"] == "children-stc")
    ever_unsafe = next(q for q in children["questions"] if q["id"] == "ever_unsafe")
    assert ever_unsafe["text"] == "Have you ever felt unsafe here?"  # v1's own wording
    assert (ever_unsafe["base"], ever_unsafe["positive"]["count"]) == (6, 0)
    assert "Have you ever felt unsafe here?" in html
