"""Member homes and groups in the JSON API: /api/v1/towns/<slug>/association/homes and /association/groups."""

from __future__ import annotations

from flask import Blueprint, request

from renkou.api.helpers import json_body, list_response
from renkou.web.forms import load_args
from tenants.association.schemas import (
    GroupListArgs,
    HomeListArgs,
    MemberGroupSchema,
    MemberGroupUpdateSchema,
    MemberHomeSchema,
    MemberHomeUpdateSchema,
)
from tenants.association.services import groups, homes

homes_bp = Blueprint("association_homes_api", __name__, url_prefix="/association/homes")
groups_bp = Blueprint("association_groups_api", __name__, url_prefix="/association/groups")


def _list_args(schema) -> tuple[dict, str, int, int]:
    args = load_args(schema, request.args)
    return args, args.pop("sort"), args.pop("page"), args.pop("per_page")


# ---------------------------------------------------------------------------------------------------------
# Member homes


@homes_bp.get("")
def list_homes():
    """Member homes (会员之家) of the association.
    ---
    get:
      tags: [association]
      parameters:
        - {in: query, name: q, schema: {type: string}, description: part of the name or address}
        - {in: query, name: village_id, schema: {type: integer}}
        - {in: query, name: active, schema: {type: boolean}, description: open (true) or closed (false) homes}
        - {in: query, name: sort, schema: {type: string, enum: [name, -name, village, -village, opened_on,
            -opened_on]}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of homes, content: {application/json: {schema: MemberHomePageSchema}}}
    """
    args, sort, page_number, per_page = _list_args(HomeListArgs())
    return list_response(homes.list_homes(homes.HomeFilter(**args), sort, page_number, per_page), MemberHomeSchema())


@homes_bp.post("")
def create_home():
    """Add a member home; without `village_id` it is the town's own. Names are unique in the town.
    ---
    post:
      tags: [association]
      requestBody: {content: {application/json: {schema: MemberHomeSchema}}}
      responses:
        201: {description: added, content: {application/json: {schema: MemberHomeSchema}}}
        409: {description: the name is taken, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    return MemberHomeSchema().dump(homes.create_home(MemberHomeSchema().load(json_body()))), 201


@homes_bp.get("/<int:home_id>")
def get_home(home_id: int):
    """One member home.
    ---
    get:
      tags: [association]
      parameters: [{in: path, name: home_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the home, content: {application/json: {schema: MemberHomeSchema}}}
        404: {description: no such home in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return MemberHomeSchema().dump(homes.get_home(home_id))


@homes_bp.patch("/<int:home_id>")
def update_home(home_id: int):
    """Change a member home; `{"active": false}` records that it closed.
    ---
    patch:
      tags: [association]
      parameters: [{in: path, name: home_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: MemberHomeUpdateSchema}}}
      responses:
        200: {description: the changed home, content: {application/json: {schema: MemberHomeSchema}}}
        404: {description: no such home in this town, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: the name is taken, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    home = homes.get_home(home_id)
    changes = MemberHomeUpdateSchema().load(json_body(), partial=True)
    return MemberHomeSchema().dump(homes.update_home(home, changes))


@homes_bp.delete("/<int:home_id>")
def delete_home(home_id: int):
    """Delete a home entered by mistake; its groups keep meeting without one.
    ---
    delete:
      tags: [association]
      parameters: [{in: path, name: home_id, required: true, schema: {type: integer}}]
      responses:
        204: {description: deleted}
        404: {description: no such home in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    homes.delete_home(homes.get_home(home_id))
    return "", 204


# ---------------------------------------------------------------------------------------------------------
# Member groups


@groups_bp.get("")
def list_groups():
    """Member groups (会员小组), by village; the leader's name is masked.
    ---
    get:
      tags: [association]
      parameters:
        - {in: query, name: q, schema: {type: string}, description: part of the group's or the village's name}
        - {in: query, name: village_id, schema: {type: integer}}
        - {in: query, name: home_id, schema: {type: integer}}
        - {in: query, name: sort, schema: {type: string, enum: [village, -village, name, -name, founded_on,
            -founded_on]}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of groups, content: {application/json: {schema: MemberGroupPageSchema}}}
    """
    args, sort, page_number, per_page = _list_args(GroupListArgs())
    return list_response(groups.list_groups(groups.GroupFilter(**args), sort, page_number, per_page),
                         MemberGroupSchema())


@groups_bp.post("")
def create_group():
    """Add a member group to a village. A `leader_id` must be an active member of the village in no group
    (leading puts them in it).
    ---
    post:
      tags: [association]
      requestBody: {content: {application/json: {schema: MemberGroupSchema}}}
      responses:
        201: {description: added, content: {application/json: {schema: MemberGroupSchema}}}
        409: {description: the village has a group of this name, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    return MemberGroupSchema().dump(groups.create_group(MemberGroupSchema().load(json_body()))), 201


@groups_bp.get("/<int:member_group_id>")
def get_group(member_group_id: int):
    """One member group.
    ---
    get:
      tags: [association]
      parameters: [{in: path, name: member_group_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the group, content: {application/json: {schema: MemberGroupSchema}}}
        404: {description: no such group in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return MemberGroupSchema().dump(groups.get_group(member_group_id))


@groups_bp.patch("/<int:member_group_id>")
def update_group(member_group_id: int):
    """Change a member group (a group with members stays in its village).
    ---
    patch:
      tags: [association]
      parameters: [{in: path, name: member_group_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: MemberGroupUpdateSchema}}}
      responses:
        200: {description: the changed group, content: {application/json: {schema: MemberGroupSchema}}}
        404: {description: no such group in this town, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: the village has a group of this name, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    record = groups.get_group(member_group_id)
    changes = MemberGroupUpdateSchema().load(json_body(), partial=True)
    return MemberGroupSchema().dump(groups.update_group(record, changes))


@groups_bp.delete("/<int:member_group_id>")
def delete_group(member_group_id: int):
    """Delete a group without members (former members included).
    ---
    delete:
      tags: [association]
      parameters: [{in: path, name: member_group_id, required: true, schema: {type: integer}}]
      responses:
        204: {description: deleted}
        404: {description: no such group in this town, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: the group has members, content: {application/json: {schema: ErrorsSchema}}}
    """
    groups.delete_group(groups.get_group(member_group_id))
    return "", 204


BLUEPRINTS = (homes_bp, groups_bp)
