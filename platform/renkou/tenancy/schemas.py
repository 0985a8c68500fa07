from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from renkou.accounts.passwords import policy_errors
from renkou.accounts.services import username_errors
from renkou.schemas import FIELD_MESSAGES, BaseSchema, TrimmedString, rule, text
from renkou.tenancy.codes import town_code_errors

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


def _code_errors(code: str) -> list[str]:
    return town_code_errors(code, current_app.config["RENKOU_SETTINGS"].county_code)


class TownCreateSchema(BaseSchema):
    """Every rule of onboarding that needs no look-up, so the form lists every problem at once."""

    code = TrimmedString(required=True, error_messages=FIELD_MESSAGES, validate=rule(_code_errors))
    name = text(required=True, max_length=64)
    slug = TrimmedString(
        required=True,
        error_messages=FIELD_MESSAGES,
        validate=validate.Regexp(
            SLUG_PATTERN, error=_l("2 to 40 lower-case letters, digits or dashes, starting with a letter.")
        ),
    )
    admin_username = text(required=True, max_length=64, validate=[rule(username_errors)])
    admin_password = fields.String(required=True, load_only=True, error_messages=FIELD_MESSAGES,
                                   validate=rule(policy_errors))
