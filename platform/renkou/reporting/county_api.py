"""Town reports for the county in the JSON API: /api/v1/reports. County roles read; county administrators
approve, return (with a reason) and unlock (with a reason). A refused step answers 409 with the reason."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from renkou.accounts.roles import COUNTY_ADMIN, COUNTY_VIEWER
from renkou.api.helpers import json_body, list_response, require_county_role
from renkou.errors import NotFoundError
from renkou.extensions import db
from renkou.indicators import periods
from renkou.pagination import Page
from renkou.reporting import services, summary, workflow
from renkou.reporting.schemas import CountyReportListArgs, ReasonSchema, TownReportDetailSchema, TownReportSchema
from renkou.targets.api import load_query
from renkou.tenancy.models import TOWN_ACTIVE, Town

bp = Blueprint("reports_county_api", __name__, url_prefix="/api/v1/reports")
READERS = (COUNTY_ADMIN, COUNTY_VIEWER)


@bp.get("")
def list_reports():
    """The reports of one month (default: last month) of every active town that owes one, by town code.
    ---
    get:
      tags: [reports]
      parameters:
        - {in: query, name: period, schema: {type: string}, description: the month, e.g. 202610}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of reports, content: {application/json: {schema: TownReportPageSchema}}}
        400: {description: not a month id, content: {application/json: {schema: ErrorsSchema}}}
        403: {description: not a county role, content: {application/json: {schema: ErrorsSchema}}}
    """
    require_county_role(*READERS)
    args = load_query(CountyReportListArgs())
    month = periods.parse(args["period"]) if args["period"] else summary.last_month()
    on = services.today()
    towns = [town for town in db.session.scalars(select(Town).where(Town.status == TOWN_ACTIVE).order_by(Town.code))
             if month.end > services.onboarded_on(town)]
    page, per_page = max(1, args["page"]), min(max(1, args["per_page"]), 200)
    shown = towns[(page - 1) * per_page:page * per_page]
    items = [services.MonthReport(month, services.report_of(town.id, month.id), on, town) for town in shown]
    return list_response(Page(items=items, page=page, per_page=per_page, total=len(towns)), TownReportSchema())


def _town(town_code: str) -> Town:
    town = db.session.scalar(select(Town).where(Town.code == town_code))
    if town is None:
        raise NotFoundError.on("town", _("No such town."))
    return town


def _detail(town: Town, month_id: str):
    try:
        month = periods.parse(month_id)
    except periods.PeriodError:
        month = None
    if month is None or month.kind != periods.MONTH:
        raise NotFoundError.on("period", _("Not a month id such as 202610."))
    return TownReportDetailSchema().dump(services.report_detail(town, month))


@bp.get("/<town_code>/<month>")
def get_report(town_code: str, month: str):
    """One town's report of a month, with its figures and steps.
    ---
    get:
      tags: [reports]
      parameters:
        - {in: path, name: town_code, required: true, schema: {type: string}, description: the town's 9-digit code}
        - {in: path, name: month, required: true, schema: {type: string}}
      responses:
        200: {description: the report, content: {application/json: {schema: TownReportDetailSchema}}}
        403: {description: not a county role, content: {application/json: {schema: ErrorsSchema}}}
        404: {description: no such town or month, content: {application/json: {schema: ErrorsSchema}}}
    """
    require_county_role(*READERS)
    return _detail(_town(town_code), month)


@bp.post("/<town_code>/<month>/approve")
def approve(town_code: str, month: str):
    """Approve a submitted report: its figures are kept with it and the month is locked (changes dated in
    it are refused until it is unlocked). Refused (409) while the figures are being recomputed.
    ---
    post:
      tags: [reports]
      parameters:
        - {in: path, name: town_code, required: true, schema: {type: string}}
        - {in: path, name: month, required: true, schema: {type: string}}
      responses:
        200: {description: approved, content: {application/json: {schema: TownReportDetailSchema}}}
        403: {description: not a county administrator, content: {application/json: {schema: ErrorsSchema}}}
        404: {description: no such town or report, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: not approvable now, content: {application/json: {schema: ErrorsSchema}}}
    """
    require_county_role(COUNTY_ADMIN)
    town = _town(town_code)
    workflow.approve(town, month, current_user)
    return _detail(town, month)


@bp.post("/<town_code>/<month>/return")
def return_report(town_code: str, month: str):
    """Return a submitted report to the town with the reason.
    ---
    post:
      tags: [reports]
      parameters:
        - {in: path, name: town_code, required: true, schema: {type: string}}
        - {in: path, name: month, required: true, schema: {type: string}}
      requestBody: {content: {application/json: {schema: ReasonSchema}}}
      responses:
        200: {description: returned, content: {application/json: {schema: TownReportDetailSchema}}}
        403: {description: not a county administrator, content: {application/json: {schema: ErrorsSchema}}}
        404: {description: no such town or report, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: not a submitted report, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: no reason given, content: {application/json: {schema: ErrorsSchema}}}
    """
    require_county_role(COUNTY_ADMIN)
    town, reason = _town(town_code), ReasonSchema().load(json_body())["reason"]
    workflow.return_report(town, month, current_user, reason)
    return _detail(town, month)


@bp.post("/<town_code>/<month>/unlock")
def unlock(town_code: str, month: str):
    """Unlock an approved month with the reason (status "unlocked"): the town may change records dated in it
    again, the figures are recomputed, and the town submits the month again.
    ---
    post:
      tags: [reports]
      parameters:
        - {in: path, name: town_code, required: true, schema: {type: string}}
        - {in: path, name: month, required: true, schema: {type: string}}
      requestBody: {content: {application/json: {schema: ReasonSchema}}}
      responses:
        200: {description: unlocked, content: {application/json: {schema: TownReportDetailSchema}}}
        403: {description: not a county administrator, content: {application/json: {schema: ErrorsSchema}}}
        404: {description: no such town or report, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: not an approved report, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: no reason given, content: {application/json: {schema: ErrorsSchema}}}
    """
    require_county_role(COUNTY_ADMIN)
    town, reason = _town(town_code), ReasonSchema().load(json_body())["reason"]
    workflow.unlock(town, month, current_user, reason)
    return _detail(town, month)
