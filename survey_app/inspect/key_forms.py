"""Forms for an inspection's keys: passphrase, recovery, access for each inspector, erasing."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from .forms import PASSPHRASE_LENGTH_HINT, LongEnoughPassphrase, NewInspectionForm

SECRET_HINT = _l(
    "The inspection passphrase, or your own sign-in password if you have been given access."
)


class NewInspectionWithRecoveryForm(NewInspectionForm):
    recovery = BooleanField(
        _l("Make a recovery key, shown once, that can set a new passphrase if it is lost"),
        default=True,
    )


def _new_passphrase_fields(prefix: str):
    new = PasswordField(
        _l("New passphrase"),
        description=PASSPHRASE_LENGTH_HINT,
        validators=[InputRequired(), LongEnoughPassphrase()],
    )
    confirm = PasswordField(
        _l("New passphrase again"),
        validators=[
            InputRequired(),
            EqualTo(f"{prefix}_new", message=_l("The passphrases do not match.")),
        ],
    )
    return new, confirm


class ChangePassphraseForm(FlaskForm):
    change_current = PasswordField(
        _l("Current passphrase or your password"),
        description=SECRET_HINT,
        validators=[InputRequired(), Length(max=1000)],
    )
    change_new, change_confirm = _new_passphrase_fields("change")


class RecoverForm(FlaskForm):
    recovery_key = StringField(
        _l("Recovery key"),
        description=_l("The key shown once when the inspection was created, in groups of four."),
        validators=[InputRequired(), Length(max=200)],
    )
    recover_new, recover_confirm = _new_passphrase_fields("recover")


class GrantForm(FlaskForm):
    grantee = SelectField(_l("Inspector"), validators=[InputRequired()])
    grant_secret = PasswordField(
        _l("Current passphrase or your password"),
        description=SECRET_HINT,
        validators=[InputRequired(), Length(max=1000)],
    )


class RecoveryKeyForm(FlaskForm):
    recovery_secret = PasswordField(
        _l("Current passphrase or your password"),
        description=SECRET_HINT,
        validators=[InputRequired(), Length(max=1000)],
    )


class EraseForm(FlaskForm):
    understood = BooleanField(
        _l("I understand that the raw answers cannot be brought back"),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
