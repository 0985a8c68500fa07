"""Deaths and moves in the JSON API: /api/v1/towns/<slug>/movements."""

from __future__ import annotations

from flask import Blueprint, request

from renkou.api.helpers import json_body, list_response
from renkou.web.forms import load_args
from tenants.movements import services
from tenants.movements.schemas import MovementCancelSchema, MovementListArgs, MovementSchema

bp = Blueprint("movements_api", __name__, url_prefix="/movements")


@bp.get("")
def list_movements():
    """Deaths and moves, latest first (by default those not cancelled).
    ---
    get:
      tags: [movements]
      parameters:
        - {in: query, name: kind, schema: {type: string, enum: [death, move_out, move_in]}}
        - {in: query, name: village_id, schema: {type: integer}, description: the village of the person's household}
        - {in: query, name: person_id, schema: {type: integer}}
        - {in: query, name: date_from, schema: {type: string, format: date}}
        - {in: query, name: date_to, schema: {type: string, format: date}}
        - {in: query, name: state, schema: {type: string, enum: [active, cancelled, all]}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of entries, content: {application/json: {schema: MovementPageSchema}}}
    """
    args = load_args(MovementListArgs(), request.args)
    page_number, per_page = args.pop("page"), args.pop("per_page")
    return list_response(services.list_movements(services.MovementFilter(**args), page_number, per_page),
                         MovementSchema())


@bp.post("")
def record_movement():
    """Record a death, a move out of the town (`place`: the destination) or into it (`place`: the origin).
    Give `person_id`, or for a move in the new resident's register fields as `person`. The person's status
    on the register follows.
    ---
    post:
      tags: [movements]
      requestBody: {content: {application/json: {schema: MovementSchema}}}
      responses:
        201: {description: recorded, content: {application/json: {schema: MovementSchema}}}
        409: {description: does not fit the person's other entries, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = MovementSchema().load(json_body())
    return MovementSchema().dump(services.record_movement(**data)), 201


@bp.post("/<int:movement_id>/cancel")
def cancel_movement(movement_id: int):
    """Cancel an entry made by mistake (it stays on file and stops counting); the person's status goes
    back to what their other entries leave.
    ---
    post:
      tags: [movements]
      parameters: [{in: path, name: movement_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: MovementCancelSchema}}}
      responses:
        200: {description: the cancelled entry, content: {application/json: {schema: MovementSchema}}}
        404: {description: no such entry in this town, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: cancelled already, or later entries depend on it,
              content: {application/json: {schema: ErrorsSchema}}}
    """
    movement = services.get_movement(movement_id)
    data = MovementCancelSchema().load(request.get_json(silent=True) or {})
    return MovementSchema().dump(services.cancel_movement(movement, data.get("reason")))
