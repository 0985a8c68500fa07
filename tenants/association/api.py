"""The association's members, liaison households and summary in the JSON API:
/api/v1/towns/<slug>/association/members, /association/liaisons and /association/summary.

Homes and groups are in tenants.association.org_api. Members' names and phones are masked except in the
(audited) read of one member; listing members is audited like listing people.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from renkou.api.helpers import json_body, list_response
from renkou.web.forms import load_args
from tenants.association.schemas import (
    AssociationSummarySchema,
    LiaisonAssignSchema,
    LiaisonListArgs,
    LiaisonSchema,
    LiaisonUpdateSchema,
    MemberListArgs,
    MemberSchema,
    MemberUpdateSchema,
    SummaryArgs,
)
from tenants.association.services import liaisons, members, summary

members_bp = Blueprint("association_members_api", __name__, url_prefix="/association/members")
liaisons_bp = Blueprint("association_liaisons_api", __name__, url_prefix="/association/liaisons")
summary_bp = Blueprint("association_summary_api", __name__, url_prefix="/association/summary")


def _list_args(schema) -> tuple[dict, str, int, int]:
    args = load_args(schema, request.args)
    return args, args.pop("sort"), args.pop("page"), args.pop("per_page")


# ---------------------------------------------------------------------------------------------------------
# Members


@members_bp.get("")
def list_members():
    """Members of the association (会员), names and phones masked; the listing is audited.
    ---
    get:
      tags: [association]
      parameters:
        - {in: query, name: q, schema: {type: string}, description: part of the name or member number}
        - {in: query, name: village_id, schema: {type: integer}}
        - {in: query, name: group_id, schema: {type: integer}, description: a member group}
        - {in: query, name: role, schema: {type: string, enum: [member, group_leader, council_member, volunteer]}}
        - {in: query, name: status, schema: {type: string, enum: [active, left]}}
        - {in: query, name: sort, schema: {type: string, enum: [number, -number, name, -name, joined_on, -joined_on,
            village, -village]}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of members, content: {application/json: {schema: MemberPageSchema}}}
    """
    args, sort, page_number, per_page = _list_args(MemberListArgs())
    return list_response(members.list_members(members.MemberFilter(**args), sort, page_number, per_page),
                         MemberSchema())


@members_bp.post("")
def create_member():
    """Add a member: a registry person (`person_id`) or a typed `name`; the member number is unique in the town.
    ---
    post:
      tags: [association]
      requestBody: {content: {application/json: {schema: MemberSchema}}}
      responses:
        201: {description: added (name and phone masked), content: {application/json: {schema: MemberSchema}}}
        409: {description: the member number is taken or the person is a member already,
              content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    return MemberSchema().dump(members.create_member(MemberSchema().load(json_body()))), 201


@members_bp.get("/<int:association_member_id>")
def get_member(association_member_id: int):
    """One member with the full name and phone; the read is audited.
    ---
    get:
      tags: [association]
      parameters: [{in: path, name: association_member_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the member, content: {application/json: {schema: MemberSchema}}}
        404: {description: no such member in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return MemberSchema(full=True).dump(members.read_member(association_member_id))


@members_bp.patch("/<int:association_member_id>")
def update_member(association_member_id: int):
    """Change a member. `{"status": "left", "left_on": "2025-06-30"}` records that they left: their liaisons
    end that day and they no longer lead a group.
    ---
    patch:
      tags: [association]
      parameters: [{in: path, name: association_member_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: MemberUpdateSchema}}}
      responses:
        200: {description: the changed member (masked), content: {application/json: {schema: MemberSchema}}}
        404: {description: no such member in this town, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: the member number is taken, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    member = members.get_member(association_member_id)
    changes = MemberUpdateSchema().load(json_body(), partial=True)
    return MemberSchema().dump(members.update_member(member, changes))


@members_bp.delete("/<int:association_member_id>")
def delete_member(association_member_id: int):
    """Delete a member entered by mistake (members who leave keep their record), with their liaisons.
    ---
    delete:
      tags: [association]
      parameters: [{in: path, name: association_member_id, required: true, schema: {type: integer}}]
      responses:
        204: {description: deleted}
        404: {description: no such member in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    members.delete_member(members.get_member(association_member_id))
    return "", 204


# ---------------------------------------------------------------------------------------------------------
# Liaison households


@liaisons_bp.get("")
def list_liaisons():
    """Liaison households (联系户): which member keeps in touch with which household, and since when.
    ---
    get:
      tags: [association]
      parameters:
        - {in: query, name: q, schema: {type: string}, description: part of a household number, member number or name}
        - {in: query, name: village_id, schema: {type: integer}, description: the household's village}
        - {in: query, name: member_id, schema: {type: integer}}
        - {in: query, name: current, schema: {type: boolean}, description: lasting today (true) or not (false)}
        - {in: query, name: sort, schema: {type: string, enum: [household, -household, member, -member, start_date,
            -start_date]}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of liaisons, content: {application/json: {schema: LiaisonPageSchema}}}
    """
    args, sort, page_number, per_page = _list_args(LiaisonListArgs())
    return list_response(liaisons.list_liaisons(liaisons.LiaisonFilter(**args), sort, page_number, per_page),
                         LiaisonSchema())


@liaisons_bp.post("")
def assign():
    """A member keeps in touch with households from `start_date` (to `end_date`): one liaison per household,
    all or none. The period lies within the membership.
    ---
    post:
      tags: [association]
      requestBody: {content: {application/json: {schema: LiaisonAssignSchema}}}
      responses:
        201: {description: the liaisons made, content: {application/json: {schema: LiaisonListSchema}}}
        409: {description: the member keeps in touch with a household already then,
              content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    made = liaisons.assign_households(**LiaisonAssignSchema().load(json_body()))
    return jsonify({"items": LiaisonSchema().dump(made, many=True)}), 201


@liaisons_bp.get("/<int:liaison_id>")
def get_liaison(liaison_id: int):
    """One liaison.
    ---
    get:
      tags: [association]
      parameters: [{in: path, name: liaison_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the liaison, content: {application/json: {schema: LiaisonSchema}}}
        404: {description: no such liaison in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return LiaisonSchema().dump(liaisons.get_liaison(liaison_id))


@liaisons_bp.patch("/<int:liaison_id>")
def update_liaison(liaison_id: int):
    """Change a liaison's dates or note; an `end_date` ends it.
    ---
    patch:
      tags: [association]
      parameters: [{in: path, name: liaison_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: LiaisonUpdateSchema}}}
      responses:
        200: {description: the changed liaison, content: {application/json: {schema: LiaisonSchema}}}
        404: {description: no such liaison in this town, content: {application/json: {schema: ErrorsSchema}}}
        409: {description: it would overlap another liaison of the member with the household,
              content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    liaison = liaisons.get_liaison(liaison_id)
    changes = LiaisonUpdateSchema().load(json_body(), partial=True)
    return LiaisonSchema().dump(liaisons.update_liaison(liaison, changes))


@liaisons_bp.delete("/<int:liaison_id>")
def delete_liaison(liaison_id: int):
    """Delete a liaison entered by mistake (one that ended keeps its dates).
    ---
    delete:
      tags: [association]
      parameters: [{in: path, name: liaison_id, required: true, schema: {type: integer}}]
      responses:
        204: {description: deleted}
        404: {description: no such liaison in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    liaisons.delete_liaison(liaisons.get_liaison(liaison_id))
    return "", 204


# ---------------------------------------------------------------------------------------------------------
# Summary


@summary_bp.get("")
def association_summary():
    """Members (not left), groups, open homes and the liaison coverage per village, for the town's own
    (homes and members without a village) and the whole town. Coverage = households with a liaison lasting
    on `as_of` (default today) / households; a household with two liaisons counts once; percent is null
    without households.
    ---
    get:
      tags: [association]
      parameters: [{in: query, name: as_of, schema: {type: string, format: date}}]
      responses:
        200: {description: the summary, content: {application/json: {schema: AssociationSummarySchema}}}
        422: {description: not a valid date, content: {application/json: {schema: ErrorsSchema}}}
    """
    as_of = SummaryArgs().load(request.args.to_dict())["as_of"]
    return AssociationSummarySchema().dump(summary.summary(as_of))


BLUEPRINTS = (members_bp, liaisons_bp, summary_bp)
