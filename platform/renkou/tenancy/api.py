"""Towns in the JSON API: /api/v1/towns (county administrators onboard; everyone lists what they may see)."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify
from flask_login import current_user

from renkou.accounts.roles import COUNTY_ADMIN, COUNTY_ROLES
from renkou.accounts.services import towns_of
from renkou.api.helpers import json_body, require_county_role
from renkou.tenancy import services
from renkou.tenancy.schemas import TownCreateSchema, TownSchema

bp = Blueprint("towns_api", __name__, url_prefix="/api/v1/towns")


@bp.get("")
def list_towns():
    """Towns the caller may see: all of them for county roles, the caller's own otherwise.
    ---
    get:
      tags: [towns]
      responses:
        200: {description: towns, content: {application/json: {schema: TownListSchema}}}
        401: {description: no or bad token, content: {application/json: {schema: ErrorsSchema}}}
    """
    if not current_user.is_authenticated:
        abort(401)
    if current_user.county_role in COUNTY_ROLES:
        towns = services.list_towns()
    else:
        towns = towns_of(current_user)
    return jsonify({"items": TownSchema().dump(towns, many=True)})


@bp.post("")
def create_town():
    """Onboard a town with its first administrator; its storage is created and migrated to head.
    ---
    post:
      tags: [towns]
      requestBody: {content: {application/json: {schema: TownCreateSchema}}}
      responses:
        201: {description: onboarded, content: {application/json: {schema: TownSchema}}}
        403: {description: not a county administrator, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: code, slug or username taken, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    require_county_role(COUNTY_ADMIN)
    data = TownCreateSchema().load(json_body())
    return TownSchema().dump(services.onboard_town(**data)), 201
