"""The OpenAPI document of /api/v1, built from the API views' docstrings and marshmallow schemas."""

from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec_webframeworks.flask import FlaskPlugin
from flask import Blueprint, current_app, jsonify
from marshmallow import Schema, fields

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")


class ErrorsSchema(Schema):
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)


class PageMetaSchema(Schema):
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()


def _page_schema(item_schema: type[Schema]) -> type[Schema]:
    return Schema.from_dict(
        {"items": fields.List(fields.Nested(item_schema)), "meta": fields.Nested(PageMetaSchema)},
        name=f"{item_schema.__name__}Page",
    )


def build_spec(app) -> dict:
    from renkou.tenancy.schemas import TownCreateSchema, TownSchema
    from tenants.network.schemas import VillageSchema, VillageUpdateSchema

    spec = APISpec(
        title="Renkou API",
        version="1",
        openapi_version="3.0.3",
        plugins=[FlaskPlugin(), MarshmallowPlugin()],
        info={"description": "Towns and their registers. Authenticate with `Authorization: Bearer <token>` "
                             "(`renkou token create`)."},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Errors", schema=ErrorsSchema)
    spec.components.schema("Town", schema=TownSchema)
    spec.components.schema("TownCreate", schema=TownCreateSchema)
    spec.components.schema("TownList", schema=Schema.from_dict({"items": fields.List(fields.Nested(TownSchema))},
                                                               name="TownList"))
    spec.components.schema("Village", schema=VillageSchema)
    spec.components.schema("VillageUpdate", schema=VillageUpdateSchema)
    spec.components.schema("VillagePage", schema=_page_schema(VillageSchema))
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "openapi.document":
            spec.path(view=app.view_functions[rule.endpoint], app=app)
    document = spec.to_dict()
    document["security"] = [{"bearer": []}]
    return document


@bp.get("/openapi.json")
def document():
    return jsonify(build_spec(current_app))
