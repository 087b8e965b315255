"""An establishment's units, named by inspectors, and the questionnaire as asked there.

The children's unit question (``options_from: units``) offers the establishment's units as
its answers: each answer is ``option_id(unit)``, from the unit's own stable id, so renaming
a unit relabels its answers and a retired unit, no longer offered, still names the answers
given while it was. ``for_answering`` is what a child or member of staff is offered (and all
the server accepts from them); ``for_reading`` is what opened answers are checked and
counted against (retired units included).
"""

from __future__ import annotations

import hashlib

from .models import Establishment, Inspection, Unit, db, random_id
from .questionnaire import LONGEST_SOURCED_OPTION_ID, Option, Questionnaire

NAME_LENGTH = 80
OPTION_PREFIX = "unit_"


class UnitNameTaken(ValueError):
    """Another unit of the establishment, not retired, already has this name."""


def option_id(unit: Unit) -> str:
    """The answer id for ``unit`` (at most ``LONGEST_SOURCED_OPTION_ID`` characters)."""
    return f"{OPTION_PREFIX}{unit.id}"[:LONGEST_SOURCED_OPTION_ID]


def listed(establishment: Establishment, *, retired: bool = True) -> list[Unit]:
    """The establishment's units by name (without the retired ones if ``retired`` is false)."""
    return [unit for unit in establishment.units if retired or not unit.retired]


def options(establishment: Establishment, *, retired: bool) -> tuple[Option, ...]:
    return tuple(Option(option_id(u), u.name) for u in listed(establishment, retired=retired))


def for_answering(questionnaire: Questionnaire, inspection: Inspection) -> Questionnaire:
    """The questionnaire as offered at the inspection's establishment: its type's bands,
    and its units now in use."""
    establishment = inspection.establishment
    return questionnaire.tailored(establishment.type, options(establishment, retired=False))


def for_reading(questionnaire: Questionnaire, inspection: Inspection) -> Questionnaire:
    """The questionnaire as answered there at any time: retired units still name answers."""
    establishment = inspection.establishment
    return questionnaire.tailored(establishment.type, options(establishment, retired=True))


def reader(library_get, inspection: Inspection):
    """``library_get(questionnaire_id, version)`` as read for ``inspection`` (``for_reading``)."""

    def get(questionnaire_id: str, version: int) -> Questionnaire | None:
        definition = library_get(questionnaire_id, version)
        return None if definition is None else for_reading(definition, inspection)

    return get


def fingerprint(establishment: Establishment) -> bytes:
    """Changes whenever what the units question offers would (for the offline bundle)."""
    digest = hashlib.sha256()
    for unit in listed(establishment, retired=False):
        digest.update(f"{unit.id}\0{unit.name}\0".encode())
    return digest.digest()


def _clean(name: str) -> str:
    return " ".join(name.split())[:NAME_LENGTH]


def _check_free(establishment: Establishment, name: str, keep: Unit | None = None) -> None:
    for unit in listed(establishment, retired=False):
        if unit is not keep and unit.name.casefold() == name.casefold():
            raise UnitNameTaken(name)


def add(establishment: Establishment, name: str) -> Unit:
    """Name a new unit; the caller commits."""
    name = _clean(name)
    _check_free(establishment, name)
    unit = Unit(id=random_id(), establishment=establishment, name=name)  # its id, at once
    db.session.add(unit)
    return unit


def rename(unit: Unit, name: str) -> None:
    """Give a unit a new name, keeping its id (and so every answer given for it)."""
    name = _clean(name)
    _check_free(unit.establishment, name, keep=unit)
    unit.name = name


def retire(unit: Unit) -> None:
    """Stop offering a unit; answers already given for it keep its name."""
    unit.retired = True


def restore(unit: Unit) -> None:
    """Offer a retired unit again (if no unit in use has taken its name)."""
    _check_free(unit.establishment, unit.name, keep=unit)
    unit.retired = False
