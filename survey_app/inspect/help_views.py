"""The inspector page for the help children see in the kiosk at an inspection's establishment:
its advocacy provider and how children reach them (``survey_app.signposting``).

Like the units, the help belongs to the establishment, so a change shows in every inspection
there. Anyone on the team sees it; a lead or an administrator on the team changes it
(``team_creator``), and every change is audit-logged.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import signposting
from ..models import Inspection, audit, db
from . import blueprint
from .authorise import team, team_creator
from .forms import HelpForm


def _page(inspection: Inspection, form: HelpForm, status: int = 200):
    return render_template(
        "inspect/help.html",
        inspection=inspection,
        form=form,
        shown=signposting.lines(inspection.establishment),
        may_change=current_user.may_create_inspections,
    ), status


@blueprint.get("/inspections/<inspection_id>/help")
@team
def help_page(inspection: Inspection):
    return _page(inspection, HelpForm(obj=inspection.establishment))


@blueprint.post("/inspections/<inspection_id>/help")
@team_creator
def help_change(inspection: Inspection):
    form = HelpForm()
    if not form.validate_on_submit():
        return _page(inspection, form, 400)
    establishment = inspection.establishment
    signposting.set_advocacy(establishment, form.advocacy_name.data, form.advocacy_contact.data)
    audit(current_user.email, "establishment-signposting", inspection.id, establishment.name)
    db.session.commit()
    flash(_("Saved: children see this help from now on."))
    return redirect(url_for("inspect.help_page", inspection_id=inspection.id))
