"""Villages in the JSON API: /api/v1/towns/<slug>/villages."""

from __future__ import annotations

from flask import Blueprint, request

from renkou.api.helpers import json_body, list_response
from renkou.web.forms import load_args
from tenants.network import services
from tenants.network.schemas import VillageListArgs, VillageSchema, VillageUpdateSchema

bp = Blueprint("villages_api", __name__, url_prefix="/villages")


@bp.get("")
def list_villages():
    """List the town's villages.
    ---
    get:
      tags: [villages]
      parameters:
        - {in: query, name: q, schema: {type: string}, description: part of a code or name}
        - {in: query, name: sort, schema: {type: string, enum: [code, -code, name, -name]}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of villages, content: {application/json: {schema: VillagePageSchema}}}
    """
    args = load_args(VillageListArgs(), request.args)
    return list_response(services.list_villages(**args), VillageSchema())


@bp.post("")
def create_village():
    """Add a village.
    ---
    post:
      tags: [villages]
      requestBody: {content: {application/json: {schema: VillageSchema}}}
      responses:
        201: {description: created, content: {application/json: {schema: VillageSchema}}}
        409: {description: a village with this code exists, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = VillageSchema().load(json_body())
    return VillageSchema().dump(services.create_village(**data)), 201


@bp.get("/<int:village_id>")
def get_village(village_id: int):
    """One village.
    ---
    get:
      tags: [villages]
      parameters: [{in: path, name: village_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the village, content: {application/json: {schema: VillageSchema}}}
        404: {description: no such village in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return VillageSchema().dump(services.get_village(village_id))


@bp.patch("/<int:village_id>")
def update_village(village_id: int):
    """Change a village.
    ---
    patch:
      tags: [villages]
      parameters: [{in: path, name: village_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: VillageUpdateSchema}}}
      responses:
        200: {description: the changed village, content: {application/json: {schema: VillageSchema}}}
        404: {description: no such village in this town, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: a village with this code exists, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    village = services.get_village(village_id)
    changes = VillageUpdateSchema().load(json_body(), partial=True)
    return VillageSchema().dump(services.update_village(village, changes))


@bp.delete("/<int:village_id>")
def delete_village(village_id: int):
    """Delete a village.
    ---
    delete:
      tags: [villages]
      parameters: [{in: path, name: village_id, required: true, schema: {type: integer}}]
      responses:
        204: {description: deleted}
        404: {description: no such village in this town, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: groups, staff or households remain, content: {application/json: {schema: ErrorsSchema}}}
    """
    services.delete_village(services.get_village(village_id))
    return "", 204
