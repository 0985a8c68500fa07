"""三结合 assistance pages under /t/<town>/support/assistance/: the records with their total, the form, and
the totals by year and kind."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from renkou.audit.services import record_history
from renkou.errors import NotFoundError
from renkou.imports.exports import xlsx_response
from renkou.tenancy.context import town_editor_required
from renkou.web.forms import FormResult, load_args, submit_form
from tenants.network.services import all_villages
from tenants.support import labels, rules
from tenants.support.schemas import SupportAssistanceListArgs, SupportAssistanceSchema
from tenants.support.services import assistance
from tenants.support.services.common import yuan
from tenants.support.views import template_globals

bp = Blueprint("support_assistance", __name__, url_prefix="/support/assistance", template_folder="templates")
bp.context_processor(template_globals)


@bp.errorhandler(NotFoundError)
def _not_found(error):
    return render_template("errors/404.html"), 404


@bp.get("/")
def index():
    args = load_args(SupportAssistanceListArgs(), request.args)
    sort, page_number, per_page = args.pop("sort"), args.pop("page"), args.pop("per_page")
    filters = assistance.AssistanceFilter(**args)
    years = sorted({*(row.year for row in assistance.totals_by_year()), rules.today().year}, reverse=True)
    return render_template("support/assistance.html", page=assistance.list_assistance(filters, sort, page_number,
                                                                                      per_page),
                           total=assistance.filtered_total(filters), args={**args, "sort": sort}, years=years,
                           villages=all_villages())


@bp.get("/export.xlsx")
def export():
    args = load_args(SupportAssistanceListArgs(), request.args)
    sort = args.pop("sort")
    args.pop("page"), args.pop("per_page")
    return xlsx_response("support-assistance.xlsx", assistance.export_assistance(assistance.AssistanceFilter(**args),
                                                                                 sort))


@bp.get("/summary")
def summary():
    overview = assistance.totals_by_year()
    # The chart's rows, (label, yuan) of the latest year by kind; the template draws them as SVG.
    kind_rows = ([(str(labels.ASSISTANCE_KIND[kind]), yuan(fen)) for kind, (_count, fen) in overview[0].by_kind.items()]
                 if overview else [])
    return render_template("support/assistance_summary.html", overview=overview, kind_rows=kind_rows)


@bp.route("/new", methods=["GET", "POST"])
@town_editor_required
def new():
    return _form(None)


@bp.route("/<int:assistance_id>/edit", methods=["GET", "POST"])
@town_editor_required
def edit(assistance_id: int):
    return _form(assistance.get_assistance(assistance_id))


def _form(record):
    result = FormResult()
    if request.method == "POST":
        def save(data):
            return assistance.create_assistance(data) if record is None else assistance.update_assistance(record, data)

        result = submit_form(SupportAssistanceSchema(), save, partial=record is not None)
        if result.saved is not None:
            flash(_("Assistance to household %(number)s saved.", number=result.saved.household.number), "success")
            return redirect(url_for(".index", year=result.saved.given_on.year))
    if request.method == "POST":
        form = request.form
    elif record is None:
        form = {"given_on": rules.today().isoformat(), "household_number": request.args.get("household_number", "")}
    else:
        form = {"household_number": record.household.number, "kind": record.kind,
                "given_on": record.given_on.isoformat(), "value": str(yuan(record.value_fen)),
                "provider": record.provider, "description": record.description}
    history = record_history("support_assistance", record.id) if record is not None else []
    return render_template("support/assistance_form.html", record=record, form=form, errors=result.errors,
                           history=history), result.status


@bp.post("/<int:assistance_id>/delete")
@town_editor_required
def delete(assistance_id: int):
    record = assistance.get_assistance(assistance_id)
    number = record.household.number
    assistance.delete_assistance(record)
    flash(_("Assistance to household %(number)s deleted.", number=number), "success")
    return redirect(url_for(".index"))
