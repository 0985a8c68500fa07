"""The town's reports in the JSON API: /api/v1/towns/<slug>/reports (a town member's token).

Town administrators submit; every member reads. A refused submission answers 409 with the reason.
"""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import current_user

from renkou.api.helpers import list_response
from renkou.reporting import services, workflow
from renkou.reporting.schemas import ReportListArgs, TownReportDetailSchema, TownReportSchema
from renkou.tenancy.context import current_town, load_town_model
from renkou.web.forms import load_args

bp = Blueprint("reports_api", __name__, url_prefix="/reports")


@bp.get("")
def list_reports():
    """The months the town owes a report for (from the month it joined to last month), newest first, with
    each report's status, due day and first submission.
    ---
    get:
      tags: [reports]
      parameters:
        - {in: query, name: status, schema: {type: string, enum: [draft, submitted, approved, returned, unlocked]}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of months, content: {application/json: {schema: TownReportPageSchema}}}
    """
    args = load_args(ReportListArgs(), request.args)
    return list_response(services.town_months(load_town_model(), args["page"], args["per_page"], args["status"]),
                         TownReportSchema())


@bp.get("/<month>")
def get_report(month: str):
    """One month's report with its figures (numerators, denominators, values) and its steps.
    ---
    get:
      tags: [reports]
      parameters: [{in: path, name: month, required: true, schema: {type: string}, description: e.g. 202610}]
      responses:
        200: {description: the report, content: {application/json: {schema: TownReportDetailSchema}}}
        404: {description: no report is owed for that month, content: {application/json: {schema: ErrorsSchema}}}
    """
    town = load_town_model()
    return TownReportDetailSchema().dump(services.report_detail(town, services.month_owed(town, month)))


@bp.post("/<month>/submit")
def submit(month: str):
    """Submit the month's report to the county (town administrators). Allowed again after a return or an
    unlock; the first submission's time is kept for timeliness. Refused (409) while the month's figures are
    being recomputed or have not been computed, and once it is submitted or approved.
    ---
    post:
      tags: [reports]
      parameters: [{in: path, name: month, required: true, schema: {type: string}}]
      responses:
        200: {description: submitted, content: {application/json: {schema: TownReportDetailSchema}}}
        403: {description: not the town's administrator, content: {application/json: {schema: ErrorsSchema}}}
        404: {description: no report is owed for that month, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: not submittable now (the reason says why),
              content: {application/json: {schema: ErrorsSchema}}}
    """
    if not current_town().is_admin:
        abort(403)
    town = load_town_model()
    workflow.submit(town, month, current_user)
    return TownReportDetailSchema().dump(services.report_detail(town, services.month_owed(town, month)))
