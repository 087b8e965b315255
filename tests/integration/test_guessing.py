"""Wrong passwords and passphrases wait, per account and per inspection (issue 12, finding 2).

Before, 40 wrong passphrases in a row on the evidence route all got 403 and each cost one or
two 64 MiB Argon2id derivations. Now only refusals count, the wait ends with its window
(5 a minute, 20 an hour per account; 10 a minute, 40 an hour per inspection), and the right
secret is never what uses the allowance up.
"""

from __future__ import annotations

import pytest

from tests.helpers import PASSPHRASE, post_form, sign_in

pytestmark = pytest.mark.db


def _unlock(client, inspection: str, passphrase: str, expect: int, route: str = "evidence"):
    url = f"/inspector/inspections/{inspection}"
    return post_form(client, url, f"{url}/{route}", passphrase=passphrase, expect=expect)


@pytest.mark.parametrize("route", ["evidence", "evidence.json"])
def test_wrong_passphrases_wait_after_five_a_minute(client, factory, route):
    email = factory.inspector()
    inspection = factory.inspection(inspectors=[email])
    sign_in(client, email)
    _unlock(client, inspection, PASSPHRASE, expect=200, route=route)  # right: not counted
    for _ in range(5):
        _unlock(client, inspection, "not the passphrase at all", expect=403, route=route)
    _unlock(client, inspection, "not the passphrase at all", expect=429, route=route)
    _unlock(client, inspection, PASSPHRASE, expect=429, route=route)  # a minute's wait


def test_finalising_is_guarded_too(client, factory):
    email = factory.inspector()
    inspection = factory.inspection(inspectors=[email])
    factory.close(inspection)
    sign_in(client, email)
    for expected in (403,) * 5 + (429,):
        _unlock(client, inspection, "not the passphrase at all", expect=expected, route="finalise")


def test_a_team_guessing_together_waits_per_inspection(app, factory):
    team = [factory.inspector() for _ in range(3)]
    inspection = factory.inspection(inspectors=team)
    clients = []
    for email in team:
        clients.append(app.test_client())
        sign_in(clients[-1], email)
    for client in clients[:2]:
        for _ in range(5):
            _unlock(client, inspection, "not the passphrase at all", expect=403)
    _unlock(clients[2], inspection, "not the passphrase at all", expect=429)
    # Another inspection of the same team is not held up.
    other = factory.inspection(inspectors=team)
    _unlock(clients[2], other, PASSPHRASE, expect=200)


def test_wrong_passwords_for_one_account_wait_from_any_address(app, factory):
    email = factory.inspector()
    for attempt in range(6):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"127.0.9.{attempt + 1}"
        sign_in(client, email, "wrong password!!", expect=400 if attempt < 5 else 429)
    # Other accounts sign in as usual.
    sign_in(app.test_client(), factory.inspector())
