"""Single use under a race: two requests that spend the same set-up link, staff code or ballot
at the same moment. Exactly one gets through, on SQLite and on PostgreSQL.

Each race runs the two spends in two threads, each with its own app context (so its own
database connection), and holds both at a barrier just before the first write that spends
the thing, so that both have done every read first: the interleaving that let two tablets
enrol from one link when the invitation was deleted through the ORM (a row already gone is
"expected to delete 1 row(s); 0 were matched", a warning, and the second tablet enrolled).
"""

from __future__ import annotations

import re
import threading
import warnings

import pytest
from sqlalchemy import event, func, select

from survey_app import access, responses
from survey_app.models import Inspection, Kiosk, SealedResponse, db

pytestmark = pytest.mark.db

BARRIER_SECONDS = 5


def race(app, spend, first_write: str) -> list:
    """Run ``spend()`` in two threads that meet before their first statement matching
    ``first_write``; the two results, and a check that both threads really met there."""
    pattern = re.compile(first_write, re.IGNORECASE)
    barrier = threading.Barrier(2, timeout=BARRIER_SECONDS)
    met: list[bool] = []
    waited = threading.local()

    def hold(conn, cursor, statement, parameters, context, executemany) -> None:
        if pattern.match(statement.strip()) and not getattr(waited, "done", False):
            waited.done = True
            try:
                barrier.wait()
                met.append(True)
            except threading.BrokenBarrierError:
                met.append(False)

    results: list = [None, None]
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            with app.app_context(), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the ORM's "0 were matched" on the old code
                results[index] = spend()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", hold)
    try:
        threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(engine, "before_cursor_execute", hold)
    assert not errors, errors
    assert met == [True, True], "the two spends did not meet before their first write"
    return results


def test_one_set_up_link_enrols_one_tablet_when_two_race(app, factory):
    inspection_id = factory.inspection()
    token = factory.kiosk_token(inspection_id)

    def enrol():
        kiosk = access.accept_kiosk_invitation(token)
        return kiosk.id if kiosk else None

    results = race(app, enrol, r"DELETE FROM kiosk_invitation")
    assert [kiosk is not None for kiosk in results].count(True) == 1, results
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Kiosk)) == 1


def test_one_staff_code_admits_one_person_when_two_race(app, factory):
    inspection_id = factory.inspection()
    (code,) = factory.staff_codes(inspection_id, 1)

    def spend():
        return access.spend_staff_code(db.session.get(Inspection, inspection_id), code)

    assert sorted(race(app, spend, r"DELETE FROM staff_code")) == [False, True]


def test_one_ballot_stores_one_response_when_two_sends_race(app, factory):
    inspection_id = factory.inspection()
    ballot = {"nonce": "the same ballot on two tabs"}

    def send():
        inspection = db.session.get(Inspection, inspection_id)
        questionnaire = app.extensions["questionnaires"].current(
            "children", inspection.establishment.type
        )
        try:
            responses.submit(inspection, questionnaire, {}, ballot)
        except responses.AlreadySubmitted:
            return False
        return True

    # The response row is the transaction's first write; the ballot row follows it.
    assert sorted(race(app, send, r"INSERT INTO sealed_response")) == [False, True]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SealedResponse)) == 1


def _tablet_upload(app, inspection_id, ballot, sealed):
    def upload():
        inspection = db.session.get(Inspection, inspection_id)
        questionnaire = app.extensions["questionnaires"].current(
            "children", inspection.establishment.type
        )
        try:
            return responses.accept_browser_sealed(inspection, questionnaire, sealed, ballot)
        except responses.BallotUsedElsewhere:
            return "refused"

    return upload


def test_a_retried_tablet_upload_racing_the_first_is_stored_once(app, factory):
    """The tablet's retry arrives while the first upload is still in flight: both succeed."""
    inspection_id = factory.inspection()
    sealed = b"\x02" + bytes(range(100))  # stored as given: the server cannot open it
    upload = _tablet_upload(app, inspection_id, {"nonce": "one offline ballot"}, sealed)
    assert sorted(race(app, upload, r"INSERT INTO sealed_response")) == [False, True]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SealedResponse)) == 1


def test_one_offline_ballot_admits_one_of_two_different_uploads_that_race(app, factory):
    inspection_id = factory.inspection()
    ballot = {"nonce": "one offline ballot, two responses"}

    def either():
        sealed = b"\x02" + threading.current_thread().name.encode().ljust(100, b".")
        return _tablet_upload(app, inspection_id, ballot, sealed)()

    results = race(app, either, r"INSERT INTO sealed_response")
    assert sorted(map(str, results)) == ["True", "refused"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SealedResponse)) == 1
