"""Targets in the JSON API: /api/v1/targets. County administrators write; county roles read.

Bad query arguments (an unknown period id, say) answer 400; a body that fails validation answers 422
with every item's errors, and nothing of it is written.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import Schema, ValidationError

from renkou.accounts.roles import COUNTY_ADMIN, COUNTY_VIEWER
from renkou.api.helpers import json_body, list_response, require_county_role
from renkou.errors import NotFoundError, ServiceError
from renkou.indicators import catalog
from renkou.schemas import messages_of
from renkou.targets import services
from renkou.targets.models import COUNTY_SCOPE, SOURCE_COUNTY
from renkou.targets.period_input import resolve
from renkou.targets.schemas import (
    TargetBatchResultSchema,
    TargetBatchSchema,
    TargetInputSchema,
    TargetListArgs,
    TargetSchema,
)
from renkou.tenancy.models import Town

bp = Blueprint("targets_api", __name__, url_prefix="/api/v1/targets")
READERS = (COUNTY_ADMIN, COUNTY_VIEWER)


class BadQuery(ServiceError):
    status_code = 400


def load_query(schema: Schema) -> dict:
    """The query string through ``schema``; 400 with the messages when it does not fit."""
    try:
        return schema.load(request.args.to_dict())
    except ValidationError as error:
        raise BadQuery(messages_of(error)) from None


def town_named(name: str) -> Town:
    """The town a query names by code or slug; 404 on the ``town`` argument when there is none."""
    town = services.town_by_code(name) if name.isdigit() else services.town_by_slug(name)
    if town is None:
        raise NotFoundError.on("town", str(_l("No such town.")))
    return town


def check_indicator(code: str | None) -> None:
    if code and code not in catalog.BY_CODE:
        raise BadQuery.on("indicator", str(_l("Unknown indicator %(code)s.", code=code)))


@bp.get("")
def list_targets():
    """Targets, newest period first, the county's before the towns'; filter by period, town, indicator.
    ---
    get:
      tags: [targets]
      parameters:
        - {in: query, name: period, schema: {type: string}, description: "DHIS2 period id: 2026, 2026S2, 2026Q4,
            202611, 2025Oct"}
        - {in: query, name: town, schema: {type: string}, description: a town's code or slug, or county}
        - {in: query, name: indicator, schema: {type: string}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of targets, content: {application/json: {schema: TargetPageSchema}}}
        400: {description: a bad period id or argument, content: {application/json: {schema: ErrorsSchema}}}
        403: {description: not a county role, content: {application/json: {schema: ErrorsSchema}}}
        404: {description: no such town, content: {application/json: {schema: ErrorsSchema}}}
    """
    require_county_role(*READERS)
    args = load_query(TargetListArgs())
    period = resolve(args["period"]).id if args["period"] else None
    check_indicator(args["indicator"])
    scope = None
    if args["town"]:
        scope = COUNTY_SCOPE if args["town"] == COUNTY_SCOPE else town_named(args["town"]).code
    filters = services.TargetFilter(period=period, scope=scope, indicator=args["indicator"])
    return list_response(services.list_targets(filters, args["page"], args["per_page"]), TargetSchema())


@bp.put("")
def put_targets():
    """Set many targets at once: all of them, or none when any is wrong (each item's errors are given under
    its index). `town` null sets the county's target; `value` null removes a target. Birth and natural-increase
    rates are monitored and never take a target.
    ---
    put:
      tags: [targets]
      requestBody: {content: {application/json: {schema: TargetBatchSchema}}}
      responses:
        200: {description: what changed, content: {application/json: {schema: TargetBatchResultSchema}}}
        403: {description: not a county administrator, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: "invalid input; errors by item index, as errors.targets.0.value",
              content: {application/json: {schema: ErrorsSchema}}}
    """
    require_county_role(COUNTY_ADMIN)
    items = TargetBatchSchema().load(json_body())["targets"]
    outcome = services.set_targets([_input(item, index) for index, item in enumerate(items)], SOURCE_COUNTY,
                                   current_user)
    return TargetBatchResultSchema().dump({
        "created": outcome.created, "updated": outcome.updated, "removed": outcome.removed,
        "unchanged": outcome.unchanged, "items": [target for target in outcome.targets if target is not None]})


@bp.post("")
def post_target():
    """Set one target (`town` null: the county's; `value` null removes it).
    ---
    post:
      tags: [targets]
      requestBody: {content: {application/json: {schema: TargetInputSchema}}}
      responses:
        200: {description: changed or unchanged, content: {application/json: {schema: TargetSchema}}}
        201: {description: created, content: {application/json: {schema: TargetSchema}}}
        204: {description: removed (or there was none to remove)}
        403: {description: not a county administrator, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    require_county_role(COUNTY_ADMIN)
    item = TargetInputSchema().load(json_body())
    try:
        outcome = services.set_targets([_input(item, 0)], SOURCE_COUNTY, current_user)
    except services.TargetsInvalid as error:
        raise ServiceError(error.by_key[0]) from None
    target = outcome.targets[0]
    if target is None:
        return "", 204
    return jsonify(TargetSchema().dump(target)), 201 if outcome.created else 200


def _input(item: dict, index: int) -> services.TargetInput:
    return services.TargetInput(indicator=item["indicator"], period=item["period"], town_id=None,
                                town_code=item["town"], value=item["value"], note=item["note"], key=index)
