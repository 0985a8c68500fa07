"""The bodies the bureau sends, the reply form and the list arguments.

A message is a JSON object whose ``kind`` picks its shape:

    {"kind": "targets", "reference": "…", "targets": [
        {"indicator": "contraceptive_prevalence", "period": "2026", "town": "county" | "411524101",
         "value": "85.5", "note": "…"}]}
    {"kind": "verification_request", "reference": "…", "title": "…", "urgent": true,
     "town": "411524101" (optional: the town, when the bureau knows it),
     "person": {"name": "张三", "resident_id": "11010519491231002X"}, "request": "what to verify"}
    {"kind": "notification", "reference": "…", "title": "…", "text": "…",
     "towns": ["411524101", …] (optional: none means the county)}
"""

from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates

from renkou.inbound.models import KINDS, NOTIFICATION, VERIFICATION
from renkou.schemas import FIELD_MESSAGES, BaseSchema, TrimmedString, text
from renkou.targets.rules import parse_value

TOWN_CODE = re.compile(r"^\d{9}$")
# The shape and check character of a resident ID (GB 11643). tenants.registry.resident_id holds the full
# rules; the platform core cannot import a town area (DESIGN.md §2), and the bureau's numbers only need
# to be plausible here: the town's register is what finds the person.
_ID_SHAPE = re.compile(r"^(\d{17}[\dX]|\d{15})$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def normalize_id(raw: str) -> str:
    return (raw or "").strip().replace(" ", "").upper()


def _check_resident_id(value: str) -> None:
    number = normalize_id(value)
    if not _ID_SHAPE.fullmatch(number):
        raise ValidationError(str(_l("An ID number has 18 characters (digits, the last may be X), "
                                     "or 15 digits for an old card.")))
    if len(number) == 18:
        check = "10X98765432"[sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True)) % 11]
        if check != number[17]:
            raise ValidationError(str(_l("The check character of the ID number is wrong: please check the number.")))


def mask_id(value: str | None) -> str:
    """110101********123X, as everywhere else."""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if value and len(value) > 10 else ""


def mask_name(name: str | None) -> str:
    """张*: the surname stays."""
    return name[0] + "*" * (len(name) - 1) if name else ""


class TargetValue(fields.Field):
    """A number, or a string of one ("85.5", "85.5%")."""

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        if isinstance(value, bool) or value is None:
            raise ValidationError(str(_l("Not a number.")))
        try:
            parsed = parse_value(value)
        except ValueError as error:
            raise ValidationError(str(error)) from None
        if parsed is None:
            raise ValidationError(str(FIELD_MESSAGES["required"]))
        return parsed


def _town_code(value: str) -> None:
    if value != "county" and not TOWN_CODE.fullmatch(value):
        raise ValidationError(str(_l("A town's 9-digit code, or county.")))


class TargetItemSchema(BaseSchema):
    indicator = text(required=True, max_length=40)
    period = text(required=True, max_length=16)
    town = TrimmedString(required=True, validate=_town_code, error_messages=FIELD_MESSAGES)
    value = TargetValue(required=True, error_messages=FIELD_MESSAGES)
    note = text(max_length=500, load_default=None)


class _MessageSchema(BaseSchema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS), error_messages=FIELD_MESSAGES)
    reference = text(max_length=128, load_default="")
    title = text(max_length=200, load_default="")


class TargetsMessageSchema(_MessageSchema):
    targets = fields.List(fields.Nested(TargetItemSchema), required=True, validate=validate.Length(min=1, max=5000),
                          error_messages=FIELD_MESSAGES)


class PersonSchema(BaseSchema):
    name = text(required=True, max_length=64)
    resident_id = TrimmedString(required=True, validate=_check_resident_id, error_messages=FIELD_MESSAGES)


class VerificationMessageSchema(_MessageSchema):
    reference = text(required=True, max_length=128)
    urgent = fields.Boolean(load_default=False, error_messages=FIELD_MESSAGES)
    town = TrimmedString(load_default=None, allow_none=True, error_messages=FIELD_MESSAGES,
                         validate=validate.Regexp(TOWN_CODE, error=_l("A town's 9-digit code.")))
    person = fields.Nested(PersonSchema, required=True, error_messages=FIELD_MESSAGES)
    request = text(max_length=4000, load_default="")


class NotificationMessageSchema(_MessageSchema):
    reference = text(required=True, max_length=128)
    title = text(required=True, max_length=200)
    text = text(required=True, max_length=20000)
    towns = fields.List(TrimmedString(validate=validate.Regexp(TOWN_CODE, error=_l("A town's 9-digit code."))),
                        load_default=list, validate=validate.Length(max=500), error_messages=FIELD_MESSAGES)

    @validates("towns")
    def _no_repeats(self, value, **_kwargs):
        if len(value) != len(set(value)):
            raise ValidationError(str(_l("A town is named more than once.")))


SCHEMAS = {"targets": TargetsMessageSchema, VERIFICATION: VerificationMessageSchema,
           NOTIFICATION: NotificationMessageSchema}


# ---------------------------------------------------------------------------------------------------------
# Pages

VERIFICATION_RESULTS = ("confirmed", "differs", "not_found")
NOTIFICATION_RESULTS = ("done", "noted")


class ReplySchema(BaseSchema):
    """The answer to a task; which results fit depends on its kind (checked by the service)."""

    result = fields.String(required=True, validate=validate.OneOf(VERIFICATION_RESULTS + NOTIFICATION_RESULTS),
                           error_messages=FIELD_MESSAGES)
    text = text(required=True, max_length=4000)


class NoticeListArgs(BaseSchema):
    kind = fields.String(load_default=None, validate=validate.OneOf((VERIFICATION, NOTIFICATION)))
    status = fields.String(load_default=None, validate=validate.OneOf(("open", "replying", "replied")))
    overdue = fields.Boolean(load_default=False)
    q = text(max_length=100, load_default="")
    sort = fields.String(load_default="due_on", validate=validate.OneOf(
        ("due_on", "-due_on", "received_on", "-received_on")))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class MessageListArgs(BaseSchema):
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS))
    status = fields.String(load_default=None, validate=validate.OneOf(("applied", "routed", "locating")))
    overdue = fields.Boolean(load_default=False)
    q = text(max_length=100, load_default="")
    sort = fields.String(load_default="-received", validate=validate.OneOf(("received", "-received")))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
