"""Who may do what (issue 12, finding 5): administrators run accounts and establishments, not
other teams' inspections; only a lead inspector creates inspections (with administrators),
finalises the evidence and records safeguarding referrals. Every POST carries a valid CSRF
token, so what refuses it is the role check."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey_app.models import Inspection, KioskInvitation, StaffCode, db
from tests.helpers import PASSPHRASE, post_form, sign_in

pytestmark = pytest.mark.db


def test_an_administrator_cannot_touch_an_inspection_they_are_not_on(app, client, factory):
    team = factory.inspector()
    inspection = factory.inspection(inspectors=[team])
    sign_in(client, factory.inspector(role="admin"))
    assert inspection not in client.get("/inspector/", expect=200).get_data(as_text=True)
    url = f"/inspector/inspections/{inspection}"
    client.get(url, expect=404)
    client.get(url + "/keys", expect=404)
    for action, fields in [
        ("/staff-codes", {"count": "5"}),
        ("/kiosk", {}),
        ("/erase", {"understood": "y"}),
        ("/close", {}),
    ]:
        post_form(client, "/inspector/", url + action, expect=404, **fields)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StaffCode)) == 0
        assert db.session.scalar(select(func.count()).select_from(KioskInvitation)) == 0
        assert db.session.get(Inspection, inspection).is_open


def test_only_leads_and_administrators_create_inspections(app, client, factory):
    establishment = factory.establishment()
    fields = {
        "establishment": establishment,
        "kind": "full",
        "passphrase": PASSPHRASE,
        "confirm": PASSPHRASE,
    }
    sign_in(client, factory.inspector(role="inspector"))
    page = client.get("/inspector/", expect=200).get_data(as_text=True)
    assert "Create an inspection" not in page
    client.get("/inspector/inspections/new", expect=403)
    post_form(client, "/inspector/", "/inspector/inspections/new", expect=403, **fields)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inspection)) == 0
    for role in ("lead", "admin"):
        other = app.test_client()
        sign_in(other, factory.inspector(role=role))
        assert "Create an inspection" in other.get("/inspector/").get_data(as_text=True)
        other.get("/inspector/inspections/new", expect=200)


def test_only_the_lead_finalises_and_records_referrals(app, client, factory):
    member = factory.inspector(role="inspector")
    lead = factory.inspector(role="lead")
    inspection = factory.inspection(inspectors=[member, lead])
    factory.close(inspection)
    url = f"/inspector/inspections/{inspection}"
    sign_in(client, member)
    page = client.get(url, expect=200).get_data(as_text=True)
    assert "Only a lead inspector on this inspection can finalise it." in page
    post_form(client, url, url + "/finalise", expect=403, passphrase=PASSPHRASE)
    post_form(client, url, url + "/referrals", expect=403, ref="0" * 32)
    with app.app_context():
        assert db.session.get(Inspection, inspection).status == "closed"

    leader = app.test_client()
    sign_in(leader, lead)
    assert "Unlock and finalise the evidence" in leader.get(url).get_data(as_text=True)
    post_form(leader, url, url + "/finalise", expect=302, passphrase=PASSPHRASE)
    with app.app_context():
        assert db.session.get(Inspection, inspection).status == "finalised"
