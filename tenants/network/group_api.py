"""Village groups in the JSON API: /api/v1/towns/<slug>/groups."""

from __future__ import annotations

from flask import Blueprint, request

from renkou.api.helpers import json_body, list_response
from renkou.web.forms import load_args
from tenants.network import group_services as services
from tenants.network.schemas import GroupListArgs, GroupSchema, GroupUpdateSchema

bp = Blueprint("groups_api", __name__, url_prefix="/groups")


@bp.get("")
def list_groups():
    """List the town's village groups.
    ---
    get:
      tags: [village groups]
      parameters:
        - {in: query, name: q, schema: {type: string}, description: part of a group code or name}
        - {in: query, name: village_id, schema: {type: integer}}
        - {in: query, name: sort, schema: {type: string, enum: [code, -code, name, -name]}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of village groups, content: {application/json: {schema: GroupPageSchema}}}
    """
    args = load_args(GroupListArgs(), request.args)
    return list_response(services.list_groups(**args), GroupSchema())


@bp.post("")
def create_group():
    """Add a village group.
    ---
    post:
      tags: [village groups]
      requestBody: {content: {application/json: {schema: GroupSchema}}}
      responses:
        201: {description: created, content: {application/json: {schema: GroupSchema}}}
        409: {description: the village has a group with this code, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = GroupSchema().load(json_body())
    return GroupSchema().dump(services.create_group(**data)), 201


@bp.get("/<int:group_id>")
def get_group(group_id: int):
    """One village group.
    ---
    get:
      tags: [village groups]
      parameters: [{in: path, name: group_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the village group, content: {application/json: {schema: GroupSchema}}}
        404: {description: no such group in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return GroupSchema().dump(services.get_group(group_id))


@bp.patch("/<int:group_id>")
def update_group(group_id: int):
    """Change a village group.
    ---
    patch:
      tags: [village groups]
      parameters: [{in: path, name: group_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: GroupUpdateSchema}}}
      responses:
        200: {description: the changed group, content: {application/json: {schema: GroupSchema}}}
        404: {description: no such group in this town, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: code taken, or households keep it, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    group = services.get_group(group_id)
    changes = GroupUpdateSchema().load(json_body(), partial=True)
    return GroupSchema().dump(services.update_group(group, changes))


@bp.delete("/<int:group_id>")
def delete_group(group_id: int):
    """Delete a village group no household belongs to.
    ---
    delete:
      tags: [village groups]
      parameters: [{in: path, name: group_id, required: true, schema: {type: integer}}]
      responses:
        204: {description: deleted}
        404: {description: no such group in this town, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: households belong to the group, content: {application/json: {schema: ErrorsSchema}}}
    """
    services.delete_group(services.get_group(group_id))
    return "", 204
