from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from renkou.schemas import FIELD_MESSAGES, BaseSchema, TrimmedString, digits, text

SLUG_PATTERN = r"^[a-z][a-z0-9-]{1,39}$"


class TownSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    code = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    slug = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class TownListSchema(BaseSchema):
    items = fields.List(fields.Nested(TownSchema))


class TownCreateSchema(BaseSchema):
    code = digits(9, required=True)
    name = text(required=True, max_length=64)
    slug = TrimmedString(
        required=True,
        error_messages=FIELD_MESSAGES,
        validate=validate.Regexp(
            SLUG_PATTERN, error=_l("2 to 40 lower-case letters, digits or dashes, starting with a letter.")
        ),
    )
    admin_username = text(required=True, max_length=64)
    admin_password = fields.String(required=True, load_only=True, error_messages=FIELD_MESSAGES)
