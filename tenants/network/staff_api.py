"""Village staff in the JSON API: /api/v1/towns/<slug>/staff. Phones are masked except in the (audited)
read of one staff member."""

from __future__ import annotations

from flask import Blueprint, request

from renkou.api.helpers import json_body, list_response
from renkou.web.forms import load_args
from tenants.network import staff_services as services
from tenants.network.schemas import StaffListArgs, StaffSchema, StaffUpdateSchema

bp = Blueprint("staff_api", __name__, url_prefix="/staff")


@bp.get("")
def list_staff():
    """List the town's village staff, phone numbers masked.
    ---
    get:
      tags: [village staff]
      parameters:
        - {in: query, name: q, schema: {type: string}, description: part of a name, position or duties}
        - {in: query, name: village_id, schema: {type: integer}}
        - {in: query, name: active, schema: {type: boolean}, description: current (true) or former (false) staff}
        - {in: query, name: sort, schema: {type: string, enum: [village, -village, name, -name, position, -position]}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of staff, content: {application/json: {schema: StaffPageSchema}}}
    """
    args = load_args(StaffListArgs(), request.args)
    return list_response(services.list_staff(**args), StaffSchema())


@bp.post("")
def create_staff():
    """Add a staff member.
    ---
    post:
      tags: [village staff]
      requestBody: {content: {application/json: {schema: StaffSchema}}}
      responses:
        201: {description: created (phone masked), content: {application/json: {schema: StaffSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = StaffSchema().load(json_body())
    return StaffSchema().dump(services.create_staff(**data)), 201


@bp.get("/<int:staff_id>")
def get_staff(staff_id: int):
    """One staff member with the full phone number; the read is audited.
    ---
    get:
      tags: [village staff]
      parameters: [{in: path, name: staff_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the staff member, content: {application/json: {schema: StaffSchema}}}
        404: {description: no such staff member in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return StaffSchema(full_phone=True).dump(services.read_staff(staff_id))


@bp.patch("/<int:staff_id>")
def update_staff(staff_id: int):
    """Change a staff member; `{"active": false}` records that they no longer work here.
    ---
    patch:
      tags: [village staff]
      parameters: [{in: path, name: staff_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: StaffUpdateSchema}}}
      responses:
        200: {description: the changed staff member (phone masked), content: {application/json: {schema: StaffSchema}}}
        404: {description: no such staff member in this town, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    staff = services.get_staff(staff_id)
    changes = StaffUpdateSchema().load(json_body(), partial=True)
    return StaffSchema().dump(services.update_staff(staff, changes))


@bp.delete("/<int:staff_id>")
def delete_staff(staff_id: int):
    """Delete a staff member entered by mistake (deactivate those who leave).
    ---
    delete:
      tags: [village staff]
      parameters: [{in: path, name: staff_id, required: true, schema: {type: integer}}]
      responses:
        204: {description: deleted}
        404: {description: no such staff member in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    services.delete_staff(services.get_staff(staff_id))
    return "", 204
