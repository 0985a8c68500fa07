"""What the movements area takes in and gives out, for pages and the API alike."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from renkou.schemas import FIELD_MESSAGES, BaseSchema, TrimmedString, page_schema, phone, text
from tenants.movements.models import MOVEMENT_KINDS
from tenants.registry.models import MARITAL_STATUSES, RELATIONS, SEXES
from tenants.registry.schemas import PersonSchema

STATES = ("active", "cancelled", "all")


def choice(values, **kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf(values, error=_l("Choose one of the listed values.")),
                         error_messages=FIELD_MESSAGES, **kwargs)


def optional_int(**kwargs) -> fields.Integer:
    return fields.Integer(allow_none=True, load_default=None, error_messages=FIELD_MESSAGES, **kwargs)


class MovementSchema(BaseSchema):
    """A death, a move out (`place`: the destination) or a move in (`place`: the origin). The event is
    about the person `person_id`; a move in may instead register a new resident with it (`person`)."""

    id = fields.Integer(dump_only=True)
    person_id = optional_int()
    person = fields.Nested(PersonSchema, load_only=True, allow_none=True, load_default=None)
    person_name = fields.String(dump_only=True, attribute="person.name")
    kind = choice(MOVEMENT_KINDS, required=True)
    event_date = fields.Date(required=True, error_messages=FIELD_MESSAGES)
    place = text(max_length=200, allow_none=True, load_default=None)
    note = text(max_length=500, allow_none=True, load_default=None)
    created_person = fields.Boolean(dump_only=True)
    cancelled = fields.Boolean(dump_only=True)
    cancelled_at = fields.DateTime(dump_only=True)
    cancel_reason = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


MovementPageSchema = page_schema(MovementSchema)


class MovementCancelSchema(BaseSchema):
    reason = text(max_length=500, allow_none=True, load_default=None)


class MovementFormSchema(BaseSchema):
    """The browser's form: the event, and, for a new resident moving in, their register fields."""

    kind = choice(MOVEMENT_KINDS, required=True)
    event_date = fields.Date(required=True, error_messages=FIELD_MESSAGES)
    person_id = optional_int()
    place = text(max_length=200, allow_none=True, load_default=None)
    note = text(max_length=500, allow_none=True, load_default=None)
    name = text(max_length=64, allow_none=True, load_default=None)
    resident_id = TrimmedString(allow_none=True, load_default=None, error_messages=FIELD_MESSAGES)
    sex = choice(SEXES, load_default=None)
    birth_date = fields.Date(load_default=None, error_messages=FIELD_MESSAGES)
    household_id = optional_int()
    relation = choice(RELATIONS, load_default="other")
    marital_status = choice(MARITAL_STATUSES, load_default="unmarried")
    phone = phone()


NEW_PERSON_FIELDS = ("name", "resident_id", "sex", "birth_date", "household_id", "relation", "marital_status",
                     "phone")


class MovementListArgs(BaseSchema):
    kind = choice(MOVEMENT_KINDS, load_default=None)
    village_id = fields.Integer(load_default=None)
    person_id = fields.Integer(load_default=None)
    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)
    state = choice(STATES, load_default="active")
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)
