"""The kiosk with the network off (issue 17), in Chromium.

A tablet is enrolled and prepared online; then the context goes offline (Playwright's
``set_offline``) and a recorder around the app proves that no request reaches the server while
children answer in English and Arabic. The tablet's storage (IndexedDB and the service worker's
cache) is scanned for each child's marker answer: only ciphertext may be there. Back online,
every waiting response is sent exactly once, also when the connection drops after the server
has stored one but before the tablet hears so, and the inspection's key opens them all.
"""

from __future__ import annotations

import json
import re
import socket
import threading

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from survey_app import inspections, responses
from survey_app.models import Inspection, SealedResponse, db
from tests.browser.conftest import axe_check
from tests.browser.test_kiosk import (
    TEXT_QUESTION,
    _marker,
    answer_in_steps,
    assert_answers_not_shown,
)
from tests.helpers import PASSPHRASE

pytestmark = pytest.mark.browser

UPLOAD = "/kiosk/offline/upload"


class Recorder:
    """Wraps the app: records every path asked for, and can drop the connection once after the
    app has answered an upload (the server stored it; the tablet never hears so)."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.paths: list[str] = []
        self.drop_next_upload = False
        self.dropped = threading.Event()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        self.paths.append(path)
        if path == UPLOAD and self.drop_next_upload:
            self.drop_next_upload = False
            body = b"".join(self.wsgi_app(environ, lambda *args, **kwargs: None))
            assert b'"stored":true' in body.replace(b" ", b"")
            # Half an answer, then the line goes: the browser has had a response, so it cannot
            # quietly retry, and the tablet must not take half an acknowledgement for one.
            start_response(
                "200 OK",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return self._cut(environ, body[: len(body) // 2])
        return self.wsgi_app(environ, start_response)

    def _cut(self, environ, part: bytes):
        yield part
        environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
        self.dropped.set()


@pytest.fixture
def inspection_id(factory) -> str:
    return factory.inspection(inspectors=[factory.inspector()])


@pytest.fixture
def recorder(app) -> Recorder:
    recorder = Recorder(app.wsgi_app)
    app.wsgi_app = recorder
    return recorder


def prepare(page, live_server, factory, inspection_id) -> None:
    """Online, at the office: enrol, open the offline start screen, wait until it is ready."""
    page.goto(f"{live_server}/kiosk/enrol/{factory.kiosk_token(inspection_id)}")
    page.get_by_role("button", name="Set up this tablet to work with no network").click()
    expect(page).to_have_url(f"{live_server}/kiosk/offline/")
    state = page.locator("#offline-state")
    expect(state).to_contain_text("Ready with no network.", timeout=20_000)
    expect(state).to_have_attribute("data-ballots", "200")
    expect(state).to_have_attribute("data-waiting", "0")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def tablet_storage(page) -> str:
    """Everything the origin keeps: every IndexedDB record and every cached response body."""
    return page.evaluate(
        """async () => {
          const out = [];
          for (const info of await indexedDB.databases()) {
            const db = await new Promise((ok, no) => {
              const r = indexedDB.open(info.name); r.onsuccess = () => ok(r.result); r.onerror = no;
            });
            for (const store of db.objectStoreNames) {
              const rows = await new Promise((ok) => {
                const r = db.transaction(store).objectStore(store).getAll();
                r.onsuccess = () => ok(r.result);
              });
              out.push(store + ":" + JSON.stringify(rows));
            }
            db.close();
          }
          for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            for (const request of await cache.keys()) {
              out.push(request.url + ":" + await (await cache.match(request)).text());
            }
          }
          out.push(JSON.stringify(localStorage), JSON.stringify(sessionStorage), document.cookie);
          return out.join("\\n");
        }"""
    )


def outbox(page) -> list[dict]:
    return json.loads(
        page.evaluate(
            """() => new Promise((ok) => {
              const r = indexedDB.open("kiosk-offline");
              r.onsuccess = () => {
                const get = r.result.transaction("outbox").objectStore("outbox").getAll();
                get.onsuccess = () => { ok(JSON.stringify(get.result)); r.result.close(); };
              };
            })"""
        )
    )


def child_answers_offline(
    page, live_server: str, language: str, marker: str, check_a11y: bool = False
) -> None:
    if check_a11y:
        axe_check(page, f"offline start ({language})", rules=("color-contrast-enhanced",))
    page.locator(f"#language-{language}").check()
    expect(page.locator("html")).to_have_attribute("lang", language)  # the kept start screen
    expect(page.locator(f"#language-{language}")).to_be_checked()
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/kiosk/offline/welcome?language={language}")
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.locator("main a.button--send").click()
    expect(page).to_have_url(f"{live_server}/kiosk/offline/questionnaire?language={language}")
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
    if check_a11y:
        axe_check(page, f"offline questionnaire ({language})", rules=("color-contrast-enhanced",))
    answer_in_steps(page, marker)
    page.locator("form.questionnaire #send button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/kiosk/offline/thanks?language={language}")
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert marker not in page.content()
    page.go_back()  # the back button finds no answers: the questionnaire was replaced
    assert_answers_not_shown(page, marker)
    page.go_forward()
    expect(page).to_have_url(f"{live_server}/kiosk/offline/thanks?language={language}")


def stored_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SealedResponse))


def test_children_answer_offline_and_every_response_arrives_once(
    make_context, live_server, app, factory, inspection_id, recorder
):
    context = make_context()
    page = context.new_page()
    prepare(page, live_server, factory, inspection_id)

    context.set_offline(True)
    before = len(recorder.paths)
    markers = {"en": _marker(), "ar": _marker()}
    child_answers_offline(page, live_server, "en", markers["en"], check_a11y=True)
    page.locator("#return-now").click()
    expect(page).to_have_url(f"{live_server}/kiosk/offline/")
    child_answers_offline(page, live_server, "ar", markers["ar"], check_a11y=True)
    page.locator("#return-now").click()
    expect(page).to_have_url(f"{live_server}/kiosk/offline/")
    # Chromium checks for a newer service worker script by itself, and Playwright's offline
    # emulation does not cover that check (a real tablet without a network makes none that
    # arrive); it carries nothing of a child. Every other request would be the tablet's own.
    reached = [path for path in recorder.paths[before:] if path != "/kiosk/sw.js"]
    assert reached == [], "the tablet reached the server while offline"

    waiting = outbox(page)
    assert len(waiting) == 2
    assert all(item["sealed"].startswith("A") for item in waiting)  # 0x02: format 2
    everything = tablet_storage(page)
    for marker in markers.values():
        assert marker not in everything
    assert stored_rows(app) == 0

    # Back online: the first upload is stored, then the connection drops before the answer.
    recorder.drop_next_upload = True
    context.set_offline(False)  # the "online" event sends what is waiting
    assert recorder.dropped.wait(20)
    state = page.locator("#offline-state")
    expect(state).to_contain_text("Not sent", timeout=20_000)
    expect(state).to_have_attribute("data-waiting", "2")
    assert stored_rows(app) == 1

    page.locator("#offline-send-now").click()  # the inspector's "Send now"
    expect(state).to_have_attribute("data-waiting", "0", timeout=20_000)
    expect(state).to_contain_text("Sent: 2.")
    assert outbox(page) == []
    assert stored_rows(app) == 2
    assert recorder.paths.count(UPLOAD) == 3  # two, and the retry of the dropped one

    # Back at the start screen online, the tablet keeps what it kept: nothing changed.
    kept = recorder.paths.count("/kiosk/offline/questionnaire")
    assert kept == 5  # once per language, when it was set up
    page.reload()
    expect(state).to_contain_text("Ready with no network.", timeout=20_000)
    assert recorder.paths.count("/kiosk/offline/questionnaire") == kept

    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        unsealer = inspections.unlock(inspection, PASSPHRASE)
        broken = responses.BrokenSeals()
        opened = list(responses.open_all(inspection, unsealer, broken))
        db.session.rollback()
    assert broken.count == 0
    assert sorted(r.answers["anything_else"] for r in opened) == sorted(markers.values())
    for response in opened:
        assert response.answers["feel_safe"] == "yes"
        assert response.answers["hurt_how"] == ["hit", "threatened"]


def test_stop_and_clear_offline_keeps_nothing(make_context, live_server, factory, inspection_id):
    context = make_context()
    page = context.new_page()
    prepare(page, live_server, factory, inspection_id)
    context.set_offline(True)
    marker = _marker()
    page.locator("#language-en").check()
    page.locator("main form button[type=submit]").click()
    page.locator("main a.button--send").click()
    page.locator("#answer-feel_safe-yes").check()
    page.locator(".step-nav__next").click()
    page.locator("#answer-hurt_by_child-no").check()
    page.locator("details.stop > summary").click()  # it asks first
    page.get_by_role("button", name="Yes, clear my answers").click()
    expect(page).to_have_url(
        re.compile(re.escape(f"{live_server}/kiosk/offline/cleared?language=en"))
    )
    assert outbox(page) == []
    assert marker not in tablet_storage(page)
    page.go_back()
    expect(page.locator("input:checked")).to_have_count(0)


def test_the_idle_wipe_works_offline(make_context, live_server, app, factory, inspection_id):
    app.config.update(KIOSK_IDLE_SECONDS=2, KIOSK_IDLE_COUNTDOWN_SECONDS=1)
    context = make_context()
    page = context.new_page()
    prepare(page, live_server, factory, inspection_id)
    context.set_offline(True)
    page.locator("#language-en").check()
    page.locator("main form button[type=submit]").click()
    page.locator("main a.button--send").click()
    page.locator("#answer-feel_safe-yes").check()
    expect(page).to_have_url(f"{live_server}/kiosk/offline/cleared?language=en", timeout=15_000)
    assert outbox(page) == []


def test_the_online_kiosk_on_a_prepared_tablet_keeps_what_is_waiting(
    make_context, live_server, factory, inspection_id, recorder
):
    """A child on the online kiosk of a tablet that also works offline: the wipe after Send
    clears the cache, not the storage holding ciphertexts still waiting and the ballots."""
    from tests.browser.test_kiosk import choose_language_and_start, read_welcome, send

    context = make_context()
    page = context.new_page()
    prepare(page, live_server, factory, inspection_id)
    context.set_offline(True)
    child_answers_offline(page, live_server, "en", _marker())
    # Still not sent when the next child uses the online kiosk (routed before going online, or
    # the "online" event would send it first).
    context.route("**/kiosk/offline/upload", lambda route: route.abort())
    context.set_offline(False)
    before = len(recorder.paths)
    page.goto(f"{live_server}/kiosk")
    choose_language_and_start(page, live_server, "en", check_a11y=False)
    read_welcome(page, live_server, check_a11y=False)
    answer_in_steps(page, _marker())
    send(page, live_server)
    # The online kiosk's scripts come from the server, never the tablet's kept copies.
    assert "/static/stepper.js" in recorder.paths[before:]
    assert len(outbox(page)) == 1
    assert page.evaluate("async () => !!(await navigator.serviceWorker.getRegistration('/kiosk/'))")


def test_a_revoked_tablet_stops_collecting(make_context, live_server, app, factory, inspection_id):
    from survey_app import access

    context = make_context()
    page = context.new_page()
    prepare(page, live_server, factory, inspection_id)
    with app.app_context():
        access.revoke_kiosks(db.session.get(Inspection, inspection_id))
    page.locator("#offline-send-now").click()
    state = page.locator("#offline-state")
    expect(state).to_contain_text("This tablet has been stopped", timeout=20_000)
    expect(state).to_have_attribute("data-ballots", "0")
    page.wait_for_function("async () => (await caches.keys()).length === 0")  # pages forgotten


def test_with_no_ballot_left_the_child_is_told_and_nothing_is_kept(
    make_context, live_server, factory, inspection_id
):
    context = make_context()
    page = context.new_page()
    prepare(page, live_server, factory, inspection_id)
    context.set_offline(True)
    page.evaluate(
        """() => new Promise((ok) => {
          const r = indexedDB.open("kiosk-offline");
          r.onsuccess = () => {
            const tx = r.result.transaction("ballots", "readwrite");
            tx.objectStore("ballots").clear();
            tx.oncomplete = () => { r.result.close(); ok(); };
          };
        })"""
    )
    marker = _marker()
    page.locator("#language-en").check()
    page.locator("main form button[type=submit]").click()
    page.locator("main a.button--send").click()
    answer_in_steps(page, marker)
    page.locator("form.questionnaire #send button[type=submit]").click()
    expect(page.locator("#offline-not-kept")).to_be_visible()
    expect(page.locator("#offline-not-kept")).to_be_focused()
    assert page.url.startswith(f"{live_server}/kiosk/offline/questionnaire")
    expect(page.locator(f"#answer-{TEXT_QUESTION}")).to_have_value(marker)
    assert outbox(page) == []
    assert marker not in tablet_storage(page)
