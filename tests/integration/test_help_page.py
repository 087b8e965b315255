"""The "Help for children" page: the lead names the establishment's advocacy provider, and the
kiosk's help tells children who their advocate is and how to reach them. Every page fetched is
checked (tests/pages.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.models import AuditEvent, Establishment, db
from tests.helpers import enrol_kiosk, post_form, sign_in

pytestmark = pytest.mark.db


def _help(app, establishment_id: str) -> tuple[str | None, str | None]:
    with app.app_context():
        establishment = db.session.get(Establishment, establishment_id)
        return establishment.advocacy_name, establishment.advocacy_contact


def _kiosk_help(app, factory, inspection_id: str) -> str:
    kiosk = app.test_client()
    enrol_kiosk(kiosk, factory.kiosk_token(inspection_id))
    return kiosk.get("/kiosk", expect=200).get_data(as_text=True)


def test_a_lead_names_the_advocacy_provider_and_children_see_it(app, client, factory):
    lead = factory.inspector()
    home = factory.establishment("Hillside Secure Children's Home", "sch")
    inspection = factory.inspection([lead], establishment=home)
    url = f"/inspector/inspections/{inspection}/help"
    sign_in(client, lead)
    overview = client.get(f"/inspector/inspections/{inspection}").get_data(as_text=True)
    assert "No advocacy provider named" in overview and f'href="{url}"' in overview
    page = client.get(url, expect=200).get_data(as_text=True)
    assert "Ask a member of staff to help you contact your advocate." in page
    assert "from the phone on your unit" in page  # the help as a child here sees it

    post_form(
        client,
        url,
        advocacy_name="  Coram   Voice ",
        advocacy_contact="Ask for the advocate's\tfreephone number\non your unit.",
        expect=302,
    )
    assert _help(app, home) == (
        "Coram Voice",
        "Ask for the advocate's freephone number on your unit.",
    )
    page = client.get(url, expect=200).get_data(as_text=True)
    assert "Saved: children see this help from now on." in page
    assert 'value="Coram Voice"' in page  # the form shows what is saved
    shown = "Your advocate is from Coram Voice. Ask for the advocate&#39;s freephone number on your unit."
    assert shown in page
    assert shown in _kiosk_help(app, factory, inspection)
    overview = client.get(f"/inspector/inspections/{inspection}").get_data(as_text=True)
    assert "The kiosk tells children their advocate is from Coram Voice." in overview
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "establishment-signposting")
        ).all()
        assert [(e.actor, e.inspection_id, e.detail) for e in events] == [
            (lead, inspection, "Hillside Secure Children's Home")
        ]

    post_form(
        client, url, advocacy_name=" ", advocacy_contact="", expect=302
    )  # back to the default
    assert _help(app, home) == (None, None)
    assert "Ask a member of staff to help you contact your advocate." in _kiosk_help(
        app, factory, inspection
    )


@pytest.mark.parametrize(
    "fields, message",
    [
        (
            {"advocacy_name": "", "advocacy_contact": "Use the advocacy box."},
            "Name the advocacy provider too",
        ),
        ({"advocacy_name": "x" * 201, "advocacy_contact": ""}, "200"),
        ({"advocacy_name": "Barnardo's", "advocacy_contact": "y" * 301}, "300"),
    ],
)
def test_help_that_cannot_be_shown_is_refused_and_nothing_changes(
    app, client, factory, fields, message
):
    lead = factory.inspector()
    centre = factory.establishment()
    inspection = factory.inspection([lead], establishment=centre)
    url = f"/inspector/inspections/{inspection}/help"
    sign_in(client, lead)
    post_form(client, url, advocacy_name="Barnardo's", advocacy_contact="", expect=302)
    page = post_form(client, url, expect=400, **fields).get_data(as_text=True)
    assert message in page
    # said beside the field, as an error
    assert 'class="message message--error"' in page and "aria-describedby" in page
    typed = fields["advocacy_contact"] or fields["advocacy_name"]
    assert typed in page  # what was typed is kept, to be put right
    assert _help(app, centre) == ("Barnardo's", None)


def test_an_inspector_sees_the_help_but_only_a_lead_changes_it(app, client, factory):
    inspector = factory.inspector(role="inspector")
    lead = factory.inspector()
    centre = factory.establishment()
    inspection = factory.inspection([inspector, lead], establishment=centre)
    url = f"/inspector/inspections/{inspection}/help"
    sign_in(client, inspector)
    page = client.get(url, expect=200).get_data(as_text=True)
    assert "What children see" in page and "Save the help" not in page
    # With a valid CSRF token, so what refuses the inspector is the role.
    post_form(client, "/inspector/", url, advocacy_name="Barnardo's", expect=403)
    assert _help(app, centre) == (None, None)


def test_the_help_of_another_teams_inspection_is_not_found(app, client, factory):
    inspection = factory.inspection([factory.inspector()])
    sign_in(client, factory.inspector())
    url = f"/inspector/inspections/{inspection}/help"
    client.get(url, expect=404)
    post_form(client, "/inspector/", url, advocacy_name="Barnardo's", expect=404)


def test_the_establishments_list_names_each_type_in_words(client, factory):
    factory.establishment("Hillside Secure Children's Home", "sch")
    sign_in(client, factory.inspector(role="admin"))
    page = client.get("/inspector/establishments", expect=200).get_data(as_text=True)
    assert "Hillside Secure Children&#39;s Home (Secure children" in page
    assert "(sch)" not in page
