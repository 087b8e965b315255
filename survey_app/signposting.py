"""Where a child in custody can get help: the lines shown in the kiosk's "Get help" panel,
after "Stop and clear" or the idle timer, and on the thanks screen.

Children in secure settings have no phone of their own and no phone bill: they call from a
PIN phone (secure training centres, YOIs) or the phone on their unit (secure children's
homes). Each establishment may name its advocacy provider and how children reach them from
inside (on the inspection's "Help for children" page, or ``flask establishments
signposting``); without one, the child is told to ask staff. The provider's words are shown
as they were typed, on one line (they are not translated).
"""

from __future__ import annotations

from flask_babel import gettext as _

from .models import Establishment

HELP_AT_HAND_PHONE = "0800 528 0731"
CHILDLINE_PHONE = "0800 1111"
#: The longest advocacy provider name and contact (the columns' sizes).
NAME_LIMIT = 200
CONTACT_LIMIT = 300


def one_line(text: str | None) -> str:
    """What was typed, on one line with single spaces ("" for nothing)."""
    return " ".join((text or "").split())


def set_advocacy(establishment: Establishment, name: str | None, contact: str | None) -> None:
    """Name the advocacy provider children at ``establishment`` see and how they reach them
    (both empty: the default, "ask a member of staff"). A contact needs a name: it is shown
    only after it. Callers check the limits and report them in their own words."""
    name, contact = one_line(name), one_line(contact)
    if contact and not name:
        raise ValueError("an advocacy contact needs the provider's name")
    if len(name) > NAME_LIMIT or len(contact) > CONTACT_LIMIT:
        raise ValueError("the advocacy provider's name or contact is too long")
    establishment.advocacy_name = name or None
    establishment.advocacy_contact = contact or None


def lines(establishment: Establishment) -> list[str]:
    """The help for children at ``establishment``, in the page's language, most local first."""
    if establishment.advocacy_name:
        advocacy = _("Your advocate is from %(name)s.", name=establishment.advocacy_name)
        if establishment.advocacy_contact:
            advocacy = f"{advocacy} {establishment.advocacy_contact}"
    else:
        advocacy = _("Ask a member of staff to help you contact your advocate.")
    if establishment.type == "sch":
        childline = _(
            "Childline: call free on %(phone)s from the phone on your unit.", phone=CHILDLINE_PHONE
        )
    else:
        childline = _(
            "Childline: call free on %(phone)s from your PIN phone.", phone=CHILDLINE_PHONE
        )
    return [
        _("Tell the inspector now. They are in the room."),
        _("Talk to a member of staff you trust."),
        advocacy,
        _(
            "Help at Hand, from the Children's Commissioner: call free on %(phone)s.",
            phone=HELP_AT_HAND_PHONE,
        ),
        childline,
    ]
