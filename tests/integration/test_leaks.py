"""Leaks the threat model did not list at first (issue 12, finding 9): each closed, tested."""

from __future__ import annotations

import base64
import hashlib
import html as html_module
import os
import re
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select

from survey_app.models import Inspection, db
from tests.helpers import PASSPHRASE, post_form, sign_in
from tests.integration.test_cli import passphrase_env, run, submit

pytestmark = pytest.mark.db

LONGER_MINIMUM = 30
SHORTER_THAN_IT = "thirteen char"  # long enough for the default 12, too short for 30


def test_a_raised_passphrase_minimum_is_a_form_error_not_a_500(app, client, factory):
    app.config["MINIMUM_PASSPHRASE_LENGTH"] = LONGER_MINIMUM
    email = factory.inspector("admin")
    establishment = factory.establishment()
    inspection_id = factory.inspection([email], passphrase=PASSPHRASE * 2)
    sign_in(client, email)
    refused = post_form(
        client,
        "/inspector/inspections/new",
        establishment=establishment,
        kind="full",
        passphrase=SHORTER_THAN_IT,
        confirm=SHORTER_THAN_IT,
        expect=400,
    )
    assert f"at least {LONGER_MINIMUM} characters" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inspection)) == 1
    page = f"/inspector/inspections/{inspection_id}/keys"
    refused = post_form(
        client,
        page,
        page + "/passphrase",
        change_current=PASSPHRASE * 2,
        change_new=SHORTER_THAN_IT,
        change_confirm=SHORTER_THAN_IT,
        expect=400,
    )
    assert f"at least {LONGER_MINIMUM} characters" in refused.get_data(as_text=True)


# --- files the commands write ----------------------------------------------------------------


@pytest.fixture
def loose_umask():
    """The umask most systems have (group and others may read new files)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_backups_exports_and_code_sheets_are_readable_by_their_owner_only(
    app, factory, tmp_path, loose_umask
):
    inspection_id = factory.inspection()
    submit(app, inspection_id, "children", {"feel_safe": "yes"}, 2)
    written = {
        "backup": tmp_path / "survey.backup",
        "export": tmp_path / "evidence.json",
        "sheet": tmp_path / "slips.pdf",
    }
    for path in written.values():  # already there, readable by all: must not stay so
        path.write_bytes(b"old")
        path.chmod(0o644)
    run(app, "backup", str(written["backup"]))
    run(app, "export", inspection_id, "--output", str(written["export"]), env=passphrase_env())
    run(
        app,
        "inspections",
        "staff-codes",
        inspection_id,
        "--count",
        "2",
        "--pdf",
        str(written["sheet"]),
    )
    modes = {name: oct(mode(path)) for name, path in written.items()}
    assert modes == dict.fromkeys(written, "0o600")
    assert written["backup"].stat().st_size > 100
    fresh = tmp_path / "fresh.json"
    run(app, "export", inspection_id, "--output", str(fresh), env=passphrase_env())
    assert oct(mode(fresh)) == "0o600"


def test_the_standalone_html_export_runs_no_script_and_fetches_nothing(app, factory, tmp_path):
    inspection_id = factory.inspection()
    submit(app, inspection_id, "children", {"feel_safe": "yes"}, 1)
    output = tmp_path / "evidence.html"
    run(
        app,
        "export",
        inspection_id,
        "--format",
        "html",
        "--output",
        str(output),
        env=passphrase_env(),
    )
    html = output.read_text(encoding="utf-8")
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert policy, "the standalone document carries no Content-Security-Policy"
    policy = html_module.unescape(policy.group(1))  # as the browser reads the attribute
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert "script-src" not in directives and "unsafe" not in policy
    (css,) = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert directives["style-src"] == f"'sha256-{digest}'"  # the document's own styles apply
    assert "<script" not in html
