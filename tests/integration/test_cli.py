"""The command line: every command in the README contract, its output, and its refusals.

Each command is run through Flask's CLI runner against a fresh database. Every refusal
must exit non-zero with a one-line ``Error: ...`` message and never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import shutil
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from survey_app import accounts, inspections, responses, sealing
from survey_app.demo import DEMO_ADMIN, DEMO_EMAIL, DEMO_PASSPHRASE, DEMO_PASSWORD
from survey_app.evidence import published
from survey_app.models import (
    AuditEvent,
    Establishment,
    Inspection,
    Inspector,
    Kiosk,
    SealedResponse,
    StaffCode,
    db,
)
from tests.conftest import SHIPPED_QUESTIONNAIRES, TINY_QUESTIONNAIRES
from tests.helpers import PASSPHRASE, PASSWORD, csrf_token, enrol_kiosk, post_form

PUBLIC_URL = "https://localhost"  # tests/conftest.py sets this
ID = re.compile(r"^[0-9a-f]{32}$")
CODE = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$")
PROBLEM = re.compile(r"^(?P<file>[^:\s]+\.yaml):(?P<line>\d+): (?P<path>\S+): (?P<message>.+)$")


# --- helpers ---------------------------------------------------------------------------------


def run(app, *args, input=None, env=None):
    """Run a command that must succeed; a failure shows its output and any traceback."""
    result = app.test_cli_runner().invoke(
        args=list(args), input=input, env=env, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


def refused(app, *args, input=None, env=None):
    """Run a command that must be refused: non-zero, one ``Error:`` line, no traceback."""
    result = app.test_cli_runner().invoke(args=list(args), input=input, env=env)
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    return errors[0]


def lines(result) -> list[str]:
    return result.output.splitlines()


def passphrase_env(passphrase: str = PASSPHRASE) -> dict:
    return {"SURVEY_PASSPHRASE": passphrase}


def twice(secret: str) -> str:
    """Input for a hidden prompt with confirmation."""
    return f"{secret}\n{secret}\n"


def audit_actions(app, inspection_id: str | None = None) -> list[tuple[str, str, str]]:
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.at)
        if inspection_id is not None:
            query = query.where(AuditEvent.inspection_id == inspection_id)
        return [(e.actor, e.action, e.detail) for e in db.session.scalars(query)]


def submit(app, inspection_id: str, audience: str, answers: dict, times: int = 1) -> None:
    """Store sealed responses directly, as the kiosk and staff pages would."""
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        questionnaire = app.extensions["questionnaires"].current(
            audience, inspection.establishment.type
        )
        for _ in range(times):
            ballot = {"nonce": secrets.token_urlsafe(16)}
            responses.submit(inspection, questionnaire, answers, ballot)


def respondents(evidence: dict) -> dict[str, int]:
    return {q["audience"]: q["respondents"] for q in evidence["questionnaires"]}


def status(app, inspection_id: str) -> str:
    with app.app_context():
        return db.session.get(Inspection, inspection_id).status


# --- users create ----------------------------------------------------------------------------


def test_users_create_prompts_for_the_password_twice(app):
    result = run(
        app, "users", "create", "Admin@Example.org", "--role", "admin", input=twice(PASSWORD)
    )
    assert "Created admin admin@example.org" in result.output
    assert PASSWORD not in result.output
    with app.app_context():
        inspector = accounts.authenticate("admin@example.org", PASSWORD)
        assert inspector is not None
        assert inspector.role == "admin"
        assert inspector.password_hash != PASSWORD
    assert ("command line", "account-create", "admin@example.org (admin)") in audit_actions(app)


def test_users_create_asks_again_when_the_two_passwords_differ(app):
    answers = f"{PASSWORD}\nsomething else entirely\n{PASSWORD}\n{PASSWORD}\n"
    result = run(app, "users", "create", "x@example.org", "--role", "inspector", input=answers)
    assert "do not match" in result.output
    with app.app_context():
        assert accounts.authenticate("x@example.org", PASSWORD) is not None


def test_users_create_reads_one_line_of_standard_input(app):
    result = run(
        app,
        "users",
        "create",
        "inspector@example.org",
        "--role",
        "inspector",
        "--password-stdin",
        input=f"{PASSWORD}\r\nignored second line\n",
    )
    assert "Created inspector inspector@example.org" in result.output
    with app.app_context():
        inspector = accounts.authenticate("inspector@example.org", PASSWORD)
        assert inspector is not None
        assert inspector.role == "inspector"
        assert accounts.authenticate("inspector@example.org", PASSWORD + "\r") is None


@pytest.mark.parametrize(
    ("args", "input", "message"),
    [
        (["a@example.org", "--role", "boss", "--password-stdin"], f"{PASSWORD}\n", "--role"),
        (["a@example.org", "--password-stdin"], f"{PASSWORD}\n", "--role"),
        (["a@example.org", "--role", "admin", "--password-stdin"], "too short\n", "at least 12"),
        (["a@example.org", "--role", "admin", "--password-stdin"], "", "at least 12"),
        (["a@example.org", "--role", "admin"], twice("short"), "at least 12"),
        (["not-an-email", "--role", "admin", "--password-stdin"], f"{PASSWORD}\n", "email"),
    ],
    ids=["unknown-role", "no-role", "short-stdin", "empty-stdin", "short-prompt", "bad-email"],
)
def test_users_create_refuses_bad_input(app, args, input, message):
    error = refused(app, "users", "create", *args, input=input)
    assert message in error
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inspector)) == 0


def test_users_create_refuses_an_existing_email(app, factory):
    email = factory.inspector()
    error = refused(
        app,
        "users",
        "create",
        email.upper(),
        "--role",
        "admin",
        "--password-stdin",
        input="another long password\n",
    )
    assert "already exists" in error
    with app.app_context():
        assert accounts.find(email).role == "lead"  # unchanged: the factory makes leads
        assert accounts.authenticate(email, PASSWORD) is not None


# --- establishments signposting ----------------------------------------------------------------


def test_establishments_signposting_sets_shows_and_clears_the_advocacy_provider(app, factory):
    centre = factory.establishment("Oakhill Secure Training Centre", "stc")
    shown = run(app, "establishments", "signposting", centre).output
    assert "- Ask a member of staff to help you contact your advocate." in shown
    assert "- Childline: call free on 0800 1111 from your PIN phone." in shown
    assert audit_actions(app) == []  # only looked at
    shown = run(
        app,
        "establishments",
        "signposting",
        centre,
        "--advocacy-name",
        " Barnardo's ",
        "--advocacy-contact",
        "Put a note in the  advocacy box.",
    ).output
    assert "- Your advocate is from Barnardo's. Put a note in the advocacy box." in shown
    assert audit_actions(app) == [
        ("command line", "establishment-signposting", "Oakhill Secure Training Centre")
    ]
    shown = run(app, "establishments", "signposting", centre, "--clear").output
    assert "Barnardo" not in shown and "contact your advocate" in shown


@pytest.mark.parametrize(
    "args, message",
    [
        (["nope"], "no establishment with id nope"),
        (["{id}", "--advocacy-name", "  "], "--advocacy-name must be 1 to 200 characters"),
        (["{id}", "--advocacy-contact", "x" * 301], "--advocacy-contact must be 1 to 300"),
        (["{id}", "--clear", "--advocacy-name", "A"], "--clear cannot be given with"),
        (
            ["{id}", "--advocacy-contact", "Use the box."],
            "--advocacy-contact needs --advocacy-name",
        ),
    ],
)
def test_establishments_signposting_refuses_bad_input(app, factory, args, message):
    centre = factory.establishment()
    args = [arg.replace("{id}", centre) for arg in args]
    assert message in refused(app, "establishments", "signposting", *args)


# --- establishments create -------------------------------------------------------------------


@pytest.mark.parametrize("type_", ["stc", "yoi", "sch"])
def test_establishments_create_prints_only_the_new_id(app, type_):
    result = run(app, "establishments", "create", "  Oakhill Secure Centre ", "--type", type_)
    [printed] = lines(result)
    assert ID.match(printed)
    with app.app_context():
        establishment = db.session.get(Establishment, printed)
        assert establishment.name == "Oakhill Secure Centre"
        assert establishment.type == type_


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Somewhere", "--type", "prison"], "--type"),
        (["Somewhere"], "--type"),
        (["   ", "--type", "stc"], "1 to 200 characters"),
        (["x" * 201, "--type", "stc"], "1 to 200 characters"),
    ],
    ids=["unknown-type", "no-type", "blank-name", "long-name"],
)
def test_establishments_create_refuses_bad_input(app, args, message):
    assert message in refused(app, "establishments", "create", *args)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Establishment)) == 0


# --- inspections create ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["full", "assurance"])
def test_inspections_create_takes_the_passphrase_from_the_environment(app, factory, kind):
    establishment = factory.establishment()
    result = run(app, "inspections", "create", establishment, "--kind", kind, env=passphrase_env())
    [printed] = lines(result)
    assert ID.match(printed)
    with app.app_context():
        inspection = db.session.get(Inspection, printed)
        assert inspection.establishment_id == establishment
        assert inspection.kind == kind
        assert inspection.is_open
        assert inspections.unlock(inspection, PASSPHRASE) is not None
        with pytest.raises(sealing.WrongPassphrase):
            inspections.unlock(inspection, PASSPHRASE + "!")
    assert ("command line", "inspection-create", "") in audit_actions(app, printed)


def test_inspections_create_prompts_for_the_passphrase_twice(app, factory):
    establishment = factory.establishment()
    result = run(
        app, "inspections", "create", establishment, "--kind", "full", input=twice(PASSPHRASE)
    )
    printed = lines(result)[-1]
    assert ID.match(printed)
    assert PASSPHRASE not in result.output
    with app.app_context():
        assert inspections.unlock(db.session.get(Inspection, printed), PASSPHRASE) is not None


@pytest.mark.parametrize(
    ("known", "args", "input", "env", "message"),
    [
        (False, ["--kind", "full"], None, passphrase_env(), "no establishment with id"),
        (False, ["--kind", "full"], None, None, "no establishment with id"),
        (True, ["--kind", "partial"], None, passphrase_env(), "--kind"),
        (True, [], None, passphrase_env(), "--kind"),
        (True, ["--kind", "full"], None, passphrase_env("eleven char"), "at least 12"),
        (True, ["--kind", "full"], None, passphrase_env(""), "at least 12"),
        (True, ["--kind", "full"], twice("short"), None, "at least 12"),
    ],
    ids=[
        "unknown-establishment",
        "unknown-establishment-before-prompting",
        "unknown-kind",
        "no-kind",
        "short-env-passphrase",
        "empty-env-passphrase",
        "short-prompted-passphrase",
    ],
)
def test_inspections_create_refuses_bad_input(app, factory, known, args, input, env, message):
    establishment = factory.establishment() if known else "0" * 32
    error = refused(app, "inspections", "create", establishment, *args, input=input, env=env)
    assert message in error
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inspection)) == 0


# --- inspections assign ----------------------------------------------------------------------


def test_inspections_assign_adds_the_inspector_once(app, factory):
    email = factory.inspector()
    inspection = factory.inspection()
    result = run(app, "inspections", "assign", inspection, email.upper())
    assert email in result.output
    run(app, "inspections", "assign", inspection, email)
    with app.app_context():
        found = db.session.get(Inspection, inspection)
        assert [i.email for i in found.inspectors] == [email]
        assert inspections.can_see(accounts.find(email), found)
    assigned = [a for a in audit_actions(app, inspection) if a[1] == "inspection-assign"]
    assert assigned == [("command line", "inspection-assign", email)] * 2


def test_inspections_assign_refuses_unknown_ids_and_emails(app, factory):
    email = factory.inspector()
    inspection = factory.inspection()
    assert "no inspection with id" in refused(app, "inspections", "assign", "f" * 32, email)
    assert "no account for" in refused(
        app, "inspections", "assign", inspection, "nobody@example.org"
    )
    with app.app_context():
        assert db.session.get(Inspection, inspection).inspectors == []


# --- inspections kiosk-url -------------------------------------------------------------------


def kiosk_token(app, inspection_id: str) -> str:
    result = run(app, "inspections", "kiosk-url", inspection_id)
    [url] = lines(result)
    assert url.startswith(f"{PUBLIC_URL}/kiosk/enrol/")
    path = urlsplit(url).path
    return path.rsplit("/", 1)[1]


def test_kiosk_url_enrols_one_tablet_once(app, factory):
    inspection = factory.inspection()
    token = kiosk_token(app, inspection)
    tablet = app.test_client()
    enrolled = enrol_kiosk(tablet, token, expect=302)
    assert enrolled.headers["Location"].endswith("/kiosk")
    tablet.get("/kiosk", expect=200)
    enrol_kiosk(app.test_client(), token, expect=410)
    with app.app_context():
        kiosks = db.session.scalars(select(Kiosk)).all()
        assert [k.inspection_id for k in kiosks] == [inspection]
    assert ("command line", "kiosk-invite", "") in audit_actions(app, inspection)


def test_each_kiosk_url_is_different(app, factory):
    inspection = factory.inspection()
    assert kiosk_token(app, inspection) != kiosk_token(app, inspection)


def test_kiosk_url_refuses_unknown_and_closed_inspections(app, factory):
    assert "no inspection with id" in refused(app, "inspections", "kiosk-url", "0" * 32)
    inspection = factory.inspection()
    factory.close(inspection)
    assert "closed" in refused(app, "inspections", "kiosk-url", inspection)


# --- inspections staff-codes -----------------------------------------------------------------


def staff_codes(app, inspection_id: str, count: int) -> tuple[str, list[str]]:
    result = run(app, "inspections", "staff-codes", inspection_id, "--count", str(count))
    url, *codes = lines(result)
    return url, codes


def test_staff_codes_prints_the_url_then_the_codes(app, factory):
    inspection = factory.inspection()
    url, codes = staff_codes(app, inspection, 5)
    assert url == f"{PUBLIC_URL}/staff/{inspection}"
    assert len(codes) == 5
    assert len(set(codes)) == 5
    assert all(CODE.match(code) for code in codes)
    with app.app_context():
        stored = db.session.scalars(select(StaffCode).where(StaffCode.inspection_id == inspection))
        hashes = {row.code_hash for row in stored}
    assert len(hashes) == 5
    assert not hashes & {code.replace("-", "") for code in codes}
    events = [a for a in audit_actions(app, inspection) if a[1] == "staff-codes"]
    assert events == [("command line", "staff-codes", "5 codes")]
    assert not any(code in detail for code in codes for *_, detail in audit_actions(app))


def test_a_printed_staff_code_is_accepted_once(app, factory):
    inspection = factory.inspection()
    url, codes = staff_codes(app, inspection, 2)
    page = urlsplit(url).path
    post_form(app.test_client(), page, code=codes[0], language="en", expect=302)
    post_form(app.test_client(), page, code=codes[0], language="en", expect=400)
    # Typed loosely on a phone: lower case, spaces for dashes.
    typed = codes[1].lower().replace("-", " ")
    post_form(app.test_client(), page, code=typed, language="en", expect=302)


def test_staff_codes_belong_to_their_own_inspection(app, factory):
    first = factory.inspection()
    second = factory.inspection()
    _, codes = staff_codes(app, first, 1)
    post_form(app.test_client(), f"/staff/{second}", code=codes[0], language="en", expect=400)


@pytest.mark.parametrize(
    ("count", "message"),
    [(["--count", "0"], "--count"), (["--count", "many"], "--count"), ([], "--count")],
    ids=["zero", "not-a-number", "missing"],
)
def test_staff_codes_refuses_a_bad_count(app, factory, count, message):
    inspection = factory.inspection()
    assert message in refused(app, "inspections", "staff-codes", inspection, *count)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StaffCode)) == 0


def test_staff_codes_refuses_unknown_and_closed_inspections(app, factory):
    assert "no inspection with id" in refused(
        app, "inspections", "staff-codes", "0" * 32, "--count", "3"
    )
    inspection = factory.inspection()
    factory.close(inspection)
    assert "closed" in refused(app, "inspections", "staff-codes", inspection, "--count", "3")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StaffCode)) == 0


def test_staff_codes_can_also_write_the_pdf_sheet(app, factory, tmp_path):
    from tests.helpers import pdf_pages

    inspection = factory.inspection()
    sheet = tmp_path / "slips.pdf"
    result = run(app, "inspections", "staff-codes", inspection, "--count", "9", "--pdf", str(sheet))
    url, *codes = lines(result)  # the printed contract is unchanged
    assert url == f"{PUBLIC_URL}/staff/{inspection}"
    assert len(codes) == 9 and all(CODE.match(code) for code in codes)
    pdf = sheet.read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf_pages(pdf) == 2
    page = urlsplit(url).path
    post_form(app.test_client(), page, code=codes[8], language="en", expect=302)


def test_staff_codes_pdf_with_codes_in_the_qr_codes(app, factory, tmp_path):
    inspection = factory.inspection()
    sheet = tmp_path / "slips.pdf"
    command = ["inspections", "staff-codes", inspection, "--count", "2", "--code-in-qr"]
    run(app, *command, "--pdf", str(sheet))
    assert sheet.read_bytes().startswith(b"%PDF-")


def test_staff_codes_refuses_a_pdf_path_it_cannot_write(app, factory, tmp_path):
    inspection = factory.inspection()
    missing = tmp_path / "no-such-folder" / "slips.pdf"
    assert "cannot write" in refused(
        app, "inspections", "staff-codes", inspection, "--count", "3", "--pdf", str(missing)
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StaffCode)) == 0
        assert db.session.get(Inspection, inspection).staff_codes_issued == 0


# --- inspections close -----------------------------------------------------------------------


def test_close_stops_tablets_staff_codes_and_new_links(app, factory):
    inspection = factory.inspection()
    tablet = app.test_client()
    enrol_kiosk(tablet, kiosk_token(app, inspection), expect=302)
    unused_invitation = kiosk_token(app, inspection)
    url, codes = staff_codes(app, inspection, 1)
    staff = app.test_client()  # a member of staff with the code page open when it closes
    token = csrf_token(staff.get(urlsplit(url).path).get_data(as_text=True))

    result = run(app, "inspections", "close", inspection)
    assert result.output.strip() == f"Closed inspection {inspection}"

    with app.app_context():
        closed = db.session.get(Inspection, inspection)
        assert closed.status == "closed"
        assert closed.closed_on == dt.datetime.now(dt.UTC).date()
        assert all(k.revoked for k in db.session.scalars(select(Kiosk)))
    tablet.get("/kiosk", expect=403)
    enrol_kiosk(app.test_client(), unused_invitation, expect=410)
    form = {"csrf_token": token, "code": codes[0], "language": "en"}
    staff.post(urlsplit(url).path, data=form, expect=410)
    app.test_client().get(urlsplit(url).path, expect=410)
    assert ("command line", "inspection-close", "") in audit_actions(app, inspection)

    for args in (["kiosk-url"], ["staff-codes", "--count", "1"], ["close"]):
        command, *options = args
        error = refused(app, "inspections", command, inspection, *options)
        assert error == f"Error: inspection {inspection} is closed"
    assert status(app, inspection) == "closed"


def test_close_refuses_an_unknown_inspection(app):
    assert "no inspection with id" in refused(app, "inspections", "close", "0" * 32)


# --- export ----------------------------------------------------------------------------------


@pytest.fixture
def answered(app, factory):
    """An inspection with three children's and two staff responses."""
    inspection = factory.inspection()
    submit(app, inspection, "children", {"feel_safe": "yes", "hurt_by_child": "no"}, times=2)
    submit(app, inspection, "children", {"feel_safe": "no", "anything_else": "Hello there"})
    submit(app, inspection, "staff", {"children_safe": "yes"}, times=2)
    return inspection


def test_export_writes_the_evidence_as_json(app, answered, tmp_path):
    output = tmp_path / "evidence.json"
    result = run(
        app, "export", answered, "--format", "json", "--output", str(output), env=passphrase_env()
    )
    assert result.output.strip() == f"Wrote {output}"
    evidence = json.loads(output.read_text(encoding="utf-8"))
    assert evidence["format"] == "survey-evidence/2"
    assert evidence["inspection"]["id"] == answered
    assert evidence["inspection"]["status"] == "open"
    assert evidence["unopenable_responses"] == 0
    assert respondents(evidence) == {"children": 3, "staff": 2}
    [children] = [q for q in evidence["questionnaires"] if q["audience"] == "children"]
    [feel_safe] = [q for q in children["questions"] if q["id"] == "feel_safe"]
    assert feel_safe["asked"] == 3
    assert {o["id"]: o["count"] for o in feel_safe["options"]} == {"yes": 2, "no": 1}
    exported = [a for a in audit_actions(app, answered) if a[1] == "export"]
    assert exported == [("command line", "export", "json to evidence.json")]


def test_export_prompts_for_the_passphrase_and_json_is_the_default(app, answered, tmp_path):
    output = tmp_path / "evidence.json"
    result = run(app, "export", answered, "--output", str(output), input=f"{PASSPHRASE}\n")
    assert PASSPHRASE not in result.output
    assert respondents(json.loads(output.read_text(encoding="utf-8"))) == {
        "children": 3,
        "staff": 2,
    }


def test_export_of_a_closed_inspection_without_responses(app, factory, tmp_path):
    inspection = factory.inspection()
    factory.close(inspection)
    output = tmp_path / "empty.json"
    run(app, "export", inspection, "--output", str(output), env=passphrase_env())
    evidence = json.loads(output.read_text(encoding="utf-8"))
    assert evidence["inspection"]["status"] == "closed"
    assert sum(respondents(evidence).values()) == 0


def test_export_with_the_wrong_passphrase_writes_nothing(app, answered, tmp_path):
    output = tmp_path / "evidence.json"
    error = refused(
        app, "export", answered, "--output", str(output), env=passphrase_env("not the passphrase")
    )
    assert "passphrase" in error.lower()
    assert not output.exists()
    refused(app, "export", answered, "--output", str(output), input="also not the passphrase\n")
    assert not output.exists()
    refusals = [a for a in audit_actions(app, answered) if a[1] == "unlock-refused"]
    assert len(refusals) == 2
    assert not [a for a in audit_actions(app, answered) if a[1] == "export"]


def test_export_with_the_wrong_passphrase_leaves_an_earlier_file_alone(app, answered, tmp_path):
    output = tmp_path / "evidence.json"
    output.write_text("earlier", encoding="utf-8")
    refused(
        app, "export", answered, "--output", str(output), env=passphrase_env("wrong wrong wrong")
    )
    assert output.read_text(encoding="utf-8") == "earlier"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "docx"], "--format"),
        ([], "--output"),
    ],
    ids=["unknown-format", "no-output"],
)
def test_export_refuses_bad_options(app, answered, tmp_path, args, message):
    error = refused(app, "export", answered, *args, env=passphrase_env())
    assert message in error
    assert list(tmp_path.glob("*.json")) == []


def test_export_refuses_an_unknown_inspection(app, tmp_path):
    output = tmp_path / "evidence.json"
    error = refused(app, "export", "0" * 32, "--output", str(output), env=passphrase_env())
    assert "no inspection with id" in error
    assert not output.exists()


def test_export_refuses_a_directory_as_output(app, answered, tmp_path):
    refused(app, "export", answered, "--output", str(tmp_path), env=passphrase_env())


def test_export_refuses_an_output_folder_that_does_not_exist(app, answered, tmp_path):
    output = tmp_path / "missing" / "evidence.json"
    error = refused(app, "export", answered, "--output", str(output), env=passphrase_env())
    assert "evidence.json" in error
    assert not output.exists()
    assert not [a for a in audit_actions(app, answered) if a[1] == "export"]


# --- questionnaires check --------------------------------------------------------------------


def test_questionnaires_check_passes_on_the_configured_directory(app):
    result = run(app, "questionnaires", "check")
    assert lines(result) == [
        "tiny-children.v1: 6 questions, valid",
        "tiny-staff.v1: 4 questions, valid",
    ]


@pytest.mark.parametrize("directory", [SHIPPED_QUESTIONNAIRES, TINY_QUESTIONNAIRES])
def test_questionnaires_check_passes_on_the_shipped_and_tiny_definitions(app, directory):
    result = run(app, "questionnaires", "check", "--directory", str(directory))
    found = lines(result)
    assert found
    assert len(found) == len(list(directory.glob("*.v*.yaml")))
    assert all(line.endswith(" questions, valid") for line in found)


def test_questionnaires_check_holds_the_newest_shipped_versions_to_periods_and_reading_age(
    app, tmp_path
):
    folder = tmp_path / "shipped"
    shutil.copytree(SHIPPED_QUESTIONNAIRES, folder)
    path = folder / "children-stc.v2.yaml"
    text = path.read_text(encoding="utf-8")
    old = "hint: Think about the last week, in the day and at night."
    hard = "hint: Consider, approximately, the previous seven days, including overnight."
    path.write_text(text.replace(old, hard), encoding="utf-8")
    result = app.test_cli_runner().invoke(
        args=["questionnaires", "check", "--directory", str(folder)]
    )
    assert result.exit_code != 0
    *problems, error = lines(result)
    assert error == "Error: 2 problems found"
    assert any("staff_there_when_needed.hint: must state the period" in p for p in problems)
    assert any(
        p.startswith("children-stc.v2: staff_there_when_needed (hint): Flesch-Kincaid grade")
        for p in problems
    )


def test_questionnaires_readability_prints_a_report_per_current_questionnaire(app):
    result = run(app, "questionnaires", "readability", "--directory", str(SHIPPED_QUESTIONNAIRES))
    summaries = [line for line in lines(result) if not line.startswith(" ")]
    assert [s.split(" ", 1)[0] for s in summaries] == ["children-stc.v2", "staff-stc.v2"]
    assert summaries[0].endswith("; 0 above 4")
    result = run(
        app,
        "questionnaires",
        "readability",
        "--all-versions",
        "--directory",
        str(SHIPPED_QUESTIONNAIRES),
    )
    assert len([line for line in lines(result) if not line.startswith(" ")]) == 4


def broken_copy(tmp_path, old: str, new: str):
    """The tiny definitions with one edit in the children's file; returns the folder and the
    line of the edit."""
    folder = tmp_path / "broken"
    shutil.copytree(TINY_QUESTIONNAIRES, folder)
    path = folder / "tiny-children.v1.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    return folder, line


def check_problems(app, folder) -> tuple[list[re.Match], str]:
    """Run the check on a broken folder: every line but the last is ``file:line: path: message``.

    Returns the problems in the edited children's file (a file that fails to load can also
    make the staff file's ``pair`` look broken) and the final error line.
    """
    result = app.test_cli_runner().invoke(
        args=["questionnaires", "check", "--directory", str(folder)]
    )
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    *problems, error = lines(result)
    assert problems
    assert re.fullmatch(r"Error: \d+ problems? found", error), error
    assert int(error.split()[1]) == len(problems)
    matches = [PROBLEM.match(line) for line in problems]
    assert all(matches), problems
    return [m for m in matches if m["file"] == "tiny-children.v1.yaml"], error


def test_questionnaires_check_reports_a_rule_problem_as_file_line_path_message(app, tmp_path):
    folder, line = broken_copy(tmp_path, "positive: [always, mostly]", "positive: [always, often]")
    [problem], _ = check_problems(app, folder)
    assert int(problem["line"]) == line
    assert problem["path"] == "sections[0].questions[3].positive"
    assert "'often' is not an option" in problem["message"]


def test_questionnaires_check_reports_a_schema_problem(app, tmp_path):
    folder, line = broken_copy(
        tmp_path,
        "type: yes_no\n        area: safety\n        text: Has",
        ("type: maybe\n        area: safety\n        text: Has"),
    )
    problems, _ = check_problems(app, folder)
    assert any(int(p["line"]) == line and "questions[1].type" in p["path"] for p in problems), [
        p.group(0) for p in problems
    ]


def test_questionnaires_check_reports_broken_yaml(app, tmp_path):
    folder, _ = broken_copy(tmp_path, "title: Your life here", "title: [Your life here")
    [problem], _ = check_problems(app, folder)
    assert int(problem["line"]) == 6
    assert problem["path"] == "(document)"
    assert "not valid YAML" in problem["message"]


@pytest.mark.parametrize("folder", ["empty", "nowhere"])
def test_questionnaires_check_refuses_a_folder_without_definitions(app, tmp_path, folder):
    (tmp_path / "empty").mkdir()
    result = app.test_cli_runner().invoke(
        args=["questionnaires", "check", "--directory", str(tmp_path / folder)]
    )
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "no questionnaire files" in result.output
    assert lines(result)[-1].startswith("Error: ")


# --- demo ------------------------------------------------------------------------------------


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_loads_sealed_inspections_once(shipped_app, tmp_path):
    result = run(shipped_app, "demo", "--children", "5", "--staff", "5")
    output = result.output
    current = re.search(r"^Current inspection: ([0-9a-f]{32})$", output, re.M).group(1)
    previous = re.search(r"^Previous inspection: ([0-9a-f]{32})$", output, re.M).group(1)
    assert f"{DEMO_EMAIL} / {DEMO_PASSWORD}" in output
    assert DEMO_ADMIN in output
    assert DEMO_PASSPHRASE in output

    with shipped_app.app_context():
        assert count(Inspector) == 2
        assert (
            accounts.authenticate(DEMO_EMAIL, DEMO_PASSWORD).role == "lead"
        )  # the demo walks through finalising
        assert accounts.authenticate(DEMO_ADMIN, DEMO_PASSWORD).role == "admin"
        assert count(Establishment) == 2
        every = db.session.scalars(select(Inspection)).all()
        assert len(every) == 3
        assert sorted(i.status for i in every) == ["finalised", "finalised", "open"]
        assert db.session.get(Inspection, current).is_open
        assert db.session.get(Inspection, previous).status == "finalised"
        assert db.session.get(Inspection, previous).finalised_on is not None
        demo_inspector = accounts.find(DEMO_EMAIL)
        for inspection in every:
            assert inspections.can_see(demo_inspector, inspection)
            stored = db.session.execute(
                select(SealedResponse.questionnaire_id, func.count())
                .where(SealedResponse.inspection_id == inspection.id)
                .group_by(SealedResponse.questionnaire_id)
            )
            assert dict(stored.all()) == {"children-stc": 5, "staff-stc": 5}
            assert inspections.unlock(inspection, DEMO_PASSPHRASE) is not None
        assert count(SealedResponse) == 30
        assert published.previous(db.session.get(Inspection, current)).id == previous

    output_file = tmp_path / "demo.json"
    run(
        shipped_app,
        "export",
        current,
        "--output",
        str(output_file),
        env=passphrase_env(DEMO_PASSPHRASE),
    )
    evidence = json.loads(output_file.read_text(encoding="utf-8"))
    assert evidence["unopenable_responses"] == 0
    assert respondents(evidence) == {"children": 5, "staff": 5}

    again = run(shipped_app, "demo", "--children", "5", "--staff", "5")
    assert "already loaded" in again.output
    assert "Current inspection" not in again.output
    with shipped_app.app_context():
        assert count(Inspector) == 2
        assert count(Inspection) == 3
        assert count(SealedResponse) == 30


@pytest.mark.parametrize(
    "args", [["--children", "-1"], ["--staff", "lots"]], ids=["negative", "not-a-number"]
)
def test_demo_refuses_bad_counts(shipped_app, args):
    refused(shipped_app, "demo", *args)
    with shipped_app.app_context():
        assert count(Inspector) == 0
        assert count(Inspection) == 0


def test_demo_refuses_when_its_admin_email_is_taken(shipped_app):
    with shipped_app.app_context():
        accounts.create(DEMO_ADMIN, PASSWORD, "admin")
    assert DEMO_ADMIN in refused(shipped_app, "demo", "--children", "1", "--staff", "1")
    with shipped_app.app_context():
        assert count(Inspector) == 1
        assert count(Inspection) == 0
