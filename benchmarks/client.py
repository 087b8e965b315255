"""A tiny HTTP client with its own cookies (one per simulated tablet), on the standard library."""

from __future__ import annotations

import http.client
import re
import ssl
from http.cookies import SimpleCookie
from urllib.parse import urlencode

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """``context``: an SSL context to speak HTTPS (trusting the test's own certificate)."""

    def __init__(self, host: str, port: int, context: ssl.SSLContext | None = None):
        self.host, self.port, self.context = host, port, context
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {"User-Agent": "survey-benchmark"}

    def request(self, method: str, path: str, fields=None, cookies: dict | None = None):
        """Returns (status, headers, body); keeps any cookies the server sets."""
        if self.context is None:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        else:
            connection = http.client.HTTPSConnection(
                self.host, self.port, timeout=30, context=self.context
            )
        headers = dict(self.headers)
        jar = self.cookies if cookies is None else cookies
        if jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        body = None
        if fields is not None:
            body = urlencode(fields, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            if self.context is not None:  # as a browser does: same-origin Referer over HTTPS
                headers["Referer"] = f"https://{self.host}:{self.port}{path}"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel.value and morsel["max-age"] != "0":
                        jar[name] = morsel.value
                    else:
                        jar.pop(name, None)
            return response.status, response.headers, data
        finally:
            connection.close()

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, fields, **kwargs):
        return self.request("POST", path, fields=fields, **kwargs)


def csrf_token(body: bytes) -> str:
    match = CSRF.search(body.decode("utf-8"))
    if match is None:
        raise RuntimeError("page has no CSRF token")
    return match.group(1)


def enrol(browser: Browser, token: str) -> None:
    _, _, page = browser.get(f"/kiosk/enrol/{token}")
    status, _, _ = browser.post(f"/kiosk/enrol/{token}", {"csrf_token": csrf_token(page)})
    if status != 302 or "kiosk" not in browser.cookies:
        raise RuntimeError(f"kiosk enrolment failed ({status})")


def ready_questionnaire(browser: Browser, language: str = "en") -> str:
    """Press Start on the kiosk and open the questionnaire; returns its CSRF token."""
    _, _, page = browser.get("/kiosk")
    status, _, _ = browser.post(
        "/kiosk/start", {"csrf_token": csrf_token(page), "language": language}
    )
    if status != 302:
        raise RuntimeError(f"kiosk start failed ({status})")
    status, _, page = browser.get("/kiosk/questionnaire")
    if status != 200:
        raise RuntimeError(f"questionnaire did not open ({status})")
    return csrf_token(page)


def form_fields(answers: dict) -> list[tuple[str, str]]:
    fields = []
    for question_id, answer in answers.items():
        for value in answer if isinstance(answer, list) else [answer]:
            fields.append((question_id, value))
    return fields
