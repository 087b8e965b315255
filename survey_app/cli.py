"""Command line for administrators and scripts: ``flask --app wsgi COMMAND``.

These names and flags are a contract (see the README). Every command exits
non-zero with a one-line message on bad input, never with a traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from . import access, accounts, inspections, links, private_files, readability, signposting
from .models import (
    ESTABLISHMENT_TYPES,
    INSPECTION_KINDS,
    ROLES,
    Establishment,
    Inspection,
    audit,
    db,
)
from .questionnaire import DefinitionError, current_problems, load_directory, newest

CLI_ACTOR = "command line"


def find_inspection(inspection_id: str) -> Inspection:
    """The inspection with this id, or a one-line error."""
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None:
        raise click.ClickException(f"no inspection with id {inspection_id}")
    return inspection


def _open_inspection(inspection_id: str) -> Inspection:
    inspection = find_inspection(inspection_id)
    if not inspection.is_open:
        raise click.ClickException(f"inspection {inspection_id} is {inspection.status}")
    return inspection


def read_secret(variable: str, prompt: str, twice: bool = False) -> str:
    """A secret from the environment variable, or typed at a hidden prompt (twice if asked)."""
    value = os.environ.get(variable)
    if value is None:
        value = click.prompt(prompt, hide_input=True, confirmation_prompt=twice)
    return value


def _new_passphrase() -> str:
    passphrase = read_secret("SURVEY_PASSPHRASE", "Inspection passphrase", twice=True)
    try:
        inspections.check_passphrase(passphrase)
    except inspections.PassphraseTooShort as error:
        raise click.ClickException(str(error)) from None
    return passphrase


users = AppGroup("users", help="Inspector and administrator accounts.")


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_create(email: str, role: str, password_stdin: bool) -> None:
    """Create an account; the password is prompted for, or read from standard input."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        inspector = accounts.create(email, password, role)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None
    audit(CLI_ACTOR, "account-create", detail=f"{inspector.email} ({role})")
    db.session.commit()
    click.echo(f"Created {role} {inspector.email}")


establishments = AppGroup("establishments", help="Secure settings that are inspected.")


@establishments.command("create")
@click.argument("name")
@click.option("--type", "type_", type=click.Choice(ESTABLISHMENT_TYPES), required=True)
def establishments_create(name: str, type_: str) -> None:
    """Add an establishment and print its id."""
    name = name.strip()
    if not name or len(name) > 200:
        raise click.ClickException("the name must be 1 to 200 characters")
    establishment = Establishment(name=name, type=type_)
    db.session.add(establishment)
    audit(CLI_ACTOR, "establishment-create", detail=establishment.name)
    db.session.commit()
    click.echo(establishment.id)


@establishments.command("signposting")
@click.argument("establishment_id")
@click.option("--advocacy-name", help='The advocacy provider, e.g. "Barnardo\'s".')
@click.option(
    "--advocacy-contact",
    help='How children reach them from inside, e.g. "Use the advocacy box on your unit".',
)
@click.option("--clear", is_flag=True, help="Go back to the default text.")
def establishments_signposting(
    establishment_id: str, advocacy_name: str | None, advocacy_contact: str | None, clear: bool
) -> None:
    """Set the advocacy provider children see in the kiosk's help, and print the help."""
    establishment = db.session.get(Establishment, establishment_id)
    if establishment is None:
        raise click.ClickException(f"no establishment with id {establishment_id}")
    if clear and (advocacy_name or advocacy_contact):
        raise click.ClickException(
            "--clear cannot be given with --advocacy-name or --advocacy-contact"
        )
    chosen = {"name": establishment.advocacy_name, "contact": establishment.advocacy_contact}
    if clear:
        chosen = {"name": None, "contact": None}
    for part, value, limit in (
        ("name", advocacy_name, signposting.NAME_LIMIT),
        ("contact", advocacy_contact, signposting.CONTACT_LIMIT),
    ):
        if value is None:
            continue
        value = signposting.one_line(value)
        if not value or len(value) > limit:
            raise click.ClickException(
                f"--advocacy-{part} must be 1 to {limit} characters on one line"
            )
        chosen[part] = value
    if clear or advocacy_name or advocacy_contact:
        try:
            signposting.set_advocacy(establishment, chosen["name"], chosen["contact"])
        except ValueError:
            raise click.ClickException(
                "--advocacy-contact needs --advocacy-name: "
                "it is shown only after the provider's name"
            ) from None
        audit(CLI_ACTOR, "establishment-signposting", detail=establishment.name)
        db.session.commit()
    for line in signposting.lines(establishment):
        click.echo(f"- {line}")


inspections_cli = AppGroup("inspections", help="Create and run inspections.")


@inspections_cli.command("create")
@click.argument("establishment_id")
@click.option("--kind", type=click.Choice(INSPECTION_KINDS), required=True)
@click.option("--recovery-key", is_flag=True, help="Also make a recovery key, printed once.")
def inspections_create(establishment_id: str, kind: str, recovery_key: bool) -> None:
    """Create an inspection (passphrase from SURVEY_PASSPHRASE or prompted twice); print its id."""
    establishment = db.session.get(Establishment, establishment_id)
    if establishment is None:
        raise click.ClickException(f"no establishment with id {establishment_id}")
    inspection, recovery = inspections.create_inspection_with_recovery_key(
        establishment, kind, _new_passphrase(), recovery=recovery_key
    )
    audit(CLI_ACTOR, "inspection-create", inspection.id, "with a recovery key" if recovery else "")
    db.session.commit()
    click.echo(inspection.id)
    if recovery:
        click.echo(f"Recovery key (shown once, keep it apart from the passphrase): {recovery}")


@inspections_cli.command("assign")
@click.argument("inspection_id")
@click.argument("email")
def inspections_assign(inspection_id: str, email: str) -> None:
    """Let an inspector see and unlock an inspection."""
    inspection = find_inspection(inspection_id)
    inspector = accounts.find(email)
    if inspector is None:
        raise click.ClickException(f"no account for {email}")
    if inspector not in inspection.inspectors:
        inspection.inspectors.append(inspector)
    audit(CLI_ACTOR, "inspection-assign", inspection.id, inspector.email)
    db.session.commit()
    click.echo(f"{inspector.email} is on inspection {inspection.id}")


@inspections_cli.command("kiosk-url")
@click.argument("inspection_id")
def inspections_kiosk_url(inspection_id: str) -> None:
    """Print a single-use, short-lived link that enrols a tablet as a children's kiosk."""
    inspection = _open_inspection(inspection_id)
    token = access.create_kiosk_invitation(inspection)
    audit(CLI_ACTOR, "kiosk-invite", inspection.id)
    db.session.commit()
    click.echo(links.kiosk_enrol(token))


@inspections_cli.command("staff-codes")
@click.argument("inspection_id")
@click.option("--count", type=click.IntRange(1, 10000), required=True)
@click.option(
    "--pdf",
    "pdf_path",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write the printable sheet of slips (PDF) to this file.",
)
@click.option("--code-in-qr", is_flag=True, help="Put each slip's code in its QR code.")
def inspections_staff_codes(
    inspection_id: str, count: int, pdf_path: str | None, code_in_qr: bool
) -> None:
    """Print the staff URL, then COUNT new one-time codes, one per line."""
    from . import code_sheets

    inspection = _open_inspection(inspection_id)
    codes = access.create_staff_codes(inspection, count, commit=False)
    audit(CLI_ACTOR, "staff-codes", inspection.id, f"{count} codes")
    with current_app.test_request_context():
        url = links.staff(inspection)
        if pdf_path:
            sheet = code_sheets.CodeSheet(
                url, tuple(codes), code_in_qr, inspection.establishment.name
            )
            try:
                private_files.write(Path(pdf_path), code_sheets.render_pdf(sheet))
            except OSError as error:
                db.session.rollback()
                raise click.ClickException(f"cannot write {pdf_path}: {error.strerror}") from None
    db.session.commit()
    click.echo(url)
    for code in codes:
        click.echo(code)


@inspections_cli.command("close")
@click.argument("inspection_id")
def inspections_close(inspection_id: str) -> None:
    """Stop collecting answers: tablets and staff codes stop working."""
    inspection = _open_inspection(inspection_id)
    inspections.close_inspection(inspection, CLI_ACTOR)
    click.echo(f"Closed inspection {inspection.id}")


questionnaires_cli = AppGroup("questionnaires", help="Questionnaire definitions.")


@questionnaires_cli.command("check")
@click.option("--directory", type=click.Path(file_okay=False), default=None)
def questionnaires_check(directory: str | None) -> None:
    """Validate every definition; list each problem as file:line: path: message."""
    directory = directory or current_app.config["QUESTIONNAIRE_DIR"]
    try:
        loaded = load_directory(directory)
    except DefinitionError as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        count = len(error.problems)
        raise click.ClickException(f"{count} problem{'s' if count != 1 else ''} found") from None
    latest = newest(loaded.values())
    problems = current_problems(loaded.values())
    for questionnaire in latest.values():
        problems.extend(readability.problems(questionnaire))
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        count = len(problems)
        raise click.ClickException(f"{count} problem{'s' if count != 1 else ''} found")
    for questionnaire in sorted(loaded.values(), key=lambda q: q.key):
        click.echo(f"{questionnaire.key}: {len(questionnaire.questions)} questions, valid")


@questionnaires_cli.command("readability")
@click.option("--directory", type=click.Path(file_okay=False), default=None)
@click.option("--all-versions", is_flag=True, help="Also report older versions.")
def questionnaires_readability(directory: str | None, all_versions: bool) -> None:
    """Flesch-Kincaid grade of every string a respondent reads (textstat), hardest first.

    Children's strings of four words or more must be at grade 4 or below; ``check``
    enforces it for the newest version of each children's questionnaire.
    """
    directory = directory or current_app.config["QUESTIONNAIRE_DIR"]
    try:
        loaded = load_directory(directory)
    except DefinitionError as error:
        raise click.ClickException(
            f"the definitions do not load; run questionnaires check ({error.problems[0]})"
        ) from None
    chosen = loaded.values() if all_versions else newest(loaded.values()).values()
    for questionnaire in sorted(chosen, key=lambda q: q.key):
        for line in readability.report(questionnaire):
            click.echo(line)


def register_commands(app: Flask) -> None:
    from .backup import backup_command
    from .demo import demo

    for command in (users, establishments, inspections_cli, questionnaires_cli, demo):
        app.cli.add_command(command)
    from . import evidence_cli

    for command in evidence_cli.INSPECTION_COMMANDS:
        inspections_cli.add_command(command)
    for command in evidence_cli.TOP_LEVEL_COMMANDS:
        app.cli.add_command(command)
    from .keys_cli import INSPECTION_COMMANDS, TOP_LEVEL_COMMANDS

    for command in INSPECTION_COMMANDS:
        inspections_cli.add_command(command)
    for command in TOP_LEVEL_COMMANDS:
        app.cli.add_command(command)
    app.cli.add_command(backup_command)
