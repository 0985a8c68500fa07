"""Counselling in the JSON API: /api/v1/towns/<slug>/counselling-visits, /follow-up-visits."""

from __future__ import annotations

from flask import Blueprint, request

from renkou.api.helpers import json_body, list_response
from renkou.web.forms import load_args
from tenants.contraception import services
from tenants.contraception.schemas import (
    CounsellingVisitSchema,
    FollowUpListArgs,
    FollowUpVisitSchema,
    VisitListArgs,
)

visits_bp = Blueprint("counselling_visits_api", __name__, url_prefix="/counselling-visits")
follow_ups_bp = Blueprint("follow_up_visits_api", __name__, url_prefix="/follow-up-visits")

@visits_bp.get("")
def list_visits():
    """Counselling visits (知情选择), latest first.
    ---
    get:
      tags: [counselling-visits]
      parameters:
        - {in: query, name: village_id, schema: {type: integer}, description: the village of the person's household}
        - {in: query, name: person_id, schema: {type: integer}}
        - {in: query, name: method_chosen, schema: {type: string, enum: [iud, implant, injection, pill, condom,
            female_sterilisation, male_sterilisation, emergency, natural, other]}}
        - {in: query, name: date_from, schema: {type: string, format: date}}
        - {in: query, name: date_to, schema: {type: string, format: date}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of visits, content: {application/json: {schema: CounsellingVisitPageSchema}}}
    """
    args = load_args(VisitListArgs(), request.args)
    page_number, per_page = args.pop("page"), args.pop("per_page")
    return list_response(services.list_visits(services.VisitFilter(**args), page_number, per_page),
                         CounsellingVisitSchema())


@visits_bp.post("")
def create_visit():
    """Record a counselling visit. Method codes: iud, implant, injection, pill, condom, female_sterilisation,
    male_sterilisation, emergency, natural, other (the list in force on the visit's date). A chosen method
    needs `consent: true` and must be among `methods_discussed`.
    ---
    post:
      tags: [counselling-visits]
      requestBody: {content: {application/json: {schema: CounsellingVisitSchema}}}
      responses:
        201: {description: recorded, content: {application/json: {schema: CounsellingVisitSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = CounsellingVisitSchema().load(json_body())
    return CounsellingVisitSchema().dump(services.create_visit(data)), 201


@visits_bp.get("/<int:visit_id>")
def get_visit(visit_id: int):
    """One counselling visit.
    ---
    get:
      tags: [counselling-visits]
      parameters: [{in: path, name: visit_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the visit, content: {application/json: {schema: CounsellingVisitSchema}}}
        404: {description: no such visit in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return CounsellingVisitSchema().dump(services.read_visit(visit_id))


@follow_ups_bp.get("")
def list_follow_ups():
    """The "四前四后" service visits, latest first.
    ---
    get:
      tags: [follow-up-visits]
      parameters:
        - {in: query, name: kind, schema: {type: string, enum: [before_marriage, after_marriage, before_pregnancy,
            after_pregnancy, before_birth, after_birth, before_procedure, after_procedure]}}
        - {in: query, name: village_id, schema: {type: integer}, description: the village of the person's household}
        - {in: query, name: person_id, schema: {type: integer}}
        - {in: query, name: date_from, schema: {type: string, format: date}}
        - {in: query, name: date_to, schema: {type: string, format: date}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of visits, content: {application/json: {schema: FollowUpVisitPageSchema}}}
    """
    args = load_args(FollowUpListArgs(), request.args)
    page_number, per_page = args.pop("page"), args.pop("per_page")
    return list_response(services.list_follow_ups(services.FollowUpFilter(**args), page_number, per_page),
                         FollowUpVisitSchema())


@follow_ups_bp.post("")
def create_follow_up():
    """Record a "四前四后" service visit (婚前/婚后, 孕前/孕后, 产前/产后, 术前/术后).
    ---
    post:
      tags: [follow-up-visits]
      requestBody: {content: {application/json: {schema: FollowUpVisitSchema}}}
      responses:
        201: {description: recorded, content: {application/json: {schema: FollowUpVisitSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = FollowUpVisitSchema().load(json_body())
    return FollowUpVisitSchema().dump(services.create_follow_up(data)), 201
