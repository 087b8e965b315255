"""Keys an inspection team can live with: changing the passphrase, recovery, access for each
inspector, raising the KDF cost, and unlocks that last one request. Web and command line."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from survey_app import accounts, inspections, keys, sealing
from survey_app.models import AuditEvent, Inspection, InspectorKey, SealedResponse, WrappedKey, db
from tests.helpers import PASSPHRASE, PASSWORD, post_form, sign_in
from tests.integration.test_inspector import submit_children

pytestmark = pytest.mark.db

NEW_PASSPHRASE = "a brand new team passphrase"
RECOVERY_KEY = re.compile(r"\b[A-Z2-7]{4}(?:-[A-Z2-7]{4}){7}\b")


def unlocks(app, inspection_id, secret, email=None) -> bool:
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        inspector = accounts.find(email) if email else None
        try:
            inspections.unlock(inspection, secret, inspector)
        except sealing.WrongPassphrase:
            return False
        finally:
            db.session.rollback()
        return True


def audit_actions(app, inspection_id=None) -> list[str]:
    with app.app_context():
        query = select(AuditEvent.action).order_by(AuditEvent.at)
        if inspection_id:
            query = query.where(AuditEvent.inspection_id == inspection_id)
        return list(db.session.scalars(query))


def sealed_bytes(app) -> list[bytes]:
    with app.app_context():
        return sorted(db.session.scalars(select(SealedResponse.sealed)))


def evidence(client, inspection_id, secret, expect=200):
    url = f"/inspector/inspections/{inspection_id}"
    return post_form(client, url, url + "/evidence", passphrase=secret, expect=expect)


# --- passphrase change -------------------------------------------------------------------------


def test_changing_the_passphrase_on_the_web_rewraps_without_resealing(app, client, factory):
    email = factory.inspector()
    inspection_id = factory.inspection([email])
    submit_children(app, factory, inspection_id, [{"feel_safe": "yes"}, {"feel_safe": "no"}])
    before = sealed_bytes(app)
    sign_in(client, email)
    page = f"/inspector/inspections/{inspection_id}/keys"
    client.get(page, expect=200)

    wrong = post_form(
        client,
        page,
        page + "/passphrase",
        change_current="not the passphrase",
        change_new=NEW_PASSPHRASE,
        change_confirm=NEW_PASSPHRASE,
        expect=403,
    )
    assert "does not unlock this inspection. Nothing has changed." in wrong.get_data(as_text=True)
    assert unlocks(app, inspection_id, PASSPHRASE) and not unlocks(
        app, inspection_id, NEW_PASSPHRASE
    )

    post_form(
        client,
        page,
        page + "/passphrase",
        change_current=PASSPHRASE,
        change_new=NEW_PASSPHRASE,
        change_confirm=NEW_PASSPHRASE,
        expect=302,
    )
    assert unlocks(app, inspection_id, NEW_PASSPHRASE)
    assert not unlocks(app, inspection_id, PASSPHRASE)
    assert sealed_bytes(app) == before  # not one response was re-sealed
    evidence(client, inspection_id, NEW_PASSPHRASE, expect=200)
    assert audit_actions(app, inspection_id)[-3:] == [
        "unlock-refused",
        "passphrase-change",
        "unlock",
    ]


def test_a_new_passphrase_must_be_long_enough_and_typed_twice(client, factory):
    email = factory.inspector()
    inspection_id = factory.inspection([email])
    sign_in(client, email)
    page = f"/inspector/inspections/{inspection_id}/keys"
    for new, confirm in (("short", "short"), (NEW_PASSPHRASE, NEW_PASSPHRASE + "x")):
        post_form(
            client,
            page,
            page + "/passphrase",
            change_current=PASSPHRASE,
            change_new=new,
            change_confirm=confirm,
            expect=400,
        )


def test_the_command_line_changes_the_passphrase(app, factory):
    inspection_id = factory.inspection()
    runner = app.test_cli_runner()
    wrong = runner.invoke(
        args=["inspections", "passphrase", inspection_id],
        env={"SURVEY_PASSPHRASE": "wrong wrong wrong", "SURVEY_NEW_PASSPHRASE": NEW_PASSPHRASE},
    )
    assert wrong.exit_code == 1 and "Nothing has changed" in wrong.output
    done = runner.invoke(
        args=["inspections", "passphrase", inspection_id],
        input=f"{PASSPHRASE}\n{NEW_PASSPHRASE}\n{NEW_PASSPHRASE}\n",
    )
    assert done.exit_code == 0, done.output
    assert PASSPHRASE not in done.output and NEW_PASSPHRASE not in done.output
    assert unlocks(app, inspection_id, NEW_PASSPHRASE) and not unlocks(
        app, inspection_id, PASSPHRASE
    )
    assert audit_actions(app, inspection_id)[-2:] == ["unlock-refused", "passphrase-change"]


# --- recovery ----------------------------------------------------------------------------------


def test_a_recovery_key_is_shown_once_at_creation_and_resets_the_passphrase(app, client, factory):
    email = factory.inspector()
    establishment = factory.establishment()
    sign_in(client, email)
    created = post_form(
        client,
        "/inspector/inspections/new",
        establishment=establishment,
        kind="full",
        passphrase=PASSPHRASE,
        confirm=PASSPHRASE,
        recovery="y",
        expect=200,
    )
    recovery_key = RECOVERY_KEY.search(created.get_data(as_text=True)).group(0)
    with app.app_context():
        inspection_id = db.session.scalars(select(Inspection.id)).one()
        stored = db.session.scalars(select(WrappedKey)).all()
        assert {row.purpose for row in stored} == {"passphrase", "recovery"}
        assert all(recovery_key.encode() not in row.ciphertext + row.salt for row in stored)
    assert recovery_key not in client.get(f"/inspector/inspections/{inspection_id}/keys").get_data(
        as_text=True
    )

    page = f"/inspector/inspections/{inspection_id}/recover"
    wrong = post_form(
        client,
        page,
        recovery_key="AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH",
        recover_new=NEW_PASSPHRASE,
        recover_confirm=NEW_PASSPHRASE,
        expect=403,
    )
    assert wrong.status_code == 403 and "Nothing has changed" in wrong.get_data(as_text=True)
    typed = recovery_key.lower().replace("-", " ")  # as someone might type it from paper
    post_form(
        client,
        page,
        recovery_key=typed,
        recover_new=NEW_PASSPHRASE,
        recover_confirm=NEW_PASSPHRASE,
        expect=302,
    )
    assert unlocks(app, inspection_id, NEW_PASSPHRASE) and not unlocks(
        app, inspection_id, PASSPHRASE
    )
    assert audit_actions(app, inspection_id)[-2:] == ["unlock-refused", "passphrase-recover"]


def test_the_command_line_makes_and_uses_a_recovery_key(app, factory):
    establishment = factory.establishment()
    runner = app.test_cli_runner()
    created = runner.invoke(
        args=["inspections", "create", establishment, "--kind", "full", "--recovery-key"],
        env={"SURVEY_PASSPHRASE": PASSPHRASE},
    )
    assert created.exit_code == 0, created.output
    inspection_id = created.output.splitlines()[0]
    recovery_key = RECOVERY_KEY.search(created.output).group(0)
    wrong = runner.invoke(
        args=["inspections", "recover", inspection_id],
        env={"SURVEY_RECOVERY_KEY": "not-it", "SURVEY_NEW_PASSPHRASE": NEW_PASSPHRASE},
    )
    assert wrong.exit_code == 1 and "recovery key does not open" in wrong.output
    done = runner.invoke(
        args=["inspections", "recover", inspection_id],
        input=f"{recovery_key}\n{NEW_PASSPHRASE}\n{NEW_PASSPHRASE}\n",
    )
    assert done.exit_code == 0, done.output
    assert unlocks(app, inspection_id, NEW_PASSPHRASE)
    # A new recovery key replaces the old one.
    replaced = runner.invoke(
        args=["inspections", "recovery-key", inspection_id],
        env={"SURVEY_PASSPHRASE": NEW_PASSPHRASE},
    )
    assert replaced.exit_code == 0
    new_key = RECOVERY_KEY.search(replaced.output).group(0)
    assert new_key != recovery_key
    old_again = runner.invoke(
        args=["inspections", "recover", inspection_id],
        env={"SURVEY_RECOVERY_KEY": recovery_key, "SURVEY_NEW_PASSPHRASE": PASSPHRASE + "!"},
    )
    assert old_again.exit_code == 1


def test_an_inspection_without_a_recovery_key_says_so(app, client, factory):
    email = factory.inspector()
    inspection_id = factory.inspection([email])
    sign_in(client, email)
    page = client.get(f"/inspector/inspections/{inspection_id}/recover").get_data(as_text=True)
    assert "This inspection has no recovery key." in page
    made = post_form(
        client,
        f"/inspector/inspections/{inspection_id}/keys",
        f"/inspector/inspections/{inspection_id}/keys/recovery-key",
        recovery_secret=PASSPHRASE,
        expect=200,
    )
    assert made.status_code == 200 and RECOVERY_KEY.search(made.get_data(as_text=True))
    assert audit_actions(app, inspection_id)[-1] == "recovery-key-create"


# --- several inspectors ------------------------------------------------------------------------


def test_each_inspector_can_unlock_with_their_own_password_once_given_access(app, factory):
    lead, colleague = factory.inspector(), factory.inspector()
    inspection_id = factory.inspection([lead, colleague])
    lead_client, colleague_client = app.test_client(), app.test_client()
    sign_in(lead_client, lead)
    page = f"/inspector/inspections/{inspection_id}/keys"
    assert "must sign in once" in lead_client.get(page).get_data(as_text=True)

    sign_in(colleague_client, colleague)  # makes the colleague's own key pair
    with app.app_context():
        personal = db.session.get(InspectorKey, accounts.find(colleague).id)
        assert PASSWORD.encode() not in personal.ciphertext + personal.salt
        colleague_id = personal.inspector_id
    assert not unlocks(app, inspection_id, PASSWORD, colleague)  # not given access yet

    post_form(
        lead_client,
        page,
        page + "/grant",
        grantee=colleague_id,
        grant_secret="guess guess guess",
        expect=403,
    )
    post_form(
        lead_client,
        page,
        page + "/grant",
        grantee=colleague_id,
        grant_secret=PASSPHRASE,
        expect=302,
    )
    assert unlocks(app, inspection_id, PASSWORD, colleague)
    assert not unlocks(app, inspection_id, PASSWORD, lead)  # the lead was not given access
    assert not unlocks(app, inspection_id, "a wrong password", colleague)

    evidence(colleague_client, inspection_id, PASSWORD, expect=200)
    with app.app_context():
        details = db.session.execute(
            select(AuditEvent.actor, AuditEvent.action).where(
                AuditEvent.inspection_id == inspection_id
            )
        ).all()
    assert (lead, "key-grant") in details and (colleague, "unlock") in details

    post_form(lead_client, page, f"{page}/revoke/{colleague_id}", expect=302)
    assert not unlocks(app, inspection_id, PASSWORD, colleague)
    evidence(colleague_client, inspection_id, PASSWORD, expect=403)
    assert "key-revoke" in audit_actions(app, inspection_id)


def test_access_is_only_for_inspectors_on_the_inspection(app, factory):
    member, outsider = factory.inspector(), factory.inspector()
    inspection_id = factory.inspection([member])
    for email in (member, outsider):
        sign_in(app.test_client(), email)
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        with pytest.raises(keys.NotAssigned):
            keys.grant(inspection, accounts.find(outsider), PASSPHRASE)
        keys.grant(inspection, accounts.find(member), PASSPHRASE)
        db.session.commit()
    # A grant copied to another inspection opens nothing there.
    other_id = factory.inspection([member])
    with app.app_context():
        grant = db.session.scalars(
            select(WrappedKey).where(WrappedKey.purpose == "inspector")
        ).one()
        db.session.add(
            WrappedKey(
                inspection_id=other_id,
                purpose="inspector",
                inspector_id=grant.inspector_id,
                kdf=grant.kdf,
                kdf_parameters={},
                salt=b"",
                nonce=b"",
                ciphertext=grant.ciphertext,
            )
        )
        db.session.commit()
    assert unlocks(app, inspection_id, PASSWORD, member)
    assert not unlocks(app, other_id, PASSWORD, member)


def test_the_command_line_grants_and_takes_away_access(app, factory):
    colleague = factory.inspector()
    inspection_id = factory.inspection([colleague])
    runner = app.test_cli_runner()
    env = {"SURVEY_PASSPHRASE": PASSPHRASE}
    early = runner.invoke(args=["inspections", "grant", inspection_id, colleague], env=env)
    assert early.exit_code == 1 and "needs to sign in once" in early.output
    sign_in(app.test_client(), colleague)
    done = runner.invoke(args=["inspections", "grant", inspection_id, colleague], env=env)
    assert done.exit_code == 0, done.output
    assert unlocks(app, inspection_id, PASSWORD, colleague)
    removed = runner.invoke(args=["inspections", "revoke-access", inspection_id, colleague])
    assert removed.exit_code == 0
    assert not unlocks(app, inspection_id, PASSWORD, colleague)
    assert audit_actions(app, inspection_id)[-2:] == ["key-grant", "key-revoke"]


def test_a_password_set_by_an_administrator_replaces_the_personal_key_and_its_grants(app, factory):
    colleague = factory.inspector()
    inspection_id = factory.inspection([colleague])
    sign_in(app.test_client(), colleague)
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        keys.grant(inspection, accounts.find(colleague), PASSPHRASE)
        db.session.commit()
        inspector = accounts.find(colleague)
        inspector.password_hash = accounts._hasher().hash("a password set by an admin")
        db.session.commit()
    sign_in(app.test_client(), colleague, "a password set by an admin")
    with app.app_context():
        assert not db.session.scalars(
            select(WrappedKey).where(WrappedKey.purpose == "inspector")
        ).all()
    assert not unlocks(app, inspection_id, "a password set by an admin", colleague)
    assert unlocks(app, inspection_id, PASSPHRASE)


def test_changing_a_password_keeps_the_grants(app, factory):
    colleague = factory.inspector()
    inspection_id = factory.inspection([colleague])
    sign_in(app.test_client(), colleague)
    with app.app_context():
        inspector = accounts.find(colleague)
        keys.grant(db.session.get(Inspection, inspection_id), inspector, PASSPHRASE)
        keys.change_personal_password(inspector, PASSWORD, "the colleague's new password")
        db.session.commit()
    assert unlocks(app, inspection_id, "the colleague's new password", colleague)
    assert not unlocks(app, inspection_id, PASSWORD, colleague)


# --- KDF cost ----------------------------------------------------------------------------------


def test_a_successful_unlock_raises_the_kdf_cost_to_the_configured_one(app, factory):
    colleague = factory.inspector()
    inspection_id = factory.inspection([colleague])
    sign_in(app.test_client(), colleague)
    with app.app_context():
        keys.grant(db.session.get(Inspection, inspection_id), accounts.find(colleague), PASSPHRASE)
        db.session.commit()
    app.config.update(KDF_MEMORY_KIB=2048, KDF_ITERATIONS=2)
    assert not unlocks(app, inspection_id, "wrong passphrase")
    with app.app_context():
        stored = db.session.scalars(
            select(WrappedKey).where(WrappedKey.purpose == "passphrase")
        ).one()
        assert stored.kdf_parameters["memory_kib"] == 1024  # a failed unlock changes nothing
        inspections.unlock(db.session.get(Inspection, inspection_id), PASSPHRASE)
        db.session.commit()
        stored = db.session.scalars(
            select(WrappedKey).where(WrappedKey.purpose == "passphrase")
        ).one()
        assert stored.kdf_parameters == {"memory_kib": 2048, "iterations": 2, "lanes": 1}
        inspections.unlock(
            db.session.get(Inspection, inspection_id), PASSWORD, accounts.find(colleague)
        )
        db.session.commit()
        personal = db.session.scalars(select(InspectorKey)).one()
        assert personal.kdf_parameters["memory_kib"] == 2048
    assert unlocks(app, inspection_id, PASSPHRASE)
    assert unlocks(app, inspection_id, PASSWORD, colleague)


# --- an unlock lasts one request ---------------------------------------------------------------


def test_an_unlock_leaves_nothing_in_the_session_cookie_or_on_disk(app, client, factory, tmp_path):
    email = factory.inspector()
    inspection_id = factory.inspection([email])
    submit_children(app, factory, inspection_id, [{"feel_safe": "yes"}])
    sign_in(client, email)
    files_before = {path: path.stat().st_size for path in tmp_path.rglob("*") if path.is_file()}
    evidence(client, inspection_id, PASSPHRASE, expect=200)
    cookie = client.get_cookie("session")
    with app.test_request_context():
        session = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    assert PASSPHRASE not in repr(session)
    with app.app_context():
        private = inspections.unlock(db.session.get(Inspection, inspection_id), PASSPHRASE)
        db.session.rollback()
        secret_bytes = private.private_bytes()
    assert secret_bytes.hex() not in repr(session)
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix not in {".sqlite3-shm"}:
            data = path.read_bytes()
            assert PASSPHRASE.encode() not in data, path
            assert secret_bytes not in data, path
    new_files = {p for p in tmp_path.rglob("*") if p.is_file()} - set(files_before)
    assert not {p for p in new_files if not p.name.startswith("survey.sqlite3")}, new_files
    # The next request has no unlock: the evidence needs the passphrase again.
    url = f"/inspector/inspections/{inspection_id}"
    post_form(client, url, url + "/evidence", expect=400)


def test_guessing_a_passphrase_on_the_keys_page_is_rate_limited(app, client, factory):
    email = factory.inspector()
    inspection_id = factory.inspection([email])
    sign_in(client, email)
    page = f"/inspector/inspections/{inspection_id}/keys"
    # Five wrong a minute per account (tests/integration/test_guessing.py has the rest).
    for attempt in range(6):
        post_form(
            client,
            page,
            page + "/passphrase",
            change_current=f"guess number {attempt}",
            change_new=NEW_PASSPHRASE,
            change_confirm=NEW_PASSPHRASE,
            expect=403 if attempt < 5 else 429,
        )
    assert unlocks(app, inspection_id, PASSPHRASE)
