"""What the contraception area takes in and gives out, for pages and the API alike."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate

from renkou.schemas import FIELD_MESSAGES, BaseSchema, page_schema, text
from tenants.contraception.methods import ALL_CODES
from tenants.contraception.models import FOLLOW_UP_KINDS


def choice(values, **kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf(values, error=_l("Choose one of the listed values.")),
                         error_messages=FIELD_MESSAGES, **kwargs)


def optional_date(**kwargs) -> fields.Date:
    return fields.Date(allow_none=True, load_default=None, error_messages=FIELD_MESSAGES, **kwargs)


class CodeList(fields.List):
    """A list of codes. A browser form sends the ticked boxes joined by commas; repeats are dropped."""

    def __init__(self, values, **kwargs):
        kwargs.setdefault("error_messages", FIELD_MESSAGES)
        self.values = tuple(values)
        super().__init__(choice(values), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list | tuple) and any(item not in self.values for item in value):
            # One message for the field, not one per position.
            raise ValidationError(str(_l("Choose from the listed values.")))
        return list(dict.fromkeys(super()._deserialize(value, attr, data, **kwargs)))


class CounsellingVisitSchema(BaseSchema):
    """A counselling visit. `method_chosen` needs `consent: true` (the person chose it themselves after
    counselling) and must be among `methods_discussed`; `stopped: true` records that the person stopped
    using a method. `visit_date` defaults to today, `counsellor` to the signed-in user's name."""

    id = fields.Integer(dump_only=True)
    person_id = fields.Integer(required=True, error_messages=FIELD_MESSAGES)
    person_name = fields.String(dump_only=True, attribute="person.name")
    visit_date = optional_date()
    counsellor = text(max_length=64, allow_none=True, load_default=None)
    methods_discussed = CodeList(ALL_CODES, load_default=list)
    method_chosen = choice(ALL_CODES, allow_none=True, load_default=None)
    stopped = fields.Boolean(load_default=False, error_messages=FIELD_MESSAGES)
    consent = fields.Boolean(load_default=False, error_messages=FIELD_MESSAGES)
    notes = text(max_length=1000, allow_none=True, load_default=None)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


CounsellingVisitPageSchema = page_schema(CounsellingVisitSchema)


class VisitListArgs(BaseSchema):
    village_id = fields.Integer(load_default=None)
    person_id = fields.Integer(load_default=None)
    method_chosen = choice(ALL_CODES, load_default=None)
    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


class MarriedWomenArgs(BaseSchema):
    as_of = fields.Date(load_default=None)
    village_id = fields.Integer(load_default=None)
    q = text(max_length=64, load_default="")
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


class FollowUpVisitSchema(BaseSchema):
    """A "四前四后" service visit. `visit_date` defaults to today, `visitor` to the signed-in user's name."""

    id = fields.Integer(dump_only=True)
    person_id = fields.Integer(required=True, error_messages=FIELD_MESSAGES)
    person_name = fields.String(dump_only=True, attribute="person.name")
    kind = choice(tuple(FOLLOW_UP_KINDS), required=True)
    visit_date = optional_date()
    visitor = text(max_length=64, allow_none=True, load_default=None)
    content = text(required=True, max_length=1000)
    outcome = text(max_length=500, allow_none=True, load_default=None)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


FollowUpVisitPageSchema = page_schema(FollowUpVisitSchema)


class FollowUpListArgs(BaseSchema):
    kind = choice(tuple(FOLLOW_UP_KINDS), load_default=None)
    village_id = fields.Integer(load_default=None)
    person_id = fields.Integer(load_default=None)
    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)
