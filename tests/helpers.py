"""Helpers that set up inspectors, inspections, kiosks and codes, and drive forms."""

from __future__ import annotations

import re

from survey_app import access, accounts, inspections
from survey_app.models import Establishment, Inspection, db

PASSPHRASE = "a long test passphrase"
PASSWORD = "a long test password"

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def post_form(client, page_url: str, action_url: str | None = None, *, expect: int, **fields):
    """GET a page, then POST its form with the page's CSRF token; the POST must get ``expect``."""
    page = client.get(page_url)
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), **fields}
    return client.post(action_url or page_url, data=data, expect=expect)


class Factory:
    """Creates records in their own app context and returns ids and emails, never ORM objects
    (a test client request must not run inside a context the test holds open)."""

    def __init__(self, app):
        self.app = app
        self._count = 0

    def inspector(self, role: str = "lead", email: str | None = None) -> str:
        """A lead inspector unless said otherwise: tests act as the team's lead, and the tests
        of roles (tests/integration/test_roles.py) ask for the others."""
        self._count += 1
        with self.app.app_context():
            return accounts.create(
                email or f"inspector{self._count}@example.org", PASSWORD, role
            ).email

    def establishment(self, name: str = "Test Secure Training Centre", type_: str = "stc") -> str:
        with self.app.app_context():
            establishment = Establishment(name=name, type=type_)
            db.session.add(establishment)
            db.session.commit()
            return establishment.id

    def inspection(
        self, inspectors=(), establishment: str | None = None, passphrase: str = PASSPHRASE
    ) -> str:
        establishment = establishment or self.establishment()
        with self.app.app_context():
            assigned = [accounts.find(email) for email in inspectors]
            return inspections.create_inspection(
                db.session.get(Establishment, establishment), "full", passphrase, assigned
            ).id

    def staff_codes(self, inspection_id: str, count: int = 3) -> list[str]:
        with self.app.app_context():
            return access.create_staff_codes(db.session.get(Inspection, inspection_id), count)

    def kiosk_token(self, inspection_id: str) -> str:
        with self.app.app_context():
            return access.create_kiosk_invitation(db.session.get(Inspection, inspection_id))

    def assign(self, inspection_id: str, email: str) -> None:
        with self.app.app_context():
            inspection = db.session.get(Inspection, inspection_id)
            inspection.inspectors.append(accounts.find(email))
            db.session.commit()

    def close(self, inspection_id: str) -> None:
        with self.app.app_context():
            inspections.close_inspection(db.session.get(Inspection, inspection_id), "test")


def sign_in(client, email: str, password: str = PASSWORD, expect: int = 302):
    return post_form(client, "/inspector/sign-in", email=email, password=password, expect=expect)


def enrol_kiosk(client, token: str, expect: int = 302):
    return post_form(client, f"/kiosk/enrol/{token}", expect=expect)


def start_kiosk(client, language: str = "en", expect: int = 302):
    return post_form(client, "/kiosk", "/kiosk/start", language=language, expect=expect)


def pdf_pages(pdf: bytes) -> int:
    """Count the pages of a PDF, looking inside compressed object streams too."""
    import zlib

    chunks = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return sum(len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", chunk)) for chunk in chunks)
