"""Production mode: refuses unsafe settings with one line, a health check that says when the
database is down, and gunicorn logs that carry no answers and no respondent addresses."""

from __future__ import annotations

import subprocess
import sys

import pytest

from benchmarks.client import Browser, enrol, ready_questionnaire
from benchmarks.server import ROOT, gunicorn
from survey_app import config, create_app
from tests.failure.server import server_env
from tests.helpers import csrf_token

SAFE = {
    "SURVEY_ENV": "production",
    "SURVEY_SECRET_KEY": "k" * 48,
    "SURVEY_PUBLIC_URL": "https://survey.example.org",
    "DATABASE_URL": "postgresql://survey@db.internal/survey",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "SURVEY_KDF_MEMORY_KIB": "65536",
}
MARKER = "MARKER-LOGS-93ab"
ADDRESS = "203.0.113.77"


def test_safe_settings_pass():
    assert config.production_problem(SAFE) is None
    laptop = dict(SAFE, SURVEY_INSECURE_HTTP="1", SURVEY_PUBLIC_URL="http://192.168.1.20:8000")
    del laptop["DATABASE_URL"], laptop["REDIS_URL"]
    assert config.production_problem(laptop) is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"SURVEY_SECRET_KEY": None}, "SURVEY_SECRET_KEY"),
        ({"SURVEY_SECRET_KEY": "short"}, "SURVEY_SECRET_KEY"),
        ({"FLASK_DEBUG": "1"}, "FLASK_DEBUG"),
        ({"SURVEY_INSECURE_HTTP": "1"}, "laptop mode"),
        ({"SURVEY_PUBLIC_URL": "http://survey.example.org"}, "https://"),
        ({"SURVEY_PUBLIC_URL": None}, "SURVEY_PUBLIC_URL"),
        ({"REDIS_URL": None}, "REDIS_URL"),
        ({"SURVEY_KDF_MEMORY_KIB": "1024"}, "SURVEY_KDF_MEMORY_KIB"),
    ],
)
def test_unsafe_settings_are_refused_with_a_reason(change, reason):
    environ = {k: v for k, v in {**SAFE, **change}.items() if v is not None}
    problem = config.production_problem(environ)
    assert problem and reason in problem and "\n" not in problem


def test_the_app_factory_refuses_in_production(monkeypatch, tmp_path):
    monkeypatch.setenv("SURVEY_ENV", "production")
    monkeypatch.delenv("SURVEY_SECRET_KEY", raising=False)
    with pytest.raises(config.UnsafeSettings, match="SURVEY_SECRET_KEY"):
        create_app(instance_path=str(tmp_path))


def test_gunicorn_refuses_to_start_with_one_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "SURVEY_ENV": "production", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("survey-app will not start in production mode: SURVEY_SECRET_KEY")
    assert "Traceback" not in done.stderr


def test_health_says_when_the_database_is_down(tmp_path):
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/db.sqlite3"},
        instance_path=str(tmp_path),
    )
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] is False


@pytest.mark.db
def test_server_logs_carry_no_answers_and_no_addresses(app, factory, tmp_path):
    inspection_id = factory.inspection()
    env, port = server_env(app, tmp_path)
    env["SURVEY_LOG_LEVEL"] = "debug"
    browser = Browser("127.0.0.1", port)
    browser.headers = {"User-Agent": f"Tablet {MARKER}", "X-Forwarded-For": ADDRESS}
    set_up_token = factory.kiosk_token(inspection_id)
    with gunicorn(env, log_dir=tmp_path):
        enrol(browser, set_up_token)
        for _ in range(2):
            token = ready_questionnaire(browser)
            status, _, _ = browser.request(
                "POST",
                f"/kiosk/questionnaire?note={MARKER}",
                fields=[("csrf_token", token), ("feel_safe", "yes"), ("anything_else", MARKER)],
            )
            assert status == 302
        # A refused submission (no ballot any more) is logged no differently.
        browser.post("/kiosk/questionnaire", [("anything_else", MARKER)])
    access = (tmp_path / "access.log").read_text()
    errors = (tmp_path / "error.log").read_text()
    assert "POST /kiosk/questionnaire" in access  # the log works
    assert "POST /kiosk/enrol/..." in access  # the set-up link is logged without its token
    for log in (access, errors):
        assert MARKER not in log and set_up_token not in log
        assert "127.0.0.1 " not in log and ADDRESS not in log


@pytest.mark.db
def test_a_rate_limit_hit_logs_no_address(app, factory, caplog):
    inspection_id = factory.inspection()
    client = app.test_client()
    environ = {"REMOTE_ADDR": ADDRESS}
    caplog.set_level("DEBUG")
    page = client.get(f"/staff/{inspection_id}", environ_base=environ)
    token = csrf_token(page.get_data(as_text=True))
    for attempt in range(11):  # the default limit is 10 a minute
        client.post(
            f"/staff/{inspection_id}",
            data={"csrf_token": token, "code": "AAAA-BBBB-CCCC"},
            environ_base=environ,
            expect=400 if attempt < 10 else 429,
        )
    assert ADDRESS not in caplog.text
