"""What the funding area takes in and gives out, for pages and the API alike."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate

from renkou.schemas import AMOUNT_INVALID, FIELD_MESSAGES, BaseSchema, page_schema, text
from tenants.funding.models import FUNDING_CATEGORIES

MAX_AMOUNT = Decimal("99999999.99")
YEARS = validate.Range(1949, 2100, error=_l("Must be between {min} and {max}."))


def choice(values, **kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf(values, error=_l("Choose one of the listed values.")),
                         error_messages=FIELD_MESSAGES, **kwargs)


def _two_decimals(value: Decimal) -> None:
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError(str(_l("Give the amount in yuan with at most two decimals (fen).")))


def amount_field(**kwargs) -> fields.Decimal:
    """An amount in yuan: more than zero, at most two decimals; dumped as a string ("1234.50")."""
    return fields.Decimal(places=None, as_string=True, error_messages={
        **FIELD_MESSAGES, "invalid": AMOUNT_INVALID, "special": AMOUNT_INVALID},
        validate=[validate.Range(min=Decimal("0.01"), max=MAX_AMOUNT, error=_l("Must be between {min} and {max}.")),
                  _two_decimals], **kwargs)


class FundingEntrySchema(BaseSchema):
    """A funding entry. ``amount`` is in yuan (a string or number with at most two decimals)."""

    id = fields.Integer(dump_only=True)
    entry_date = fields.Date(required=True, error_messages=FIELD_MESSAGES)
    amount = amount_field(required=True)
    category = choice(FUNDING_CATEGORIES, required=True)
    description = text(max_length=500, load_default="")
    voucher_number = text(required=True, max_length=32)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class FundingEntryUpdateSchema(FundingEntrySchema):
    """PATCH: every field optional."""

    entry_date = fields.Date(error_messages=FIELD_MESSAGES)
    amount = amount_field()
    category = choice(FUNDING_CATEGORIES)
    description = text(max_length=500)
    voucher_number = text(max_length=32)


FundingEntryPageSchema = page_schema(FundingEntrySchema)


class FundingListArgs(BaseSchema):
    year = fields.Integer(load_default=None, validate=YEARS)
    category = choice(FUNDING_CATEGORIES, load_default=None)
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


class FundingSummaryArgs(BaseSchema):
    year = fields.Integer(load_default=None, validate=YEARS, error_messages=FIELD_MESSAGES)


class FundingCategoryTotalSchema(BaseSchema):
    category = fields.String(dump_only=True)
    amount = fields.Decimal(as_string=True, dump_only=True)


class FundingSummarySchema(BaseSchema):
    """A year's funding: totals by category (every category, zeros included), the total, the population
    at the year's end and the funding per head (人均经费投入 = total / population; null without people)."""

    year = fields.Integer(dump_only=True)
    categories = fields.List(fields.Nested(FundingCategoryTotalSchema), dump_only=True)
    total = fields.Decimal(as_string=True, dump_only=True)
    population = fields.Integer(dump_only=True)
    population_on = fields.Date(dump_only=True)
    per_capita = fields.Decimal(as_string=True, dump_only=True, allow_none=True)
