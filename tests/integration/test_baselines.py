"""Baselines only the team can choose (issue 12, finding 6).

Before, any inspector could create an inspection of any establishment, finalise it the same
day, and so become the "previous inspection" of another team's inspection, flipping its
verdict. Now only evidence finalised before an inspection opened can be its baseline, the
team may choose among those (or none), and the evidence names what it compared with.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from survey_app import inspections
from survey_app.evidence import report
from survey_app.models import Inspection, db
from tests.helpers import PASSPHRASE, post_form, sign_in
from tests.integration.test_evidence import seal

pytestmark = pytest.mark.db


def _finalise(app, inspection_id: str, days_ago: int) -> None:
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        if inspection.is_open:
            inspections.close_inspection(inspection, "test")
        report.finalise(inspection, inspections.unlock(inspection, PASSPHRASE))
        inspection.finalised_on = dt.date.today() - dt.timedelta(days=days_ago)
        db.session.commit()


def _opened(app, inspection_id: str, days_ago: int) -> None:
    with app.app_context():
        db.session.get(Inspection, inspection_id).opened_on = dt.date.today() - dt.timedelta(
            days=days_ago
        )
        db.session.commit()


def _compared_with(client, inspection_id: str) -> dict:
    url = f"/inspector/inspections/{inspection_id}"
    response = post_form(client, url, url + "/evidence.json", passphrase=PASSPHRASE, expect=200)
    return json.loads(response.data)["compared_with"]


@pytest.fixture
def centre(app, factory):
    """A team's open inspection of a centre that had a real inspection a year ago."""
    team = factory.inspector()
    place = factory.establishment("Centre A")
    earlier = factory.inspection([team], establishment=place)
    _opened(app, earlier, 400)
    seal(app, earlier, "children", [{"feel_safe": "yes"}] * 8 + [{"feel_safe": "no"}] * 2)
    _finalise(app, earlier, days_ago=370)
    current = factory.inspection([team], establishment=place)
    seal(app, current, "children", [{"feel_safe": "yes"}] * 8 + [{"feel_safe": "no"}] * 2)
    return {"team": team, "place": place, "earlier": earlier, "current": current}


def test_an_inspection_finalised_after_this_one_opened_is_never_its_baseline(
    app, client, factory, centre
):
    # Another team's lead makes an inspection of the same centre and finalises it today,
    # with answers far worse, to become the "previous inspection".
    intruder = factory.inspector(role="lead")
    planted = factory.inspection([intruder], establishment=centre["place"])
    seal(app, planted, "children", [{"feel_safe": "no"}] * 10)
    _finalise(app, planted, days_ago=0)
    sign_in(client, centre["team"])
    compared = _compared_with(client, centre["current"])
    assert compared["previous"]["inspection"] == centre["earlier"]
    assert compared["previous"]["chosen_by_team"] is False
    assert compared["previous"]["establishment"] == "Centre A"
    assert (
        compared["previous"]["finalised_on"]
        == (dt.date.today() - dt.timedelta(days=370)).isoformat()
    )


def test_the_team_chooses_the_baseline_and_nobody_else_can(app, client, factory, centre):
    url = f"/inspector/inspections/{centre['current']}"
    outsider = app.test_client()
    sign_in(outsider, factory.inspector(role="admin"))
    post_form(outsider, "/inspector/", url + "/baseline", previous="none", expect=404)

    sign_in(client, centre["team"])
    page = client.get(url).get_data(as_text=True)
    assert "Only an inspection of this establishment finalised before this one opened" in page
    post_form(client, url, url + "/baseline", previous="none", expect=302)
    assert _compared_with(client, centre["current"])["previous"] is None
    post_form(client, url, url + "/baseline", previous=centre["earlier"], expect=302)
    chosen = _compared_with(client, centre["current"])["previous"]
    assert chosen["inspection"] == centre["earlier"] and chosen["chosen_by_team"] is True
    # Only eligible inspections can be chosen: not one finalised later, not another centre's.
    later = factory.inspection([centre["team"]], establishment=centre["place"])
    _finalise(app, later, days_ago=0)
    post_form(client, url, url + "/baseline", previous=later, expect=400)
    post_form(client, url, url + "/baseline", previous="automatic", expect=302)
    assert _compared_with(client, centre["current"])["previous"]["inspection"] == centre["earlier"]
