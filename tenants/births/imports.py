"""Spreadsheet import of births, with Chinese headers and values.

The mother is found on the register by her full ID number (its blind index). A re-upload is
idempotent: a birth is found again by its mother and time of birth, and updated instead of duplicated.
Importing a birth opens no follow-up tasks: a birth notice (出生信息) does that.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, pre_load, validate, validates
from sqlalchemy import select

from renkou.errors import ServiceError
from renkou.extensions import db
from renkou.imports.engine import ImportSpec, register
from renkou.imports.spreadsheets import Column
from renkou.schemas import FIELD_MESSAGES, BaseSchema, TrimmedString, text
from renkou.timezone import county_tz
from tenants.births.models import BIRTH_PLACES, BIRTH_SEXES, Birth
from tenants.births.schemas import order_field
from tenants.births.services import births as birth_services
from tenants.registry import resident_id as ids
from tenants.registry import services as registry
from tenants.registry.models import Person

SEX_WORDS = {"男": "M", "女": "F", "M": "M", "F": "F"}
PLACE_WORDS = {"医院": "hospital", "家中": "home", "在家": "home", "其他": "other"}
# 2025-03-01 08:30 (or 2025/3/1 8:30, with or without seconds), the county's local time.
BIRTH_TIME = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")
BIRTH_TIME_MESSAGE = _l("Write the time of birth as 2025-03-01 08:30.")


class BirthTime(fields.Field):
    """A time of birth written in the county's local time, date and time both required; stored in UTC."""

    default_error_messages = {**FIELD_MESSAGES, "invalid": BIRTH_TIME_MESSAGE}

    def _deserialize(self, value, attr, data, **kwargs):
        match = BIRTH_TIME.match(str(value).strip())
        if match is None:
            raise self.make_error("invalid")
        try:
            local = datetime(*(int(part or 0) for part in match.groups()), tzinfo=county_tz())
        except ValueError as error:
            raise self.make_error("invalid") from error
        return local.astimezone(UTC)


class BirthRow(BaseSchema):
    mother_resident_id = TrimmedString(required=True, error_messages=FIELD_MESSAGES)
    born_at = BirthTime(required=True)
    sex = fields.String(required=True, error_messages=FIELD_MESSAGES,
                        validate=validate.OneOf(BIRTH_SEXES, error=_l("Write 男 or 女.")))
    birth_order = order_field(allow_none=True, load_default=None)
    weight_grams = fields.Integer(allow_none=True, load_default=None, error_messages=FIELD_MESSAGES,
                                  validate=validate.Range(200, 8000, error=_l("Must be between {min} and {max}.")))
    place_type = fields.String(load_default=None, validate=validate.OneOf(
        BIRTH_PLACES, error=_l("Write 医院, 家中 or 其他.")))
    place_name = text(max_length=100, load_default=None)
    child_name = text(max_length=64, load_default=None)

    @pre_load
    def _chinese_values(self, data, **kwargs):
        data = dict(data)
        for field, table in (("sex", SEX_WORDS), ("place_type", PLACE_WORDS)):
            if field in data:
                data[field] = table.get(data[field].strip(), data[field].strip())
        return data

    @validates("mother_resident_id")
    def _valid_id(self, value: str, **kwargs) -> None:
        try:
            ids.parse(value)
        except ids.InvalidResidentId as invalid:
            raise ValidationError(str(invalid)) from invalid


def apply_birth(row: dict, cache: dict) -> str:
    """Record the row's birth, or update the one recorded for the same mother and time of birth."""
    mother = _mother(row.pop("mother_resident_id"), cache)
    values = {**{k: v for k, v in row.items() if v is not None}, "mother_id": mother.id}
    existing = db.session.scalar(select(Birth).where(Birth.mother_id == mother.id, Birth.born_at == row["born_at"]))
    try:
        if existing is not None:
            birth_services.update_birth(existing, values)
            return "updated"
        birth_services.create_birth(values)
        return "created"
    except ServiceError as refused:
        # The services speak of the mother's record; the spreadsheet has her ID number.
        errors = {("mother_resident_id" if field == "mother_id" else field): messages
                  for field, messages in refused.errors.items()}
        raise type(refused)(errors) from refused


def _mother(resident_id: str, cache: dict) -> Person:
    """The woman with this ID number on the register; kept for the run, as a mother may have several rows."""
    mothers = cache.setdefault("mothers", {})
    key = ids.normalize(resident_id)
    if key not in mothers:
        mothers[key] = registry.find_by_resident_id(key)
    if mothers[key] is None:
        raise ServiceError.on("mother_resident_id", str(_l("The mother is not on the register: add her to the "
                                                            "people register first.")))
    return mothers[key]


BIRTHS = register(ImportSpec(
    kind="births",
    title=_l("Birth records"),
    columns=[
        Column("mother_resident_id", "母亲身份证号码", required=True, example="411524199203150022"),
        Column("born_at", "出生时间", required=True, example="2025-03-01 08:30", with_time=True),
        Column("sex", "性别", required=True, example="女"),
        Column("birth_order", "孩次", example="1"),
        Column("weight_grams", "体重(克)", example="3200"),
        Column("place_type", "出生地点类型", example="医院"),
        Column("place_name", "出生地点", example="县妇幼保健院"),
        Column("child_name", "孩子姓名", example="李小梅"),
    ],
    schema=BirthRow,
    apply=apply_birth,
    key=lambda row: ("born_at", f"{ids.normalize(row['mother_resident_id'])}@{row['born_at'].isoformat()}"),
))
