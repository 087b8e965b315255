"""Inspections: creating them with their keys, unlocking, closing, and who may see them.

Which secret opens an inspection's key, and changing it, is ``survey_app.keys``; how
closing hides the order responses arrived in is ``survey_app.at_rest``.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from . import access, at_rest, keys, sealing
from .models import Establishment, Inspection, Inspector, audit, db, today

PassphraseTooShort = keys.PassphraseTooShort
kdf_parameters = keys.kdf_parameters
check_passphrase = keys.check_passphrase


def create_inspection_with_recovery_key(
    establishment: Establishment,
    kind: str,
    passphrase: str,
    inspectors: Sequence[Inspector] = (),
    recovery: bool = True,
) -> tuple[Inspection, str | None]:
    """Create an inspection with a fresh key pair whose private half only the passphrase opens.

    With ``recovery``, the key is also wrapped under a new recovery key, returned here to be
    shown once and never stored.
    """
    check_passphrase(passphrase)
    private_key, public_key = sealing.generate_key_pair()
    inspection = Inspection(establishment=establishment, kind=kind, public_key=public_key)
    db.session.add(inspection)
    db.session.flush()  # assigns the id that the wrapped keys are bound to
    recovery_key = keys.set_up(inspection, private_key, passphrase, recovery)
    inspection.inspectors.extend(inspectors)
    db.session.commit()
    return inspection, recovery_key


def create_inspection(
    establishment: Establishment, kind: str, passphrase: str, inspectors: Sequence[Inspector] = ()
) -> Inspection:
    """Create an inspection whose key only the passphrase opens (no recovery key)."""
    inspection, _ = create_inspection_with_recovery_key(
        establishment, kind, passphrase, inspectors, recovery=False
    )
    return inspection


def unlock(
    inspection: Inspection, secret: str, inspector: Inspector | None = None
) -> sealing.Unsealer:
    """Open the inspection's private key for the work at hand; raises WrongPassphrase.

    ``secret`` is the inspection passphrase, or ``inspector``'s own password when they have
    been given access (``keys.grant``). The one unlock used by every page and command.
    """
    return keys.open_key(inspection, secret, inspector).unsealer


def close_inspection(inspection: Inspection, actor: str) -> None:
    """Stop collecting answers, for the web page and the command alike: the inspection
    closed, its tablets stopped (staff codes stop with the status) and the audit event by
    ``actor``, in one commit; then the respondent tables lose their arrival order."""
    inspection.status = "closed"
    inspection.closed_on = today()
    access.revoke_kiosks(inspection, commit=False)
    audit(actor, "inspection-close", inspection.id)
    db.session.commit()
    forget_arrival_order()


def forget_arrival_order() -> bool:
    """Rewrite respondent tables in random-key order; a failure is logged, never fatal."""
    try:
        at_rest.forget_arrival_order()
    except SQLAlchemyError as error:
        current_app.logger.warning(
            "could not rewrite respondent tables in key order (%s); "
            "run `flask --app wsgi forget-order` later",
            type(error).__name__,
        )
        return False
    return True


def visible_inspections(inspector: Inspector) -> list[Inspection]:
    """The inspections an inspector (or administrator) is assigned to: no one sees others'."""
    query = select(Inspection).join(Inspection.establishment)
    query = query.where(Inspection.inspectors.contains(inspector))
    query = query.order_by(Establishment.name, Inspection.opened_on.desc())
    return list(db.session.scalars(query))


def can_see(inspector: Inspector, inspection: Inspection) -> bool:
    return inspector in inspection.inspectors
