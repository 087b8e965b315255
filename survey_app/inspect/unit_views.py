"""Inspector pages for the units of an inspection's establishment: name, rename, retire.

Anyone on the team sees the units; a lead or an administrator on the team changes them
(``team_creator``). The units belong to the establishment, so a change shows in every
inspection there, and every change is audit-logged.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import units
from ..models import Inspection, Unit, audit, db
from . import blueprint
from .authorise import team, team_creator
from .forms import ActionForm, UnitForm


def _page(
    inspection: Inspection,
    form: UnitForm | None = None,
    status: int = 200,
    problem: str | None = None,
):
    establishment = inspection.establishment
    return render_template(
        "inspect/units.html",
        inspection=inspection,
        in_use=units.listed(establishment, retired=False),
        retired=[u for u in units.listed(establishment) if u.retired],
        form=form or UnitForm(),
        action_form=ActionForm(),
        may_change=current_user.may_create_inspections,
        problem=problem,
        answer_id=units.option_id,
    ), status


def _back(inspection: Inspection):
    return redirect(url_for("inspect.units_page", inspection_id=inspection.id))


@blueprint.get("/inspections/<inspection_id>/units")
@team
def units_page(inspection: Inspection):
    return _page(inspection)


@blueprint.post("/inspections/<inspection_id>/units")
@team_creator
def units_add(inspection: Inspection):
    form = UnitForm()
    if not form.validate_on_submit():
        return _page(inspection, form, 400)
    try:
        unit = units.add(inspection.establishment, form.name.data)
    except units.UnitNameTaken:
        form.name.errors = [_("A unit in use already has that name.")]
        return _page(inspection, form, 400)
    audit(current_user.email, "unit-add", inspection.id, unit.id)
    db.session.commit()
    flash(_("Unit added: children can choose it now."))
    return _back(inspection)


@blueprint.post("/inspections/<inspection_id>/units/<unit_id>")
@team_creator
def units_change(inspection: Inspection, unit_id: str):
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.establishment_id != inspection.establishment_id:
        abort(404)
    action = request.form.get("action")
    try:
        if action == "rename":
            form = UnitForm()
            if not form.validate_on_submit():
                problem = _("Give the unit a name of up to 80 characters. Nothing has changed.")
                return _page(inspection, status=400, problem=problem)
            units.rename(unit, form.name.data)
            message = _("Unit renamed. Answers already given keep it, under its new name.")
        elif action in ("retire", "restore") and ActionForm().validate_on_submit():
            (units.retire if action == "retire" else units.restore)(unit)
            message = (
                _("Unit retired: children no longer see it. Its answers keep its name.")
                if action == "retire"
                else _("Unit back in use: children can choose it again.")
            )
        else:
            abort(400)
    except units.UnitNameTaken:
        problem = _("A unit in use already has that name. Nothing has changed.")
        return _page(inspection, status=400, problem=problem)
    audit(current_user.email, f"unit-{action}", inspection.id, unit.id)
    db.session.commit()
    flash(message)
    return _back(inspection)
