"""Command line for inspection keys, erasing and retention (added in ``cli.register_commands``).

Secrets come from the environment when set (``SURVEY_PASSPHRASE`` for the current
passphrase, ``SURVEY_NEW_PASSPHRASE``, ``SURVEY_RECOVERY_KEY``), otherwise from hidden
prompts; they are never echoed or logged. Every change is audit-logged.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from . import accounts, inspections, keys, retention, sealing
from .cli import CLI_ACTOR, find_inspection, read_secret
from .models import Inspection, audit, db


def _current_passphrase() -> str:
    return read_secret("SURVEY_PASSPHRASE", "Current inspection passphrase")


def _new_passphrase() -> str:
    return read_secret("SURVEY_NEW_PASSPHRASE", "New inspection passphrase", twice=True)


def _refused(inspection: Inspection, what: str, error: Exception) -> click.ClickException:
    db.session.rollback()
    audit(CLI_ACTOR, "unlock-refused", inspection.id, what)
    db.session.commit()
    return click.ClickException(f"{error} Nothing has changed.")


@click.command("passphrase")
@click.argument("inspection_id")
@with_appcontext
def change_passphrase(inspection_id: str) -> None:
    """Change the passphrase (current: SURVEY_PASSPHRASE or a prompt; new: SURVEY_NEW_PASSPHRASE
    or a prompt twice). The answers stay sealed as they are."""
    inspection = find_inspection(inspection_id)
    current = _current_passphrase()
    new = _new_passphrase()
    try:
        keys.change_passphrase(inspection, current, new)
    except keys.PassphraseTooShort as error:
        raise click.ClickException(str(error)) from None
    except sealing.WrongPassphrase as error:
        raise _refused(inspection, "passphrase change", error) from None
    audit(CLI_ACTOR, "passphrase-change", inspection.id)
    db.session.commit()
    click.echo(f"Changed the passphrase of inspection {inspection.id}")


@click.command("recover")
@click.argument("inspection_id")
@with_appcontext
def recover(inspection_id: str) -> None:
    """Set a new passphrase with the recovery key (SURVEY_RECOVERY_KEY or a prompt)."""
    inspection = find_inspection(inspection_id)
    recovery_key = read_secret("SURVEY_RECOVERY_KEY", "Recovery key")
    new = _new_passphrase()
    try:
        keys.recover(inspection, recovery_key, new)
    except keys.PassphraseTooShort as error:
        raise click.ClickException(str(error)) from None
    except sealing.WrongPassphrase as error:
        raise _refused(inspection, "recovery", error) from None
    audit(CLI_ACTOR, "passphrase-recover", inspection.id)
    db.session.commit()
    click.echo(f"Set a new passphrase for inspection {inspection.id} with its recovery key")


@click.command("recovery-key")
@click.argument("inspection_id")
@with_appcontext
def new_recovery_key(inspection_id: str) -> None:
    """Make a new recovery key (the old one stops working) and print it once."""
    inspection = find_inspection(inspection_id)
    try:
        recovery_key = keys.replace_recovery_key(inspection, _current_passphrase())
    except sealing.WrongPassphrase as error:
        raise _refused(inspection, "new recovery key", error) from None
    audit(CLI_ACTOR, "recovery-key-create", inspection.id)
    db.session.commit()
    click.echo(recovery_key)


def _assigned(inspection: Inspection, email: str):
    inspector = accounts.find(email)
    if inspector is None:
        raise click.ClickException(f"no account for {email}")
    return inspector


@click.command("grant")
@click.argument("inspection_id")
@click.argument("email")
@with_appcontext
def grant(inspection_id: str, email: str) -> None:
    """Let an assigned inspector unlock with their own password (needs the passphrase once)."""
    inspection = find_inspection(inspection_id)
    grantee = _assigned(inspection, email)
    try:
        keys.grant(inspection, grantee, _current_passphrase())
    except (keys.NotAssigned, keys.NoPersonalKey) as error:
        raise click.ClickException(str(error)) from None
    except sealing.WrongPassphrase as error:
        raise _refused(inspection, f"grant to {grantee.email}", error) from None
    audit(CLI_ACTOR, "key-grant", inspection.id, grantee.email)
    db.session.commit()
    click.echo(f"{grantee.email} can now unlock inspection {inspection.id} with their password")


@click.command("revoke-access")
@click.argument("inspection_id")
@click.argument("email")
@with_appcontext
def revoke_access(inspection_id: str, email: str) -> None:
    """Remove an inspector's own copy of the inspection key."""
    inspection = find_inspection(inspection_id)
    grantee = _assigned(inspection, email)
    if not keys.revoke(inspection, grantee):
        raise click.ClickException(f"{grantee.email} has no access of their own to revoke")
    audit(CLI_ACTOR, "key-revoke", inspection.id, grantee.email)
    db.session.commit()
    click.echo(f"{grantee.email} can no longer unlock inspection {inspection.id} on their own")


@click.command("erase")
@click.argument("inspection_id")
@click.option("--yes", is_flag=True, help="Do not ask before erasing.")
@with_appcontext
def erase(inspection_id: str, yes: bool) -> None:
    """Erase an inspection's raw sealed responses now (aggregate evidence is kept)."""
    inspection = find_inspection(inspection_id)
    count = retention.response_count(inspection)
    click.echo(
        f"This erases {count} sealed responses of inspection {inspection.id} "
        f"({inspection.establishment.name}), its staff codes and tablets. It cannot be undone."
    )
    if not yes:
        click.confirm("Erase them?", abort=True)
    deleted = retention.erase(inspection)
    audit(CLI_ACTOR, "erase-responses", inspection.id, f"{deleted} sealed responses")
    db.session.commit()
    inspections.forget_arrival_order()
    click.echo(f"Erased {deleted} sealed responses")


@click.command("purge")
@click.option("--yes", is_flag=True, help="Do not ask before deleting.")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="Days after finalising to keep raw responses (default: SURVEY_RETENTION_DAYS).",
)
@with_appcontext
def purge(yes: bool, days: int | None) -> None:
    """Delete raw sealed responses of inspections finalised more than the retention period ago."""
    days = retention.retention_days() if days is None else days
    due = retention.due_for_purge(days)
    if not due:
        click.echo(
            f"Nothing to purge: no inspection finalised {days} or more days ago has raw data."
        )
        return
    click.echo(f"Raw data of inspections finalised {days} or more days ago:")
    for item in due:
        inspection = item.inspection
        click.echo(
            f"  {inspection.id}  {inspection.establishment.name}  "
            f"finalised {inspection.finalised_on}: {item.responses} sealed responses"
        )
    total = sum(item.responses for item in due)
    click.echo(
        f"This deletes {total} sealed responses, with their staff codes and tablets. "
        "The finalised aggregate evidence is kept."
    )
    if not yes:
        click.confirm("Delete them?", abort=True)
    for item in due:
        deleted = retention.erase(item.inspection)
        audit(CLI_ACTOR, "purge-responses", item.inspection.id, f"{deleted} sealed responses")
    db.session.commit()
    inspections.forget_arrival_order()
    click.echo(f"Deleted {total} sealed responses from {len(due)} inspections")


@click.command("forget-order")
@with_appcontext
def forget_order() -> None:
    """Rewrite respondent tables in random-key order (run before taking a backup)."""
    if not inspections.forget_arrival_order():
        raise click.ClickException("the database could not be rewritten now; try again later")
    audit(CLI_ACTOR, "forget-order")
    db.session.commit()
    click.echo("Respondent tables rewritten in key order")


INSPECTION_COMMANDS = (change_passphrase, recover, new_recovery_key, grant, revoke_access, erase)
TOP_LEVEL_COMMANDS = (purge, forget_order)
