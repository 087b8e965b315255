"""The offline kiosk's server side: the bundle, a supply of ballots, and the upload that stores
each browser-sealed response exactly once (issue 17)."""

from __future__ import annotations

import base64
import json
import re

import pytest
from sqlalchemy import func, select

from survey_app import access, inspections, sealing
from survey_app.models import Inspection, SealedResponse, SpentBallot, db
from tests.helpers import PASSPHRASE, enrol_kiosk

pytestmark = pytest.mark.db

MARKER = "MARKER-OFFLINE-41f2"


@pytest.fixture
def inspection_id(factory):
    return factory.inspection([factory.inspector()])


@pytest.fixture
def tablet(client, factory, inspection_id):
    enrol_kiosk(client, factory.kiosk_token(inspection_id), expect=302)
    return client


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def bundle(tablet) -> dict:
    return tablet.get("/kiosk/offline/bundle", expect=200).get_json()


def ballots(tablet, count: int = 3, expect: int = 200) -> list[str]:
    return tablet.post("/kiosk/offline/ballots", json={"count": count}, expect=expect).get_json()


def seal_as_the_tablet(app, inspection_id: str, answers: dict, version: int = 1) -> bytes:
    """What seal.js makes (format 2), made here with the Python side of the shared format."""
    with app.app_context():
        public_key = db.session.get(Inspection, inspection_id).public_key
    context = sealing.response_context(inspection_id, "tiny-children", version)
    plaintext = sealing.answers_plaintext(answers)
    return sealing.seal(public_key, plaintext, context, seal_format=sealing.BROWSER_SEAL_FORMAT)


def upload(tablet, token: str, sealed: bytes, expect: int = 200, change: dict | None = None):
    body = {"ballot": token, "questionnaire": "tiny-children", "version": 1, "sealed": b64(sealed)}
    body.update(change or {})
    return tablet.post("/kiosk/offline/upload", json=body, expect=expect).get_json()


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SealedResponse))


def opened(app, inspection_id) -> list[dict]:
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        unsealer = inspections.unlock(inspection, PASSPHRASE)
        result = [
            unsealer.open_answers(
                row.sealed,
                sealing.response_context(
                    inspection_id, row.questionnaire_id, row.questionnaire_version
                ),
            )
            for row in db.session.scalars(select(SealedResponse))
        ]
        db.session.rollback()
        return result


def test_the_bundle_holds_the_definition_and_public_key_and_nothing_secret(
    app, tablet, inspection_id
):
    got = bundle(tablet)
    with app.app_context():
        public_key = db.session.get(Inspection, inspection_id).public_key
    assert got["inspection"] == inspection_id
    assert base64.urlsafe_b64decode(got["public_key"] + "=") == public_key
    assert got["current"] == {"id": "tiny-children", "version": 1}
    assert [q["id"] for q in got["questionnaires"]] == ["tiny-children"]
    assert {"id", "type", "options", "max_length", "when"} <= set(
        got["questionnaires"][0]["questions"][0]
    )


def test_an_uploaded_response_is_stored_once_and_opens(app, tablet, inspection_id):
    ballot = ballots(tablet, 1)["ballots"][0]
    sealed = seal_as_the_tablet(app, inspection_id, {"feel_safe": "yes", "anything_else": MARKER})
    assert upload(tablet, ballot, sealed) == {"stored": True}
    assert stored(app) == 1
    assert opened(app, inspection_id) == [{"feel_safe": "yes", "anything_else": MARKER}]
    with app.app_context():
        row = db.session.scalars(select(SealedResponse)).one()
        assert MARKER.encode() not in row.sealed
        assert row.questionnaire_id == "tiny-children" and row.questionnaire_version == 1


def test_a_retried_upload_is_acknowledged_and_not_stored_twice(app, tablet, inspection_id):
    ballot = ballots(tablet, 1)["ballots"][0]
    sealed = seal_as_the_tablet(app, inspection_id, {"feel_safe": "no"})
    assert upload(tablet, ballot, sealed) == {"stored": True}
    assert upload(tablet, ballot, sealed) == {"stored": False}  # the lost acknowledgement
    assert stored(app) == 1


def test_a_ballot_admits_one_response_only(app, tablet, inspection_id):
    ballot = ballots(tablet, 1)["ballots"][0]
    upload(tablet, ballot, seal_as_the_tablet(app, inspection_id, {"feel_safe": "no"}))
    other = seal_as_the_tablet(app, inspection_id, {"feel_safe": "yes"})
    assert upload(tablet, ballot, other, expect=409) == {
        "error": "that ballot has already been used"
    }
    assert stored(app) == 1
    # A different ballot takes it.
    assert upload(tablet, ballots(tablet, 1)["ballots"][0], other) == {"stored": True}
    assert stored(app) == 2


def test_ballots_are_unique_and_nothing_is_stored_when_they_are_issued(app, tablet):
    with app.app_context():
        before = {
            table: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }
    issued = ballots(tablet, 200)["ballots"]
    assert len(set(issued)) == 200
    with app.app_context():
        after = {
            table: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }
    assert after == before


def test_a_ballot_carries_no_time(app, tablet, inspection_id):
    """Only [inspection, audience, nonce]: nothing says when or to whom it was issued."""
    token = ballots(tablet, 1)["ballots"][0]
    with app.app_context():
        payload = access._offline_ballot_serializer().loads(token)
    assert payload[:2] == [inspection_id, "children"] and len(payload) == 3


def test_spending_stores_only_the_ballot_hash(app, tablet, inspection_id):
    token = ballots(tablet, 1)["ballots"][0]
    upload(tablet, token, seal_as_the_tablet(app, inspection_id, {"feel_safe": "yes"}))
    with app.app_context():
        nonce = access._offline_ballot_serializer().loads(token)[2]
        hashes = db.session.scalars(select(SpentBallot.ballot_hash)).all()
    assert len(hashes) == 1 and nonce not in hashes[0] and token not in hashes[0]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"ballot": "forged"}, "that is not a ballot for this inspection"),
        ({"ballot": None}, "that is not a ballot for this inspection"),
        ({"questionnaire": "tiny-staff"}, "no such children's questionnaire for this inspection"),
        ({"version": 9}, "no such children's questionnaire for this inspection"),
        ({"version": "1"}, "no such children's questionnaire for this inspection"),
        ({"sealed": "not base64!"}, "sealed must be base64url text"),
        (
            {"sealed": b64(b"\x02" + b"x" * 20)},
            "sealed is not a browser-sealed response (format 2)",
        ),
        (
            {"sealed": b64(b"\x01" + b"x" * 80)},
            "sealed is not a browser-sealed response (format 2)",
        ),
    ],
)
def test_bad_uploads_get_a_clear_error_and_store_nothing(
    app, tablet, inspection_id, change, reason
):
    ballot = ballots(tablet, 1)["ballots"][0]
    sealed = seal_as_the_tablet(app, inspection_id, {"feel_safe": "yes"})
    assert upload(tablet, ballot, sealed, expect=400, change=change) == {"error": reason}
    assert stored(app) == 0


def test_a_ballot_for_another_inspection_is_refused(app, client, factory, tablet, inspection_id):
    other = factory.inspection([factory.inspector()])
    with app.app_context():
        foreign = access.issue_offline_ballots(other, "children", 1)[0]
    sealed = seal_as_the_tablet(app, inspection_id, {"feel_safe": "yes"})
    assert upload(tablet, foreign, sealed, expect=400) == {
        "error": "that is not a ballot for this inspection"
    }


def test_ballot_counts_out_of_range_are_refused(tablet):
    for count in (0, 201, "3", True, None):
        assert (
            "error"
            in tablet.post("/kiosk/offline/ballots", json={"count": count}, expect=400).get_json()
        )
    assert tablet.post("/kiosk/offline/ballots", data="count=3", expect=400).get_json() == {
        "error": "send a JSON object with Content-Type: application/json"
    }


def test_a_cross_site_request_is_refused(tablet):
    refused = tablet.post(
        "/kiosk/offline/ballots",
        json={"count": 1},
        headers={"Sec-Fetch-Site": "cross-site"},
        expect=403,
    )
    assert refused.get_json() == {"error": "requests from other sites are refused"}


def test_an_unenrolled_or_revoked_tablet_or_a_closed_inspection_collects_nothing(
    app, client, factory, tablet, inspection_id
):
    ballot = ballots(tablet, 1)["ballots"][0]
    sealed = seal_as_the_tablet(app, inspection_id, {"feel_safe": "yes"})
    with app.app_context():
        access.revoke_kiosks(db.session.get(Inspection, inspection_id))
    assert upload(tablet, ballot, sealed, expect=403) == {"error": "this tablet is not enrolled"}
    ballots(tablet, 1, expect=403)
    tablet.get("/kiosk/offline/bundle", expect=403)
    # Enrolled again, then the inspection closed without its tablets being stopped (closing
    # stops them too; only a change made straight in the database could leave one): the
    # closed inspection still refuses.
    enrol_kiosk(tablet, factory.kiosk_token(inspection_id), expect=302)
    with app.app_context():
        db.session.get(Inspection, inspection_id).status = "closed"
        db.session.commit()
    assert upload(tablet, ballot, sealed, expect=403) == {"error": "this inspection is closed"}
    assert stored(app) == 0


# --- the pages and files the tablet keeps ------------------------------------------------------


def test_the_tablet_keeps_every_page_in_every_language_and_each_one_serves(app, tablet):
    from survey_app.languages import LANGUAGES

    urls = tablet.get("/kiosk/offline/files.json").get_json()["urls"]
    for language in LANGUAGES:
        for page in ("welcome", "questionnaire", "thanks", "cleared"):
            assert f"/kiosk/offline/{page}?language={language}" in urls
    assert "/static/seal.js" in urls and "/static/answers.js" in urls
    assert any(url.startswith("/static/symbols/") for url in urls)
    assert "/static/evidence.css" not in urls  # the inspectors' files stay off the tablet
    for url in urls:
        tablet.get(url, expect=200)


def test_kept_pages_carry_no_session_and_no_token(app, tablet):
    for page in ("welcome", "questionnaire", "thanks", "cleared"):
        html = tablet.get(f"/kiosk/offline/{page}?language=ar").get_data(as_text=True)
        assert 'lang="ar"' in html and 'dir="rtl"' in html
        assert "/kiosk/reset" not in html  # "Stop and clear" is a link to the kept screen
    questionnaire = tablet.get("/kiosk/offline/questionnaire?language=en").get_data(as_text=True)
    assert 'id="offline-kiosk"' in questionnaire and "data-public-key=" in questionnaire
    assert "kiosk-offline.js" in questionnaire and "seal.js" in questionnaire


def test_the_service_worker_is_served_from_the_kiosk_for_its_scope(tablet):
    worker = tablet.get("/kiosk/sw.js")
    assert worker.mimetype == "text/javascript"
    assert "Content-Security-Policy" in worker.headers
    assert b"files.json" in worker.data


def test_the_online_kiosk_is_unchanged(app, tablet):
    from tests.helpers import start_kiosk

    start_kiosk(tablet, expect=302)
    html = tablet.get("/kiosk/questionnaire").get_data(as_text=True)
    assert "kiosk-offline.js" not in html and 'action="/kiosk/reset"' in html


def test_an_unenrolled_browser_gets_no_pages(app, client):
    client.get("/kiosk/offline/questionnaire?language=en", expect=403)
    client.get("/kiosk/offline/files.json", expect=403)


def test_the_tablet_reports_how_many_are_waiting(app, tablet):
    from survey_app.models import Kiosk

    assert tablet.post("/kiosk/offline/waiting", json={"count": 4}, expect=200).get_json() == {
        "waiting": 4
    }
    tablet.post("/kiosk/offline/waiting", json={"count": -1}, expect=400)
    with app.app_context():
        assert db.session.scalars(select(Kiosk.waiting)).all() == [4]


def test_a_wipe_on_an_offline_tablet_keeps_its_storage(app, tablet):
    from tests.integration.test_kiosk import answer_all

    sent = answer_all(tablet, feel_safe="yes")
    assert sent.headers["Clear-Site-Data"] == '"cache", "storage"'
    tablet.get("/kiosk/offline/")  # the tablet now works offline too
    sent = answer_all(tablet, feel_safe="yes")
    assert sent.headers["Clear-Site-Data"] == '"cache"'


def test_the_inspection_page_shows_per_tablet_counts_only(app, client, factory, inspection_id):
    from tests.helpers import sign_in

    with app.app_context():
        email = db.session.get(Inspection, inspection_id).inspectors[0].email
    first, second = app.test_client(), app.test_client()
    for tablet, waiting in ((first, 3), (second, 0)):
        enrol_kiosk(tablet, factory.kiosk_token(inspection_id), expect=302)
        tablet.post("/kiosk/offline/waiting", json={"count": waiting}, expect=200)
    sign_in(client, email)
    html = client.get(f"/inspector/inspections/{inspection_id}").get_data(as_text=True)
    lines = sorted(re.findall(r"Tablet \d: (\d+) sealed answers waiting to be sent", html))
    assert lines == ["0", "3"]


@pytest.mark.parametrize(
    "bad",
    [
        {"feel_safe": "maybe"},  # not an option
        {"hurt_by_child": "no", "hurt_how": ["hit"]},  # routed out, yet answered
        {"feel_safe": ["yes"]},  # a list for a single answer
        {"anything_else": "x" * 5000},  # longer than allowed
        ["not", "a", "mapping"],
        b"not JSON at all",  # what a broken or hostile tablet may seal with the public key
        b"\xff\xfe{}",  # not UTF-8
        b'{"feel_safe": NaN}',
        b"[" * 2000 + b"]" * 2000,  # nested deeper than the parser goes
    ],
)
def test_a_tablet_sealed_response_that_is_not_valid_is_counted_not_dropped(
    app, tablet, inspection_id, bad
):
    from survey_app.evidence import report

    for answers in (bad, {"feel_safe": "yes"}):
        token = ballots(tablet, 1)["ballots"][0]
        with app.app_context():
            public_key = db.session.get(Inspection, inspection_id).public_key
        context = sealing.response_context(inspection_id, "tiny-children", 1)
        payload = answers if isinstance(answers, bytes) else json.dumps(answers).encode()
        sealed = sealing.seal(public_key, payload, context, seal_format=2)
        upload(tablet, token, sealed)
    from survey_app.evidence import render

    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        built = report.build(inspection, inspections.unlock(inspection, PASSPHRASE))
        html = render.to_html(built, inspection)
    assert built["invalid_responses"] == 1
    assert built["unopenable_responses"] == 0
    assert "1 response sealed on a tablet opened but broke the questionnaire" in html
    children = next(q for q in built["questionnaires"] if q["id"] == "tiny-children")
    assert children["respondents"] == 1


def test_a_version_retired_mid_visit_still_uploads_and_opens(app, tablet, inspection_id):
    """The tablet kept version 1; version 2 arrives during the visit: both are accepted."""
    import dataclasses

    from survey_app.evidence import report
    from survey_app.questionnaire import Library

    library = app.extensions["questionnaires"]
    old = library.get("tiny-children", 1)
    app.extensions["questionnaires"] = Library(
        {(q.id, q.version): q for q in library}
        | {("tiny-children", 2): dataclasses.replace(old, version=2)}
    )
    assert bundle(tablet)["current"] == {"id": "tiny-children", "version": 2}
    for version in (1, 2):
        sealed = seal_as_the_tablet(app, inspection_id, {"feel_safe": "yes"}, version=version)
        token = ballots(tablet, 1)["ballots"][0]
        assert upload(tablet, token, sealed, change={"version": version}) == {"stored": True}
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        built = report.build(inspection, inspections.unlock(inspection, PASSPHRASE))
    assert built["unopenable_responses"] == built["invalid_responses"] == 0
    children = next(q for q in built["questionnaires"] if q["id"] == "tiny-children")
    assert children["respondents"] == 2 and children["versions"] == [1, 2]


def test_a_tablet_can_be_set_up_straight_for_use_with_no_network(client, factory, inspection_id):
    from tests.helpers import post_form

    token = factory.kiosk_token(inspection_id)
    page = client.get(f"/kiosk/enrol/{token}").get_data(as_text=True)
    assert 'name="offline" value="1"' in page
    done = post_form(client, f"/kiosk/enrol/{token}", offline="1", expect=302)
    assert done.headers["Location"] == "/kiosk/offline/"
    client.get("/kiosk/offline/files.json", expect=200)


def test_the_bundle_version_changes_only_with_what_the_tablet_keeps(app, tablet, inspection_id):
    first = tablet.get("/kiosk/offline/files.json").get_json()["version"]
    assert tablet.get("/kiosk/offline/files.json").get_json()["version"] == first
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        inspection.public_key = bytes(32)  # as if another inspection's bundle
        from survey_app.respond.offline import bundle_version

        assert bundle_version(inspection) != first
        db.session.rollback()
        inspection = db.session.get(Inspection, inspection_id)
        inspection.establishment.advocacy_name = "Barnardo's"  # the help the tablet shows
        assert bundle_version(inspection) != first
        db.session.rollback()
