"""Inspector pages: sign-in, who sees what, unlocking and evidence."""

import json

import pytest
from sqlalchemy import select

from survey_app.models import AuditEvent, Inspection, KioskInvitation, db
from tests.helpers import PASSPHRASE, csrf_token, enrol_kiosk, post_form, sign_in, start_kiosk

pytestmark = pytest.mark.db


def test_every_inspector_route_demands_sign_in(app, client):
    """Signed out, every inspector route but sign-in sends the browser to sign in. POSTs carry
    a valid CSRF token, so what refuses them is the sign-in check, not the token check."""
    token = csrf_token(client.get("/inspector/sign-in").get_data(as_text=True))
    routes = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("inspect.")]
    assert len(routes) >= 10
    for rule in routes:
        if rule.endpoint == "inspect.sign_in":
            continue
        url = rule.build(dict.fromkeys(rule.arguments, "x"))[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(url, method=method, data=data, expect=302)
            assert "/inspector/sign-in" in response.headers["Location"], url


def test_sign_in_and_out(client, factory):
    email = factory.inspector()
    sign_in(client, email, expect=302)
    client.get("/inspector/", expect=200)
    post_form(client, "/inspector/", "/inspector/sign-out", expect=302)
    client.get("/inspector/", expect=302)


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, factory):
    email = factory.inspector()
    for attempt in (
        sign_in(client, email, "wrong password!!", expect=400),
        sign_in(client, "nobody@example.org", expect=400),
    ):
        html = attempt.get_data(as_text=True)
        assert "do not match an account" in html
        assert '<p class="message message--error" role="alert">That email' in html  # an error


def test_inspectors_see_only_their_inspections(client, factory):
    mine, theirs = factory.inspector(), factory.inspector()
    my_inspection = factory.inspection([mine])
    their_inspection = factory.inspection(
        [theirs], establishment=factory.establishment("Other place")
    )
    sign_in(client, mine)
    dashboard = client.get("/inspector/").get_data(as_text=True)
    assert my_inspection in dashboard and their_inspection not in dashboard
    client.get(f"/inspector/inspections/{my_inspection}", expect=200)
    client.get(f"/inspector/inspections/{their_inspection}", expect=404)
    # With a valid CSRF token, so the refusal is the visibility check's own 404.
    token = csrf_token(client.get("/inspector/").get_data(as_text=True))
    client.post(
        f"/inspector/inspections/{their_inspection}/evidence.json",
        data={"passphrase": PASSPHRASE, "csrf_token": token},
        expect=404,
    )


def test_an_inspector_creates_an_inspection_with_a_passphrase(app, client, factory):
    establishment = factory.establishment()
    sign_in(client, factory.inspector())
    post_form(
        client,
        "/inspector/inspections/new",
        establishment=establishment,
        kind="assurance",
        passphrase="short",
        confirm="short",
        expect=400,
    )
    mismatch = post_form(
        client,
        "/inspector/inspections/new",
        establishment=establishment,
        kind="assurance",
        passphrase=PASSPHRASE,
        confirm=PASSPHRASE + "x",
        expect=400,
    )
    assert "do not match" in mismatch.get_data(as_text=True)
    post_form(
        client,
        "/inspector/inspections/new",
        establishment=establishment,
        kind="assurance",
        passphrase=PASSPHRASE,
        confirm=PASSPHRASE,
        expect=302,
    )
    with app.app_context():
        inspection = db.session.scalars(select(Inspection)).one()
        assert inspection.kind == "assurance"
        stored = inspection.wrapped_keys[0]
        assert PASSPHRASE.encode() not in stored.ciphertext + stored.salt
        assert stored.kdf == "argon2id" and stored.kdf_parameters["memory_kib"] >= 1024


def submit_children(app, factory, inspection_id, answers_list):
    for answers in answers_list:
        kiosk = app.test_client()
        enrol_kiosk(kiosk, factory.kiosk_token(inspection_id))
        start_kiosk(kiosk)
        page = kiosk.get("/kiosk/questionnaire")
        kiosk.post(
            "/kiosk/questionnaire",
            data={"csrf_token": csrf_token(page.get_data(as_text=True)), **answers},
            expect=302,
        )


def test_unlocking_shows_counts_and_downloads_json(app, client, factory):
    email = factory.inspector()
    inspection_id = factory.inspection([email])
    submit_children(
        app,
        factory,
        inspection_id,
        [
            {"feel_safe": "yes"},
            {"feel_safe": "yes"},
            {"feel_safe": "no"},
            {"feel_safe": "dont_want_to_say"},
        ],
    )
    sign_in(client, email)
    url = f"/inspector/inspections/{inspection_id}"
    page = post_form(client, url, url + "/evidence", passphrase=PASSPHRASE, expect=200)
    html = page.get_data(as_text=True)
    assert "Do you feel safe here?" in html and "66.7" in html
    download = post_form(client, url, url + "/evidence.json", passphrase=PASSPHRASE, expect=200)
    assert download.headers["Content-Disposition"].startswith("attachment")
    evidence = json.loads(download.get_data(as_text=True))
    children = evidence["questionnaires"][0]
    assert children["respondents"] == 4
    feel_safe = next(q for q in children["questions"] if q["id"] == "feel_safe")
    assert (feel_safe["base"], feel_safe["dont_want_to_say"]) == (3, 1)
    positive = feel_safe["positive"]
    assert (positive["answers"], positive["count"], positive["percent"]) == (["yes"], 2, 66.7)
    # Wilson 95% interval for 2/3, worked by hand from the Wilson formula: 0.2077 to 0.9385.
    assert positive["interval"] == {"low": 20.8, "high": 93.9}
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("unlock") == 2


def test_a_wrong_passphrase_is_a_clear_error_that_changes_nothing(app, client, factory):
    email = factory.inspector()
    inspection_id = factory.inspection([email])
    sign_in(client, email)
    url = f"/inspector/inspections/{inspection_id}"
    with app.app_context():
        before = [
            (w.salt, w.ciphertext) for w in db.session.get(Inspection, inspection_id).wrapped_keys
        ]
    refused = post_form(client, url, url + "/evidence", passphrase="not the passphrase", expect=403)
    assert "does not unlock this inspection" in refused.get_data(as_text=True)
    with app.app_context():
        after = [
            (w.salt, w.ciphertext) for w in db.session.get(Inspection, inspection_id).wrapped_keys
        ]
        assert "unlock-refused" in db.session.scalars(select(AuditEvent.action)).all()
    assert before == after


def test_kiosk_links_staff_codes_and_closing_from_the_inspection_page(app, client, factory):
    email = factory.inspector()
    inspection_id = factory.inspection([email])
    sign_in(client, email)
    url = f"/inspector/inspections/{inspection_id}"
    link_page = post_form(client, url, url + "/kiosk", expect=200).get_data(as_text=True)
    assert "/kiosk/enrol/" in link_page
    codes_page = post_form(client, url, url + "/staff-codes", count="4", expect=200).get_data(
        as_text=True
    )
    assert codes_page.count('class="slip__code"') == 4
    post_form(client, url, url + "/staff-codes", count="0", expect=400)
    post_form(client, url, url + "/staff-codes", count="1001", expect=400)
    post_form(client, url, url + "/close", expect=302)
    assert "closed" in client.get(url).get_data(as_text=True)
    # Closed: no new tablet link (the CSRF token is valid, so the closed check is what refuses).
    post_form(client, url, url + "/kiosk", expect=400)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(KioskInvitation)) == 1


def test_only_administrators_manage_establishments(client, factory):
    sign_in(client, factory.inspector())
    client.get("/inspector/establishments", expect=403)
    admin = factory.inspector(role="admin")
    other = client.application.test_client()
    sign_in(other, admin)
    post_form(other, "/inspector/establishments", name="New Centre", type="sch", expect=302)
    assert "New Centre" in other.get("/inspector/establishments").get_data(as_text=True)


def test_closing_is_one_change_with_its_audit_event(app, client, factory, monkeypatch):
    """The status, the stopped tablets and the audit event are committed together: if the
    audit event cannot be written, the inspection stays open and its tablets keep working
    (before, the status was committed first, and a close could go unrecorded)."""
    from survey_app import inspections
    from survey_app.models import Kiosk

    lead = factory.inspector()
    inspection_id = factory.inspection([lead])
    enrol_kiosk(app.test_client(), factory.kiosk_token(inspection_id))

    def failing(*args, **kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(inspections, "audit", failing)
    with app.app_context(), pytest.raises(RuntimeError):
        inspections.close_inspection(db.session.get(Inspection, inspection_id), lead)
    with app.app_context():
        db.session.rollback()
        assert db.session.get(Inspection, inspection_id).is_open
        assert not db.session.scalars(select(Kiosk.revoked)).all()[0]
    monkeypatch.undo()
    sign_in(client, lead)
    url = f"/inspector/inspections/{inspection_id}"
    post_form(client, url, url + "/close", expect=302)
    with app.app_context():
        assert not db.session.get(Inspection, inspection_id).is_open
        assert db.session.scalars(select(Kiosk.revoked)).all() == [True]
        events = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.inspection_id == inspection_id)
        ).all()
        assert events.count("inspection-close") == 1
