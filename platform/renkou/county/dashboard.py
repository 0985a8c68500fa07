"""The county dashboard (/county/dashboard): towns against their targets, charts, drill-down, review flags.

Reads only the shared tables, which the aggregation jobs fill (DESIGN.md §3).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from renkou.accounts.access import county_role_required
from renkou.accounts.roles import COUNTY_ADMIN, COUNTY_VIEWER
from renkou.errors import NotFoundError, ServiceError
from renkou.extensions import db
from renkou.indicators import catalog, comparisons, dashboard, labels
from renkou.indicators.periods import MONTH, STAT_YEAR, YEAR
from renkou.targets import period_input
from renkou.tenancy.models import Town
from renkou.web import charts

bp = Blueprint("dashboard", __name__, url_prefix="/county/dashboard")
COVERAGE = ("material_coverage", "household_coverage", "agreement_coverage", "clinic_inspection")
TREND_MONTHS = 12


def _period():
    """The period asked for, by default the last complete year (or period of the kind asked for); a bad
    id is a 400 with the reason."""
    if "period" not in request.args:
        return period_input.last_complete(request.args.get("kind", YEAR))
    try:
        return period_input.resolve(request.args["period"])
    except ServiceError as error:
        abort(400, description=" ".join(message for messages in error.errors.values() for message in messages))


def _chosen_indicator(period, default: str) -> catalog.Indicator:
    applying = {indicator.code: indicator for indicator in catalog.applying_to(period.kind)}
    code = request.args.get("indicator", default)
    return applying.get(code) or applying.get(default) or next(iter(applying.values()))


@bp.get("")
@county_role_required(COUNTY_ADMIN, COUNTY_VIEWER)
def index():
    period = _period()
    comparison = comparisons.compare(period)
    chosen = _chosen_indicator(period, "registration_rate")
    return render_template(
        "county/dashboard.html", period=period, comparison=comparison, chosen=chosen,
        league=_league(comparison, chosen),
        period_label=period_input.label, period_choices=period_input.figure_choices(period),
        incomplete=period_input.is_incomplete,
        kind_labels=period_input.KIND_LABELS, labels=labels,
        attainment_chart=_attainment_chart(comparison, chosen), coverage_chart=_coverage_chart(comparison),
        srb_chart=_trend_chart("srb", period_input.last_complete(MONTH) if period.kind != MONTH else period, None),
        freshness=dashboard.freshness(), flags=dashboard.open_flags(),
        can_review=current_user.county_role == COUNTY_ADMIN)


@bp.get("/towns/<town_code>")
@county_role_required(COUNTY_ADMIN, COUNTY_VIEWER)
def town(town_code: str):
    """One town's indicators over time (drill-down from the league table)."""
    record = db.session.scalar(select(Town).where(Town.code == town_code))
    if record is None:
        abort(404)
    period = _period()
    chosen = _chosen_indicator(period, "registration_rate")
    count = TREND_MONTHS if period.kind == MONTH else 8 if period.kind not in (YEAR, STAT_YEAR) else 5
    history = comparisons.history(chosen, period, count, record.id)
    return render_template(
        "county/dashboard_town.html", town=record, period=period, chosen=chosen, history=history,
        indicators=catalog.applying_to(period.kind), labels=labels, period_label=period_input.label,
        kind_labels=period_input.KIND_LABELS, chart=_history_chart(chosen, history),
        incomplete=period_input.is_incomplete,
        flags=dashboard.open_flags(town_id=record.id))


@bp.post("/flags/<int:flag_id>/review")
@county_role_required(COUNTY_ADMIN)
def review(flag_id: int):
    try:
        dashboard.review_flag(flag_id, request.form.get("note", ""), current_user.id)
    except NotFoundError:
        abort(404)
    except ServiceError as error:
        flash(" ".join(m for messages in error.errors.values() for m in messages), "error")
        return redirect(request.referrer or url_for(".index")), 303
    flash(_("The review is recorded."), "success")
    return redirect(request.referrer or url_for(".index")), 303


def _league(comparison, indicator):
    """Towns ordered by their rank on the chosen indicator; unranked towns last, by code."""
    return sorted(comparison.towns, key=lambda row: (row.cells[indicator.code].rank is None,
                                                     row.cells[indicator.code].rank or 0, row.town.code))


def _attainment_chart(comparison, indicator):
    rows = []
    for row in comparison.towns:
        cell = row.cells[indicator.code]
        rows.append((row.town.name, cell.value, labels.with_unit(indicator.code, cell.value), cell.status,
                     cell.target))
    return charts.bar_chart(rows)


def _coverage_chart(comparison):
    rows = []
    for code in COVERAGE:
        cell = comparison.county.cells.get(code)
        if cell is not None:
            rows.append((labels.indicator_name(code), cell.value, labels.with_unit(code, cell.value), cell.status,
                         cell.target))
    return charts.bar_chart(rows, left=170)


def _trend_chart(code: str, last, town_id: int | None):
    return _history_chart(catalog.get(code), comparisons.history(code, last, TREND_MONTHS, town_id))


def _history_chart(indicator, history):
    band = (indicator.normal_low, indicator.normal_high) if indicator.direction == catalog.NORMAL_RANGE else None
    return charts.line_chart([(point.period.id, point.value, point.target) for point in history], band=band)
