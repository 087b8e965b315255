"""Leaks the threat model did not list at first (issue 12, finding 9): each closed, tested."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey_app.models import Inspection, db
from tests.helpers import PASSPHRASE, post_form, sign_in

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
