"""The indicator catalog, the towns' figures and the comparison against targets, in the JSON API:
/api/v1/indicators, /api/v1/indicator-values, /api/v1/comparisons. County pages and these read the
shared tables only."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify
from flask_login import current_user

from renkou.api.helpers import require_county_role
from renkou.indicators import catalog, comparisons
from renkou.targets.api import READERS, check_indicator, load_query, town_named
from renkou.targets.period_input import resolve
from renkou.targets.schemas import (
    ComparisonSchema,
    IndicatorSchema,
    IndicatorValueArgs,
    IndicatorValueSchema,
    PeriodArgs,
    comparison_document,
)

bp = Blueprint("indicators_api", __name__, url_prefix="/api/v1")


@bp.get("/indicators")
def list_indicators():
    """The indicator catalog: what each indicator counts above and below the line, its unit, which way is
    good (`monitored`: watched, never targeted), its normal range and the kinds of period it is measured for.
    ---
    get:
      tags: [indicators]
      responses:
        200: {description: the catalog, content: {application/json: {schema: IndicatorListSchema}}}
        401: {description: no or bad token, content: {application/json: {schema: ErrorsSchema}}}
    """
    if not current_user.is_authenticated:
        abort(401)
    return jsonify({"items": IndicatorSchema().dump(catalog.INDICATORS, many=True)})


@bp.get("/indicator-values")
def indicator_values():
    """The period's figures by town, then the county's: Σ numerators / Σ denominators over the towns (never
    an average of their rates). With `town`, that town's figures only.
    ---
    get:
      tags: [indicators]
      parameters:
        - {in: query, name: period, required: true, schema: {type: string}, description: "DHIS2 period id: 2026,
            2026S2, 2026Q4, 202611, 2025Oct"}
        - {in: query, name: town, schema: {type: string}, description: a town's code or slug}
        - {in: query, name: indicator, schema: {type: string}}
      responses:
        200: {description: the figures, content: {application/json: {schema: IndicatorValueListSchema}}}
        400: {description: a bad period id or argument, content: {application/json: {schema: ErrorsSchema}}}
        403: {description: not a county role, content: {application/json: {schema: ErrorsSchema}}}
        404: {description: no such town, content: {application/json: {schema: ErrorsSchema}}}
    """
    require_county_role(*READERS)
    args = load_query(IndicatorValueArgs())
    period = resolve(args["period"])
    check_indicator(args["indicator"])
    town = town_named(args["town"]) if args["town"] else None
    indicators = [catalog.get(args["indicator"])] if args["indicator"] else None
    rows = comparisons.values_of(period, town, indicators)
    items = [{"scope": row.scope, "town": row.town, "indicator": row.indicator, "period": row.period,
              "numerator": row.figures.numerator, "denominator": row.figures.denominator,
              "value": row.figures.value} for row in rows]
    return jsonify({"period": period.id, "items": IndicatorValueSchema().dump(items, many=True)})


@bp.get("/comparisons")
def comparison():
    """Every town and the county against the period's targets: value, target (the town's own, else the
    county's), attainment, gap, status, rank among towns and the change since the previous period.
    ---
    get:
      tags: [indicators]
      parameters:
        - {in: query, name: period, required: true, schema: {type: string}, description: "DHIS2 period id: 2026,
            2026S2, 2026Q4, 202611, 2025Oct"}
      responses:
        200: {description: the comparison, content: {application/json: {schema: ComparisonSchema}}}
        400: {description: a bad period id, content: {application/json: {schema: ErrorsSchema}}}
        403: {description: not a county role, content: {application/json: {schema: ErrorsSchema}}}
    """
    require_county_role(*READERS)
    period = resolve(load_query(PeriodArgs())["period"])
    return jsonify(ComparisonSchema().dump(comparison_document(comparisons.compare(period))))
