from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from renkou.schemas import FIELD_MESSAGES, BaseSchema, TrimmedString, page_schema, phone, text
from tenants.registry.models import MARITAL_STATUSES, PERSON_STATUSES, RELATIONS, SEXES


def choice(values, **kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf(values, error=_l("Choose one of the listed values.")),
                         error_messages=FIELD_MESSAGES, **kwargs)


def optional_int(**kwargs) -> fields.Integer:
    return fields.Integer(allow_none=True, load_default=None, error_messages=FIELD_MESSAGES, **kwargs)


class HouseholdSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    number = text(required=True, max_length=32)
    village_id = fields.Integer(required=True, error_messages=FIELD_MESSAGES)
    group_id = optional_int()
    address = text(required=True, max_length=200)
    village_name = fields.String(dump_only=True, attribute="village.name")
    group_name = fields.Function(lambda household: household.group.name if household.group else None, dump_only=True)
    member_count = fields.Function(lambda household: len(household.members), dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class HouseholdUpdateSchema(HouseholdSchema):
    number = text(max_length=32)
    village_id = fields.Integer(error_messages=FIELD_MESSAGES)
    address = text(max_length=200)


HouseholdPageSchema = page_schema(HouseholdSchema)


class HouseholdListArgs(BaseSchema):
    q = text(max_length=64, load_default="")
    village_id = fields.Integer(load_default=None)
    sort = fields.String(load_default="number")
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


class PersonSchema(BaseSchema):
    """A person. ``resident_id`` is dumped masked unless full view was asked for and allowed."""

    id = fields.Integer(dump_only=True)
    name = text(required=True, max_length=64)
    sex = choice(SEXES, load_default=None)
    birth_date = fields.Date(load_default=None, error_messages=FIELD_MESSAGES)
    resident_id = TrimmedString(allow_none=True, load_default=None, error_messages=FIELD_MESSAGES)
    resident_id_legacy = fields.Boolean(dump_only=True)
    household_id = optional_int()
    relation = choice(RELATIONS, load_default="other")
    marital_status = choice(MARITAL_STATUSES, load_default="unmarried")
    phone = phone()
    status = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class PersonUpdateSchema(PersonSchema):
    name = text(max_length=64)
    relation = choice(RELATIONS)
    marital_status = choice(MARITAL_STATUSES)


PersonPageSchema = page_schema(PersonSchema)


class PeopleListArgs(BaseSchema):
    q = text(max_length=64, load_default="")
    village_id = fields.Integer(load_default=None)
    household_id = fields.Integer(load_default=None)
    sex = choice(SEXES, load_default=None)
    marital_status = choice(MARITAL_STATUSES, load_default=None)
    status = choice(PERSON_STATUSES, load_default=None)
    age_min = fields.Integer(load_default=None, validate=validate.Range(0, 150))
    age_max = fields.Integer(load_default=None, validate=validate.Range(0, 150))
    as_of = fields.Date(load_default=None)
    sort = fields.String(load_default="name")
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)
