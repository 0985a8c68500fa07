"""Outreach pages under /t/<town>/outreach/: activities, materials and their deliveries to households,
slogans, population-school sessions, and the coverage of households by village."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from renkou.errors import NotFoundError, ServiceError
from renkou.imports.exports import xlsx_response
from renkou.schemas import messages_of
from renkou.tenancy.context import town_editor_required
from renkou.web.forms import FormResult, load_args, submit_form
from tenants.network.services import all_villages
from tenants.outreach import labels
from tenants.outreach.schemas import (
    ActivityListArgs,
    CoverageArgs,
    DatedListArgs,
    DeliveryFormSchema,
    DeliveryListArgs,
    HouseholdChoiceSchema,
    MaterialListArgs,
    OutreachActivitySchema,
    OutreachMaterialSchema,
    SchoolSessionSchema,
    SloganListArgs,
    SloganSchema,
)
from tenants.outreach.services import common, coverage, exports, materials, records
from tenants.registry.services import village_households

bp = Blueprint("outreach", __name__, url_prefix="/outreach", template_folder="templates")


@bp.errorhandler(NotFoundError)
def _not_found(error):
    return render_template("errors/404.html"), 404


@bp.context_processor
def _globals():
    return {"outreach_labels": labels}


def _list_args(schema) -> tuple[dict, int, int]:
    args = load_args(schema, request.args)
    return args, args.pop("page"), args.pop("per_page")


def _record_form(schema, create, template: str, message: str, back: str, date_field: str):
    """A form that records one thing and goes back to its list (its date defaults to today)."""
    result = FormResult()
    if request.method == "POST":
        result = submit_form(schema, create)
        if result.saved is not None:
            flash(message, "success")
            return redirect(url_for(back))
    form = request.form if request.method == "POST" else {date_field: common.today().isoformat()}
    return render_template(template, form=form, errors=result.errors, villages=all_villages()), result.status


# ---------------------------------------------------------------------------------------------------------
# Activities


@bp.get("/")
def activities():
    args, page_number, per_page = _list_args(ActivityListArgs())
    page = records.list_activities(records.ActivityFilter(**args), page_number, per_page)
    return render_template("outreach/activities.html", page=page, args=args, villages=all_villages())


@bp.get("/export.xlsx")
def export_activities():
    """The filtered activities as a workbook; the export is audited."""
    args = _list_args(ActivityListArgs())[0]
    return xlsx_response("outreach-activities.xlsx", exports.export_activities(records.ActivityFilter(**args)))


@bp.route("/activities/new", methods=["GET", "POST"])
@town_editor_required
def new_activity():
    return _record_form(OutreachActivitySchema(), records.create_activity, "outreach/activity_form.html",
                        _("Activity recorded."), ".activities", "activity_date")


# ---------------------------------------------------------------------------------------------------------
# Materials and deliveries


@bp.get("/materials/")
def materials_list():
    args, page_number, per_page = _list_args(MaterialListArgs())
    return render_template("outreach/materials.html", page=materials.list_materials(**args, page=page_number,
                                                                                    per_page=per_page), args=args)


@bp.route("/materials/new", methods=["GET", "POST"])
@town_editor_required
def new_material():
    return _record_form(OutreachMaterialSchema(), lambda data: materials.create_material(**data),
                        "outreach/material_form.html", _("Material added to the catalogue."), ".materials_list", "")


@bp.get("/deliveries/")
def deliveries():
    args, page_number, per_page = _list_args(DeliveryListArgs())
    page = materials.list_deliveries(materials.DeliveryFilter(**args), page_number, per_page)
    return render_template("outreach/deliveries.html", page=page, args=args, villages=all_villages(),
                           materials=materials.all_materials())


@bp.get("/deliveries/export.xlsx")
def export_deliveries():
    """The filtered deliveries as a workbook, one row per household reached; the export is audited."""
    args = _list_args(DeliveryListArgs())[0]
    return xlsx_response("material-deliveries.xlsx", exports.export_deliveries(materials.DeliveryFilter(**args)))


@bp.get("/deliveries/<int:delivery_id>")
def delivery(delivery_id: int):
    return render_template("outreach/delivery.html", delivery=materials.get_delivery(delivery_id))


@bp.route("/deliveries/new", methods=["GET", "POST"])
@town_editor_required
def new_delivery():
    """Choose the village first (the page reloads with its households), then all or some of them."""
    result = FormResult()
    if request.method == "POST":
        result = submit_form(DeliveryFormSchema(), _deliver)
        if result.saved is not None:
            flash(_("Delivery to %(count)s households recorded.", count=len(result.saved.households)), "success")
            return redirect(url_for(".delivery", delivery_id=result.saved.id))
        form, chosen = request.form, set(request.form.getlist("household_ids"))
    else:
        form = {"delivery_date": common.today().isoformat(), "village_id": request.args.get("village_id", ""),
                "material_id": request.args.get("material_id", "")}
        chosen = set()
    village_id = form.get("village_id", "")
    households = village_households(int(village_id)) if str(village_id).isdigit() else []
    return render_template("outreach/delivery_form.html", form=form, errors=result.errors, chosen=chosen,
                           villages=all_villages(), materials=materials.all_materials(),
                           households=households), result.status


def _deliver(data: dict):
    try:
        chosen = HouseholdChoiceSchema().load({"household_ids": request.form.getlist("household_ids")})
    except ValidationError as invalid:
        raise ServiceError(messages_of(invalid)) from invalid
    return materials.deliver(**data, household_ids=chosen["household_ids"])


@bp.get("/coverage")
def coverage_table():
    """Households reached by materials in the period (default: this year so far), by village."""
    args = load_args(CoverageArgs(), request.args)
    end = args["date_to"] or common.today()
    start = args["date_from"] or date(end.year, 1, 1)
    errors = {}
    if start > end:
        errors = {"date_from": [_("The start is after the end.")]}
        start = date(end.year, 1, 1)
    rows, town = coverage.coverage_by_village(start, end)
    return render_template("outreach/coverage.html", rows=rows, town=town, start=start, end=end,
                           errors=errors), 422 if errors else 200


# ---------------------------------------------------------------------------------------------------------
# Slogans and population-school sessions


@bp.get("/slogans/")
def slogans():
    args, page_number, per_page = _list_args(SloganListArgs())
    page = records.list_slogans(records.SloganFilter(**args), page_number, per_page)
    return render_template("outreach/slogans.html", page=page, args=args, villages=all_villages())


@bp.get("/slogans/export.xlsx")
def export_slogans():
    """The filtered slogans as a workbook; the export is audited."""
    args = _list_args(SloganListArgs())[0]
    return xlsx_response("outreach-slogans.xlsx", exports.export_slogans(records.SloganFilter(**args)))


@bp.route("/slogans/new", methods=["GET", "POST"])
@town_editor_required
def new_slogan():
    return _record_form(SloganSchema(), records.create_slogan, "outreach/slogan_form.html", _("Slogan recorded."),
                        ".slogans", "slogan_date")


@bp.get("/school-sessions/")
def sessions():
    args, page_number, per_page = _list_args(DatedListArgs())
    page = records.list_sessions(common.DatedFilter(**args), page_number, per_page)
    return render_template("outreach/sessions.html", page=page, args=args, villages=all_villages())


@bp.get("/school-sessions/export.xlsx")
def export_sessions():
    """The filtered population-school sessions as a workbook; the export is audited."""
    args = _list_args(DatedListArgs())[0]
    return xlsx_response("school-sessions.xlsx", exports.export_sessions(common.DatedFilter(**args)))


@bp.route("/school-sessions/new", methods=["GET", "POST"])
@town_editor_required
def new_session():
    return _record_form(SchoolSessionSchema(), records.create_session, "outreach/session_form.html",
                        _("Population-school session recorded."), ".sessions", "session_date")
