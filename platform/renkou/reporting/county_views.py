"""The county's side of town reports (/county/reports): the grid of towns × months, completeness and
timeliness by year, and each report with Approve / Return / Unlock.

County administrators decide; county viewers read; town users get 403. Reads shared tables only.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from renkou.accounts.access import county_role_required
from renkou.accounts.roles import COUNTY_ADMIN, COUNTY_VIEWER
from renkou.errors import ServiceError
from renkou.extensions import db
from renkou.indicators import labels as indicator_labels
from renkou.indicators import periods
from renkou.reporting import labels, services, summary, workflow
from renkou.reporting.schemas import YearArgs
from renkou.targets.period_input import label as period_label
from renkou.tenancy.models import Town
from renkou.web import charts
from renkou.web.forms import load_args

bp = Blueprint("county_reports", __name__, url_prefix="/county/reports", template_folder="templates")
READERS = (COUNTY_ADMIN, COUNTY_VIEWER)
CHOICES = 24  # months offered as the grid's last month


@bp.context_processor
def _globals():
    return {"report_labels": labels, "indicator_labels": indicator_labels, "period_label": period_label}


@bp.get("")
@county_role_required(*READERS)
def index():
    last = summary.last_month()
    choices = [last]
    while len(choices) < CHOICES:
        choices.append(choices[-1].previous())
    until = next((month for month in choices if month.id == request.args.get("until")), last)
    months = summary.grid_months(until)
    year = load_args(YearArgs(), request.args)["year"] or services.today().year
    tallies, county = summary.year_tallies(year)
    chart = charts.bar_chart([(town.name, tally.timeliness, _percent(tally.timeliness), "no_target", None)
                              for town, tally in tallies])
    return render_template("reporting/county_index.html", months=months, rows=summary.grid(months), until=until,
                           choices=choices, year=year, years=summary.years_with_reports(), tallies=tallies,
                           county=county, chart=chart, percent=_percent)


def _percent(value) -> str:
    return "–" if value is None else f"{value:.2f}%"


def _town(town_code: str) -> Town:
    town = db.session.scalar(select(Town).where(Town.code == town_code))
    if town is None:
        abort(404)
    return town


def _month(month_id: str) -> periods.Period:
    try:
        month = periods.parse(month_id)
    except periods.PeriodError:
        abort(404)
    if month.kind != periods.MONTH:
        abort(404)
    return month


@bp.get("/<town_code>/<month>")
@county_role_required(*READERS)
def show(town_code: str, month: str):
    return _show(_town(town_code), _month(month))


def _show(town: Town, month: periods.Period, errors: dict | None = None, status: int = 200, action: str = ""):
    detail = services.report_detail(town, month)
    return render_template("reporting/county_report.html", town=town, detail=detail, errors=errors or {},
                           action=action, reason=request.form.get("reason", "") if errors else "",
                           can_decide=current_user.county_role == COUNTY_ADMIN), status


def _decide(town_code: str, month: str, action: str, done: str):
    town, period = _town(town_code), _month(month)
    steps = {"approve": lambda: workflow.approve(town, month, current_user),
             "return": lambda: workflow.return_report(town, month, current_user, request.form.get("reason")),
             "unlock": lambda: workflow.unlock(town, month, current_user, request.form.get("reason"))}
    try:
        steps[action]()
    except ServiceError as error:
        return _show(town, period, error.errors, error.status_code, action)
    flash(done, "success")
    return redirect(url_for(".show", town_code=town_code, month=month), 303)


@bp.post("/<town_code>/<month>/approve")
@county_role_required(COUNTY_ADMIN)
def approve(town_code: str, month: str):
    return _decide(town_code, month, "approve", _("The report of %(month)s is approved and the month is locked.",
                                                  month=month))


@bp.post("/<town_code>/<month>/return")
@county_role_required(COUNTY_ADMIN)
def return_report(town_code: str, month: str):
    return _decide(town_code, month, "return", _("The report of %(month)s is returned to the town.", month=month))


@bp.post("/<town_code>/<month>/unlock")
@county_role_required(COUNTY_ADMIN)
def unlock(town_code: str, month: str):
    return _decide(town_code, month, "unlock", _("%(month)s is unlocked: the town may correct it and submit it "
                                                 "again.", month=month))
