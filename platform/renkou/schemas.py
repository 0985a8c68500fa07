"""Marshmallow building blocks shared by every area: strict schemas with translatable messages."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate

_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
BAD_TEXT_MESSAGE = _l("The text contains characters that are not allowed (NUL or invalid Unicode).")


def has_bad_text(value: str) -> bool:
    """NUL characters or lone surrogates: text no database column can hold."""
    return bool(_BAD_TEXT.search(value))


NOT_VALID = _l("Not a valid value.")
FIELD_MESSAGES = {
    "required": _l("This field is required."),
    "null": _l("This field cannot be empty."),
    "invalid": NOT_VALID,
    "validator_failed": NOT_VALID,
}
AMOUNT_INVALID = _l("Enter an amount in yuan as a plain number, such as 1200.50.")
# What a field of each type expects, said instead of "not a valid value". Narrower types first: a Date
# is a kind of DateTime, an Integer a kind of Number.
_EXPECTED = (
    (fields.Date, _l("Enter a date as year-month-day, such as 2026-03-15.")),
    (fields.DateTime, _l("Enter a date and time, such as 2026-03-15 14:30.")),
    (fields.Integer, _l("Enter a whole number, such as 12.")),
    (fields.Number, _l("Enter a number, such as 12.5.")),
    (fields.Boolean, _l("Choose yes or no.")),
)


# Integer columns are PostgreSQL ``integer``; a larger number must be a field error, not a database error.
INT_RANGE = (-(2**31), 2**31 - 1)


class BaseSchema(Schema):
    """Unknown fields are an error, not silently dropped: a typo in an API call should say so.

    Every integer field (alone or in a list) takes only what an integer column holds.
    """

    class Meta:
        unknown = RAISE

    error_messages = {
        "unknown": _l("Unknown field."),
        "type": _l("Invalid input type."),
    }

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        """A number, date or yes/no field that would answer "not a valid value" says what it expects."""
        for kind in ("invalid", "special"):
            if field_obj.error_messages.get(kind) is NOT_VALID:
                expected = next((message for field_type, message in _EXPECTED if isinstance(field_obj, field_type)),
                                None)
                if expected is not None:
                    field_obj.error_messages = {**field_obj.error_messages, kind: expected}
        for field in (field_obj, getattr(field_obj, "inner", None)):
            if isinstance(field, fields.Integer) and not _bounded(field):
                field.validators.append(validate.Range(*INT_RANGE, error=_l("The number is out of range.")))


def _bounded(field: fields.Integer) -> bool:
    return any(isinstance(check, validate.Range) and check.min is not None and check.max is not None
               and INT_RANGE[0] <= check.min and check.max <= INT_RANGE[1] for check in field.validators)


def text(*, required: bool = False, max_length: int = 255, min_length: int = 0, **kwargs) -> fields.String:
    """A trimmed string field with a length check and translated messages."""
    validators = list(kwargs.pop("validate", []))
    validators.append(
        validate.Length(
            min=max(min_length, 1 if required else 0),
            max=max_length,
            error=_l("Length must be between {min} and {max} characters."),
        )
    )
    return TrimmedString(required=required, validate=validators, error_messages=FIELD_MESSAGES, **kwargs)


def rule(check):
    """A field validator from a service's own rule (``check(value)`` lists what is wrong), so that a form
    reports it together with every other field's problem instead of only after they are fixed."""

    def validator(value) -> None:
        if problems := check(value):
            raise ValidationError([str(problem) for problem in problems])

    return validator


def digits(count: int, **kwargs) -> fields.String:
    return TrimmedString(
        validate=validate.Regexp(rf"^\d{{{count}}}$", error=_l("Must be exactly %(count)s digits.", count=count)),
        error_messages=FIELD_MESSAGES,
        **kwargs,
    )


def phone(**kwargs) -> fields.String:
    """An optional phone number: digits, spaces, + and -, 7 to 20 of them."""
    return TrimmedString(allow_none=True, load_default=None, error_messages=FIELD_MESSAGES,
                         validate=validate.Regexp(r"^[0-9+\- ]{7,20}$", error=_l("Not a valid phone number.")),
                         **kwargs)


def mask_phone(value: str | None) -> str:
    """*******1234: only the last four digits of a phone number are shown on lists and in exports."""
    return "*" * (len(value) - 4) + value[-4:] if value and len(value) > 4 else ""


class TrimmedString(fields.String):
    """Strips surrounding white space, which people paste from spreadsheets all the time."""

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if result is not None and has_bad_text(result):
            raise ValidationError(str(BAD_TEXT_MESSAGE))
        return result.strip() if result is not None else None


class ErrorsSchema(Schema):
    """Every API error: {"errors": {field or "_schema": [messages]}}."""

    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)


class PageMetaSchema(Schema):
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()


def page_schema(item_schema: type[Schema]) -> type[Schema]:
    """The schema of one page of a list: {"items": [...], "meta": {...}}; assign it to a module-level
    name ending in PageSchema so the OpenAPI document can refer to it."""
    return type(f"{item_schema.__name__.removesuffix('Schema')}PageSchema", (Schema,), {
        "items": fields.List(fields.Nested(item_schema)),
        "meta": fields.Nested(PageMetaSchema),
    })


def messages_of(error: ValidationError) -> dict[str, list[str]]:
    """marshmallow's error dict as plain strings in lists, ready for JSON or a template.

    A translated (lazy) message is not a str, so marshmallow leaves it unwrapped; it is wrapped here.
    """
    return _plain_dict(error.normalized_messages())


def _plain_dict(messages: dict) -> dict:
    return {str(key): _plain_value(value) for key, value in messages.items()}


def _plain_value(value):
    if isinstance(value, dict):
        return _plain_dict(value)
    if isinstance(value, list | tuple):
        return [_plain_dict(item) if isinstance(item, dict) else str(item) for item in value]
    return [str(value)]
