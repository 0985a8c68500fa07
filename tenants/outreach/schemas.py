"""What the outreach area takes in and gives out, for pages and the API alike."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from renkou.schemas import FIELD_MESSAGES, BaseSchema, page_schema, text
from tenants.outreach.models import ACTIVITY_KINDS, MATERIAL_KINDS

COUNTS = validate.Range(0, 100_000, error=_l("Must be between {min} and {max}."))


def choice(values, **kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf(values, error=_l("Choose one of the listed values.")),
                         error_messages=FIELD_MESSAGES, **kwargs)


def optional_int(**kwargs) -> fields.Integer:
    return fields.Integer(allow_none=True, load_default=None, error_messages=FIELD_MESSAGES, **kwargs)


def required_date() -> fields.Date:
    return fields.Date(required=True, error_messages=FIELD_MESSAGES)


def village_name():
    return fields.Function(lambda record: record.village.name if record.village else None, dump_only=True)


class DatedListArgs(BaseSchema):
    """The filters every outreach list shares: a village and a period (inclusive)."""

    village_id = fields.Integer(load_default=None)
    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


# ---------------------------------------------------------------------------------------------------------
# Activities


class OutreachActivitySchema(BaseSchema):
    """An outreach activity; without ``village_id`` it was town-wide."""

    id = fields.Integer(dump_only=True)
    kind = choice(ACTIVITY_KINDS, required=True)
    activity_date = required_date()
    village_id = optional_int()
    village_name = village_name()
    participants = fields.Integer(load_default=0, validate=COUNTS, error_messages=FIELD_MESSAGES)
    description = text(max_length=1000, load_default="")
    created_at = fields.DateTime(dump_only=True)


OutreachActivityPageSchema = page_schema(OutreachActivitySchema)


class ActivityListArgs(DatedListArgs):
    kind = choice(ACTIVITY_KINDS, load_default=None)


# ---------------------------------------------------------------------------------------------------------
# Materials and deliveries


class OutreachMaterialSchema(BaseSchema):
    """A material of the catalogue; its name is unique in the town."""

    id = fields.Integer(dump_only=True)
    name = text(required=True, max_length=100)
    kind = choice(MATERIAL_KINDS, required=True)
    created_at = fields.DateTime(dump_only=True)


OutreachMaterialPageSchema = page_schema(OutreachMaterialSchema)


class MaterialListArgs(BaseSchema):
    q = text(max_length=100, load_default="")
    kind = choice(MATERIAL_KINDS, load_default=None)
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


class DeliveredHouseholdSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True)


class MaterialDeliverySchema(BaseSchema):
    """A material delivered to households of one village: to every household of the village
    (``all_households``) or to those listed in ``household_ids``."""

    id = fields.Integer(dump_only=True)
    material_id = fields.Integer(required=True, error_messages=FIELD_MESSAGES)
    material_name = fields.String(dump_only=True, attribute="material.name")
    village_id = fields.Integer(required=True, error_messages=FIELD_MESSAGES)
    village_name = village_name()
    delivery_date = required_date()
    all_households = fields.Boolean(load_only=True, load_default=False, error_messages=FIELD_MESSAGES)
    household_ids = fields.List(fields.Integer(error_messages=FIELD_MESSAGES), load_only=True, load_default=list,
                                error_messages=FIELD_MESSAGES)
    households = fields.List(fields.Nested(DeliveredHouseholdSchema), dump_only=True)
    household_count = fields.Function(lambda delivery: len(delivery.households), dump_only=True)
    note = text(max_length=500, load_default="")
    created_at = fields.DateTime(dump_only=True)


class MaterialDeliverySummarySchema(MaterialDeliverySchema):
    """A delivery in a list: the count of households, not each of them."""

    class Meta(BaseSchema.Meta):
        exclude = ("households",)


MaterialDeliverySummaryPageSchema = page_schema(MaterialDeliverySummarySchema)


class DeliveryFormSchema(BaseSchema):
    """The delivery form of the browser; the chosen households come as repeated ``household_ids``."""

    material_id = fields.Integer(required=True, error_messages=FIELD_MESSAGES)
    village_id = fields.Integer(required=True, error_messages=FIELD_MESSAGES)
    delivery_date = required_date()
    all_households = fields.Boolean(load_default=False, error_messages=FIELD_MESSAGES)
    note = text(max_length=500, load_default="")


class HouseholdChoiceSchema(BaseSchema):
    household_ids = fields.List(fields.Integer(error_messages=FIELD_MESSAGES), load_default=list)


class DeliveryListArgs(DatedListArgs):
    material_id = fields.Integer(load_default=None)


class CoverageArgs(BaseSchema):
    date_from = fields.Date(load_default=None, error_messages=FIELD_MESSAGES)
    date_to = fields.Date(load_default=None, error_messages=FIELD_MESSAGES)


# ---------------------------------------------------------------------------------------------------------
# Slogans and population-school sessions


class SloganSchema(BaseSchema):
    """A slogan: where it is (a village, or town-wide), what it says, the day it was put up."""

    id = fields.Integer(dump_only=True)
    village_id = optional_int()
    village_name = village_name()
    place = text(required=True, max_length=200)
    content = text(required=True, max_length=500)
    slogan_date = required_date()
    created_at = fields.DateTime(dump_only=True)


SloganPageSchema = page_schema(SloganSchema)


class SloganListArgs(DatedListArgs):
    q = text(max_length=100, load_default="")


class SchoolSessionSchema(BaseSchema):
    """A population-school session; without ``village_id`` it was held by the town school."""

    id = fields.Integer(dump_only=True)
    topic = text(required=True, max_length=200)
    session_date = required_date()
    village_id = optional_int()
    village_name = village_name()
    attendance = fields.Integer(load_default=0, validate=COUNTS, error_messages=FIELD_MESSAGES)
    created_at = fields.DateTime(dump_only=True)


SchoolSessionPageSchema = page_schema(SchoolSessionSchema)
