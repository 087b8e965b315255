"""The staff journey: one-time codes that admit one response and cannot be traced to it."""

import re

import pytest
from sqlalchemy import inspect as schema
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from survey_app import access
from survey_app.models import Inspection, SealedResponse, StaffCode, db
from tests.conftest import is_postgresql
from tests.helpers import csrf_token, post_form, sign_in

pytestmark = pytest.mark.db

KIND_MESSAGE = "We could not accept that code"
RESPONDENT_TABLES = ("staff_code", "spent_ballot", "sealed_response")


@pytest.fixture
def inspection_id(factory):
    return factory.inspection([factory.inspector()])


def enter_code(client, inspection_id, code, expect=302):
    return post_form(client, f"/staff/{inspection_id}", code=code, language="en", expect=expect)


def answer(client, inspection_id, expect=302, **answers):
    url = f"/staff/{inspection_id}/questionnaire"
    page = client.get(url, expect=200)
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), **answers}
    return client.post(url, data=data, expect=expect)


def respond(app, inspection_id, code, **answers):
    """A member of staff on their own phone: enter the code, answer, send."""
    staff = app.test_client()
    enter_code(staff, inspection_id, code, expect=302)
    answer(staff, inspection_id, **answers, expect=302)


def code_hash(app, inspection_id, code):
    """What someone holding the app's secret and a printed slip could compute."""
    with app.test_request_context():
        return access._code_hash(inspection_id, code)


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(db.func.count()).select_from(model))


# --- using a code ------------------------------------------------------------------------------


def test_a_code_admits_one_response(app, client, factory, inspection_id):
    code = factory.staff_codes(inspection_id, 1)[0]
    response = enter_code(client, inspection_id, code.lower().replace("-", " "), expect=302)
    assert response.status_code == 302 and response.headers["Location"].endswith("/about")
    about = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your answers are anonymous" in about
    assert code not in about  # a spent code is never sent back to the browser
    done = answer(
        client,
        inspection_id,
        children_safe="no",
        single_staffed="weekly",
        role_group="frontline",
        expect=302,
    )
    assert done.status_code == 302 and "/thanks" in done.headers["Location"]
    client.get(done.headers["Location"], expect=200)
    assert count(app, SealedResponse) == 1
    second = app.test_client()
    refused = enter_code(second, inspection_id, code, expect=400)
    assert KIND_MESSAGE in refused.get_data(as_text=True)


def test_a_made_up_code_gets_the_same_kind_message(client, inspection_id):
    for code in ("AAAA-BBBB-CCCC", "not a code", "", "0O1l" * 3):
        response = enter_code(client, inspection_id, code, expect=400)
        assert KIND_MESSAGE in response.get_data(as_text=True)


def test_used_and_made_up_codes_get_byte_for_byte_the_same_page(app, factory, inspection_id):
    code = factory.staff_codes(inspection_id, 1)[0]
    respond(app, inspection_id, code, children_safe="yes")

    def refusal(typed):
        page = enter_code(app.test_client(), inspection_id, typed, expect=400)
        page = page.get_data(as_text=True)
        return re.sub(r'name="csrf_token" value="[^"]+"', "", page)

    assert refusal(code) == refusal("ABCD-EFGH-JKMN")


def test_without_a_code_the_questionnaire_cannot_be_reached(client, inspection_id):
    response = client.get(f"/staff/{inspection_id}/questionnaire", expect=302)
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/staff/{inspection_id}"
    )


def test_codes_are_unambiguous_and_hard_to_guess(app, factory, inspection_id):
    codes = factory.staff_codes(inspection_id, 200)
    assert len(set(codes)) == 200
    for code in codes:
        assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
        assert not set(code) & set("01OIL")  # nothing to misread aloud or on a phone keyboard
    # 29 symbols, 12 of them: about 58 bits.
    assert len(access.CODE_ALPHABET) ** access.CODE_LENGTH > 2**58


def test_the_inspection_page_counts_codes_made_and_used(app, client, factory):
    email = factory.inspector()
    inspection_id = factory.inspection([email])
    codes = factory.staff_codes(inspection_id, 3)
    respond(app, inspection_id, codes[0], children_safe="yes")
    sign_in(client, email)
    page = client.get(f"/inspector/inspections/{inspection_id}").get_data(as_text=True)
    assert re.search(r"Staff codes used</dt><dd>1 / 3<", page)


# --- codes in the QR link ----------------------------------------------------------------------


def test_a_qr_link_fills_in_the_code_without_spending_it(app, client, factory, inspection_id):
    code = factory.staff_codes(inspection_id, 1)[0]
    raw = code.replace("-", "")
    page = client.get(f"/staff/{inspection_id}?code={raw}", expect=200)
    html = page.get_data(as_text=True)
    assert f'value="{code}"' in html
    assert "The QR code has filled in your code" in html
    assert "staff-code.js" in html  # takes the code out of the address bar and history
    with app.app_context():
        assert db.session.get(StaffCode, code_hash(app, inspection_id, code)) is not None
    # One tap on Continue: the form posts to the plain URL and moves on without the code.
    posted = client.post(
        f"/staff/{inspection_id}",
        data={"csrf_token": csrf_token(html), "code": code, "language": "en"},
        expect=302,
    )
    assert raw not in posted.headers["Location"] and code not in posted.headers["Location"]
    assert "code=" not in posted.headers["Location"]
    # Back to the QR link (history): the code is not shown again, the browser goes on.
    again = client.get(f"/staff/{inspection_id}?code={raw}", expect=302)
    assert again.status_code == 302 and again.headers["Location"].endswith("/about")
    about = client.get(again.headers["Location"]).get_data(as_text=True)
    assert raw not in about and code not in about
    # And after answering, the QR link in the history shows an empty form.
    answer(client, inspection_id, children_safe="yes", expect=302)
    after = client.get(f"/staff/{inspection_id}?code={raw}").get_data(as_text=True)
    assert 'value=""' in after and raw not in after and code not in after


def test_a_malformed_qr_code_is_not_put_in_the_form(client, inspection_id):
    for junk in ("<script>", "AAAA", "0O1I0O1I0O1I", "A" * 40):
        html = client.get(f"/staff/{inspection_id}", query_string={"code": junk}).get_data(
            as_text=True
        )
        assert 'value=""' in html
        assert "staff-code.js" not in html


def test_a_qr_link_without_a_code_is_the_plain_form(client, inspection_id):
    html = client.get(f"/staff/{inspection_id}").get_data(as_text=True)
    assert 'value=""' in html and "12 letters and numbers" in html


# --- time limits and closing -------------------------------------------------------------------


def test_after_closing_codes_stop_working_with_a_clear_message(client, factory, inspection_id):
    code = factory.staff_codes(inspection_id, 1)[0]
    factory.close(inspection_id)
    response = client.get(f"/staff/{inspection_id}", expect=410)
    assert "This survey has closed" in response.get_data(as_text=True)
    token = csrf_token(client.get("/inspector/sign-in").get_data(as_text=True))
    client.post(f"/staff/{inspection_id}", data={"code": code, "csrf_token": token}, expect=410)
    link = client.get(f"/staff/{inspection_id}?code={code.replace('-', '')}", expect=410)
    assert code not in link.get_data(as_text=True)


def test_closing_part_way_through_stops_the_questionnaire_kindly(app, factory, inspection_id):
    code = factory.staff_codes(inspection_id, 1)[0]
    staff = app.test_client()
    enter_code(staff, inspection_id, code, expect=302)
    factory.close(inspection_id)
    page = staff.get(f"/staff/{inspection_id}/questionnaire", expect=410)
    assert "This survey has closed" in page.get_data(as_text=True)


def test_when_the_time_to_answer_runs_out_staff_are_told_kindly(app, factory, inspection_id):
    app.config["BALLOT_HOURS"] = 0  # the ballot expires as soon as it is issued
    codes = factory.staff_codes(inspection_id, 2)
    for path, code in zip(("about", "questionnaire"), codes, strict=True):
        staff = app.test_client()
        enter_code(staff, inspection_id, code, expect=302)
        page = staff.get(f"/staff/{inspection_id}/{path}", expect=410)
        html = page.get_data(as_text=True)
        assert "The time to answer has run out" in html
        assert "ask an inspector for a new slip" in html
        assert code not in html
        # Told once; afterwards the browser is simply back at the code form.
        again = staff.get(f"/staff/{inspection_id}/{path}", expect=302)
        assert again.status_code == 302 and again.headers["Location"].endswith(inspection_id)
    assert count(app, SealedResponse) == 0


# --- rate limits -------------------------------------------------------------------------------


def test_code_entry_is_rate_limited(client, inspection_id):
    for _ in range(10):
        enter_code(client, inspection_id, "AAAA-BBBB-CCCC", expect=400)
    responses = [enter_code(client, inspection_id, "AAAA-BBBB-CCCC", expect=429)]
    assert "Please wait a moment" in responses[-1].get_data(as_text=True)


def test_only_refused_codes_count_so_a_room_on_one_wifi_is_not_locked_out(
    app, factory, inspection_id
):
    """Staff at a briefing share the centre's one public address: twelve good codes in a
    minute all work, and the limit still stops guessing from that address."""
    codes = factory.staff_codes(inspection_id, 12)
    for code in codes:
        enter_code(app.test_client(), inspection_id, code, expect=302)
    for attempt in range(11):
        enter_code(
            app.test_client(), inspection_id, "AAAA-BBBB-CCCC", expect=400 if attempt < 10 else 429
        )


def test_guessing_from_many_addresses_never_locks_staff_out(app, factory):
    """The attack of issue 12 (finding 1): 720 wrong codes from 90 addresses in a few minutes.
    A real, unspent code from an address of its own still gets in, and the inspector is
    told of the guessing."""
    inspection = factory.inspection(inspectors=[lead := factory.inspector()])
    code = factory.staff_codes(inspection, 1)[0]
    attacker = app.test_client()
    token = csrf_token(attacker.get(f"/staff/{inspection}").get_data(as_text=True))
    for address in range(90):
        for _ in range(8):  # under the per-address limit of 10 a minute
            attacker.post(
                f"/staff/{inspection}",
                data={"csrf_token": token, "code": "AAAA-BBBB-CCCC"},
                environ_base={"REMOTE_ADDR": f"127.0.{address // 200}.{address % 200 + 2}"},
                expect=400,
            )
    staff = app.test_client()
    staff.environ_base["REMOTE_ADDR"] = "127.1.0.1"
    enter_code(staff, inspection, code, expect=302)

    inspector = app.test_client()
    sign_in(inspector, lead)
    page = inspector.get(f"/inspector/inspections/{inspection}").get_data(as_text=True)
    assert "720 since" in page
    assert "someone may be guessing" in page
    # A few typing mistakes are not called guessing.
    calm = factory.inspection(inspectors=[lead])
    for _ in range(3):
        enter_code(app.test_client(), calm, "AAAA-BBBB-CCCC", expect=400)
    page = inspector.get(f"/inspector/inspections/{calm}").get_data(as_text=True)
    assert "3 since" in page and "someone may be guessing" not in page


def test_an_unknown_inspection_is_not_found(client):
    client.get("/staff/no-such-inspection", expect=404)


# --- nothing links a code to the response it admitted -----------------------------------------


def all_values(connection) -> dict[str, list[tuple]]:
    """Every row of every table, as an attacker with a copy of the database sees them."""
    tables = [t for t in schema(connection).get_table_names() if t != "alembic_version"]
    return {
        table: [tuple(row) for row in connection.execute(text(f'SELECT * FROM "{table}"'))]  # noqa: S608
        for table in tables
    }


def as_text(value) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


def assert_nothing_links_codes_to_responses(app, inspection_id, spent, unspent) -> None:
    """Play the strongest attacker: the database, the app's secret, and every printed slip
    (so the hash of every code). Try every column, value and physical order."""
    spent_hashes = {code_hash(app, inspection_id, code) for code in spent}
    unspent_hashes = {code_hash(app, inspection_id, code) for code in unspent}
    with app.app_context(), db.engine.connect() as connection:
        columns = {
            name: {column["name"] for column in schema(connection).get_columns(name)}
            for name in RESPONDENT_TABLES
        }
        rows = all_values(connection)

    # Columns: none shared between codes and the response side but the inspection.
    assert columns["staff_code"] == {"code_hash", "inspection_id"}
    assert columns["staff_code"] & columns["sealed_response"] == {"inspection_id"}
    assert columns["staff_code"] & columns["spent_ballot"] == set()
    for name in ("staff_code", "spent_ballot"):  # no times at all; responses carry only the day
        assert not any("time" in c or c.endswith(("_at", "_on")) for c in columns[name])

    # Rows: a spent code is gone, so there is nothing to join. Only unused ones are left.
    assert {row[0] for row in rows["staff_code"]} == unspent_hashes
    assert len(rows["spent_ballot"]) == len(rows["sealed_response"]) == len(spent)

    # Values: neither the spent codes nor their hashes (or any prefix an id could be cut
    # from) appear anywhere in the database, in any table or column.
    everything = " ".join(as_text(v) for table in rows.values() for row in table for v in row)
    for code in spent:
        assert code.replace("-", "") not in everything
    for spent_hash in spent_hashes:
        assert spent_hash[:16] not in everything
    # And what is left of the code table shares no value with the response side.
    code_values = {as_text(v) for row in rows["staff_code"] for v in row}
    response_values = {
        as_text(v)
        for table in ("spent_ballot", "sealed_response")
        for row in rows[table]
        for v in row
    }
    assert code_values & response_values <= {inspection_id}

    # Physical order: SQLite has no rowid on these tables; what a scan returns is key order.
    with app.app_context(), db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            for table in RESPONDENT_TABLES:
                with pytest.raises(OperationalError, match="rowid"):
                    connection.exec_driver_sql(f"SELECT rowid FROM {table}")  # noqa: S608


def test_nothing_stored_links_a_code_to_the_response_it_admitted(app, factory, inspection_id):
    codes = factory.staff_codes(inspection_id, 3)
    for code in codes[:2]:
        respond(app, inspection_id, code, children_safe="yes")
    assert_nothing_links_codes_to_responses(app, inspection_id, codes[:2], codes[2:])
    # The inspection's count of codes made was not touched by spending them.
    with app.app_context():
        assert db.session.get(Inspection, inspection_id).staff_codes_issued == 3


def test_spent_codes_leave_no_bytes_in_the_sqlite_file(app, factory, inspection_id):
    """Deleted rows are zeroed (secure_delete): once the write-ahead log is folded back
    in, the file holds the unused code's hash but no trace of the spent one."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("engine: SQLite's file")
        path = db.engine.url.database
    spent, unspent = factory.staff_codes(inspection_id, 2)
    respond(app, inspection_id, spent, children_safe="yes")
    with app.app_context(), db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    with open(path, "rb") as database:
        raw = database.read()
    assert code_hash(app, inspection_id, unspent).encode() in raw  # the scan can find a hash
    assert code_hash(app, inspection_id, spent).encode() not in raw
    assert spent.replace("-", "").encode() not in raw


def test_respondent_tables_have_no_rowid_to_order_them_by_on_sqlite(app, factory, inspection_id):
    codes = factory.staff_codes(inspection_id, 2)
    respond(app, inspection_id, codes[0], children_safe="yes")
    with app.app_context(), db.engine.connect() as connection:
        if db.engine.dialect.name != "sqlite":
            pytest.skip("engine: rowid is SQLite's")
        for table in RESPONDENT_TABLES:
            with pytest.raises(OperationalError, match="rowid"):
                connection.exec_driver_sql(f"SELECT rowid FROM {table}")  # noqa: S608
            # A plain scan comes back in key order, not in the order rows arrived.
            keys = [row[0] for row in connection.exec_driver_sql(f"SELECT * FROM {table}")]  # noqa: S608
            assert keys == sorted(keys), table


def test_codes_are_stored_in_hash_order_not_slip_order(app, factory, inspection_id):
    """The sheet's order (who got the first slip) is not the order of rows on disk."""
    codes = factory.staff_codes(inspection_id, 40)
    hashes = [code_hash(app, inspection_id, code) for code in codes]
    assert hashes != sorted(hashes)  # 1 in 40! that the sheet happens to be in hash order
    with app.app_context(), db.engine.connect() as connection:
        # PostgreSQL: physical position; SQLite (WITHOUT ROWID): a plain scan is the stored order.
        order = "ORDER BY ctid" if db.engine.dialect.name == "postgresql" else ""
        stored = connection.exec_driver_sql(f"SELECT code_hash FROM staff_code {order}").scalars()  # noqa: S608
        assert list(stored) == sorted(hashes)


@pytest.mark.skipif(not is_postgresql(), reason="engine: needs TEST_DATABASE_URL on PostgreSQL")
def test_postgresql_row_positions_and_transaction_ids_give_nothing_away(
    app, factory, inspection_id
):
    """On PostgreSQL an UPDATE writes a new row version at the end of the heap, with a new
    ``xmin``: a spent flag would put spent codes in the order they were used. Deleting leaves
    no version to read; what remains all comes from the one transaction that made the codes."""
    codes = factory.staff_codes(inspection_id, 6)
    with app.app_context(), db.engine.connect() as connection:
        inspection_before = connection.execute(
            text("SELECT xmin::text, ctid::text FROM inspection WHERE id = :id"),
            {"id": inspection_id},
        ).one()
    for code in codes[:4]:
        respond(app, inspection_id, code, children_safe="yes")
    spent_hashes = [code_hash(app, inspection_id, code) for code in codes[:4]]
    with app.app_context(), db.engine.connect() as connection:
        found = connection.execute(
            text("SELECT ctid::text FROM staff_code WHERE code_hash = ANY(:hashes)"),
            {"hashes": spent_hashes},
        ).all()
        assert found == []  # no live version of a spent code, at any position
        remaining = connection.execute(
            text("SELECT code_hash, xmin::text FROM staff_code ORDER BY ctid")
        ).all()
        assert [row[0] for row in remaining] == sorted(
            code_hash(app, inspection_id, code) for code in codes[4:]
        )
        assert len({row[1] for row in remaining}) == 1  # one creating transaction for all
        response_xmins = connection.execute(
            text("SELECT xmin::text FROM sealed_response")
        ).scalars()
        assert not {row[1] for row in remaining} & set(response_xmins)
        # Spending a code does not touch the inspection row either.
        inspection_after = connection.execute(
            text("SELECT xmin::text, ctid::text FROM inspection WHERE id = :id"),
            {"id": inspection_id},
        ).one()
        assert tuple(inspection_after) == tuple(inspection_before)
