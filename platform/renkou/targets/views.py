"""County pages of targets (/county/targets): the grid of a period, its template and its import.

County administrators edit; county viewers read. Saving the grid or committing an import writes every
cell or none.
"""

from __future__ import annotations

import base64
import binascii
import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from renkou.accounts.access import county_role_required
from renkou.accounts.roles import COUNTY_ADMIN, COUNTY_VIEWER
from renkou.imports.exports import XLSX_MIMETYPE
from renkou.indicators import catalog
from renkou.indicators.periods import Period
from renkou.targets import grid as grids
from renkou.targets import rules, services, spreadsheet
from renkou.targets.models import SOURCE_COUNTY
from renkou.targets.period_input import KIND_LABELS, BadPeriod, choices, current, label, resolve

bp = Blueprint("targets", __name__, url_prefix="/county/targets", template_folder="templates")


@bp.context_processor
def _globals():
    return {"period_label": label, "unit_label": rules.unit_label, "field_name": grids.field_name,
            "indicator_name": _indicator_name, "kind_labels": KIND_LABELS, "current_period": current}


def _indicator_name(code: str) -> str:
    indicator = catalog.BY_CODE.get(code)
    return indicator.name(get_locale()) if indicator is not None else code


def _posted_period() -> Period:
    try:
        return resolve(request.form.get("period", ""))
    except BadPeriod as error:
        abort(400, description=" ".join(error.errors["period"]))


@bp.get("")
@county_role_required(COUNTY_ADMIN, COUNTY_VIEWER)
def index():
    errors = {}
    period = current(request.args.get("kind", ""))
    if request.args.get("period", "").strip():
        try:
            period = resolve(request.args["period"])
        except BadPeriod as error:
            errors = error.errors
    return _render(period, errors=errors, status=400 if errors else 200)


def _render(period: Period, form=None, cell_errors=None, errors=None, status: int = 200):
    grid = grids.load(period)
    return render_template("targets/grid.html", grid=grid, period=period, choices=choices(period), form=form,
                           cell_errors=cell_errors or {}, errors=errors or {}, history=services.history(period.id),
                           scope_names={row.scope: row.label for row in grid.rows}), status


@bp.post("")
@county_role_required(COUNTY_ADMIN)
def save():
    period = _posted_period()
    grid = grids.load(period)
    inputs, cell_errors = grids.inputs_from_form(grid, request.form)
    try:
        services.validate(inputs)  # every cell's problem at once, the unreadable ones included
    except services.TargetsInvalid as error:
        for key, fields in error.by_key.items():
            cell_errors[key] = [message for messages in fields.values() for message in messages]
    if cell_errors:
        return _render(period, form=request.form, cell_errors=cell_errors,
                       errors={"_schema": [_("Nothing was saved: correct the marked cells.")]}, status=422)
    outcome = services.set_targets(inputs, SOURCE_COUNTY, current_user)
    flash(_("Targets of %(period)s saved: %(created)s added, %(updated)s changed, %(removed)s removed.",
            period=label(period), created=outcome.created, updated=outcome.updated, removed=outcome.removed),
          "success")
    return redirect(url_for(".index", period=period.id))


@bp.get("/template.xlsx")
@county_role_required(COUNTY_ADMIN, COUNTY_VIEWER)
def template():
    try:
        period = resolve(request.args.get("period", "")) if request.args.get("period") else current("")
    except BadPeriod as error:
        abort(400, description=" ".join(error.errors["period"]))
    return send_file(io.BytesIO(spreadsheet.template(period)), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=f"targets-{period.id}.xlsx")


@bp.post("/import")
@county_role_required(COUNTY_ADMIN)
def import_check():
    period = _posted_period()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _render(period, errors={"file": [_("Choose a file to upload.")]}, status=422)
    content = upload.read()
    checked = spreadsheet.check(period, upload.filename, content)
    return render_template("targets/import.html", period=period, checked=checked, filename=upload.filename,
                           content=base64.b64encode(content).decode("ascii") if checked.ok else ""), \
        200 if checked.ok else 422


@bp.post("/import/commit")
@county_role_required(COUNTY_ADMIN)
def import_commit():
    period = _posted_period()
    filename = request.form.get("filename", "")
    try:
        content = base64.b64decode(request.form.get("content", ""), validate=True)
    except (binascii.Error, ValueError):
        abort(400, description=_("The checked file did not come back intact; upload it again."))
    try:
        outcome = spreadsheet.commit(period, filename, content, current_user)
    except spreadsheet.ImportInvalid as error:
        checked = spreadsheet.Checked(error.problems)
        return render_template("targets/import.html", period=period, checked=checked, filename=filename,
                               content=""), 422
    flash(_("Imported the targets of %(period)s: %(created)s added, %(updated)s changed, %(removed)s removed.",
            period=label(period), created=outcome.created, updated=outcome.updated, removed=outcome.removed),
          "success")
    return redirect(url_for(".index", period=period.id))
