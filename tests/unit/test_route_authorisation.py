"""Every inspector route declares who may reach it, and declares enough.

Read from the routes themselves (``survey_app.inspect.authorise``), so a route added or
edited without its decorator fails here before any request is made. Removing ``@team`` from
the erase route, or writing ``@signed_in`` in its place, makes this test fail.
"""

from __future__ import annotations

import pytest

from survey_app import create_app

# What each route may declare. Routes about one inspection must check its team; only
# sign-in is reachable signed out.
PUBLIC = {"inspect.sign_in", "inspect.sign_in_code"}
ADMIN = {"inspect.establishments"}
CREATOR = {"inspect.new_inspection"}
LEAD = {"inspect.finalise", "inspect.record_referral"}
# Changing an establishment's units or the help its children see: a lead or an
# administrator on the team.
TEAM_CREATOR = {"inspect.units_add", "inspect.units_change", "inspect.help_change"}
# Routes that erase, change keys or let new people in ask for the password again.
PASSWORD_AGAIN = {
    "inspect.erase",
    "inspect.change_passphrase",
    "inspect.grant_access",
    "inspect.revoke_access",
    "inspect.new_recovery_key",
    "inspect.enrol_kiosk",
    "inspect.staff_codes",
}


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/unused.db"},
        instance_path=str(instance),
    )
    return app, list(app.url_map.iter_rules())


def _declared(app, endpoint: str) -> str | None:
    return getattr(app.view_functions[endpoint], "authorisation", None)


def test_every_inspector_route_declares_its_authorisation(rules):
    app, every = rules
    inspector = [rule for rule in every if rule.endpoint.startswith("inspect.")]
    assert len(inspector) >= 20, "the inspector routes were not found"
    undeclared = sorted(rule.rule for rule in inspector if _declared(app, rule.endpoint) is None)
    assert undeclared == [], f"inspector routes without an authorisation decorator: {undeclared}"


def test_each_route_declares_what_it_needs(rules):
    app, every = rules
    for rule in every:
        if not rule.endpoint.startswith("inspect."):
            continue
        declared = _declared(app, rule.endpoint)
        if rule.endpoint in LEAD:
            assert declared == "team-lead", f"{rule.rule} is for the team's lead: @team_lead"
        elif rule.endpoint in TEAM_CREATOR:
            assert declared == "team-creator", (
                f"{rule.rule} changes the establishment: @team_creator"
            )
        elif "inspection_id" in rule.arguments:
            assert declared == "team", f"{rule.rule} is about one inspection: it must be @team"
        elif rule.endpoint in PUBLIC:
            assert declared == "public", rule.rule
        elif rule.endpoint in ADMIN:
            assert declared == "admin", rule.rule
        elif rule.endpoint in CREATOR:
            assert declared == "creator", rule.rule
        else:
            assert declared == "signed-in", f"{rule.rule} declares {declared!r}"


def test_no_inspector_page_outside_the_inspector_blueprint(rules):
    """Pages for inspectors live under /inspector, where the checks above cover them."""
    _app, every = rules
    for rule in every:
        if rule.rule.startswith("/inspector"):
            assert rule.endpoint.startswith("inspect."), rule.rule


def test_routes_that_erase_change_keys_or_let_people_in_ask_for_the_password(rules):
    app, _every = rules
    for endpoint in PASSWORD_AGAIN:
        view = app.view_functions[endpoint]
        assert getattr(view, "password_again", False), f"{endpoint} must be @recent_password"


# Routes that check a password or passphrase limit wrong ones per account and per inspection.
GUARDED = {
    "inspect.sign_in",
    "inspect.sign_in_code",
    "inspect.evidence",
    "inspect.evidence_download",
    "inspect.finalise",
    "inspect.change_passphrase",
    "inspect.grant_access",
    "inspect.new_recovery_key",
    "inspect.recover",
}


def test_routes_that_check_a_secret_limit_wrong_guesses(rules):
    app, _every = rules
    for endpoint in GUARDED:
        assert getattr(app.view_functions[endpoint], "guarded", False), f"{endpoint}: @guarded"


def test_every_evidence_download_goes_through_the_one_guarded_download_route(rules):
    """The appendices PDF (``evidence.appendices.pdf``) and every other format are served by
    ``inspect.evidence_download``: @team, @guarded, one unlock and one audit path."""
    from survey_app.inspect.evidence import FORMATS

    app, _every = rules
    adapter = app.url_map.bind("localhost")
    assert "appendices.pdf" in FORMATS
    for fmt in FORMATS:
        endpoint, arguments = adapter.match(f"/inspector/inspections/abc/evidence.{fmt}", "POST")
        assert (endpoint, arguments["fmt"]) == ("inspect.evidence_download", fmt)
    view = app.view_functions["inspect.evidence_download"]
    assert _declared(app, "inspect.evidence_download") == "team"
    assert getattr(view, "guarded", False)
