"""The children's kiosk through the Flask test client."""

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from survey_app.models import SealedResponse, db
from tests.helpers import csrf_token, enrol_kiosk, post_form, sign_in, start_kiosk

pytestmark = pytest.mark.db

MARKER = "MARKER-KIOSK-7c1d"


@pytest.fixture
def inspection_id(factory):
    return factory.inspection([factory.inspector()])


@pytest.fixture
def kiosk(client, factory, inspection_id):
    response = enrol_kiosk(client, factory.kiosk_token(inspection_id), expect=302)
    assert response.status_code == 302 and response.headers["Location"].endswith("/kiosk")
    return client


def answer_all(client, expect=302, **answers):
    start_kiosk(client, expect=302)
    page = client.get("/kiosk/questionnaire", expect=200)
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), **answers}
    return client.post("/kiosk/questionnaire", data=data, expect=expect)


def stored(app):
    with app.app_context():
        return db.session.scalars(select(SealedResponse)).all()


def test_a_child_answers_and_the_kiosk_returns_to_a_clean_start(app, kiosk):
    response = answer_all(
        kiosk, feel_safe="yes", staff_respect="mostly", anything_else=MARKER, expect=302
    )
    assert response.headers["Location"].startswith("/kiosk/thanks")
    thanks = kiosk.get(response.headers["Location"], expect=200)
    assert 'data-return-to="/kiosk"' in thanks.get_data(as_text=True)
    assert MARKER not in thanks.get_data(as_text=True)
    assert kiosk.get_cookie("session") is None  # the child's session is gone
    assert "Clear-Site-Data" in response.headers
    # Back to the questionnaire: no ballot any more, so back to the start screen.
    again = kiosk.get("/kiosk/questionnaire", expect=302)
    assert again.status_code == 302 and again.headers["Location"].endswith("/kiosk")
    rows = stored(app)
    assert len(rows) == 1
    assert MARKER.encode() not in rows[0].sealed


def test_the_database_file_holds_no_answer_text(app, kiosk):
    answer_all(kiosk, anything_else=MARKER)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite:///"):
        pytest.skip("engine: byte scan of the database file is for SQLite")
    with app.app_context():
        db.engine.dispose()
    path = Path(url.removeprefix("sqlite:///"))
    for candidate in [path, *path.parent.glob(path.name + "-*")]:
        assert MARKER.encode() not in candidate.read_bytes()


def test_questionnaire_pages_are_not_cached_and_forms_do_not_autofill(kiosk):
    start_kiosk(kiosk)
    page = kiosk.get("/kiosk/questionnaire")
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert 'autocomplete="off"' in html


def test_invalid_answers_are_shown_again_kindly_with_nothing_stored(app, kiosk):
    response = answer_all(kiosk, feel_safe="perhaps", anything_else=MARKER, expect=400)
    html = response.get_data(as_text=True)
    assert "Please look at these answers again" in html
    assert MARKER in html  # the child's words are still in the page
    assert stored(app) == []


def test_a_double_tap_on_send_is_stored_once(app, kiosk):
    start_kiosk(kiosk)
    page = kiosk.get("/kiosk/questionnaire")
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), "feel_safe": "yes"}
    with kiosk.session_transaction() as session:
        saved = dict(session)
    kiosk.post("/kiosk/questionnaire", data=data, expect=302)
    with kiosk.session_transaction() as session:  # replay the same ballot
        session.update(saved)
    kiosk.post("/kiosk/questionnaire", data=data, expect=302)
    assert len(stored(app)) == 1


def test_the_talk_to_an_inspector_help_is_on_every_question_screen(kiosk):
    start_kiosk(kiosk)
    for url in (
        "/kiosk",
        "/kiosk/welcome",
        "/kiosk/questionnaire",
        "/kiosk/thanks?lang=en",
        "/kiosk/cleared?lang=en",
    ):
        html = kiosk.get(url).get_data(as_text=True)
        assert "I want to talk to an inspector" in html, url
        assert "Get help" in html and "Help at Hand" in html and "0800 528 0731" in html, url
        assert "Childline: call free on 0800 1111 from your PIN phone." in html, url
        assert "phone bill" not in html, url


def test_a_browser_that_is_not_enrolled_cannot_answer(client):
    for url in ("/kiosk", "/kiosk/questionnaire", "/kiosk/welcome"):
        response = client.get(url, expect=403)
        assert "This tablet is not ready" in response.get_data(as_text=True)


def test_an_enrolment_link_works_once(client, factory, inspection_id, app):
    token = factory.kiosk_token(inspection_id)
    enrol_kiosk(client, token, expect=302)
    other = app.test_client()
    enrol_kiosk(other, token, expect=410)


def test_an_unknown_enrolment_link_is_refused(client):
    enrol_kiosk(client, "made-up-token", expect=410)


def test_a_kiosk_cannot_reach_inspector_pages(kiosk):
    for url in ("/inspector/", "/inspector/sign-in"):
        response = kiosk.get(url, expect=403)
        assert "Not available on this tablet" in response.get_data(as_text=True)


def test_stopping_all_tablets_takes_one_action(app, kiosk, factory, inspection_id):
    email = factory.inspector(email="lead@example.org")
    factory.assign(inspection_id, email)
    inspector = app.test_client()
    sign_in(inspector, email)
    url = f"/inspector/inspections/{inspection_id}"
    post_form(inspector, url, url + "/kiosks/revoke", expect=302)
    kiosk.get("/kiosk", expect=403)


def test_a_closed_inspection_stops_the_kiosk(kiosk, factory, inspection_id):
    factory.close(inspection_id)
    kiosk.get("/kiosk", expect=403)


def test_stop_and_clear_wipes_the_session_and_shows_help_in_the_childs_language(kiosk):
    start_kiosk(kiosk, "cy")
    assert kiosk.get_cookie("session") is not None
    cleared = post_form(kiosk, "/kiosk/welcome", "/kiosk/reset", expect=302)
    assert cleared.headers["Location"] == "/kiosk/cleared?lang=cy"
    assert "Clear-Site-Data" in cleared.headers
    kiosk.get("/kiosk/questionnaire", expect=302)
    html = kiosk.get(cleared.headers["Location"], expect=200).get_data(as_text=True)
    assert '<html lang="cy"' in html
    assert "Childline: ffonia am ddim ar 0800 1111 o dy ffôn PIN." in html
    assert 'data-return-to="/kiosk"' in html


def test_a_welsh_speaking_child_gets_welsh_pages(kiosk):
    start_kiosk(kiosk, "cy")
    html = kiosk.get("/kiosk/welcome").get_data(as_text=True)
    assert '<html lang="cy" dir="ltr">' in html


def test_an_arabic_speaking_child_gets_right_to_left_pages(kiosk):
    start_kiosk(kiosk, "ar")
    html = kiosk.get("/kiosk/questionnaire").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html


def test_the_questionnaire_page_offers_steps_read_aloud_and_the_idle_question(app, kiosk):
    app.config.update(KIOSK_IDLE_SECONDS=123, KIOSK_IDLE_COUNTDOWN_SECONDS=45)
    start_kiosk(kiosk)
    html = kiosk.get("/kiosk/questionnaire").get_data(as_text=True)
    assert 'data-steps="question"' in html
    assert 'data-idle-seconds="123"' in html and 'data-countdown-seconds="45"' in html
    assert 'role="alertdialog"' in html and "Are you still there?" in html
    assert 'id="read-aloud"' in html and 'role="status"' in html
    assert "/static/stepper.js" in html and "/static/readaloud.js" in html
    # Read aloud has nothing to offer without JavaScript, so the buttons come from the script.
    assert "speak--" not in html


def test_the_start_and_thanks_screens_have_no_idle_wipe(kiosk):
    assert 'id="idle"' not in kiosk.get("/kiosk").get_data(as_text=True)


def test_a_page_with_problems_keeps_every_question_on_one_page(app, kiosk):
    response = answer_all(kiosk, feel_safe="perhaps", expect=400)
    html = response.get_data(as_text=True)
    assert 'id="problems"' in html  # stepper.js leaves such a page whole


def test_pages_are_compressed_for_browsers_that_ask(app):
    # A plain client: the checking one reads every page as text, before it is decompressed.
    raw = FlaskClient(app, app.response_class)
    page = raw.get("/kiosk/enrol/any-token", headers={"Accept-Encoding": "gzip"})
    assert page.headers.get("Content-Encoding") == "gzip"
    assert "no-store" in page.headers["Cache-Control"]


def rows_everywhere(app) -> dict:
    from sqlalchemy import func

    with app.app_context():
        return {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


def test_only_disclosing_answers_are_marked_and_the_offer_is_in_the_page(kiosk):
    start_kiosk(kiosk)
    html = kiosk.get("/kiosk/questionnaire", expect=200).get_data(as_text=True)
    marked = re.findall(r'id="answer-([a-z_]+-[a-z_]+)"[^>]*data-discloses', html, re.S)
    assert marked == ["hurt_how-hit", "hurt_how-threatened"]
    assert "harm" not in html  # option ids only: no category reaches the tablet
    assert html.count("Do you want to talk to an inspector now?") == 2  # no-JS and JS offers
    assert 'formaction="/kiosk/talk"' in html and 'id="talk-signal"' in html


def test_asking_to_talk_without_javascript_keeps_the_answers_in_the_page_and_stores_nothing(
    app, kiosk, caplog
):
    start_kiosk(kiosk)
    page = kiosk.get("/kiosk/questionnaire", expect=200).get_data(as_text=True)
    before = rows_everywhere(app)
    caplog.set_level("DEBUG")
    form = {
        "csrf_token": csrf_token(page),
        "hurt_by_child": "yes",
        "hurt_how": ["hit", "other"],
        "anything_else": MARKER,
    }
    signal = kiosk.post("/kiosk/talk", data=form, expect=200)
    html = signal.get_data(as_text=True)
    assert "This child would like to talk to you" in html
    assert html.index('id="talk-signal"') < html.index('id="answers-form"')
    assert re.search(r'id="talk-signal"[^>]*hidden', html) is None
    for field in ("answer-hurt_by_child-yes", "answer-hurt_how-hit", "answer-hurt_how-other"):
        assert re.search(rf'id="{field}"[^>]*checked', html, re.S), field
    assert not re.search(r'id="answer-hurt_how-threatened"[^>]*checked', html, re.S)
    assert f">{MARKER}</textarea>" in html
    assert signal.headers["Cache-Control"] == "no-store"
    assert rows_everywhere(app) == before  # no row anywhere: not even an audit event
    assert not [r for r in caplog.records if MARKER in r.getMessage() or "talk" in r.getMessage()]
    # The child carries on and sends: the ballot still works, once.
    kiosk.post("/kiosk/questionnaire", data=form, expect=302)
    assert len(stored(app)) == 1


def test_asking_to_talk_before_starting_shows_the_signal_alone(kiosk):
    page = kiosk.get("/kiosk", expect=200).get_data(as_text=True)
    html = kiosk.post("/kiosk/talk", data={"csrf_token": csrf_token(page)}, expect=200).get_data(
        as_text=True
    )
    assert "This child would like to talk to you" in html and 'href="/kiosk"' in html


def test_the_help_fits_each_kind_of_establishment_and_names_its_advocates(app, client, factory):
    home = factory.establishment("Hillside Secure Children's Home", "sch")
    enrol_kiosk(client, factory.kiosk_token(factory.inspection(establishment=home)), expect=302)
    html = client.get("/kiosk", expect=200).get_data(as_text=True)
    assert "Childline: call free on 0800 1111 from the phone on your unit." in html
    assert "PIN phone" not in html
    assert "Ask a member of staff to help you contact your advocate." in html
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "establishments",
            "signposting",
            home,
            "--advocacy-name",
            "Coram Voice",
            "--advocacy-contact",
            "Ask for the advocate's freephone number on your unit.",
        ]
    )
    assert result.exit_code == 0, result.output
    html = client.get("/kiosk", expect=200).get_data(as_text=True)
    assert (
        "Your advocate is from Coram Voice. Ask for the advocate&#39;s freephone number on your unit."
        in html
    )


def test_the_welcome_says_what_happens_to_a_disclosure(kiosk):
    start_kiosk(kiosk)
    html = kiosk.get("/kiosk/welcome", expect=200).get_data(as_text=True)
    assert "by ticking an answer or in your own words, the lead inspector will see it" in html
    assert "They will not know it was you, unless you write your name." in html
    assert "Nothing about that is saved." in html
