"""Births in the JSON API: /api/v1/towns/<slug>/birth-registrations, /births, /birth-notices, /tasks."""

from __future__ import annotations

from flask import Blueprint, request

from renkou.api.helpers import json_body, list_response
from renkou.web.forms import load_args
from tenants.births.schemas import (
    BirthListArgs,
    BirthNoticeListArgs,
    BirthNoticeSchema,
    BirthRegistrationListArgs,
    BirthRegistrationSchema,
    BirthRegistrationTransitionSchema,
    BirthRegistrationUpdateSchema,
    BirthSchema,
    FollowUpTaskDoneSchema,
    FollowUpTaskListArgs,
    FollowUpTaskSchema,
)
from tenants.births.services import births as birth_services
from tenants.births.services import registrations, tasks

registrations_bp = Blueprint("birth_registrations_api", __name__, url_prefix="/birth-registrations")
births_bp = Blueprint("births_api", __name__, url_prefix="/births")
notices_bp = Blueprint("birth_notices_api", __name__, url_prefix="/birth-notices")
tasks_bp = Blueprint("birth_tasks_api", __name__, url_prefix="/tasks")


# ---------------------------------------------------------------------------------------------------------
# Birth registration


@registrations_bp.get("")
def list_registrations():
    """Applications for birth registration. `overdue=1`: still open after the due date.
    ---
    get:
      tags: [birth-registrations]
      parameters:
        - {in: query, name: status, schema: {type: string, enum: [submitted, accepted, registered, returned]}}
        - {in: query, name: overdue, schema: {type: integer, enum: [0, 1]}}
        - {in: query, name: village_id, schema: {type: integer}, description: the village of the mother's household}
        - {in: query, name: mother_id, schema: {type: integer}}
        - {in: query, name: sort, schema: {type: string, enum: [applied_on, -applied_on, due_on, -due_on]}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of applications, content: {application/json: {schema: BirthRegistrationPageSchema}}}
    """
    args = load_args(BirthRegistrationListArgs(), request.args)
    sort, page_number, per_page = args.pop("sort"), args.pop("page"), args.pop("per_page")
    page = registrations.list_registrations(registrations.RegistrationFilter(**args), sort, page_number, per_page)
    return list_response(page, BirthRegistrationSchema())


@registrations_bp.post("")
def create_registration():
    """File an application (self-declared; no documents). It is due 7 working days after `applied_on`.
    ---
    post:
      tags: [birth-registrations]
      requestBody: {content: {application/json: {schema: BirthRegistrationSchema}}}
      responses:
        201: {description: filed, status submitted, content: {application/json: {schema: BirthRegistrationSchema}}}
        409: {description: the mother has applied for this child, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = BirthRegistrationSchema().load(json_body())
    return BirthRegistrationSchema().dump(registrations.create_registration(data)), 201


@registrations_bp.get("/<int:registration_id>")
def get_registration(registration_id: int):
    """One application.
    ---
    get:
      tags: [birth-registrations]
      parameters: [{in: path, name: registration_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the application, content: {application/json: {schema: BirthRegistrationSchema}}}
        404: {description: no such application in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return BirthRegistrationSchema().dump(registrations.read_registration(registration_id))


@registrations_bp.patch("/<int:registration_id>")
def update_registration(registration_id: int):
    """Change an application that is not registered yet.
    ---
    patch:
      tags: [birth-registrations]
      parameters: [{in: path, name: registration_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: BirthRegistrationUpdateSchema}}}
      responses:
        200: {description: the changed application, content: {application/json: {schema: BirthRegistrationSchema}}}
        404: {description: no such application in this town, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: the mother has applied for this child, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, or registered already, content: {application/json: {schema: ErrorsSchema}}}
    """
    registration = registrations.get_registration(registration_id)
    changes = BirthRegistrationUpdateSchema().load(json_body(), partial=True)
    return BirthRegistrationSchema().dump(registrations.update_registration(registration, changes))


@registrations_bp.post("/<int:registration_id>/transitions")
def transition(registration_id: int):
    """Move an application on: `accept` (submitted), `register` (accepted; gives the number), `return`
    (submitted or accepted; `reason` required), `resubmit` (returned; the 7 working days start again).
    ---
    post:
      tags: [birth-registrations]
      parameters: [{in: path, name: registration_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: BirthRegistrationTransitionSchema}}}
      responses:
        200: {description: the application now, content: {application/json: {schema: BirthRegistrationSchema}}}
        404: {description: no such application in this town, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: not possible now, or no reason, content: {application/json: {schema: ErrorsSchema}}}
    """
    registration = registrations.get_registration(registration_id)
    data = BirthRegistrationTransitionSchema().load(json_body())
    return BirthRegistrationSchema().dump(registrations.transition(registration, data["action"], data.get("reason")))


# ---------------------------------------------------------------------------------------------------------
# Births and notices


@births_bp.get("")
def list_births():
    """Births in the town, latest first.
    ---
    get:
      tags: [births]
      parameters:
        - {in: query, name: village_id, schema: {type: integer}, description: the village of the mother's household}
        - {in: query, name: mother_id, schema: {type: integer}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of births, content: {application/json: {schema: BirthPageSchema}}}
    """
    args = load_args(BirthListArgs(), request.args)
    page_number, per_page = args.pop("page"), args.pop("per_page")
    return list_response(birth_services.list_births(birth_services.BirthFilter(**args), page_number, per_page),
                         BirthSchema())


@births_bp.post("")
def create_birth():
    """Record a birth. A time without an offset is the county's local time.
    ---
    post:
      tags: [births]
      requestBody: {content: {application/json: {schema: BirthSchema}}}
      responses:
        201: {description: recorded, content: {application/json: {schema: BirthSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = BirthSchema().load(json_body())
    return BirthSchema().dump(birth_services.create_birth(data)), 201


@births_bp.get("/<int:birth_id>")
def get_birth(birth_id: int):
    """One birth.
    ---
    get:
      tags: [births]
      parameters: [{in: path, name: birth_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the birth, content: {application/json: {schema: BirthSchema}}}
        404: {description: no such birth in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return BirthSchema().dump(birth_services.read_birth(birth_id))


@notices_bp.get("")
def list_notices():
    """Birth notices, latest received first; `on_time` filters by timeliness (≤ 24 hours after the birth).
    ---
    get:
      tags: [birth-notices]
      parameters:
        - {in: query, name: on_time, schema: {type: integer, enum: [0, 1]}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of notices, content: {application/json: {schema: BirthNoticePageSchema}}}
    """
    args = load_args(BirthNoticeListArgs(), request.args)
    return list_response(birth_services.list_notices(args["on_time"], args["page"], args["per_page"]),
                         BirthNoticeSchema())


@notices_bp.post("")
def receive_notice():
    """Receive a birth notice for a recorded birth (`birth_id`) or with the birth (`birth`). It opens the
    follow-up tasks (registration unless the mother has applied for this child, childcare-subsidy intake,
    postnatal visit), returned in `tasks`.
    ---
    post:
      tags: [birth-notices]
      requestBody: {content: {application/json: {schema: BirthNoticeSchema}}}
      responses:
        201: {description: received, content: {application/json: {schema: BirthNoticeSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = BirthNoticeSchema().load(json_body())
    return BirthNoticeSchema().dump(birth_services.receive_notice(**data)), 201


# ---------------------------------------------------------------------------------------------------------
# Follow-up tasks


@tasks_bp.get("")
def list_tasks():
    """Follow-up tasks, soonest due first (default: open ones).
    ---
    get:
      tags: [tasks]
      parameters:
        - {in: query, name: status, schema: {type: string, enum: [open, done, all]}}
        - {in: query, name: kind, schema: {type: string, enum: [registration, subsidy_intake, postnatal_visit]}}
        - {in: query, name: overdue, schema: {type: integer, enum: [0, 1]}}
        - {in: query, name: village_id, schema: {type: integer}, description: the village of the mother's household}
        - {in: query, name: staff_id, schema: {type: integer}, description: the village staff member assigned}
        - {in: query, name: assignee, schema: {type: string}, description: part of the assignee's name}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of tasks, content: {application/json: {schema: FollowUpTaskPageSchema}}}
    """
    args = load_args(FollowUpTaskListArgs(), request.args)
    page_number, per_page = args.pop("page"), args.pop("per_page")
    return list_response(tasks.list_tasks(tasks.TaskFilter(**args), page_number, per_page), FollowUpTaskSchema())


@tasks_bp.post("/<int:task_id>/done")
def complete_task(task_id: int):
    """Mark a task done, with an optional note.
    ---
    post:
      tags: [tasks]
      parameters: [{in: path, name: task_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: FollowUpTaskDoneSchema}}}
      responses:
        200: {description: the task, done, content: {application/json: {schema: FollowUpTaskSchema}}}
        404: {description: no such task in this town, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: the task is done already, content: {application/json: {schema: ErrorsSchema}}}
    """
    task = tasks.get_task(task_id)
    data = FollowUpTaskDoneSchema().load(request.get_json(silent=True) or {})
    return FollowUpTaskSchema().dump(tasks.complete_task(task, data.get("note")))
