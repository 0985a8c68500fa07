"""Governance in the JSON API: /api/v1/towns/<slug>/leadership-members and /cadre-assignments.

Responsibility agreements are in tenants.governance.agreement_api. Phones of members are masked except
in the (audited) read of one member.
"""

from __future__ import annotations

from flask import Blueprint, request

from renkou.api.helpers import json_body, list_response
from renkou.web.forms import load_args
from tenants.governance.schemas import (
    AssignmentListArgs,
    CadreAssignmentSchema,
    CadreAssignmentUpdateSchema,
    HouseholdCoverageSchema,
    LeadershipMemberSchema,
    LeadershipMemberUpdateSchema,
    MemberListArgs,
)
from tenants.governance.services import duties
from tenants.governance.services import members as member_services

members_bp = Blueprint("leadership_members_api", __name__, url_prefix="/leadership-members")
assignments_bp = Blueprint("cadre_assignments_api", __name__, url_prefix="/cadre-assignments")


# ---------------------------------------------------------------------------------------------------------
# Leadership group


@members_bp.get("")
def list_members():
    """The leadership group (领导小组), in the group's order, phones masked.
    ---
    get:
      tags: [governance]
      parameters:
        - {in: query, name: active, schema: {type: boolean}, description: current (true) or former (false) members}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of members, content: {application/json: {schema: LeadershipMemberPageSchema}}}
    """
    return list_response(member_services.list_members(**load_args(MemberListArgs(), request.args)),
                         LeadershipMemberSchema())


@members_bp.post("")
def create_member():
    """Add a member: `group_role` leader (组长), deputy (副组长) or member (成员).
    ---
    post:
      tags: [governance]
      requestBody: {content: {application/json: {schema: LeadershipMemberSchema}}}
      responses:
        201: {description: created (phone masked), content: {application/json: {schema: LeadershipMemberSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = LeadershipMemberSchema().load(json_body())
    return LeadershipMemberSchema().dump(member_services.create_member(data)), 201


@members_bp.get("/<int:member_id>")
def get_member(member_id: int):
    """One member with the full phone number; the read is audited.
    ---
    get:
      tags: [governance]
      parameters: [{in: path, name: member_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the member, content: {application/json: {schema: LeadershipMemberSchema}}}
        404: {description: no such member in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return LeadershipMemberSchema(full_phone=True).dump(member_services.read_member(member_id))


@members_bp.patch("/<int:member_id>")
def update_member(member_id: int):
    """Change a member; `{"active": false}` records that they left the group.
    ---
    patch:
      tags: [governance]
      parameters: [{in: path, name: member_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: LeadershipMemberUpdateSchema}}}
      responses:
        200: {description: the changed member, content: {application/json: {schema: LeadershipMemberSchema}}}
        404: {description: no such member in this town, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    member = member_services.get_member(member_id)
    changes = LeadershipMemberUpdateSchema().load(json_body(), partial=True)
    return LeadershipMemberSchema().dump(member_services.update_member(member, changes))


@members_bp.delete("/<int:member_id>")
def delete_member(member_id: int):
    """Delete a member entered by mistake (deactivate those who leave); their duties keep the name.
    ---
    delete:
      tags: [governance]
      parameters: [{in: path, name: member_id, required: true, schema: {type: integer}}]
      responses:
        204: {description: deleted}
        404: {description: no such member in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    member_services.delete_member(member_services.get_member(member_id))
    return "", 204


# ---------------------------------------------------------------------------------------------------------
# Cadre duties


@assignments_bp.get("")
def list_assignments():
    """Cadre duties: 包片 (kind area), 包村 (village) and 包户 (household).
    ---
    get:
      tags: [governance]
      parameters:
        - {in: query, name: kind, schema: {type: string, enum: [area, village, household]}}
        - {in: query, name: village_id, schema: {type: integer}, description: covering the village or its households}
        - {in: query, name: q, schema: {type: string}, description: part of the cadre's or the area's name}
        - {in: query, name: active, schema: {type: boolean}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: per_page, schema: {type: integer}}
      responses:
        200: {description: one page of duties, content: {application/json: {schema: CadreAssignmentPageSchema}}}
    """
    args = load_args(AssignmentListArgs(), request.args)
    page_number, per_page = args.pop("page"), args.pop("per_page")
    return list_response(duties.list_assignments(duties.AssignmentFilter(**args), page_number, per_page),
                         CadreAssignmentSchema())


@assignments_bp.post("")
def create_assignment():
    """Give a cadre a duty.
    ---
    post:
      tags: [governance]
      requestBody: {content: {application/json: {schema: CadreAssignmentSchema}}}
      responses:
        201: {description: created, content: {application/json: {schema: CadreAssignmentSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    data = CadreAssignmentSchema().load(json_body())
    return CadreAssignmentSchema().dump(duties.create_assignment(data)), 201


@assignments_bp.get("/coverage")
def coverage():
    """Household coverage (包户覆盖率) of the town and of every village: numerator (households with an
    active 包户 cadre), denominator (households) and percent (null when there are no households).
    ---
    get:
      tags: [governance]
      responses:
        200: {description: the coverage, content: {application/json: {schema: HouseholdCoverageSchema}}}
    """
    return HouseholdCoverageSchema().dump({"town": duties.household_coverage(),
                                           "villages": duties.coverage_by_village()})


@assignments_bp.get("/<int:assignment_id>")
def get_assignment(assignment_id: int):
    """One duty.
    ---
    get:
      tags: [governance]
      parameters: [{in: path, name: assignment_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: the duty, content: {application/json: {schema: CadreAssignmentSchema}}}
        404: {description: no such duty in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    return CadreAssignmentSchema().dump(duties.get_assignment(assignment_id))


@assignments_bp.patch("/<int:assignment_id>")
def update_assignment(assignment_id: int):
    """Change a duty; `village_ids` and `household_ids`, when given, replace the lists.
    ---
    patch:
      tags: [governance]
      parameters: [{in: path, name: assignment_id, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: CadreAssignmentUpdateSchema}}}
      responses:
        200: {description: the changed duty, content: {application/json: {schema: CadreAssignmentSchema}}}
        404: {description: no such duty in this town, content: {application/json: {schema: ErrorsSchema}}}
        422: {description: invalid input, content: {application/json: {schema: ErrorsSchema}}}
    """
    assignment = duties.get_assignment(assignment_id)
    changes = CadreAssignmentUpdateSchema().load(json_body(), partial=True)
    return CadreAssignmentSchema().dump(duties.update_assignment(assignment, changes))


@assignments_bp.delete("/<int:assignment_id>")
def delete_assignment(assignment_id: int):
    """Delete a duty.
    ---
    delete:
      tags: [governance]
      parameters: [{in: path, name: assignment_id, required: true, schema: {type: integer}}]
      responses:
        204: {description: deleted}
        404: {description: no such duty in this town, content: {application/json: {schema: ErrorsSchema}}}
    """
    duties.delete_assignment(duties.get_assignment(assignment_id))
    return "", 204
