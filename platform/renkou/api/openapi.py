"""The OpenAPI document of /api/v1, built from the API views' docstrings and marshmallow schemas."""

from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec_webframeworks.flask import FlaskPlugin
from flask import Blueprint, current_app, jsonify

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")


def build_spec(app) -> dict:
    """Docstrings name schemas by class (``schema: VillageSchema``); apispec finds them in marshmallow's
    class registry and lists each once under components, so an area registers nothing here."""
    spec = APISpec(
        title="Renkou API",
        version="1",
        openapi_version="3.0.3",
        plugins=[FlaskPlugin(), MarshmallowPlugin()],
        info={"description": "Towns and their registers. Authenticate with `Authorization: Bearer <token>` "
                             "(`renkou token create`)."},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "openapi.document":
            spec.path(view=app.view_functions[rule.endpoint], app=app)
    document = spec.to_dict()
    document["security"] = [{"bearer": []}]
    return document


@bp.get("/openapi.json")
def document():
    return jsonify(build_spec(current_app))
