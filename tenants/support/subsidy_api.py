"""Childcare subsidy (育儿补贴) applications in the JSON API under /api/v1/towns/<slug>/support/subsidies.
ID numbers and the applicant's phone are masked, except the phone in the (audited) read of one application."""

from __future__ import annotations

from flask import Blueprint, request

from renkou.api.helpers import json_body, list_response
from renkou.web.forms import load_args
from tenants.support.schemas import (
    ChildcareSubsidyListArgs,
    ChildcareSubsidySchema,
    ChildcareSubsidyTransitionSchema,
    ChildcareSubsidyUpdateSchema,
)
from tenants.support.services import subsidies

bp = Blueprint("support_subsidies_api", __name__, url_prefix="/support/subsidies")


@bp.get("")
def list_subsidies():
    """Applications, soonest due first. `overdue=1`: received or under review after the due date.
    ---
    get:
      tags: [support]
      parameters:
        - {in: query, name: status, schema: {type: string, enum: [received, under_review, approved, returned, paid]}}
        - {in: query, name: overdue, schema: {type: integer, enum: [0, 1]}}
        - {in: query, name: year, schema: {type: integer}, description: the subsidy year}
        - {in: query, name: q, schema: {type: string}, description: the child's name or full ID number}
        - {in: query, name: village_id, schema: {type: integer}}
        - {in: query, name: sort, schema: {type: string, enum: [due_on, -due_on, received_on, -received_on, name,
            -name]}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of applications, content: {application/json: {schema: ChildcareSubsidyPageSchema}}}
    """
    args = load_args(ChildcareSubsidyListArgs(), request.args)
    sort, page_number, per_page = args.pop("sort"), args.pop("page"), args.pop("per_page")
    return list_response(subsidies.list_subsidies(subsidies.SubsidyFilter(**args), sort, page_number, per_page),
                         ChildcareSubsidySchema())


@bp.post("")
def create_subsidy():
    """Take an application for a child under three on the day it is received (default today); it is due 30
    working days later (the county's holiday calendar). The amount is 3,600 yuan a year from 2025, by the
    months of the subsidy year the child is covered (from the birth month to the month before the third
    birthday). One application per child and subsidy year (409).
    ---
    post:
      tags: [support]
      requestBody: {content: {application/json: {schema: ChildcareSubsidySchema}}}
      responses:
        201: {description: received, content: {application/json: {schema: ChildcareSubsidySchema}}}
        409: {description: the child already has an application for the year,
              content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = ChildcareSubsidySchema().load(json_body())
    return ChildcareSubsidySchema().dump(subsidies.create_subsidy(data)), 201


@bp.get("/<int:subsidy_id>")
def get_subsidy(subsidy_id: int):
    """One application with the applicant's full phone number; the read is audited.
    ---
    get:
      tags: [support]
      parameters: [{in: path, name: subsidy_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the application, content: {application/json: {schema: ChildcareSubsidySchema}}}
        404: {description: no such application in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return ChildcareSubsidySchema(full_phone=True).dump(subsidies.read_subsidy(subsidy_id))


@bp.patch("/<int:subsidy_id>")
def update_subsidy(subsidy_id: int):
    """Correct an application that is received or under review; a new `received_on` moves the due date.
    ---
    patch:
      tags: [support]
      parameters: [{in: path, name: subsidy_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: ChildcareSubsidyUpdateSchema}}}
      responses:
        200: {description: the changed application, content: {application/json: {schema: ChildcareSubsidySchema}}}
        404: {description: no such application in this town, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: the child already has an application for the year,
              content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input or already decided, content: {application/json: {schema: ErrorsSchema}}}
    """
    application = subsidies.get_subsidy(subsidy_id)
    changes = ChildcareSubsidyUpdateSchema().load(json_body(), partial=True)
    return ChildcareSubsidySchema().dump(subsidies.update_subsidy(application, changes))


@bp.post("/<int:subsidy_id>/transitions")
def transition(subsidy_id: int):
    """A step: `review` (received → under review), `approve`, `return` (with a `reason`), `pay` (an approved
    one: `paid_on`, default today, and `payment_reference`) or `refile` (a returned one, received anew today).
    ---
    post:
      tags: [support]
      parameters: [{in: path, name: subsidy_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: ChildcareSubsidyTransitionSchema}}}
      responses:
        200: {description: the application after the step,
              content: {application/json: {schema: ChildcareSubsidySchema}}}
        404: {description: no such application in this town, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: not possible now, or invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    application = subsidies.get_subsidy(subsidy_id)
    data = ChildcareSubsidyTransitionSchema().load(json_body())
    action = data.pop("action")
    return ChildcareSubsidySchema().dump(subsidies.transition(application, action, **data))
