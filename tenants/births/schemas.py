"""What the births area takes in and gives out, for pages and the API alike."""

from __future__ import annotations

from datetime import UTC

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from renkou.schemas import FIELD_MESSAGES, BaseSchema, page_schema, text
from renkou.timezone import county_tz
from tenants.births.models import (
    BIRTH_PLACES,
    BIRTH_SEXES,
    REGISTRATION_STATUSES,
    REGISTRATION_TIMINGS,
    TASK_KINDS,
    TASK_STATUSES,
)

TRANSITIONS = ("accept", "register", "return", "resubmit")


def choice(values, **kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf(values, error=_l("Choose one of the listed values.")),
                         error_messages=FIELD_MESSAGES, **kwargs)


def optional_int(**kwargs) -> fields.Integer:
    return fields.Integer(allow_none=True, load_default=None, error_messages=FIELD_MESSAGES, **kwargs)


def order_field(**kwargs) -> fields.Integer:
    return fields.Integer(validate=validate.Range(1, 20, error=_l("Must be between {min} and {max}.")),
                          error_messages=FIELD_MESSAGES, **kwargs)


class LocalDateTime(fields.DateTime):
    """A date and time. Without an offset (what a datetime-local input sends) it is the county's local
    time; it is stored in UTC."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", FIELD_MESSAGES)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if result.tzinfo is None:
            result = result.replace(tzinfo=county_tz())
        return result.astimezone(UTC)


# ---------------------------------------------------------------------------------------------------------
# Birth registration


class BirthRegistrationSchema(BaseSchema):
    """An application for birth registration. No document is asked for: the couple declare it themselves."""

    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True)
    mother_id = fields.Integer(required=True, error_messages=FIELD_MESSAGES)
    mother_name = fields.String(dump_only=True, attribute="mother.name")
    father_id = optional_int()
    father_name = text(max_length=64, allow_none=True, load_default=None)
    father_display = fields.String(dump_only=True)
    timing = choice(REGISTRATION_TIMINGS, required=True)
    expected_date = fields.Date(allow_none=True, load_default=None, error_messages=FIELD_MESSAGES)
    child_birth_date = fields.Date(allow_none=True, load_default=None, error_messages=FIELD_MESSAGES)
    child_order = order_field(required=True)
    self_declared = fields.Boolean(load_default=True, error_messages=FIELD_MESSAGES)
    applied_on = fields.Date(allow_none=True, load_default=None, error_messages=FIELD_MESSAGES)
    submitted_on = fields.Date(dump_only=True)
    due_on = fields.Date(dump_only=True)
    status = fields.String(dump_only=True)
    overdue = fields.Boolean(dump_only=True)
    return_reason = fields.String(dump_only=True)
    accepted_at = fields.DateTime(dump_only=True)
    registered_at = fields.DateTime(dump_only=True)
    returned_at = fields.DateTime(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class BirthRegistrationUpdateSchema(BirthRegistrationSchema):
    """PATCH: every field optional."""

    mother_id = fields.Integer(error_messages=FIELD_MESSAGES)
    timing = choice(REGISTRATION_TIMINGS)
    child_order = order_field()
    self_declared = fields.Boolean(error_messages=FIELD_MESSAGES)


BirthRegistrationPageSchema = page_schema(BirthRegistrationSchema)


class BirthRegistrationTransitionSchema(BaseSchema):
    """A step in the application's life: accept, register, return (with a reason) or resubmit."""

    action = choice(TRANSITIONS, required=True)
    reason = text(max_length=500, allow_none=True, load_default=None)


class BirthRegistrationListArgs(BaseSchema):
    status = choice(REGISTRATION_STATUSES, load_default=None)
    overdue = fields.Boolean(load_default=False)
    village_id = fields.Integer(load_default=None)
    mother_id = fields.Integer(load_default=None)
    sort = fields.String(load_default="-applied_on")
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


# ---------------------------------------------------------------------------------------------------------
# Births and notices


class BirthSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    mother_id = fields.Integer(required=True, error_messages=FIELD_MESSAGES)
    mother_name = fields.String(dump_only=True, attribute="mother.name")
    child_name = text(max_length=64, allow_none=True, load_default=None)
    born_at = LocalDateTime(required=True)
    sex = choice(BIRTH_SEXES, required=True)
    weight_grams = fields.Integer(allow_none=True, load_default=None, error_messages=FIELD_MESSAGES,
                                  validate=validate.Range(200, 8000, error=_l("Must be between {min} and {max}.")))
    place_type = choice(BIRTH_PLACES, load_default="hospital")
    place_name = text(max_length=100, allow_none=True, load_default=None)
    birth_order = order_field(allow_none=True, load_default=None)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


BirthPageSchema = page_schema(BirthSchema)


class BirthListArgs(BaseSchema):
    village_id = fields.Integer(load_default=None)
    mother_id = fields.Integer(load_default=None)
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


class FollowUpTaskSchema(BaseSchema):
    """A follow-up task a birth notice opened (dump only: tasks are opened by notices, closed by /done)."""

    id = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True)
    birth_id = fields.Integer(dump_only=True)
    notice_id = fields.Integer(dump_only=True)
    mother_name = fields.String(dump_only=True, attribute="birth.mother.name")
    due_on = fields.Date(dump_only=True)
    assignee_staff_id = fields.Integer(dump_only=True)
    assignee_name = fields.String(dump_only=True, attribute="assignee_display")
    status = fields.String(dump_only=True)
    overdue = fields.Boolean(dump_only=True)
    done_at = fields.DateTime(dump_only=True)
    done_note = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


FollowUpTaskPageSchema = page_schema(FollowUpTaskSchema)


class FollowUpTaskDoneSchema(BaseSchema):
    note = text(max_length=500, allow_none=True, load_default=None)


class FollowUpTaskListArgs(BaseSchema):
    status = choice((*TASK_STATUSES, "all"), load_default="open")
    kind = choice(TASK_KINDS, load_default=None)
    overdue = fields.Boolean(load_default=False)
    village_id = fields.Integer(load_default=None)
    staff_id = fields.Integer(load_default=None)
    assignee = text(max_length=64, load_default="")
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


class BirthNoticeSchema(BaseSchema):
    """A birth notice. Link it to a recorded birth (``birth_id``) or record the birth with it (``birth``).

    ``born_at`` defaults to the birth's time, ``received_at`` to now. The follow-up tasks go to the
    village staff member or name given, else to the first active staff member of the mother's village.
    """

    id = fields.Integer(dump_only=True)
    birth_id = optional_int()
    birth = fields.Nested(BirthSchema, load_only=True, allow_none=True, load_default=None)
    born_at = LocalDateTime(allow_none=True, load_default=None)
    received_at = LocalDateTime(allow_none=True, load_default=None)
    source = text(required=True, max_length=100)
    on_time = fields.Boolean(dump_only=True)
    assignee_staff_id = optional_int(load_only=True)
    assignee_name = text(max_length=64, allow_none=True, load_default=None, load_only=True)
    tasks = fields.List(fields.Nested(FollowUpTaskSchema), dump_only=True)
    created_at = fields.DateTime(dump_only=True)


BirthNoticePageSchema = page_schema(BirthNoticeSchema)


class BirthNoticeFormSchema(BaseSchema):
    """The notice form of the browser: the notice and, when no recorded birth is chosen, the birth."""

    birth_id = optional_int()
    mother_id = optional_int()
    child_name = text(max_length=64, allow_none=True, load_default=None)
    sex = choice(BIRTH_SEXES, load_default=None)
    weight_grams = fields.Integer(allow_none=True, load_default=None, error_messages=FIELD_MESSAGES,
                                  validate=validate.Range(200, 8000, error=_l("Must be between {min} and {max}.")))
    place_type = choice(BIRTH_PLACES, load_default="hospital")
    place_name = text(max_length=100, allow_none=True, load_default=None)
    birth_order = order_field(allow_none=True, load_default=None)
    born_at = LocalDateTime(allow_none=True, load_default=None)
    received_at = LocalDateTime(allow_none=True, load_default=None)
    source = text(required=True, max_length=100)
    assignee_staff_id = optional_int()
    assignee_name = text(max_length=64, allow_none=True, load_default=None)


class BirthNoticeListArgs(BaseSchema):
    on_time = fields.Boolean(load_default=None, allow_none=True)
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)
