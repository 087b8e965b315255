"""The security baseline every response carries."""

import pytest

from tests.helpers import sign_in

# (path, status): a tablet that is not set up is refused, an unknown inspection not found.
PAGES = [("/", 200), ("/inspector/sign-in", 200), ("/kiosk", 403), ("/staff/unknown", 404)]


@pytest.mark.parametrize(("url", "status"), PAGES)
def test_security_headers_on_every_page(client, url, status):
    headers = client.get(url, expect=status).headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "http" not in csp
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"


def test_forms_without_a_csrf_token_are_refused(client, factory):
    email = factory.inspector()
    response = client.post(
        "/inspector/sign-in", data={"email": email, "password": "a long test password"}, expect=400
    )
    assert "This page has expired" in response.get_data(as_text=True)


def test_session_cookies_are_secure_and_http_only(client, factory):
    sign_in(client, factory.inspector())
    cookie = client.get_cookie("session")
    assert cookie.secure and cookie.http_only and cookie.same_site == "Lax"


def test_pages_ask_for_nothing_from_another_host(client):
    for url, status in PAGES:
        html = client.get(url, expect=status).get_data(as_text=True)
        assert "http://" not in html.replace("http://localhost", "")
        assert "https://" not in html.replace("https://localhost", "")


def test_health_checks_the_database(client):
    response = client.get("/health", expect=200)
    assert response.json["status"] == "ok"
