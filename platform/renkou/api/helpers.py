"""Request and response helpers shared by every API blueprint."""

from __future__ import annotations

from flask import abort, jsonify, request
from flask_login import current_user
from marshmallow import Schema

from renkou.pagination import Page


def json_body() -> dict:
    """The request's JSON object, or a 400 that says why not."""
    if not request.is_json:
        abort(400, description="expected a JSON body (Content-Type: application/json)")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description="the body is not a JSON object")
    return body


def list_response(page: Page, schema: Schema):
    return jsonify({"items": schema.dump(page.items, many=True), "meta": page.meta()})


def require_county_role(*roles: str) -> None:
    if not current_user.is_authenticated:
        abort(401)
    if current_user.county_role not in roles:
        abort(403)
