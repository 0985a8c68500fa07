"""Spreadsheet import of births, with Chinese headers and values.

The mother is found on the register by her full ID number (its blind index). A re-upload is
idempotent: a birth is found again by its mother and time of birth (twins by their birth order, or else
their sex), and updated instead of duplicated.
Importing a birth opens no follow-up tasks: a birth notice (出生信息) does that.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, pre_load, validate, validates
from sqlalchemy import bindparam, or_, select, update

from renkou.crypto.keys import Indexer
from renkou.extensions import db
from renkou.imports.bulk import Row, Run, audit_many, insert_many
from renkou.imports.engine import ImportSpec, register
from renkou.imports.spreadsheets import Column
from renkou.schemas import FIELD_MESSAGES, BaseSchema, TrimmedString, text
from renkou.timezone import county_tz
from renkou.types import utcnow
from tenants.births import labels
from tenants.births.models import BIRTH_PLACES, BIRTH_SEXES, Birth
from tenants.births.schemas import order_field
from tenants.births.services.births import BIRTH_FIELDS
from tenants.births.services.common import CLOCK_SKEW
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
    # Required for a new birth; a row with the record number of an export may leave it blank or masked.
    mother_resident_id = TrimmedString(load_default=None, error_messages=FIELD_MESSAGES)
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
    record_number = fields.Integer(load_default=None, error_messages=FIELD_MESSAGES)

    @pre_load
    def _chinese_values(self, data, **kwargs):
        data = dict(data)
        for field, table, shown in (("sex", SEX_WORDS, labels.CHILD_SEX), ("place_type", PLACE_WORDS, labels.PLACE)):
            if field in data:
                written = data[field].strip()  # a word people write, or the label an export shows
                data[field] = table.get(written) or next(
                    (code for code, label in shown.items() if written == str(label)), written)
        return data

    @validates("mother_resident_id")
    def _valid_id(self, value: str | None, **kwargs) -> None:
        if value is None:
            return
        try:
            ids.parse(value)
        except ids.InvalidResidentId as invalid:
            raise ValidationError(str(invalid)) from invalid


def apply_births(rows: list[Row], run: Run) -> None:
    """Check a chunk of births and, when the run commits, write it. The mother is found by her ID number's
    blind index; the birth by its record number (编号, from an export) or else by mother, time of birth
    and birth order or sex. The rules are those of ``services.births.create_birth`` and ``update_birth``."""
    index = Indexer(run.town_code, registry.ID_PURPOSE)
    wanted = [index(ids.normalize(row.data["mother_resident_id"])) if row.data.get("mother_resident_id") else None
              for row in rows]
    mothers = {key: (person_id, sex) for person_id, key, sex in db.session.execute(
        select(Person.id, Person.resident_id_index, Person.sex)
        .where(Person.resident_id_index.in_({key for key in wanted if key})))}
    by_id, stored = _stored_births({person_id for person_id, _sex in mothers.values()},
                                   {row.data["record_number"] for row in rows if row.data.get("record_number")})
    creates, updates = [], []
    latest = utcnow() + CLOCK_SKEW
    for row, mother_key in zip(rows, wanted, strict=True):
        existing = _recorded(row, by_id)
        mother_id = _mother_id(row, mothers.get(mother_key) if mother_key else None, existing)
        if not row.ok:
            continue
        if row.data["born_at"] > latest:
            row.refuse("born_at", _l("The time of birth is in the future."))
            continue
        if existing is None and not row.data.get("record_number"):
            existing = _same_birth(row, stored.get((mother_id, _utc(row.data["born_at"])), []))
        if not row.ok:
            continue
        given = {k: v for k, v in row.data.items() if v is not None and k in BIRTH_FIELDS}
        if existing is None:
            values = {**dict.fromkeys(BIRTH_FIELDS), **given, "mother_id": mother_id}
            values["place_type"] = values["place_type"] or "hospital"
            run.refuse_locked(row, "born_at", [values["born_at"]])
            if row.ok:
                creates.append(values)
            continue
        run.updated += 1
        values = {**{field: existing[field] for field in BIRTH_FIELDS}, **given, "mother_id": mother_id}
        changed = [field for field in BIRTH_FIELDS if values[field] != existing[field]]
        if changed:
            run.refuse_locked(row, "born_at", [values["born_at"]])
            if row.ok:
                updates.append((existing["id"], values, changed))
    if run.commit:
        _write_births(run, creates, updates)
    else:
        run.created += len(creates)


def _stored_births(mother_ids: set[int], record_numbers: set[int]) -> tuple[dict[int, dict], dict[tuple, list[dict]]]:
    """The births the chunk may be about: by record number, and by (mother, time of birth)."""
    table = Birth.__table__
    columns = [table.c[field] for field in ("id", *BIRTH_FIELDS)]
    by_id: dict[int, dict] = {}
    stored: dict[tuple[int, datetime], list[dict]] = {}
    for birth in db.session.execute(select(*columns).where(
            or_(table.c.mother_id.in_(mother_ids), table.c.id.in_(record_numbers)))).mappings():
        by_id[birth["id"]] = dict(birth)
        stored.setdefault((birth["mother_id"], birth["born_at"]), []).append(by_id[birth["id"]])
    return by_id, stored


def _recorded(row: Row, by_id: dict[int, dict]) -> dict | None:
    record_number = row.data.get("record_number")
    if not record_number:
        return None
    if record_number not in by_id:
        row.refuse("record_number", _l("No birth with this record number in this town."))
    return by_id.get(record_number)


def _mother_id(row: Row, mother: tuple[int, str] | None, existing: dict | None) -> int | None:
    """The mother the row names; a blank or masked ID number keeps the mother of the birth it updates."""
    if not row.data.get("mother_resident_id"):
        if existing is not None:
            return existing["mother_id"]
        if "mother_resident_id" in row.masked:
            row.refuse_masked()
        elif "record_number" not in row.errors:
            row.refuse("mother_resident_id", _l("This field is required."))
        return None
    if mother is None:
        row.refuse("mother_resident_id", _l("The mother is not on the register: add her to the people register "
                                            "first."))
        return None
    if mother[1] != "F":
        row.refuse("mother_resident_id", _l("Choose a woman on the register as the mother."))
        return None
    return mother[0]


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _same_birth(row: Row, candidates: list[dict]) -> dict | None:
    """The recorded birth this row is about, among the mother's births at the same time: twins are told
    apart by their birth order, else by sex. None when it is a birth not yet recorded."""
    order, sex = row.data.get("birth_order"), row.data["sex"]
    if order is not None:
        found = [birth for birth in candidates if birth["birth_order"] == order]
        found = found or [birth for birth in candidates if birth["birth_order"] is None and birth["sex"] == sex]
    else:
        found = [birth for birth in candidates if birth["sex"] == sex]
    if len(found) > 1:
        row.refuse("birth_order", _l("Twins of the same sex were born at this time: give the birth order (孩次) "
                                     "to say which one this row is."))
        return None
    return found[0] if found else None


def _write_births(run: Run, creates: list[dict], updates: list[tuple[int, dict, list[str]]]) -> None:
    table = Birth.__table__
    now = utcnow()
    if creates:
        rows = [{**values, "created_at": now, "updated_at": now} for values in creates]
        new_ids = insert_many(table, rows)
        audit_many("birth.create", "birth", [
            (birth_id, {"fields": sorted(k for k, v in values.items() if v not in (None, ""))})
            for birth_id, values in zip(new_ids, creates, strict=True)])
        run.created += len(creates)
        run.wrote(table, creates)
    if updates:
        statement = (update(table).where(table.c.id == bindparam("b_id"))
                     .values({field: bindparam(f"b_{field}") for field in (*BIRTH_FIELDS, "updated_at")}))
        db.session.execute(statement, [{"b_id": birth_id, "b_updated_at": now,
                                        **{f"b_{k}": values[k] for k in BIRTH_FIELDS}}
                                       for birth_id, values, _changed in updates])
        audit_many("birth.update", "birth", [(birth_id, {"fields": changed}) for birth_id, _values, changed in updates])
        run.wrote(table, [values for _id, values, _changed in updates])


def _file_key(row: dict) -> tuple[str, str] | None:
    """Two rows are the same birth when they name the same mother and time of birth and neither their
    birth order nor (without one) their sex tells them apart: twins are two births."""
    if row.get("record_number"):
        return "record_number", str(row["record_number"])
    if not row.get("mother_resident_id"):
        return None
    twin = f"#{row['birth_order']}" if row.get("birth_order") is not None else f"/{row['sex']}"
    return "born_at", f"{ids.normalize(row['mother_resident_id'])}@{row['born_at'].isoformat()}{twin}"


BIRTHS = register(ImportSpec(
    kind="births",
    title=_l("Birth records"),
    columns=[
        Column("mother_resident_id", "母亲身份证号码", required=True, example="411524199203150022", maskable=True),
        Column("born_at", "出生时间", required=True, example="2025-03-01 08:30", with_time=True),
        Column("sex", "性别", required=True, example="女"),
        Column("birth_order", "孩次", example="1"),
        Column("weight_grams", "体重(克)", example="3200"),
        Column("place_type", "出生地点类型", example="医院"),
        Column("place_name", "出生地点", example="县妇幼保健院"),
        Column("child_name", "孩子姓名", example="李小梅"),
        Column("record_number", "编号"),
    ],
    schema=BirthRow,
    apply_rows=apply_births,
    key=_file_key,
))
