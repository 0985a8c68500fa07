"""What the association area takes in and gives out, for pages and the API alike.

Members' names and phones are dumped masked (张*, *******8000) unless ``full=True``: only the audited
read of one member gives them in full.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, post_dump, validate

from renkou.schemas import FIELD_MESSAGES, BaseSchema, mask_phone, page_schema, phone, text
from tenants.association.models import MEMBER_ROLES, MEMBER_STATUSES
from tenants.association.services.common import today
from tenants.registry.resident_id import mask_name


def choice(values, **kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf(values, error=_l("Choose one of the listed values.")),
                         error_messages=FIELD_MESSAGES, **kwargs)


def optional_int(**kwargs) -> fields.Integer:
    return fields.Integer(allow_none=True, load_default=None, error_messages=FIELD_MESSAGES, **kwargs)


def optional_date(**kwargs) -> fields.Date:
    return fields.Date(allow_none=True, load_default=None, error_messages=FIELD_MESSAGES, **kwargs)


class _ListArgs(BaseSchema):
    """What every list takes: a search, a sort key and the page."""

    q = text(max_length=64, load_default="")
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


# ---------------------------------------------------------------------------------------------------------
# Member homes (会员之家)


class MemberHomeSchema(BaseSchema):
    """A member home. Without `village_id` it is the town's own home. `facilities`: what it has, in words."""

    id = fields.Integer(dump_only=True)
    name = text(required=True, max_length=100)
    village_id = optional_int()
    address = text(max_length=200, load_default="")
    opened_on = optional_date()
    facilities = text(max_length=1000, load_default="")
    active = fields.Boolean(load_default=True, error_messages=FIELD_MESSAGES)
    village_name = fields.Function(lambda home: home.village.name if home.village else None, dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class MemberHomeUpdateSchema(MemberHomeSchema):
    """PATCH: every field optional."""

    name = text(max_length=100)
    address = text(max_length=200)
    facilities = text(max_length=1000)
    active = fields.Boolean(error_messages=FIELD_MESSAGES)


MemberHomePageSchema = page_schema(MemberHomeSchema)


class HomeListArgs(_ListArgs):
    sort = fields.String(load_default="name")
    village_id = fields.Integer(load_default=None)
    active = fields.Boolean(load_default=None)


# ---------------------------------------------------------------------------------------------------------
# Member groups (会员小组)


class MemberGroupSchema(BaseSchema):
    """A member group of a village: `home_id` (a home of the village or the town's own) and `leader_id` (an
    active member of the village, in this group or in none: leading puts them in it) are optional."""

    id = fields.Integer(dump_only=True)
    name = text(required=True, max_length=100)
    village_id = fields.Integer(required=True, error_messages=FIELD_MESSAGES)
    home_id = optional_int()
    leader_id = optional_int()
    founded_on = optional_date()
    village_name = fields.String(dump_only=True, attribute="village.name")
    home_name = fields.Function(lambda group: group.home.name if group.home else None, dump_only=True)
    leader_name = fields.Function(lambda group: mask_name(group.leader.name) if group.leader else None,
                                  dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class MemberGroupUpdateSchema(MemberGroupSchema):
    """PATCH: every field optional."""

    name = text(max_length=100)
    village_id = fields.Integer(error_messages=FIELD_MESSAGES)


MemberGroupPageSchema = page_schema(MemberGroupSchema)


class GroupListArgs(_ListArgs):
    sort = fields.String(load_default="village")
    village_id = fields.Integer(load_default=None)
    home_id = fields.Integer(load_default=None)


# ---------------------------------------------------------------------------------------------------------
# Members (会员)


class MemberSchema(BaseSchema):
    """A member: `member_number` (unique in the town); `person_id` (a registry person, whose name is taken)
    or `name`; `group_id` (its village is the member's) or `village_id` or neither (a member of the town);
    `role` member, group_leader (小组长), council_member (理事) or volunteer; `status` active or left with
    `left_on`. The name and phone are dumped masked except in the audited read of one member."""

    id = fields.Integer(dump_only=True)
    member_number = text(required=True, max_length=32)
    person_id = optional_int()
    name = text(max_length=64, allow_none=True, load_default=None)
    phone = phone()
    village_id = optional_int()
    group_id = optional_int()
    joined_on = fields.Date(required=True, error_messages=FIELD_MESSAGES)
    role = choice(MEMBER_ROLES, load_default="member")
    status = choice(MEMBER_STATUSES, allow_none=True, load_default=None)
    left_on = optional_date()
    note = text(max_length=500, load_default="")
    in_registry = fields.Boolean(dump_only=True)
    village_name = fields.Function(lambda member: member.village.name if member.village else None, dump_only=True)
    group_name = fields.Function(lambda member: member.group.name if member.group else None, dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    def __init__(self, *args, full: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.full = full

    @post_dump
    def _mask(self, data: dict, **kwargs) -> dict:
        if not self.full:
            if "name" in data:
                data["name"] = mask_name(data["name"])
            if "phone" in data:
                data["phone"] = mask_phone(data["phone"]) or None
        return data


class MemberUpdateSchema(MemberSchema):
    """PATCH: every field optional. `status: active` clears `left_on`; a `left_on` alone means they left."""

    member_number = text(max_length=32)
    joined_on = fields.Date(error_messages=FIELD_MESSAGES)
    role = choice(MEMBER_ROLES)
    note = text(max_length=500)


MemberPageSchema = page_schema(MemberSchema)


class MemberListArgs(_ListArgs):
    sort = fields.String(load_default="number")
    village_id = fields.Integer(load_default=None)
    group_id = fields.Integer(load_default=None)
    role = choice(MEMBER_ROLES, load_default=None)
    status = choice(MEMBER_STATUSES, load_default=None)


# ---------------------------------------------------------------------------------------------------------
# Liaison households (联系户)


class LiaisonSchema(BaseSchema):
    """A household a member keeps in touch with, from `start_date` to `end_date` (inclusive; null while it
    lasts). `current`: lasting today. The member's name is masked."""

    id = fields.Integer(dump_only=True)
    member_id = fields.Integer(dump_only=True)
    member_number = fields.String(dump_only=True, attribute="member.member_number")
    member_name = fields.Function(lambda liaison: mask_name(liaison.member.name), dump_only=True)
    household_id = fields.Integer(dump_only=True)
    household_number = fields.String(dump_only=True, attribute="household.number")
    village_id = fields.Integer(dump_only=True, attribute="household.village_id")
    village_name = fields.String(dump_only=True, attribute="household.village.name")
    start_date = fields.Date(required=True, error_messages=FIELD_MESSAGES)
    end_date = optional_date()
    note = text(max_length=500, load_default="")
    current = fields.Function(lambda liaison: liaison.current_on(today()), dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class LiaisonUpdateSchema(LiaisonSchema):
    """PATCH: `start_date`, `end_date` (ending the liaison) and `note`."""

    start_date = fields.Date(error_messages=FIELD_MESSAGES)
    note = text(max_length=500)


class LiaisonAssignSchema(BaseSchema):
    """The member keeps in touch with these households from `start_date` (to `end_date`): one liaison each,
    all or none."""

    member_id = fields.Integer(required=True, error_messages=FIELD_MESSAGES)
    household_ids = fields.List(fields.Integer(error_messages=FIELD_MESSAGES), required=True,
                                error_messages=FIELD_MESSAGES,
                                validate=validate.Length(min=1, error=_l("Choose at least one household.")))
    start_date = fields.Date(required=True, error_messages=FIELD_MESSAGES)
    end_date = optional_date()
    note = text(max_length=500, load_default="")


class LiaisonListSchema(BaseSchema):
    items = fields.List(fields.Nested(LiaisonSchema), dump_only=True)


LiaisonPageSchema = page_schema(LiaisonSchema)


class LiaisonListArgs(_ListArgs):
    sort = fields.String(load_default="household")
    village_id = fields.Integer(load_default=None)
    member_id = fields.Integer(load_default=None)
    current = fields.Boolean(load_default=None)


# ---------------------------------------------------------------------------------------------------------
# Summary


class SummaryArgs(BaseSchema):
    as_of = fields.Date(load_default=None, error_messages=FIELD_MESSAGES)


class VillageSummarySchema(BaseSchema):
    """A village's (or the town's) members who have not left, groups, open homes, and liaison coverage:
    `numerator` households with a liaison lasting on the day / `denominator` households (percent null
    without households)."""

    village_id = fields.Integer(dump_only=True, allow_none=True)
    village_code = fields.String(dump_only=True)
    village_name = fields.String(dump_only=True)
    members = fields.Integer(dump_only=True)
    groups = fields.Integer(dump_only=True)
    homes = fields.Integer(dump_only=True)
    numerator = fields.Integer(dump_only=True)
    denominator = fields.Integer(dump_only=True)
    percent = fields.Float(dump_only=True, allow_none=True)


class AssociationSummarySchema(BaseSchema):
    """The association per village, the town's own (homes and members without a village) and the whole town,
    with members by role."""

    as_of = fields.Date(dump_only=True)
    villages = fields.List(fields.Nested(VillageSummarySchema), dump_only=True)
    town_level = fields.Nested(VillageSummarySchema, dump_only=True)
    town = fields.Nested(VillageSummarySchema, dump_only=True)
    roles = fields.Dict(keys=fields.String(), values=fields.Integer(), dump_only=True)
