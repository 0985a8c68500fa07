"""Funding in the JSON API: /api/v1/towns/<slug>/funding-entries, /funding-summary."""

from __future__ import annotations

from flask import Blueprint, request

from renkou.api.helpers import json_body, list_response
from renkou.web.forms import load_args
from tenants.funding import services
from tenants.funding.schemas import (
    FundingEntrySchema,
    FundingEntryUpdateSchema,
    FundingListArgs,
    FundingSummaryArgs,
    FundingSummarySchema,
)

entries_bp = Blueprint("funding_entries_api", __name__, url_prefix="/funding-entries")
summary_bp = Blueprint("funding_summary_api", __name__, url_prefix="/funding-summary")

@entries_bp.get("")
def list_entries():
    """Funding entries (经费投入), latest first. Amounts are strings in yuan with two decimals.
    ---
    get:
      tags: [funding]
      parameters:
        - {in: query, name: year, schema: {type: integer}, description: calendar year of the entry date}
        - {in: query, name: category, schema: {type: string, enum: [equipment, technical_services, child_health,
            publicity, training, network, other]}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of entries, content: {application/json: {schema: FundingEntryPageSchema}}}
    """
    args = load_args(FundingListArgs(), request.args)
    page_number, per_page = args.pop("page"), args.pop("per_page")
    return list_response(services.list_entries(services.FundingFilter(**args), page_number, per_page),
                         FundingEntrySchema())


@entries_bp.post("")
def create_entry():
    """Record a funding entry. `amount` is in yuan (at most two decimals); the voucher number is unique in the
    town.
    ---
    post:
      tags: [funding]
      requestBody: {content: {application/json: {schema: FundingEntrySchema}}}
      responses:
        201: {description: recorded, content: {application/json: {schema: FundingEntrySchema}}}
        409: {description: the voucher number is taken, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = FundingEntrySchema().load(json_body())
    return FundingEntrySchema().dump(services.create_entry(data)), 201


@entries_bp.get("/<int:entry_id>")
def get_entry(entry_id: int):
    """One funding entry.
    ---
    get:
      tags: [funding]
      parameters: [{in: path, name: entry_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the entry, content: {application/json: {schema: FundingEntrySchema}}}
        404: {description: no such entry in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return FundingEntrySchema().dump(services.get_entry(entry_id))


@entries_bp.patch("/<int:entry_id>")
def update_entry(entry_id: int):
    """Change a funding entry.
    ---
    patch:
      tags: [funding]
      parameters: [{in: path, name: entry_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: FundingEntryUpdateSchema}}}
      responses:
        200: {description: the changed entry, content: {application/json: {schema: FundingEntrySchema}}}
        404: {description: no such entry in this town, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: the voucher number is taken, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    entry = services.get_entry(entry_id)
    changes = FundingEntryUpdateSchema().load(json_body(), partial=True)
    return FundingEntrySchema().dump(services.update_entry(entry, changes))


@entries_bp.delete("/<int:entry_id>")
def delete_entry(entry_id: int):
    """Delete a funding entry.
    ---
    delete:
      tags: [funding]
      parameters: [{in: path, name: entry_id, required: true, schema: {type: integer}}]
      responses:
        204: {description: deleted}
        404: {description: no such entry in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    services.delete_entry(services.get_entry(entry_id))
    return "", 204


@summary_bp.get("")
def summary():
    """A calendar year's funding by category and per head (人均经费投入): the total of the year divided by
    the population living in the town on 31 December; both numbers are given. `year` defaults to this year.
    ---
    get:
      tags: [funding]
      parameters: [{in: query, name: year, schema: {type: integer, minimum: 1949, maximum: 2100}}]
      responses:
        200: {description: the year's summary, content: {application/json: {schema: FundingSummarySchema}}}
        422: {description: not a valid year, content: {application/json: {schema: ErrorsSchema}}}
    """
    year = FundingSummaryArgs().load(request.args.to_dict())["year"] or services.today().year
    return FundingSummarySchema().dump(services.year_summary(year))
