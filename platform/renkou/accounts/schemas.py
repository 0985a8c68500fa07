from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from renkou.accounts.passwords import policy_errors
from renkou.accounts.roles import TOWN_STAFF, TOWN_VIEWER
from renkou.accounts.services import username_errors
from renkou.schemas import FIELD_MESSAGES, BaseSchema, rule, text


class LoginSchema(BaseSchema):
    username = text(required=True, max_length=64)
    password = fields.String(required=True, load_only=True, error_messages=FIELD_MESSAGES)
    next = fields.String(load_default="")


class TownAccountSchema(BaseSchema):
    username = text(required=True, max_length=64, validate=[rule(username_errors)])
    display_name = text(max_length=64, load_default="")
    password = fields.String(required=True, load_only=True, error_messages=FIELD_MESSAGES,
                             validate=rule(policy_errors))
    role = fields.String(
        required=True,
        error_messages=FIELD_MESSAGES,
        validate=validate.OneOf([TOWN_STAFF, TOWN_VIEWER], error=_l("Choose staff or viewer.")),
    )


class PasswordSchema(BaseSchema):
    password = fields.String(required=True, load_only=True, error_messages=FIELD_MESSAGES,
                             validate=rule(policy_errors))


class CodeSchema(BaseSchema):
    """The second step of sign-in: a 6-digit TOTP code or a recovery code."""

    code = text(required=True, max_length=32)


class PasswordChangeSchema(BaseSchema):
    current_password = fields.String(required=True, load_only=True, error_messages=FIELD_MESSAGES)
    password = fields.String(required=True, load_only=True, error_messages=FIELD_MESSAGES)
    password_again = fields.String(required=True, load_only=True, error_messages=FIELD_MESSAGES)


class TokenSchema(BaseSchema):
    name = text(max_length=64, load_default="")
