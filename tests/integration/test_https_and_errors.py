"""What HTTPS and bad requests meet: HSTS, a Referer the CSRF check can use, a request body
limit sized to the largest honest questionnaire, kind and translated pages for every error
status, and a health check that covers everything a respondent needs.

The browser journeys over real TLS are in tests/browser/test_production_journeys.py.
"""

from __future__ import annotations

from sqlalchemy import func, select

from survey_app import create_app
from survey_app.models import SealedResponse, db
from tests.conftest import TINY_QUESTIONNAIRES
from tests.helpers import csrf_token, enrol_kiosk, sign_in, start_kiosk

HTTPS = {"base_url": "https://localhost"}


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SealedResponse))


def test_https_pages_say_strict_transport_security_and_plain_http_does_not(client):
    secure = client.get("/inspector/sign-in", **HTTPS)
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/inspector/sign-in").headers


def test_same_origin_requests_carry_a_referer_and_no_other_site_gets_one(client):
    page = client.get("/inspector/sign-in", **HTTPS)
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert '<meta name="referrer" content="same-origin">' in page.get_data(as_text=True)


def test_a_form_over_https_works_with_a_same_origin_referer(client, factory):
    email = factory.inspector()
    page = client.get("/inspector/sign-in", **HTTPS)
    form = {"csrf_token": csrf_token(page.get_data(as_text=True)), "email": email}
    form["password"] = "a long test password"
    headers = {"Referer": "https://localhost/inspector/sign-in"}
    client.post("/inspector/sign-in", data=form, headers=headers, expect=302, **HTTPS)
    # From another site (or with the Referer stripped) the CSRF check still refuses it.
    elsewhere = {"Referer": "https://evil.example/inspector/sign-in"}
    client.post("/inspector/sign-in", data=form, headers=elsewhere, expect=400, **HTTPS)


def test_a_body_larger_than_any_questionnaire_is_refused_unread_with_a_kind_page(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert 64 * 1024 <= limit < 1024 * 1024
    token = csrf_token(client.get("/inspector/sign-in").get_data(as_text=True))
    data = {"csrf_token": token, "email": "a@example.org", "password": "x" * (limit + 1)}
    refused = client.post("/inspector/sign-in", data=data, expect=413)
    html = refused.get_data(as_text=True)
    assert "That was too much to send" in html
    assert "x" * 100 not in html  # nothing sent is echoed back


def test_the_longest_honest_answer_fits_within_the_limit(app, factory):
    inspection_id = factory.inspection()
    kiosk = app.test_client()
    enrol_kiosk(kiosk, factory.kiosk_token(inspection_id))
    start_kiosk(kiosk)
    token = csrf_token(kiosk.get("/kiosk/questionnaire").get_data(as_text=True))
    longest = "😀" * 500  # max_length characters that take 4 bytes each, 12 once encoded
    data = {"csrf_token": token, "feel_safe": "yes", "anything_else": longest}
    kiosk.post("/kiosk/questionnaire", data=data, expect=302)
    assert stored(app) == 1


def test_an_answer_longer_than_its_question_allows_is_refused_and_never_stored(app, factory):
    inspection_id = factory.inspection()
    kiosk = app.test_client()
    enrol_kiosk(kiosk, factory.kiosk_token(inspection_id))
    start_kiosk(kiosk)
    token = csrf_token(kiosk.get("/kiosk/questionnaire").get_data(as_text=True))
    data = {"csrf_token": token, "feel_safe": "yes", "anything_else": "a" * 501}
    refused = kiosk.post("/kiosk/questionnaire", data=data, expect=400)
    assert "Please make this shorter: up to 500 characters." in refused.get_data(as_text=True)
    assert stored(app) == 0


def test_every_error_status_gets_a_kind_page_in_the_readers_language(app, client, factory):
    # 405: a GET on a form's POST-only address.
    wrong_method = client.get("/kiosk/start", expect=405)
    assert "That cannot be done here" in wrong_method.get_data(as_text=True)
    assert wrong_method.headers["Allow"]
    # 403: an administrator's page for an inspector.
    sign_in(client, factory.inspector())
    refused = client.get("/inspector/establishments", expect=403)
    assert "You cannot open this page" in refused.get_data(as_text=True)
    # The same pages in Welsh for a reader who chose Welsh.
    with client.session_transaction() as session:
        session["language"] = "cy"
    welsh = client.get("/no-such-page", expect=404).get_data(as_text=True)
    assert '<html lang="cy"' in welsh and "Page not found" not in welsh


def test_an_unexpected_failure_is_a_kind_page_not_a_traceback(app, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken():
        raise RuntimeError("something inside broke")

    app.view_functions["home"] = broken
    page = app.test_client().get("/", expect=500).get_data(as_text=True)
    assert "Sorry, something went wrong" in page
    assert "something inside broke" not in page and "Traceback" not in page


def test_health_reports_every_dependency(client):
    response = client.get("/health")
    assert response.json == {
        "status": "ok",
        "checks": {"database": True, "questionnaires": True, "rate_limits": True},
    }


def test_health_fails_when_the_questionnaires_do_not_load(tmp_path):
    empty = tmp_path / "no-questionnaires"
    empty.mkdir()
    app = create_app(
        {"TESTING": True, "QUESTIONNAIRE_DIR": str(empty), "SECRET_KEY": "k" * 32},
        instance_path=str(tmp_path),
    )
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.json["checks"]["questionnaires"] is False


def test_health_fails_when_the_rate_limit_store_does_not_answer(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "QUESTIONNAIRE_DIR": str(TINY_QUESTIONNAIRES),
            "SECRET_KEY": "k" * 32,
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9/0",  # nothing listens on port 9
        },
        instance_path=str(tmp_path),
    )
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.json["checks"] == {
        "database": True,
        "questionnaires": True,
        "rate_limits": False,
    }
