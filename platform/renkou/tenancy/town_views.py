"""The town's home page: its indicators against its targets, and what its registers hold."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from renkou.errors import ServiceError
from renkou.indicators import catalog, comparisons, dashboard, labels
from renkou.indicators.periods import MONTH, YEAR
from renkou.targets import period_input
from renkou.tenancy.context import load_town_model
from renkou.web import charts
from tenants.network import services as network

bp = Blueprint("home", __name__)
TREND_MONTHS = 12


@bp.get("/")
def index():
    town = load_town_model()
    period = _period()
    cells = dashboard.town_cells(period, town)
    births = comparisons.history("srb", period_input.last_complete(MONTH), TREND_MONTHS, town.id)
    return render_template(
        "town/home.html", villages=network.list_villages(per_page=10), period=period, cells=cells,
        labels=labels, period_label=period_input.label,
        period_choices=period_input.figure_choices(period), kind_labels=period_input.KIND_LABELS,
        incomplete=period_input.is_incomplete,
        freshness=dashboard.freshness(town.id), flags=dashboard.open_flags(town_id=town.id),
        chart=charts.bar_chart([(labels.indicator_name(indicator.code), cell.value,
                                 labels.with_unit(indicator.code, cell.value), cell.status, cell.target)
                                for indicator, cell in cells if indicator.unit == "%"], left=170),
        srb_chart=charts.line_chart([(point.period.id, point.value, None) for point in births],
                                    band=(catalog.get("srb").normal_low, catalog.get("srb").normal_high)))


def _period():
    if "period" not in request.args:
        return period_input.last_complete(request.args.get("kind", YEAR))
    try:
        return period_input.resolve(request.args["period"])
    except ServiceError as error:
        abort(400, description=" ".join(message for messages in error.errors.values() for message in messages))
