"""Inspector forms (Flask-WTF: CSRF on every one)."""

from flask import current_app
from flask_babel import LazyString, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, NumberRange, ValidationError

from .. import signposting
from ..models import ESTABLISHMENT_TYPES, INSPECTION_KINDS

ESTABLISHMENT_TYPE_NAMES = {
    "stc": _l("Secure training centre"),
    "yoi": _l("Young offender institution"),
    "sch": _l("Secure children's home"),
}
INSPECTION_KIND_NAMES = {"full": _l("Full inspection"), "assurance": _l("Assurance inspection")}


class LongEnoughPassphrase:
    """``Length`` with the minimum read from ``SURVEY_MINIMUM_PASSPHRASE_LENGTH`` when the form
    is checked, so a raised minimum is a form error (and never the sealing code's exception)."""

    def __call__(self, form, field) -> None:
        minimum = current_app.config["MINIMUM_PASSPHRASE_LENGTH"]
        Length(min=minimum)(form, field)  # "Field must be at least N characters long."
        Length(max=1000)(form, field)


def _passphrase_length_hint() -> str:
    minimum = current_app.config["MINIMUM_PASSPHRASE_LENGTH"]
    return ngettext(
        "Use at least %(num)d character, for example four unrelated words.",
        "Use at least %(num)d characters, for example four unrelated words.",
        minimum,
    )


#: The hint beside every new passphrase, with the minimum in force when it is shown.
PASSPHRASE_LENGTH_HINT = LazyString(_passphrase_length_hint)


class SignInForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=1000)])


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app"),
        description=_l("6 digits. A new one appears every 30 seconds."),
        validators=[InputRequired(), Length(max=20)],
    )


class ConfirmPasswordForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=1000)])


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class EstablishmentForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    type = RadioField(
        _l("Type"),
        choices=[(code, ESTABLISHMENT_TYPE_NAMES[code]) for code in ESTABLISHMENT_TYPES],
        validators=[InputRequired()],
    )


class NewInspectionForm(FlaskForm):
    establishment = SelectField(_l("Establishment"), validators=[InputRequired()])
    kind = RadioField(
        _l("Kind of inspection"),
        choices=[(code, INSPECTION_KIND_NAMES[code]) for code in INSPECTION_KINDS],
        validators=[InputRequired()],
    )
    passphrase = PasswordField(
        _l("Inspection passphrase"),
        description=LazyString(
            lambda: (
                _("Only this passphrase opens the answers. Nobody can recover them without it.")
                + " "
                + _passphrase_length_hint()
            )
        ),
        validators=[InputRequired(), LongEnoughPassphrase()],
    )
    confirm = PasswordField(
        _l("Passphrase again"),
        validators=[
            InputRequired(),
            EqualTo("passphrase", message=_l("The passphrases do not match.")),
        ],
    )


class PassphraseForm(FlaskForm):
    passphrase = PasswordField(
        _l("Inspection passphrase"), validators=[InputRequired(), Length(max=1000)]
    )


# One request renders the sheet (PDF included, since plain codes are never stored). A thousand
# slips take about 20 s on a laptop: the page is sent as the PDF is made, saying how far it has
# got (code_sheets.SheetWork), so no gateway gives up on it. Larger runs: the command line.
MOST_CODES_AT_ONCE = 1000


class BaselineForm(FlaskForm):
    """Which earlier inspection this one is compared with: the choices are set per request."""

    previous = SelectField(_l("Compare with"), validators=[InputRequired()])


class StaffCodesForm(FlaskForm):
    count = IntegerField(
        _l("How many codes"),
        default=50,
        validators=[InputRequired(), NumberRange(min=1, max=MOST_CODES_AT_ONCE)],
    )


class UnitForm(FlaskForm):
    """A unit's name, new or changed (``survey_app.units``)."""

    name = StringField(
        _l("Unit name"),
        description=_l(
            "Use the name the children know it by. Children choose their unit from these "
            "names; in the evidence, a unit with very few children is hidden or merged anyway."
        ),
        validators=[InputRequired(), Length(max=80)],
    )


class HelpForm(FlaskForm):
    """The advocacy provider children see in the kiosk's help (``survey_app.signposting``)."""

    advocacy_name = StringField(
        _l("Advocacy provider"),
        description=_l(
            "Who children at this establishment can ask to be their advocate, for example "
            "Barnardo's or Coram Voice. Leave it empty and children are told to ask a member "
            "of staff to help them contact their advocate."
        ),
        filters=[signposting.one_line],
        validators=[Length(max=signposting.NAME_LIMIT)],
    )
    advocacy_contact = StringField(
        _l("How children reach them from inside"),
        description=_l(
            "One short sentence, for example: Put a note in the advocacy box on your unit. "
            "It is shown as you type it, in every language the child chooses."
        ),
        filters=[signposting.one_line],
        validators=[Length(max=signposting.CONTACT_LIMIT)],
    )

    def validate_advocacy_contact(self, field) -> None:
        if field.data and not self.advocacy_name.data:
            raise ValidationError(
                _("Name the advocacy provider too: how to reach them is shown after their name.")
            )
