"""Childcare subsidy (育儿补贴) pages under /t/<town>/support/subsidies/: the applications with their due
dates (overdue ones highlighted), the intake form, an application's page with its review steps."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renkou.audit.services import record_history
from renkou.errors import NotFoundError
from renkou.imports.exports import xlsx_response
from renkou.schemas import mask_phone
from renkou.tenancy.context import town_editor_required
from renkou.web.forms import FormResult, load_args, submit_form
from tenants.network.services import all_villages
from tenants.support import labels, rules
from tenants.support.schemas import ChildcareSubsidyListArgs, ChildcareSubsidySchema, ChildcareSubsidyTransitionSchema
from tenants.support.services import subsidies
from tenants.support.views import template_globals

bp = Blueprint("support_subsidies", __name__, url_prefix="/support/subsidies", template_folder="templates")
bp.context_processor(template_globals)


@bp.errorhandler(NotFoundError)
def _not_found(error):
    return render_template("errors/404.html"), 404


@bp.get("/")
def index():
    args = load_args(ChildcareSubsidyListArgs(), request.args)
    sort, page_number, per_page = args.pop("sort"), args.pop("page"), args.pop("per_page")
    page = subsidies.list_subsidies(subsidies.SubsidyFilter(**args), sort, page_number, per_page)
    years = sorted({*subsidies.subsidy_years(), rules.today().year}, reverse=True)
    return render_template("support/subsidies.html", page=page, args={**args, "sort": sort}, years=years,
                           villages=all_villages(), mask_phone=mask_phone)


@bp.get("/export.xlsx")
def export():
    """The filtered applications as a workbook, ID numbers and phones masked; the export is audited."""
    args = load_args(ChildcareSubsidyListArgs(), request.args)
    sort = args.pop("sort")
    args.pop("page"), args.pop("per_page")
    return xlsx_response("childcare-subsidies.xlsx", subsidies.export_subsidies(subsidies.SubsidyFilter(**args), sort))


@bp.get("/<int:subsidy_id>")
def application(subsidy_id: int):
    return _application_page(subsidies.read_subsidy(subsidy_id))


def _application_page(record, errors: dict | None = None, status: int = 200):
    return render_template("support/subsidy.html", application=record, errors=errors or {},
                           history=record_history("childcare_subsidy", record.id)), status


@bp.post("/<int:subsidy_id>/transition")
@town_editor_required
def transition(subsidy_id: int):
    record = subsidies.get_subsidy(subsidy_id)

    def step(data):
        action = data.pop("action")
        return subsidies.transition(record, action, **data)

    result = submit_form(ChildcareSubsidyTransitionSchema(), step)
    if result.saved is None:
        return _application_page(record, result.errors, result.status)
    flash(_("The application is now: %(status)s.", status=labels.SUBSIDY_STATUS[record.status]), "success")
    return redirect(url_for(".application", subsidy_id=record.id))


@bp.route("/new", methods=["GET", "POST"])
@town_editor_required
def new():
    return _form(None)


@bp.route("/<int:subsidy_id>/edit", methods=["GET", "POST"])
@town_editor_required
def edit(subsidy_id: int):
    return _form(subsidies.read_subsidy(subsidy_id))  # the form shows the full phone: an audited read


def _form(record):
    result = FormResult()
    if request.method == "POST":
        def save(data):
            return subsidies.create_subsidy(data) if record is None else subsidies.update_subsidy(record, data)

        result = submit_form(ChildcareSubsidySchema(), save, partial=record is not None)
        if result.saved is not None:
            flash(_("Childcare subsidy application for %(name)s saved.", name=result.saved.child.name), "success")
            return redirect(url_for(".application", subsidy_id=result.saved.id))
    if request.method == "POST":
        form = request.form
    elif record is None:
        form = {"child_id": request.args.get("child_id", ""), "received_on": rules.today().isoformat()}
    else:
        form = {"child_id": str(record.child_id), "applicant_id": str(record.applicant_id or ""),
                "applicant_name": record.applicant_name or "", "applicant_phone": record.applicant_phone or "",
                "subsidy_year": str(record.subsidy_year), "received_on": record.received_on.isoformat(),
                "note": record.note}
    q = request.args.get("q", "").strip()
    children = subsidies.child_choices(q, form.get("child_id"))
    applicants = subsidies.applicant_choices(children, form.get("applicant_id"))
    return render_template("support/subsidy_form.html", application=record, form=form, errors=result.errors, q=q,
                           children=children, applicants=applicants,
                           plan=rules.subsidy_scheme(rules.today()) or rules.SUBSIDY_SCHEMES[0][1]), result.status
