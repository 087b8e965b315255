"""The staff journey: one-time codes that admit one response and cannot be traced to it."""

import pytest
from sqlalchemy import inspect as schema
from sqlalchemy import select

from survey_app.models import SealedResponse, SpentBallot, StaffCode, db
from tests.helpers import csrf_token, post_form

pytestmark = pytest.mark.db

KIND_MESSAGE = "We could not accept that code"


@pytest.fixture
def inspection_id(factory):
    return factory.inspection([factory.inspector()])


def enter_code(client, inspection_id, code):
    return post_form(client, f"/staff/{inspection_id}", code=code, language="en")


def answer(client, inspection_id, **answers):
    url = f"/staff/{inspection_id}/questionnaire"
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, data={"csrf_token": csrf_token(page.get_data(as_text=True)), **answers})


def test_a_code_admits_one_response(app, client, factory, inspection_id):
    code = factory.staff_codes(inspection_id, 1)[0]
    response = enter_code(client, inspection_id, code.lower().replace("-", " "))
    assert response.status_code == 302 and response.headers["Location"].endswith("/about")
    about = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your answers are anonymous" in about
    assert code not in about  # a spent code is never sent back to the browser
    done = answer(
        client, inspection_id, children_safe="no", single_staffed="weekly", role_group="frontline"
    )
    assert done.status_code == 302 and "/thanks" in done.headers["Location"]
    assert client.get(done.headers["Location"]).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(SealedResponse)) == 1
    second = app.test_client()
    refused = enter_code(second, inspection_id, code)
    assert refused.status_code == 400
    assert KIND_MESSAGE in refused.get_data(as_text=True)


def test_a_made_up_code_gets_the_same_kind_message(client, inspection_id):
    for code in ("AAAA-BBBB-CCCC", "not a code", "", "0O1l" * 3):
        response = enter_code(client, inspection_id, code)
        assert response.status_code == 400
        assert KIND_MESSAGE in response.get_data(as_text=True)


def test_without_a_code_the_questionnaire_cannot_be_reached(client, inspection_id):
    response = client.get(f"/staff/{inspection_id}/questionnaire")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/staff/{inspection_id}"
    )


def test_code_entry_is_rate_limited(client, inspection_id):
    responses = [enter_code(client, inspection_id, "AAAA-BBBB-CCCC") for _ in range(11)]
    assert [r.status_code for r in responses[:10]] == [400] * 10
    assert responses[-1].status_code == 429
    assert "Please wait a moment" in responses[-1].get_data(as_text=True)


def test_after_closing_codes_stop_working_with_a_clear_message(client, factory, inspection_id):
    code = factory.staff_codes(inspection_id, 1)[0]
    factory.close(inspection_id)
    response = client.get(f"/staff/{inspection_id}")
    assert response.status_code == 410
    assert "This survey has closed" in response.get_data(as_text=True)
    assert client.post(f"/staff/{inspection_id}", data={"code": code}).status_code in (400, 410)


def test_an_unknown_inspection_is_not_found(client):
    assert client.get("/staff/no-such-inspection").status_code == 404


def test_nothing_stored_links_a_code_to_the_response_it_admitted(
    app, client, factory, inspection_id
):
    codes = factory.staff_codes(inspection_id, 3)
    for code in codes[:2]:
        staff = app.test_client()
        enter_code(staff, inspection_id, code)
        answer(staff, inspection_id, children_safe="yes")
    with app.app_context():
        tables = {
            name: {column["name"] for column in schema(db.engine).get_columns(name)}
            for name in ("staff_code", "spent_ballot", "sealed_response")
        }
        # No column is shared between the code table and the response side but the inspection.
        assert tables["staff_code"] & tables["sealed_response"] == {"inspection_id"}
        assert tables["staff_code"] & tables["spent_ballot"] == set()
        # No times at all on codes and ballots; responses carry only the day.
        for name in ("staff_code", "spent_ballot"):
            assert not any(
                "time" in c or c.endswith("_at") or c.endswith("_on") for c in tables[name]
            )
        spent = db.session.scalars(select(StaffCode.code_hash).where(StaffCode.spent)).all()
        ballots = db.session.scalars(select(SpentBallot.ballot_hash)).all()
        response_ids = db.session.scalars(select(SealedResponse.id)).all()
        assert len(spent) == 2 and len(ballots) == 2 and len(response_ids) == 2
        # Try to join them on every value we hold: nothing matches.
        assert not set(spent) & set(ballots)
        assert not {h[:32] for h in spent} & set(response_ids)
        assert not {h[:32] for h in ballots} & set(response_ids)
