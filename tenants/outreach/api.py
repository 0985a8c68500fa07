"""Outreach in the JSON API: /api/v1/towns/<slug>/outreach-activities, /materials, /material-deliveries,
/slogans, /school-sessions and /material-coverage."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, request

from renkou.api.helpers import json_body, list_response
from renkou.web.forms import load_args
from tenants.outreach.schemas import (
    ActivityListArgs,
    CoverageArgs,
    DatedListArgs,
    DeliveryListArgs,
    MaterialDeliverySchema,
    MaterialDeliverySummarySchema,
    MaterialListArgs,
    OutreachActivitySchema,
    OutreachMaterialSchema,
    SchoolSessionSchema,
    SloganListArgs,
    SloganSchema,
)
from tenants.outreach.services import common, coverage, materials, records

activities_bp = Blueprint("outreach_activities_api", __name__, url_prefix="/outreach-activities")
materials_bp = Blueprint("outreach_materials_api", __name__, url_prefix="/materials")
deliveries_bp = Blueprint("material_deliveries_api", __name__, url_prefix="/material-deliveries")
slogans_bp = Blueprint("slogans_api", __name__, url_prefix="/slogans")
sessions_bp = Blueprint("school_sessions_api", __name__, url_prefix="/school-sessions")
coverage_bp = Blueprint("material_coverage_api", __name__, url_prefix="/material-coverage")
BLUEPRINTS = (activities_bp, materials_bp, deliveries_bp, slogans_bp, sessions_bp, coverage_bp)


def _list_args(schema) -> tuple[dict, int, int]:
    args = load_args(schema, request.args)
    return args, args.pop("page"), args.pop("per_page")


# ---------------------------------------------------------------------------------------------------------
# Activities


@activities_bp.get("")
def list_activities():
    """Outreach activities, latest first.
    ---
    get:
      tags: [outreach]
      parameters:
        - {in: query, name: kind, schema: {type: string, enum: [new_customs_performance, lecture, consultation_day,
            other]}}
        - {in: query, name: village_id, schema: {type: integer}}
        - {in: query, name: date_from, schema: {type: string, format: date}}
        - {in: query, name: date_to, schema: {type: string, format: date}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of activities, content: {application/json: {schema: OutreachActivityPageSchema}}}
    """
    args, page_number, per_page = _list_args(ActivityListArgs())
    return list_response(records.list_activities(records.ActivityFilter(**args), page_number, per_page),
                         OutreachActivitySchema())


@activities_bp.post("")
def create_activity():
    """Record an outreach activity (kinds: new_customs_performance — 婚育新风进万家, lecture, consultation_day,
    other). Without `village_id` it was town-wide.
    ---
    post:
      tags: [outreach]
      requestBody: {content: {application/json: {schema: OutreachActivitySchema}}}
      responses:
        201: {description: recorded, content: {application/json: {schema: OutreachActivitySchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = OutreachActivitySchema().load(json_body())
    return OutreachActivitySchema().dump(records.create_activity(data)), 201


@activities_bp.get("/<int:activity_id>")
def get_activity(activity_id: int):
    """One outreach activity.
    ---
    get:
      tags: [outreach]
      parameters: [{in: path, name: activity_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the activity, content: {application/json: {schema: OutreachActivitySchema}}}
        404: {description: no such activity in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return OutreachActivitySchema().dump(records.get_activity(activity_id))


# ---------------------------------------------------------------------------------------------------------
# Materials


@materials_bp.get("")
def list_materials():
    """The catalogue of outreach materials, by name.
    ---
    get:
      tags: [outreach]
      parameters:
        - {in: query, name: q, schema: {type: string}, description: part of the name}
        - {in: query, name: kind, schema: {type: string, enum: [leaflet, booklet, poster, calendar, audio_video,
            daily_item, other]}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of materials, content: {application/json: {schema: OutreachMaterialPageSchema}}}
    """
    args, page_number, per_page = _list_args(MaterialListArgs())
    return list_response(materials.list_materials(**args, page=page_number, per_page=per_page),
                         OutreachMaterialSchema())


@materials_bp.post("")
def create_material():
    """Add a material to the catalogue.
    ---
    post:
      tags: [outreach]
      requestBody: {content: {application/json: {schema: OutreachMaterialSchema}}}
      responses:
        201: {description: added, content: {application/json: {schema: OutreachMaterialSchema}}}
        409: {description: the name is in the catalogue already, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = OutreachMaterialSchema().load(json_body())
    return OutreachMaterialSchema().dump(materials.create_material(**data)), 201


@materials_bp.get("/<int:material_id>")
def get_material(material_id: int):
    """One material.
    ---
    get:
      tags: [outreach]
      parameters: [{in: path, name: material_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the material, content: {application/json: {schema: OutreachMaterialSchema}}}
        404: {description: no such material in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return OutreachMaterialSchema().dump(materials.get_material(material_id))


# ---------------------------------------------------------------------------------------------------------
# Deliveries


@deliveries_bp.get("")
def list_deliveries():
    """Deliveries of materials to households, latest first, with the number of households each reached.
    ---
    get:
      tags: [outreach]
      parameters:
        - {in: query, name: material_id, schema: {type: integer}}
        - {in: query, name: village_id, schema: {type: integer}}
        - {in: query, name: date_from, schema: {type: string, format: date}}
        - {in: query, name: date_to, schema: {type: string, format: date}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of deliveries,
              content: {application/json: {schema: MaterialDeliverySummaryPageSchema}}}
    """
    args, page_number, per_page = _list_args(DeliveryListArgs())
    return list_response(materials.list_deliveries(materials.DeliveryFilter(**args), page_number, per_page),
                         MaterialDeliverySummarySchema())


@deliveries_bp.post("")
def create_delivery():
    """Record a material delivered to households of one village: every household (`all_households: true`)
    or those in `household_ids`, all of that village.
    ---
    post:
      tags: [outreach]
      requestBody: {content: {application/json: {schema: MaterialDeliverySchema}}}
      responses:
        201: {description: recorded, content: {application/json: {schema: MaterialDeliverySchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = MaterialDeliverySchema().load(json_body())
    return MaterialDeliverySchema().dump(materials.deliver(**data)), 201


@deliveries_bp.get("/<int:delivery_id>")
def get_delivery(delivery_id: int):
    """One delivery, with the households it reached (by number).
    ---
    get:
      tags: [outreach]
      parameters: [{in: path, name: delivery_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the delivery, content: {application/json: {schema: MaterialDeliverySchema}}}
        404: {description: no such delivery in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return MaterialDeliverySchema().dump(materials.get_delivery(delivery_id))


@coverage_bp.get("")
def material_coverage():
    """Household coverage of materials (宣传品入户率) for the period (default: this year so far): households
    reached by any material / households, by village and for the town; a household reached twice counts
    once, and the rate is null without households.
    ---
    get:
      tags: [outreach]
      parameters:
        - {in: query, name: date_from, schema: {type: string, format: date}}
        - {in: query, name: date_to, schema: {type: string, format: date}}
      responses:
        200: {description: 'the coverage: {date_from, date_to, villages: [{village_id, village_name, reached,
              households, rate}], town: {reached, households, rate}}'}
        422: {description: invalid period, content: {application/json: {schema: ErrorsSchema}}}
    """
    args = CoverageArgs().load(request.args.to_dict())
    end = args["date_to"] or common.today()
    start = args["date_from"] or date(end.year, 1, 1)
    rows, town = coverage.coverage_by_village(start, end)

    def dump(row) -> dict:
        return {"reached": row.reached, "households": row.households,
                "rate": None if row.rate is None else round(row.rate, 2)}

    return {"date_from": start.isoformat(), "date_to": end.isoformat(), "town": dump(town),
            "villages": [{"village_id": row.village_id, "village_name": row.village_name, **dump(row)}
                         for row in rows]}


# ---------------------------------------------------------------------------------------------------------
# Slogans and population-school sessions


@slogans_bp.get("")
def list_slogans():
    """Slogans, latest first.
    ---
    get:
      tags: [outreach]
      parameters:
        - {in: query, name: q, schema: {type: string}, description: part of the place or the content}
        - {in: query, name: village_id, schema: {type: integer}}
        - {in: query, name: date_from, schema: {type: string, format: date}}
        - {in: query, name: date_to, schema: {type: string, format: date}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of slogans, content: {application/json: {schema: SloganPageSchema}}}
    """
    args, page_number, per_page = _list_args(SloganListArgs())
    return list_response(records.list_slogans(records.SloganFilter(**args), page_number, per_page), SloganSchema())


@slogans_bp.post("")
def create_slogan():
    """Record a slogan; without `village_id` it is town-wide.
    ---
    post:
      tags: [outreach]
      requestBody: {content: {application/json: {schema: SloganSchema}}}
      responses:
        201: {description: recorded, content: {application/json: {schema: SloganSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = SloganSchema().load(json_body())
    return SloganSchema().dump(records.create_slogan(data)), 201


@slogans_bp.get("/<int:slogan_id>")
def get_slogan(slogan_id: int):
    """One slogan.
    ---
    get:
      tags: [outreach]
      parameters: [{in: path, name: slogan_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the slogan, content: {application/json: {schema: SloganSchema}}}
        404: {description: no such slogan in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return SloganSchema().dump(records.get_slogan(slogan_id))


@sessions_bp.get("")
def list_sessions():
    """Population-school sessions, latest first.
    ---
    get:
      tags: [outreach]
      parameters:
        - {in: query, name: village_id, schema: {type: integer}}
        - {in: query, name: date_from, schema: {type: string, format: date}}
        - {in: query, name: date_to, schema: {type: string, format: date}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of sessions, content: {application/json: {schema: SchoolSessionPageSchema}}}
    """
    args, page_number, per_page = _list_args(DatedListArgs())
    return list_response(records.list_sessions(common.DatedFilter(**args), page_number, per_page),
                         SchoolSessionSchema())


@sessions_bp.post("")
def create_session():
    """Record a population-school session; without `village_id` the town school held it.
    ---
    post:
      tags: [outreach]
      requestBody: {content: {application/json: {schema: SchoolSessionSchema}}}
      responses:
        201: {description: recorded, content: {application/json: {schema: SchoolSessionSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = SchoolSessionSchema().load(json_body())
    return SchoolSessionSchema().dump(records.create_session(data)), 201


@sessions_bp.get("/<int:session_id>")
def get_session(session_id: int):
    """One population-school session.
    ---
    get:
      tags: [outreach]
      parameters: [{in: path, name: session_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the session, content: {application/json: {schema: SchoolSessionSchema}}}
        404: {description: no such session in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return SchoolSessionSchema().dump(records.get_session(session_id))
