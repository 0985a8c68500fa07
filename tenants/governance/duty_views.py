"""Cadre duty pages under /t/<town>/governance/duties/: 包片, 包村 and 包户 duties, and the household
coverage of every village and of the town."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renkou.audit.services import record_history
from renkou.errors import NotFoundError
from renkou.imports.exports import xlsx_response
from renkou.tenancy.context import town_editor_required
from renkou.web.forms import FormResult, load_args, submit_form
from tenants.governance import labels
from tenants.governance.models import DUTY_KINDS
from tenants.governance.schemas import AssignmentListArgs, CadreAssignmentSchema
from tenants.governance.services import duties as services
from tenants.governance.services import exports, members
from tenants.network.services import all_villages

bp = Blueprint("duties", __name__, url_prefix="/governance/duties", template_folder="templates")


@bp.errorhandler(NotFoundError)
def _not_found(error):
    return render_template("errors/404.html"), 404


@bp.context_processor
def _globals():
    return {"governance_labels": labels}


@bp.get("/")
def index():
    args = load_args(AssignmentListArgs(), request.args)
    page_number, per_page = args.pop("page"), args.pop("per_page")
    page = services.list_assignments(services.AssignmentFilter(**args), page_number, per_page)
    return render_template("governance/duties.html", page=page, args=args, villages=all_villages(),
                           coverage=services.household_coverage())


@bp.get("/export.xlsx")
def export():
    """The filtered duties as a workbook; the export is audited."""
    args = load_args(AssignmentListArgs(), request.args)
    args.pop("page"), args.pop("per_page")
    return xlsx_response("cadre-duties.xlsx", exports.export_assignments(services.AssignmentFilter(**args)))


@bp.get("/coverage")
def coverage():
    """包户覆盖率 of every village (those without households too) and of the town."""
    return render_template("governance/coverage.html", town=services.household_coverage(),
                           villages=services.coverage_by_village())


@bp.get("/<int:assignment_id>")
def show(assignment_id: int):
    assignment = services.get_assignment(assignment_id)
    return render_template("governance/duty.html", assignment=assignment,
                           history=record_history(services.RECORD_TYPE, assignment.id))


@bp.route("/new", methods=["GET", "POST"])
@town_editor_required
def new():
    return _duty_form(None)


@bp.route("/<int:assignment_id>/edit", methods=["GET", "POST"])
@town_editor_required
def edit(assignment_id: int):
    return _duty_form(services.get_assignment(assignment_id))


def _duty_form(assignment):
    """The villages (包片, 包村) and households (包户) are ticked boxes. The households offered are those of
    the village picked in the search form above (``?household_village_id=``), and those already ticked."""
    result = FormResult()
    if request.method == "POST":
        def save(data):
            data.update(village_ids=_ids("village_ids"), household_ids=_ids("household_ids"),
                        active=request.form.get("active") == "y")
            return services.create_assignment(data) if assignment is None else services.update_assignment(
                assignment, data)

        result = submit_form(CadreAssignmentSchema(exclude=("village_ids", "household_ids")), save)
        if result.saved is not None:
            flash(_("Duty of %(name)s saved.", name=result.saved.cadre_name), "success")
            return redirect(url_for(".show", assignment_id=result.saved.id))
    if request.method == "POST":
        form, village_ids, household_ids = request.form, _ids("village_ids"), _ids("household_ids")
        picked = request.form.get("household_village_id", type=int)
    elif assignment is None:
        kind = request.args.get("kind") if request.args.get("kind") in DUTY_KINDS else "household"
        form, village_ids, household_ids = {"kind": kind, "active": "y"}, [], []
        picked = request.args.get("household_village_id", type=int)
    else:
        picked = request.args.get("household_village_id", type=int)
        form = {"kind": assignment.kind, "member_id": str(assignment.member_id or ""),
                "staff_id": str(assignment.staff_id or ""),
                "cadre_name": "" if assignment.member_id or assignment.staff_id else assignment.cadre_name,
                "area_name": assignment.area_name or "", "note": assignment.note,
                "active": "y" if assignment.active else ""}
        village_ids, household_ids = assignment.village_ids, assignment.household_ids
        if picked is None and assignment.households:
            picked = assignment.households[0].village_id
    return render_template("governance/duty_form.html", assignment=assignment, form=form, errors=result.errors,
                           village_ids=village_ids, household_ids=household_ids, villages=all_villages(),
                           households=services.household_choices(picked, household_ids), picked=picked,
                           leaders=members.active_members(), staff=services.staff_choices(),
                           kinds=DUTY_KINDS), result.status


def _ids(name: str) -> list[int]:
    return [int(value) for value in request.form.getlist(name) if value.strip().isdigit()]


@bp.post("/<int:assignment_id>/delete")
def delete(assignment_id: int):
    assignment = services.get_assignment(assignment_id)
    services.delete_assignment(assignment)
    flash(_("Duty of %(name)s deleted.", name=assignment.cadre_name), "success")
    return redirect(url_for(".index"))
