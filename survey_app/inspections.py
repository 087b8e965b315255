"""Inspections: creating them with their keys, unlocking, closing, and who may see them."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from . import sealing
from .models import Establishment, Inspection, Inspector, WrappedKey, db, today


class PassphraseTooShort(ValueError):
    pass


def kdf_parameters() -> sealing.KdfParameters:
    config = current_app.config
    return sealing.KdfParameters(
        memory_kib=config["KDF_MEMORY_KIB"],
        iterations=config["KDF_ITERATIONS"],
        lanes=config["KDF_LANES"],
    )


def check_passphrase(passphrase: str) -> None:
    minimum = current_app.config["MINIMUM_PASSPHRASE_LENGTH"]
    if len(passphrase) < minimum:
        raise PassphraseTooShort(f"The passphrase must be at least {minimum} characters long.")


def create_inspection(
    establishment: Establishment, kind: str, passphrase: str, inspectors: list[Inspector] = ()
) -> Inspection:
    """Create an inspection with a fresh key pair whose private half only the passphrase opens."""
    check_passphrase(passphrase)
    private_key, public_key = sealing.generate_key_pair()
    inspection = Inspection(establishment=establishment, kind=kind, public_key=public_key)
    db.session.add(inspection)
    db.session.flush()  # assigns the id that the wrapped key is bound to
    wrapped = sealing.wrap_private_key(private_key, passphrase, inspection.id, kdf_parameters())
    inspection.wrapped_keys.append(
        WrappedKey(
            purpose="passphrase",
            kdf=wrapped.kdf,
            kdf_parameters=wrapped.kdf_parameters,
            salt=wrapped.salt,
            nonce=wrapped.nonce,
            ciphertext=wrapped.ciphertext,
        )
    )
    inspection.inspectors.extend(inspectors)
    db.session.commit()
    return inspection


def unlock(inspection: Inspection, passphrase: str) -> sealing.Unsealer:
    """Open the inspection's private key for the work at hand; raises WrongPassphrase."""
    for stored in inspection.wrapped_keys:
        if stored.purpose != "passphrase":
            continue
        wrapped = sealing.Wrapped(
            stored.kdf, stored.kdf_parameters, stored.salt, stored.nonce, stored.ciphertext
        )
        return sealing.Unsealer(sealing.unwrap_private_key(wrapped, passphrase, inspection.id))
    raise sealing.WrongPassphrase("This inspection has no passphrase key.")


def close_inspection(inspection: Inspection) -> None:
    inspection.status = "closed"
    inspection.closed_on = today()
    db.session.commit()


def visible_inspections(inspector: Inspector) -> list[Inspection]:
    """Administrators see every inspection; inspectors only those they are assigned to."""
    query = select(Inspection).join(Inspection.establishment)
    if not inspector.is_admin:
        query = query.where(Inspection.inspectors.contains(inspector))
    query = query.order_by(Establishment.name, Inspection.opened_on.desc())
    return list(db.session.scalars(query))


def can_see(inspector: Inspector, inspection: Inspection) -> bool:
    return inspector.is_admin or inspector in inspection.inspectors


def previous_inspection(inspection: Inspection) -> Inspection | None:
    """The latest earlier inspection of the same establishment."""
    return db.session.scalars(
        select(Inspection)
        .where(
            Inspection.establishment_id == inspection.establishment_id,
            Inspection.id != inspection.id,
            Inspection.opened_on <= inspection.opened_on,
        )
        .order_by(Inspection.opened_on.desc())
        .limit(1)
    ).first()
