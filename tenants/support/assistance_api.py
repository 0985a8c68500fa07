"""Assistance combined with development (三结合) in the JSON API under /api/v1/towns/<slug>/support/assistance."""

from __future__ import annotations

from flask import Blueprint, request

from renkou.api.helpers import json_body, list_response
from renkou.web.forms import load_args
from tenants.support.schemas import (
    SupportAssistanceListArgs,
    SupportAssistanceSchema,
    SupportAssistanceSummarySchema,
    SupportAssistanceUpdateSchema,
)
from tenants.support.services import assistance

bp = Blueprint("support_assistance_api", __name__, url_prefix="/support/assistance")


@bp.get("")
def list_assistance():
    """Assistance given to households, latest first. `value` is in yuan.
    ---
    get:
      tags: [support]
      parameters:
        - {in: query, name: year, schema: {type: integer}}
        - {in: query, name: kind, schema: {type: string, enum: [training, microcredit, project, goods, other]}}
        - {in: query, name: village_id, schema: {type: integer}}
        - {in: query, name: q, schema: {type: string}, description: household number or address, provider, description}
        - {in: query, name: sort, schema: {type: string, enum: [given_on, -given_on, value, -value, household,
            -household]}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of records, content: {application/json: {schema: SupportAssistancePageSchema}}}
    """
    args = load_args(SupportAssistanceListArgs(), request.args)
    sort, page_number, per_page = args.pop("sort"), args.pop("page"), args.pop("per_page")
    page = assistance.list_assistance(assistance.AssistanceFilter(**args), sort, page_number, per_page)
    return list_response(page, SupportAssistanceSchema())


@bp.post("")
def create_assistance():
    """Record help given to a household (by `household_id` or `household_number`). One record per
    household, kind and day (409 for a second).
    ---
    post:
      tags: [support]
      requestBody: {content: {application/json: {schema: SupportAssistanceSchema}}}
      responses:
        201: {description: recorded, content: {application/json: {schema: SupportAssistanceSchema}}}
        409: {description: the household has this kind of assistance that day,
              content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = SupportAssistanceSchema().load(json_body())
    return SupportAssistanceSchema().dump(assistance.create_assistance(data)), 201


@bp.get("/summary")
def summary():
    """Assistance by year (latest first) and kind (every kind listed): records and value in yuan.
    ---
    get:
      tags: [support]
      responses:
        200: {description: the totals, content: {application/json: {schema: SupportAssistanceSummarySchema}}}
    """
    return SupportAssistanceSummarySchema().dump({"years": [row.as_dict() for row in assistance.totals_by_year()]})


@bp.get("/<int:assistance_id>")
def get_assistance(assistance_id: int):
    """One assistance record.
    ---
    get:
      tags: [support]
      parameters: [{in: path, name: assistance_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the record, content: {application/json: {schema: SupportAssistanceSchema}}}
        404: {description: no such record in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return SupportAssistanceSchema().dump(assistance.get_assistance(assistance_id))


@bp.patch("/<int:assistance_id>")
def update_assistance(assistance_id: int):
    """Change an assistance record.
    ---
    patch:
      tags: [support]
      parameters: [{in: path, name: assistance_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: SupportAssistanceUpdateSchema}}}
      responses:
        200: {description: the changed record, content: {application/json: {schema: SupportAssistanceSchema}}}
        404: {description: no such record in this town, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: the household has this kind of assistance that day,
              content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    record = assistance.get_assistance(assistance_id)
    changes = SupportAssistanceUpdateSchema().load(json_body(), partial=True)
    return SupportAssistanceSchema().dump(assistance.update_assistance(record, changes))


@bp.delete("/<int:assistance_id>")
def delete_assistance(assistance_id: int):
    """Delete an assistance record.
    ---
    delete:
      tags: [support]
      parameters: [{in: path, name: assistance_id, required: true, schema: {type: integer}}]
      responses:
        204: {description: deleted}
        404: {description: no such record in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    assistance.delete_assistance(assistance.get_assistance(assistance_id))
    return "", 204
