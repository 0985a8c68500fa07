"""What the clinics area takes in and gives out, for pages and the API alike."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, post_dump, validate

from renkou.schemas import FIELD_MESSAGES, BaseSchema, mask_phone, page_schema, phone, text
from tenants.clinics import rules
from tenants.clinics.models import (
    FINDING_SOURCES,
    FINDING_STATUSES,
    ITEM_RESULTS,
    LICENCE_KINDS,
    LICENCE_STATES,
    UNIT_KINDS,
)

FINDING_ACTIONS = ("rectify", "close")


def choice(values, **kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf(values, error=_l("Choose one of the listed values.")),
                         error_messages=FIELD_MESSAGES, **kwargs)


def optional_int(**kwargs) -> fields.Integer:
    return fields.Integer(allow_none=True, load_default=None, error_messages=FIELD_MESSAGES, **kwargs)


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
            raise ValidationError(str(_l("Choose from the listed values.")))
        return list(dict.fromkeys(super()._deserialize(value, attr, data, **kwargs)))


# ---------------------------------------------------------------------------------------------------------
# Medical units


class MedicalUnitSchema(BaseSchema):
    """A medical unit. `services` are service codes (see the unit kinds and services in the API's
    description); a private clinic recorded as offering deliveries, IUD insertion or removal, terminations
    or sterilisation gets a finding. The contact phone is dumped masked unless ``full_phone=True``: only
    the audited read of one unit shows it in full."""

    id = fields.Integer(dump_only=True)
    kind = choice(UNIT_KINDS, required=True)
    name = text(required=True, max_length=100)
    village_id = optional_int()
    village_name = fields.Function(lambda unit: unit.village.name if unit.village else None, dump_only=True)
    address = text(max_length=200, load_default="")
    contact_name = text(max_length=64, allow_none=True, load_default=None)
    contact_phone = phone()
    active = fields.Boolean(load_default=True, error_messages=FIELD_MESSAGES)
    services = CodeList(rules.SERVICE_CODES, load_default=list)
    restricted_offered = fields.List(fields.String(), dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    def __init__(self, *args, full_phone: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.full_phone = full_phone

    @post_dump
    def _mask_phone(self, data: dict, **kwargs) -> dict:
        if not self.full_phone and "contact_phone" in data:
            data["contact_phone"] = mask_phone(data["contact_phone"]) or None
        return data


class MedicalUnitUpdateSchema(MedicalUnitSchema):
    """PATCH: every field optional; `services`, when given, is the whole new list."""

    kind = choice(UNIT_KINDS)
    name = text(max_length=100)
    address = text(max_length=200)
    active = fields.Boolean(error_messages=FIELD_MESSAGES)
    services = CodeList(rules.SERVICE_CODES)


MedicalUnitPageSchema = page_schema(MedicalUnitSchema)


class UnitListArgs(BaseSchema):
    q = text(max_length=64, load_default="")
    kind = choice(UNIT_KINDS, load_default=None)
    village_id = fields.Integer(load_default=None)
    active = fields.Boolean(load_default=None, allow_none=True)
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


# ---------------------------------------------------------------------------------------------------------
# Licences


class LicenceSchema(BaseSchema):
    """A licence of a unit. `state` is worked out against today: expired after `valid_to`, expiring when
    `valid_to` is at most 30 days away (configuration), valid otherwise or without `valid_to`."""

    id = fields.Integer(dump_only=True)
    unit_id = fields.Integer(required=True, error_messages=FIELD_MESSAGES)
    unit_name = fields.String(dump_only=True, attribute="unit.name")
    kind = choice(LICENCE_KINDS, required=True)
    number = text(required=True, max_length=64)
    issuer = text(required=True, max_length=100)
    valid_from = optional_date()
    valid_to = optional_date()
    state = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class LicenceUpdateSchema(LicenceSchema):
    """PATCH: every field optional."""

    unit_id = fields.Integer(error_messages=FIELD_MESSAGES)
    kind = choice(LICENCE_KINDS)
    number = text(max_length=64)
    issuer = text(max_length=100)


LicencePageSchema = page_schema(LicenceSchema)


class LicenceListArgs(BaseSchema):
    unit_id = fields.Integer(load_default=None)
    kind = choice(LICENCE_KINDS, load_default=None)
    state = choice(LICENCE_STATES, load_default=None)
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


# ---------------------------------------------------------------------------------------------------------
# Findings


class FindingSchema(BaseSchema):
    """A finding: something a unit has to put right by `deadline`. `status` open → rectified → closed;
    `overdue` is open after the deadline. Only `description` and `deadline` can be changed (PATCH)."""

    id = fields.Integer(dump_only=True)
    unit_id = fields.Integer(dump_only=True)
    unit_name = fields.String(dump_only=True, attribute="unit.name")
    source = fields.String(dump_only=True)
    service_code = fields.String(dump_only=True)
    inspection_id = fields.Integer(dump_only=True)
    item_code = fields.String(dump_only=True)
    found_on = fields.Date(dump_only=True)
    description = text(max_length=1000)
    deadline = fields.Date(error_messages=FIELD_MESSAGES)
    status = fields.String(dump_only=True)
    overdue = fields.Boolean(dump_only=True)
    rectified_on = fields.Date(dump_only=True)
    rectification_note = fields.String(dump_only=True)
    closed_at = fields.DateTime(dump_only=True)
    close_note = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


FindingPageSchema = page_schema(FindingSchema)


class FindingTransitionSchema(BaseSchema):
    """`rectify` (an open finding: `rectified_on`, default today, and a `note` saying what was done) or
    `close` (a rectified one, after the office has checked it; `note` optional)."""

    action = choice(FINDING_ACTIONS, required=True)
    rectified_on = optional_date()
    note = text(max_length=1000, allow_none=True, load_default=None)


class FindingListArgs(BaseSchema):
    status = choice((*FINDING_STATUSES, "all"), load_default="open")
    overdue = fields.Boolean(load_default=False)
    source = choice(FINDING_SOURCES, load_default=None)
    unit_id = fields.Integer(load_default=None)
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


# ---------------------------------------------------------------------------------------------------------
# Inspections


class InspectionItemSchema(BaseSchema):
    """One checklist item's result: pass, fail (a `note` says what was wrong) or na (not applicable)."""

    code = choice(rules.CHECKLIST_CODES, required=True)
    result = choice(ITEM_RESULTS, required=True)
    note = text(max_length=500, allow_none=True, load_default=None)


class InspectionSchema(BaseSchema):
    """An inspection against 两非. `items` holds one result for every item of the checklist in force on
    `inspection_date` (default today); each failed item raises a finding, due `rectification_deadline`
    (default: 30 days after the inspection, configuration)."""

    id = fields.Integer(dump_only=True)
    unit_id = fields.Integer(required=True, error_messages=FIELD_MESSAGES)
    unit_name = fields.String(dump_only=True, attribute="unit.name")
    inspection_date = optional_date()
    inspectors = text(required=True, max_length=200)
    notes = text(max_length=1000, allow_none=True, load_default=None)
    rectification_deadline = optional_date(load_only=True)
    items = fields.List(fields.Nested(InspectionItemSchema), required=True, error_messages=FIELD_MESSAGES)
    failed = fields.Integer(dump_only=True)
    findings = fields.List(fields.Nested(FindingSchema), dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


InspectionPageSchema = page_schema(InspectionSchema)


class InspectionListArgs(BaseSchema):
    unit_id = fields.Integer(load_default=None)
    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=50)


def _inspection_form_fields() -> dict:
    """The browser's inspection form: the inspection's fields, and per checklist item ``<code>`` (the
    result) and ``<code>_note``."""
    attributes = {
        "unit_id": fields.Integer(required=True, error_messages=FIELD_MESSAGES),
        "inspection_date": optional_date(),
        "inspectors": text(required=True, max_length=200),
        "notes": text(max_length=1000, allow_none=True, load_default=None),
        "rectification_deadline": optional_date(),
    }
    for code in rules.CHECKLIST_CODES:
        attributes[code] = choice(ITEM_RESULTS, load_default=None)
        attributes[f"{code}_note"] = text(max_length=500, allow_none=True, load_default=None)
    return attributes


InspectionFormSchema = type("InspectionFormSchema", (BaseSchema,), _inspection_form_fields())


def items_from_form(data: dict) -> tuple[dict, list[dict]]:
    """Split the loaded inspection form into the inspection's values and its items (answered ones only)."""
    values = {key: data.get(key) for key in ("unit_id", "inspection_date", "inspectors", "notes",
                                             "rectification_deadline")}
    items = [{"code": code, "result": data[code], "note": data.get(f"{code}_note")}
             for code in rules.CHECKLIST_CODES if data.get(code)]
    return values, items


class CoverageArgs(BaseSchema):
    start = fields.Date(load_default=None)
    end = fields.Date(load_default=None)


class CoverageSchema(BaseSchema):
    """The inspection coverage of a period (医疗机构巡查覆盖率): active units inspected in it / active units."""

    start = fields.Date(dump_only=True)
    end = fields.Date(dump_only=True)
    inspected = fields.Integer(dump_only=True)
    units = fields.Integer(dump_only=True)
    percent = fields.Float(dump_only=True, allow_none=True)
