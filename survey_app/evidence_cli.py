"""Evidence commands: ``export``, ``inspections finalise`` and ``responses import``.

Registered by ``cli.register_commands``. Like every command, they exit non-zero
with a one-line message on bad input, and are audit-logged.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from . import inspections, paper, private_files, responses, sealing, units
from .cli import CLI_ACTOR, find_inspection, read_secret
from .evidence import census, disclosure, published, render, report
from .models import Inspection, audit, db

# ``pdf`` is the report (everything before the appendices), ``appendices.pdf`` its appendices
# with the comments; ``html`` holds everything, as the page does.
EXPORT_FORMATS = ("json", "csv", "xlsx", "pdf", "appendices.pdf", "html")


def _unlock(inspection: Inspection, what: str) -> sealing.Unsealer:
    passphrase = read_secret("SURVEY_PASSPHRASE", "Inspection passphrase")
    try:
        unsealer = inspections.unlock(inspection, passphrase)
    except sealing.WrongPassphrase as error:
        audit(CLI_ACTOR, "unlock-refused", inspection.id, what)
        db.session.commit()
        raise click.ClickException(str(error)) from None
    audit(CLI_ACTOR, "unlock", inspection.id, what)
    return unsealer


def render_evidence(evidence: dict, inspection: Inspection, format_: str) -> bytes:
    """The output in ``format_``, once the disclosure audit has passed it
    (``disclosure.DisclosureRisk`` otherwise: nothing is rendered)."""
    disclosure.gate(evidence, f"{format_} export")
    return render.as_file(evidence, inspection, format_)


@click.command("export")
@click.argument("inspection_id")
@click.option(
    "--format", "format_", type=click.Choice(EXPORT_FORMATS), default="json", show_default=True
)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
@with_appcontext
def export(inspection_id: str, format_: str, output: str) -> None:
    """Unlock an inspection and write its evidence (passphrase: SURVEY_PASSPHRASE or a prompt)."""
    inspection = find_inspection(inspection_id)
    unsealer = _unlock(inspection, f"export {format_}")
    try:
        body = render_evidence(report.build(inspection, unsealer), inspection, format_)
    except disclosure.DisclosureRisk as error:
        audit(CLI_ACTOR, "export-refused", inspection.id, format_)
        db.session.commit()
        raise click.ClickException(str(error)) from None
    try:
        private_files.write(Path(output), body)
    except OSError as error:
        raise click.ClickException(f"cannot write {output}: {error.strerror or error}") from None
    audit(CLI_ACTOR, "export", inspection.id, f"{format_} to {Path(output).name}")
    db.session.commit()
    click.echo(f"Wrote {output}")


@click.command("finalise")
@click.argument("inspection_id")
@with_appcontext
def finalise(inspection_id: str) -> None:
    """Finalise a closed inspection's evidence: keep its whole-inspection counts for comparisons."""
    inspection = find_inspection(inspection_id)
    if inspection.status != "closed":
        raise click.ClickException(
            f"inspection {inspection_id} is {inspection.status}; only a closed one can be finalised"
        )
    unsealer = _unlock(inspection, "finalise")
    try:
        stored = report.finalise(inspection, unsealer)
    except (published.AlreadyFinalised, published.StillOpen) as error:
        raise click.ClickException(str(error)) from None
    except disclosure.DisclosureRisk as error:
        audit(CLI_ACTOR, "export-refused", inspection.id, "finalise")
        db.session.commit()
        raise click.ClickException(str(error)) from None
    audit(CLI_ACTOR, "evidence-finalise", inspection.id, f"{stored} questions published")
    db.session.commit()
    click.echo(f"Finalised inspection {inspection.id}: counts for {stored} questions kept")


@click.command("children-held")
@click.argument("inspection_id")
@click.argument("held", required=False)
@click.option("--clear", is_flag=True, help="Forget the number entered.")
@with_appcontext
def children_held(inspection_id: str, held: str | None, clear: bool) -> None:
    """Record how many children the establishment held on the day (for the response rate
    and the finite-population correction of the children's intervals)."""
    inspection = find_inspection(inspection_id)
    if clear == (held is not None):
        raise click.ClickException("give the number of children held, or --clear")
    number = None
    if held is not None:
        try:
            number = int(held)
        except ValueError:
            raise click.ClickException(
                f"children held must be a whole number (got {held!r})"
            ) from None
    library = current_app.extensions["questionnaires"]

    def audience_of(questionnaire_id: str, version: int) -> str | None:
        definition = library.get(questionnaire_id, version)
        return definition.audience if definition else None

    try:
        census.set_children_held(inspection, number, audience_of)
    except census.BadCensus as error:
        raise click.ClickException(str(error)) from None
    audit(CLI_ACTOR, "children-held", inspection.id, "cleared" if number is None else str(number))
    db.session.commit()
    if number is None:
        click.echo(f"Inspection {inspection.id}: children held cleared")
    else:
        click.echo(f"Inspection {inspection.id}: {number} children held on the day")


responses_cli = AppGroup("responses", help="Responses collected on paper.")


@responses_cli.command("import")
@click.argument("inspection_id")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--questionnaire",
    "questionnaire_key",
    required=True,
    help="The questionnaire id (its newest version), or id.vN for one version.",
)
def responses_import(inspection_id: str, file: str, questionnaire_key: str) -> None:
    """Seal keyed-in paper questionnaires from a CSV file: all of them, or none."""
    inspection = find_inspection(inspection_id)
    if inspection.status == "finalised":
        raise click.ClickException(f"inspection {inspection_id} is finalised; nothing can be added")
    questionnaire = _questionnaire(questionnaire_key, inspection)
    try:
        text = Path(file).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file} is not UTF-8 text; save it as CSV UTF-8") from None
    try:
        # Paper is checked as it may have been answered: the type's bands, any unit named.
        questionnaire = units.for_reading(questionnaire, inspection)
        rows = paper.parse(text, questionnaire)
    except paper.PaperError as error:
        for problem in error.problems:
            click.echo(f"{Path(file).name}: {problem}", err=True)
        count = len(error.problems)
        raise click.ClickException(
            f"{count} problem{'s' if count != 1 else ''} found; nothing was imported"
        ) from None
    for answers in rows:
        responses.add_sealed(inspection, questionnaire, answers)
    audit(CLI_ACTOR, "paper-import", inspection.id, f"{len(rows)} {questionnaire.key}")
    db.session.commit()
    click.echo(f"Sealed {len(rows)} paper questionnaires ({questionnaire.key})")


def _questionnaire(key: str, inspection: Inspection):
    library = current_app.extensions["questionnaires"]
    questionnaire_id, _, version = key.partition(".v")
    candidates = [q for q in library if q.id == questionnaire_id]
    if version:
        candidates = [q for q in candidates if str(q.version) == version]
    if not candidates:
        raise click.ClickException(f"no questionnaire {key}")
    chosen = max(candidates, key=lambda q: q.version)
    if inspection.establishment.type not in chosen.establishment_types:
        raise click.ClickException(
            f"{chosen.key} is not used in {inspection.establishment.type} establishments"
        )
    return chosen


INSPECTION_COMMANDS = (finalise, children_held)
TOP_LEVEL_COMMANDS = (export, responses_cli)
