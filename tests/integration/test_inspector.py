"""Inspector pages: sign-in, who sees what, unlocking and evidence."""

import json

import pytest
from sqlalchemy import select

from survey_app.models import AuditEvent, Inspection, db
from tests.helpers import PASSPHRASE, csrf_token, enrol_kiosk, post_form, sign_in, start_kiosk

pytestmark = pytest.mark.db


def test_every_inspector_route_demands_sign_in(app, client):
    routes = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("inspect.")]
    assert len(routes) >= 10
    for rule in routes:
        if rule.endpoint == "inspect.sign_in":
            continue
        url = rule.build(dict.fromkeys(rule.arguments, "x"))[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method)
            assert response.status_code in (302, 400), (method, url, response.status_code)
            if response.status_code == 302:
                assert "/inspector/sign-in" in response.headers["Location"], url


def test_sign_in_and_out(client, factory):
    email = factory.inspector()
    response = sign_in(client, email)
    assert response.status_code == 302
    assert client.get("/inspector/").status_code == 200
    assert post_form(client, "/inspector/", "/inspector/sign-out").status_code == 302
    assert client.get("/inspector/").status_code == 302


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, factory):
    email = factory.inspector()
    for attempt in (
        sign_in(client, email, "wrong password!!"),
        sign_in(client, "nobody@example.org"),
    ):
        assert attempt.status_code == 400
        assert "do not match an account" in attempt.get_data(as_text=True)


def test_inspectors_see_only_their_inspections(client, factory):
    mine, theirs = factory.inspector(), factory.inspector()
    my_inspection = factory.inspection([mine])
    their_inspection = factory.inspection(
        [theirs], establishment=factory.establishment("Other place")
    )
    sign_in(client, mine)
    dashboard = client.get("/inspector/").get_data(as_text=True)
    assert my_inspection in dashboard and their_inspection not in dashboard
    assert client.get(f"/inspector/inspections/{my_inspection}").status_code == 200
    assert client.get(f"/inspector/inspections/{their_inspection}").status_code == 404
    refused = client.post(
        f"/inspector/inspections/{their_inspection}/evidence.json", data={"passphrase": PASSPHRASE}
    )
    assert refused.status_code in (400, 404)


def test_an_inspector_creates_an_inspection_with_a_passphrase(app, client, factory):
    establishment = factory.establishment()
    sign_in(client, factory.inspector())
    short = post_form(
        client,
        "/inspector/inspections/new",
        establishment=establishment,
        kind="assurance",
        passphrase="short",
        confirm="short",
    )
    assert short.status_code == 400
    mismatch = post_form(
        client,
        "/inspector/inspections/new",
        establishment=establishment,
        kind="assurance",
        passphrase=PASSPHRASE,
        confirm=PASSPHRASE + "x",
    )
    assert "do not match" in mismatch.get_data(as_text=True)
    created = post_form(
        client,
        "/inspector/inspections/new",
        establishment=establishment,
        kind="assurance",
        passphrase=PASSPHRASE,
        confirm=PASSPHRASE,
    )
    assert created.status_code == 302
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
    page = post_form(client, url, url + "/evidence", passphrase=PASSPHRASE)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Do you feel safe here?" in html and "66.7" in html
    download = post_form(client, url, url + "/evidence.json", passphrase=PASSPHRASE)
    assert download.status_code == 200
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
    refused = post_form(client, url, url + "/evidence", passphrase="not the passphrase")
    assert refused.status_code == 403
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
    link_page = post_form(client, url, url + "/kiosk").get_data(as_text=True)
    assert "/kiosk/enrol/" in link_page
    codes_page = post_form(client, url, url + "/staff-codes", count="4").get_data(as_text=True)
    assert codes_page.count('class="slip__code"') == 4
    assert post_form(client, url, url + "/staff-codes", count="0").status_code == 400
    assert post_form(client, url, url + "/staff-codes", count="301").status_code == 400
    assert post_form(client, url, url + "/close").status_code == 302
    assert "closed" in client.get(url).get_data(as_text=True)


def test_only_administrators_manage_establishments(client, factory):
    sign_in(client, factory.inspector())
    assert client.get("/inspector/establishments").status_code == 403
    admin = factory.inspector(role="admin")
    other = client.application.test_client()
    sign_in(other, admin)
    created = post_form(other, "/inspector/establishments", name="New Centre", type="sch")
    assert created.status_code == 302
    assert "New Centre" in other.get("/inspector/establishments").get_data(as_text=True)
