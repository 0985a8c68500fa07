"""Counselling pages under /t/<town>/counselling/: visits, married women's current methods, follow-ups."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renkou.audit.services import record_history
from renkou.errors import NotFoundError, ServiceError
from renkou.imports.exports import xlsx_response
from renkou.tenancy.context import town_editor_required
from renkou.web.forms import FormResult, load_args, load_form, submit_form
from tenants.contraception import labels, services
from tenants.contraception import methods as method_config
from tenants.contraception.schemas import (
    CounsellingVisitSchema,
    FollowUpListArgs,
    FollowUpVisitSchema,
    MarriedWomenArgs,
    VisitListArgs,
)
from tenants.network.services import all_villages

bp = Blueprint("counselling", __name__, url_prefix="/counselling", template_folder="templates")


@bp.errorhandler(NotFoundError)
def _not_found(error):
    return render_template("errors/404.html"), 404


@bp.context_processor
def _globals():
    return {"contraception_labels": labels, "method_config": method_config}


# ---------------------------------------------------------------------------------------------------------
# Counselling visits


@bp.get("/")
def visits():
    args = load_args(VisitListArgs(), request.args)
    page_number, per_page = args.pop("page"), args.pop("per_page")
    page = services.list_visits(services.VisitFilter(**args), page_number, per_page)
    return render_template("contraception/visits.html", page=page, args=args, villages=all_villages())


@bp.get("/export.xlsx")
def export_visits():
    """The filtered list as a workbook, ID numbers masked; the export is audited."""
    args = load_args(VisitListArgs(), request.args)
    args.pop("page"), args.pop("per_page")
    return xlsx_response("counselling-visits.xlsx", services.export_visits(services.VisitFilter(**args)))


@bp.get("/<int:visit_id>")
def visit(visit_id: int):
    record = services.read_visit(visit_id)
    return render_template("contraception/visit.html", visit=record,
                           current=services.current_methods(services.today(), [record.person_id]),
                           history=record_history("counselling_visit", record.id))


@bp.route("/new", methods=["GET", "POST"])
@town_editor_required
def new_visit():
    result = FormResult()
    if request.method == "POST":
        formdata = request.form.copy()
        formdata["methods_discussed"] = ",".join(request.form.getlist("methods_discussed"))
        data, errors = load_form(CounsellingVisitSchema(), formdata)
        if data is None:
            result = FormResult.invalid(errors)
        else:
            try:
                record = services.create_visit(data)
            except ServiceError as error:
                result = FormResult.from_service_error(error)
            else:
                flash(_("Counselling visit of %(name)s saved.", name=record.person.name), "success")
                return redirect(url_for(".visit", visit_id=record.id))
    if request.method == "POST":
        form, discussed = request.form, request.form.getlist("methods_discussed")
    else:
        form, discussed = {"person_id": request.args.get("person_id", ""),
                           "visit_date": services.today().isoformat()}, []
    q = request.args.get("q", "").strip()
    return render_template("contraception/visit_form.html", form=form, errors=result.errors, q=q,
                           discussed=discussed, offered=method_config.methods_on(services.today()),
                           people=services.person_choices(q, form.get("person_id"))), result.status


# ---------------------------------------------------------------------------------------------------------
# Married women 15–49 and their current methods


@bp.get("/married-women")
def married_women():
    """Married women aged 15–49 on a date, with the method each uses (or none), by village."""
    args = load_args(MarriedWomenArgs(), request.args)
    as_of = args["as_of"] or services.today()
    page, methods = services.married_women(as_of, args["village_id"], args["q"], args["page"], args["per_page"])
    return render_template("contraception/married_women.html", page=page, methods=methods,
                           args={**args, "as_of": as_of}, villages=all_villages(),
                           prevalence=services.prevalence(as_of, args["village_id"]))


# ---------------------------------------------------------------------------------------------------------
# Follow-up service visits (四前四后)


@bp.get("/follow-ups/")
def follow_ups():
    args = load_args(FollowUpListArgs(), request.args)
    page_number, per_page = args.pop("page"), args.pop("per_page")
    page = services.list_follow_ups(services.FollowUpFilter(**args), page_number, per_page)
    return render_template("contraception/follow_ups.html", page=page, args=args, villages=all_villages())


@bp.get("/follow-ups/export.xlsx")
def export_follow_ups():
    args = load_args(FollowUpListArgs(), request.args)
    args.pop("page"), args.pop("per_page")
    return xlsx_response("follow-up-visits.xlsx", services.export_follow_ups(services.FollowUpFilter(**args)))


@bp.route("/follow-ups/new", methods=["GET", "POST"])
@town_editor_required
def new_follow_up():
    result = FormResult()
    if request.method == "POST":
        result = submit_form(FollowUpVisitSchema(), lambda data: services.create_follow_up(data))
        if result.saved is not None:
            record = result.saved
            flash(_("Follow-up visit of %(name)s saved.", name=record.person.name), "success")
            return redirect(url_for(".follow_ups", person_id=record.person_id))
    form = request.form if request.method == "POST" else {"person_id": request.args.get("person_id", ""),
                                                          "visit_date": services.today().isoformat()}
    q = request.args.get("q", "").strip()
    return render_template("contraception/follow_up_form.html", form=form, errors=result.errors, q=q,
                           people=services.person_choices(q, form.get("person_id"))), result.status
