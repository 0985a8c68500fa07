"""The town's monthly reports to the county, under /t/<town>/reports/.

Town administrators submit; staff prepare (the note, the first computation of a month's figures) and
view; viewers view. A refused step shows the month's page again with the reason, and nothing is kept.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from renkou.errors import ServiceError
from renkou.indicators import labels as indicator_labels
from renkou.reporting import labels, services, workflow
from renkou.reporting.models import SUBMITTABLE
from renkou.reporting.schemas import ReportListArgs
from renkou.targets.period_input import label as period_label
from renkou.tenancy.context import load_town_model, town_admin_required
from renkou.web.forms import load_args

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")


@bp.context_processor
def _globals():
    return {"report_labels": labels, "indicator_labels": indicator_labels, "period_label": period_label}


@bp.get("/")
def index():
    args = load_args(ReportListArgs(), request.args)
    page = services.town_months(load_town_model(), args["page"], args["per_page"], args["status"])
    return render_template("reporting/town_list.html", page=page, args=args)


@bp.get("/<month>")
def show(month: str):
    return _show(month)


def _show(month_id: str, errors: dict | None = None, status: int = 200, form: dict | None = None):
    town = load_town_model()
    month = services.month_owed(town, month_id)
    detail = services.report_detail(town, month)
    return render_template("reporting/town_report.html", detail=detail, errors=errors or {},
                           form=form or {"note": (detail.report.note if detail.report else "") or ""},
                           can_change=detail.status in SUBMITTABLE), status


@bp.post("/<month>/note")
def save_note(month: str):
    try:
        workflow.save_note(load_town_model(), month, request.form.get("note"), current_user)
    except ServiceError as error:
        return _show(month, error.errors, error.status_code, form=request.form)
    flash(_("The note is saved with the report of %(month)s.", month=month), "success")
    return redirect(url_for(".show", month=month), 303)


@bp.post("/<month>/submit")
@town_admin_required
def submit(month: str):
    try:
        workflow.submit(load_town_model(), month, current_user)
    except ServiceError as error:
        return _show(month, error.errors, error.status_code)
    flash(_("The report of %(month)s is submitted to the county.", month=month), "success")
    return redirect(url_for(".show", month=month), 303)


@bp.post("/<month>/compute")
def compute(month: str):
    if workflow.request_computation(load_town_model(), month):
        flash(_("The figures of %(month)s are being computed; this page refreshes by itself.", month=month),
              "success")
    return redirect(url_for(".show", month=month), 303)
