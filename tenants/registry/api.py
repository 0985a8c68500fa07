"""Households and people in the JSON API: /api/v1/towns/<slug>/households, /people."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, jsonify, request

from renkou.api.helpers import json_body, list_response
from renkou.tenancy.context import search_by_post
from renkou.web.forms import load_args
from tenants.registry import resident_id as ids
from tenants.registry import services
from tenants.registry.schemas import (
    HouseholdListArgs,
    HouseholdSchema,
    HouseholdUpdateSchema,
    PeopleListArgs,
    PersonSchema,
    PersonUpdateSchema,
)

households_bp = Blueprint("households_api", __name__, url_prefix="/households")
people_bp = Blueprint("people_api", __name__, url_prefix="/people")


@households_bp.get("")
def list_households():
    """The town's households.
    ---
    get:
      tags: [households]
      parameters:
        - {in: query, name: q, schema: {type: string}, description: part of the number or address}
        - {in: query, name: village_id, schema: {type: integer}}
        - {in: query, name: sort, schema: {type: string, enum: [number, -number, address, -address]}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of households, content: {application/json: {schema: HouseholdPageSchema}}}
    """
    return list_response(services.list_households(**load_args(HouseholdListArgs(), request.args)), HouseholdSchema())


@households_bp.post("")
def create_household():
    """Add a household.
    ---
    post:
      tags: [households]
      requestBody: {content: {application/json: {schema: HouseholdSchema}}}
      responses:
        201: {description: created, content: {application/json: {schema: HouseholdSchema}}}
        409: {description: the number is taken, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = HouseholdSchema().load(json_body())
    return HouseholdSchema().dump(services.create_household(**data)), 201


@households_bp.get("/<int:household_id>")
def get_household(household_id: int):
    """One household.
    ---
    get:
      tags: [households]
      parameters: [{in: path, name: household_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the household, content: {application/json: {schema: HouseholdSchema}}}
        404: {description: no such household in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return HouseholdSchema().dump(services.read_household(household_id))


@households_bp.patch("/<int:household_id>")
def update_household(household_id: int):
    """Change a household.
    ---
    patch:
      tags: [households]
      parameters: [{in: path, name: household_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: HouseholdUpdateSchema}}}
      responses:
        200: {description: the changed household, content: {application/json: {schema: HouseholdSchema}}}
        404: {description: no such household in this town, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: the number is taken, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    household = services.get_household(household_id)
    changes = HouseholdUpdateSchema().load(json_body(), partial=True)
    return HouseholdSchema().dump(services.update_household(household, changes))


@households_bp.delete("/<int:household_id>")
def delete_household(household_id: int):
    """Delete an empty household.
    ---
    delete:
      tags: [households]
      parameters: [{in: path, name: household_id, required: true, schema: {type: integer}}]
      responses:
        204: {description: deleted}
        404: {description: no such household in this town, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: the household has members, content: {application/json: {schema: ErrorsSchema}}}
    """
    services.delete_household(services.get_household(household_id))
    return "", 204


# ---------------------------------------------------------------------------------------------------------


def _dump_person(person, full_id: str | None = None) -> dict:
    data = PersonSchema().dump(person)
    data["resident_id"] = full_id if full_id else ids.mask(person.resident_id)
    return data


@people_bp.get("")
def list_people():
    """People on the register, ID numbers masked. `q` matches part of a name, or a whole ID number.
    ---
    get:
      tags: [people]
      parameters:
        - {in: query, name: q, schema: {type: string}}
        - {in: query, name: village_id, schema: {type: integer}}
        - {in: query, name: household_id, schema: {type: integer}}
        - {in: query, name: sex, schema: {type: string, enum: [M, F]}}
        - {in: query, name: marital_status, schema: {type: string, enum: [unmarried, married, divorced, widowed]}}
        - {in: query, name: status, schema: {type: string, enum: [resident, moved_out, deceased]}}
        - {in: query, name: age_min, schema: {type: integer}}
        - {in: query, name: age_max, schema: {type: integer}}
        - {in: query, name: as_of, schema: {type: string, format: date}, description: date the ages are taken on}
        - {in: query, name: sort, schema: {type: string, enum: [name, -name, birth_date, -birth_date, id, -id]}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of people, content: {application/json: {schema: PersonPageSchema}}}
    """
    return _people_page(load_args(PeopleListArgs(), request.args))


@people_bp.post("/search")
@search_by_post
def search_people():
    """The list's search sent as a JSON body (the arguments of GET /people): the way to search by ID number,
    which a query string would carry into URLs and access logs.
    ---
    post:
      tags: [people]
      requestBody: {content: {application/json: {schema: PeopleListArgs}}}
      responses:
        200: {description: one page of people, content: {application/json: {schema: PersonPageSchema}}}
        422: {description: invalid arguments, content: {application/json: {schema: ErrorsSchema}}}
    """
    return _people_page(PeopleListArgs().load(request.get_json(silent=True) or {}))


def _people_page(args: dict):
    sort, page_number, per_page = args.pop("sort"), args.pop("page"), args.pop("per_page")
    page = services.list_people(services.PeopleFilter(**args), sort, page_number, per_page)
    return jsonify({"items": [_dump_person(person) for person in page.items], "meta": page.meta()})


@people_bp.get("/childbearing-age")
def childbearing_age():
    """Women of childbearing age (15–49) on `as_of` (default today), living in the town.
    ---
    get:
      tags: [people]
      parameters:
        - {in: query, name: as_of, schema: {type: string, format: date}}
        - {in: query, name: village_id, schema: {type: integer}}
        - {in: query, name: married, schema: {type: integer, enum: [0, 1]}}
        - {in: query, name: page, schema: {type: integer}}
      responses:
        200: {description: one page of women, content: {application/json: {schema: PersonPageSchema}}}
    """
    args = load_args(PeopleListArgs(), request.args)
    filters = services.childbearing_age_filter(args.get("as_of") or date.today(), args.get("village_id"),
                                               request.args.get("married") == "1")
    page = services.list_people(filters, args["sort"], args["page"], args["per_page"])
    return jsonify({"items": [_dump_person(person) for person in page.items], "meta": page.meta()})


@people_bp.post("")
def create_person():
    """Register a person. Birth date and sex may be left out when an ID number is given.
    ---
    post:
      tags: [people]
      requestBody: {content: {application/json: {schema: PersonSchema}}}
      responses:
        201: {description: created, content: {application/json: {schema: PersonSchema}}}
        409: {description: the ID number is registered already, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = PersonSchema().load(json_body())
    return _dump_person(services.create_person(data)), 201


@people_bp.get("/<int:person_id>")
def get_person(person_id: int):
    """One person. `?reveal=resident_id` returns the full ID number to staff and administrators (audited).
    ---
    get:
      tags: [people]
      parameters:
        - {in: path, name: person_id, required: true, schema: {type: integer}}
        - {in: query, name: reveal, schema: {type: string, enum: [resident_id]}}
      responses:
        200: {description: the person, content: {application/json: {schema: PersonSchema}}}
        403: {description: the role may not see full ID numbers, content: {application/json: {schema: ErrorsSchema}}}
        404: {description: no such person in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    person = services.read_person(person_id)
    full_id = services.reveal_resident_id(person) if request.args.get("reveal") == "resident_id" else None
    return _dump_person(person, full_id)


@people_bp.patch("/<int:person_id>")
def update_person(person_id: int):
    """Change a person.
    ---
    patch:
      tags: [people]
      parameters: [{in: path, name: person_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: PersonUpdateSchema}}}
      responses:
        200: {description: the changed person, content: {application/json: {schema: PersonSchema}}}
        404: {description: no such person in this town, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: the ID number belongs to someone else, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    person = services.get_person(person_id)
    changes = PersonUpdateSchema().load(json_body(), partial=True)
    return _dump_person(services.update_person(person, changes))


@people_bp.delete("/<int:person_id>")
def delete_person(person_id: int):
    """Delete a person entered by mistake.
    ---
    delete:
      tags: [people]
      parameters: [{in: path, name: person_id, required: true, schema: {type: integer}}]
      responses:
        204: {description: deleted}
        404: {description: no such person in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    services.delete_person(services.get_person(person_id))
    return "", 204
