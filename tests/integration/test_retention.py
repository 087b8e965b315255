"""Retention: raw sealed responses go once the evidence is finalised and the period is over;
one inspection's raw responses can be erased at once. Aggregate evidence stays."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from survey_app.models import (
    AuditEvent,
    Inspection,
    Kiosk,
    PublishedCount,
    SealedResponse,
    StaffCode,
    db,
    today,
)
from tests.conftest import is_postgresql
from tests.helpers import post_form, sign_in
from tests.integration.test_attacks import child_answers

pytestmark = pytest.mark.db


def finalise(app, inspection_id, days_ago: int) -> None:
    """What the evidence work does when it finalises (set directly here)."""
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        inspection.status = "finalised"
        inspection.closed_on = today() - dt.timedelta(days=days_ago + 1)
        inspection.finalised_on = today() - dt.timedelta(days=days_ago)
        db.session.add(
            PublishedCount(
                inspection_id=inspection_id,
                questionnaire_id="tiny-children",
                question_id="feel_safe",
                respondents=1,
                asked=1,
                missing=0,
                dont_want_to_say=0,
                positive=1,
                options={"yes": 1},
            )
        )
        db.session.commit()


def held(app, inspection_id) -> dict[str, int]:
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(
                select(func.count()).where(model.inspection_id == inspection_id)
            )
            for model in (SealedResponse, StaffCode, Kiosk, PublishedCount)
        }


def sealed_blobs(app, inspection_id) -> list[bytes]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(SealedResponse.sealed).where(SealedResponse.inspection_id == inspection_id)
            )
        )


@pytest.fixture
def three(app, factory):
    """An old finalised inspection, a recently finalised one, and an open one."""
    ids = {}
    for name, days_ago in (("old", 200), ("recent", 10), ("open", None)):
        inspection_id = factory.inspection()
        child_answers(app, factory, inspection_id, feel_safe="yes")
        factory.staff_codes(inspection_id, 2)
        if days_ago is not None:
            finalise(app, inspection_id, days_ago)
        ids[name] = inspection_id
    return ids


def test_purge_says_what_it_will_delete_and_asks_first(app, three):
    runner = app.test_cli_runner()
    declined = runner.invoke(args=["purge"], input="n\n")
    assert declined.exit_code == 1
    assert three["old"] in declined.output and "1 sealed responses" in declined.output
    assert three["recent"] not in declined.output and three["open"] not in declined.output
    assert "aggregate evidence is kept" in declined.output
    assert held(app, three["old"])["sealed_response"] == 1  # nothing deleted

    blobs = sealed_blobs(app, three["old"])
    accepted = runner.invoke(args=["purge"], input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert held(app, three["old"]) == {
        "sealed_response": 0,
        "staff_code": 0,
        "kiosk": 0,
        "published_count": 1,
    }
    for name in ("recent", "open"):
        assert held(app, three[name])["sealed_response"] == 1
    with app.app_context():
        events = db.session.execute(
            select(AuditEvent.action, AuditEvent.detail).where(
                AuditEvent.inspection_id == three["old"]
            )
        ).all()
    assert ("purge-responses", "1 sealed responses") in events
    if not is_postgresql():  # the deleted bytes are gone from the file and its log too
        folder = app.instance_path
        for path in Path(folder).glob("survey.sqlite3*"):
            assert all(blob not in path.read_bytes() for blob in blobs), path

    again = runner.invoke(args=["purge", "--yes"])
    assert again.exit_code == 0 and "Nothing to purge" in again.output


def test_the_retention_period_is_configurable(app, three):
    runner = app.test_cli_runner()
    app.config["RETENTION_DAYS"] = 5
    listed = runner.invoke(args=["purge"], input="n\n")
    assert three["old"] in listed.output and three["recent"] in listed.output
    done = runner.invoke(args=["purge", "--yes", "--days", "300"])
    assert "Nothing to purge" in done.output
    done = runner.invoke(args=["purge", "--yes", "--days", "0"])
    assert done.exit_code == 0 and "from 2 inspections" in done.output
    assert held(app, three["open"])["sealed_response"] == 1  # never an unfinalised one


def test_erase_at_once_from_the_command_line(app, three):
    runner = app.test_cli_runner()
    declined = runner.invoke(args=["inspections", "erase", three["open"]], input="n\n")
    assert declined.exit_code == 1 and "This erases 1 sealed responses" in declined.output
    assert held(app, three["open"])["sealed_response"] == 1
    done = runner.invoke(args=["inspections", "erase", three["open"], "--yes"])
    assert done.exit_code == 0, done.output
    assert held(app, three["open"])["sealed_response"] == 0
    with app.app_context():
        inspection = db.session.get(Inspection, three["open"])
        assert inspection.status == "closed"  # nothing new can arrive
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.inspection_id == three["open"])
        ).all()
    assert "erase-responses" in actions
    missing = runner.invoke(args=["inspections", "erase", "no-such-id", "--yes"])
    assert missing.exit_code == 1 and "no inspection" in missing.output


def test_erase_at_once_on_the_web_needs_a_tick(app, client, factory):
    email = factory.inspector()
    inspection_id = factory.inspection([email])
    child_answers(app, factory, inspection_id, feel_safe="yes")
    sign_in(client, email)
    page = f"/inspector/inspections/{inspection_id}/keys"
    assert "1 sealed responses" in client.get(page).get_data(as_text=True)
    unticked = post_form(client, page, f"/inspector/inspections/{inspection_id}/erase", expect=400)
    assert unticked.status_code == 400 and "Tick the box" in unticked.get_data(as_text=True)
    assert held(app, inspection_id)["sealed_response"] == 1
    post_form(
        client, page, f"/inspector/inspections/{inspection_id}/erase", understood="y", expect=302
    )
    assert held(app, inspection_id)["sealed_response"] == 0
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "erase-responses")
        ).one()
    assert event.actor == email and event.detail == "1 sealed responses"


def test_another_inspectors_inspection_cannot_be_erased(app, client, factory):
    inspection_id = factory.inspection([factory.inspector()])
    child_answers(app, factory, inspection_id, feel_safe="yes")
    sign_in(client, factory.inspector())
    client.get(f"/inspector/inspections/{inspection_id}/keys", expect=404)
    client.get("/inspector/", expect=200)
    post_form(
        client,
        "/inspector/",
        f"/inspector/inspections/{inspection_id}/erase",
        understood="y",
        expect=404,
    )
    assert held(app, inspection_id)["sealed_response"] == 1
