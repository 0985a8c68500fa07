"""Assistance combined with development (三结合): help given to households (training, microcredit, project
support, goods …), its value in fen, and the totals by year and kind.

A record names a household, not a person: changes are audited by field name; lists are not personal
reads (the household number and address are what the household register shows anyone in the office).
"""

from __future__ import annotations

import dataclasses
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, Select, cast, extract, func, select

from renkou.audit import services as audit
from renkou.errors import ConflictError, ServiceError
from renkou.extensions import db
from renkou.imports.exports import EXPORT_LIMIT, Sheet
from renkou.pagination import Page, paginate
from renkou.search import text_matches
from tenants.registry.models import Household
from tenants.support import rules
from tenants.support.models import ASSISTANCE_KINDS, Assistance
from tenants.support.services.common import apply_changes, filter_detail, not_found, to_fen, yuan

ASSISTANCE_FIELDS = ("household_id", "kind", "given_on", "value_fen", "provider", "description")


@dataclasses.dataclass
class AssistanceFilter:
    year: int | None = None
    kind: str | None = None
    village_id: int | None = None
    q: str = ""  # household number, address, provider or description


ASSISTANCE_SORTS = {"given_on": (Assistance.given_on.asc(),), "-given_on": (Assistance.given_on.desc(),),
                    "value": (Assistance.value_fen.asc(),), "-value": (Assistance.value_fen.desc(),),
                    "household": (Household.number.asc(),), "-household": (Household.number.desc(),)}


def assistance_statement(filters: AssistanceFilter, sort: str = "-given_on") -> Select:
    statement = (select(Assistance).join(Household, Assistance.household_id == Household.id)
                 .order_by(*ASSISTANCE_SORTS.get(sort, ASSISTANCE_SORTS["-given_on"]), Assistance.id.desc()))
    if filters.year:
        statement = statement.where(Assistance.given_on.between(date(filters.year, 1, 1), date(filters.year, 12, 31)))
    if filters.kind:
        statement = statement.where(Assistance.kind == filters.kind)
    if filters.village_id:
        statement = statement.where(Household.village_id == filters.village_id)
    if filters.q:
        statement = statement.where(text_matches(filters.q, Household.number, Household.address, Assistance.provider,
                                                 Assistance.description))
    return statement


def list_assistance(filters: AssistanceFilter, sort: str = "-given_on", page: int = 1, per_page: int = 50) -> Page:
    return paginate(db.session, assistance_statement(filters, sort), page, per_page)


def filtered_total(filters: AssistanceFilter) -> dict:
    inner = assistance_statement(filters).with_only_columns(Assistance.value_fen).order_by(None).subquery()
    count, total = db.session.execute(select(func.count(), func.coalesce(func.sum(inner.c.value_fen), 0))).one()
    return {"records": count, "value": yuan(total)}


def export_assistance(filters: AssistanceFilter, sort: str = "-given_on") -> Sheet:
    """The records the filters keep, for a spreadsheet (households, no people); the export is audited."""
    audit.record("support_assistance.export", record_type="support_assistance",
                 detail={"filters": filter_detail(filters)})
    found = db.session.scalars(assistance_statement(filters, sort).limit(EXPORT_LIMIT))
    rows = ([a.given_on, a.household.number, a.household.village.name, a.household.address,
             rules.ASSISTANCE_KINDS[a.kind], yuan(a.value_fen), a.provider, a.description] for a in found)
    headers = ["日期", "户编号", "村/社区", "地址", "帮扶类别", "价值（元）", "帮扶单位", "说明"]
    return Sheet(headers, rows, "三结合帮扶")


def get_assistance(assistance_id: int) -> Assistance:
    record = db.session.get(Assistance, assistance_id)
    if record is None:
        raise not_found(_l("No such assistance record."))
    return record


def find_assistance(household_id: int, given_on: date, kind: str) -> Assistance | None:
    return db.session.scalar(select(Assistance).where(Assistance.household_id == household_id,
                                                      Assistance.given_on == given_on, Assistance.kind == kind))


def create_assistance(data: dict) -> Assistance:
    """Record help given to a household: ``household_id``, ``kind``, ``given_on``, ``value`` (yuan),
    ``provider``, ``description``."""
    values = _values(data)
    named = {"value_fen": "value", "household_id": "household_number" if "household_number" in data else "household_id"}
    errors = {named.get(f, f): [str(_l("This field is required."))]
              for f in ("household_id", "kind", "given_on", "value_fen") if values.get(f) in (None, "")}
    if errors:
        raise ServiceError(errors)
    values = {"provider": "", "description": "", **values}
    _check(values, None)
    record = Assistance(**values)
    db.session.add(record)
    db.session.flush()
    audit.record("support_assistance.create", record_type="support_assistance", record_id=record.id,
                 detail={"fields": sorted(_public(k) for k, v in values.items() if v not in (None, ""))})
    return record


def update_assistance(record: Assistance, changes: dict) -> Assistance:
    values = _values(changes)
    _check({field: values.get(field, getattr(record, field)) for field in ASSISTANCE_FIELDS}, record)
    changed = apply_changes(record, values, ASSISTANCE_FIELDS)
    if changed:
        db.session.flush()
        if "household_id" in changed:
            db.session.expire(record, ["household"])
        audit.record("support_assistance.update", record_type="support_assistance", record_id=record.id,
                     detail={"fields": sorted(_public(field) for field in changed)})
    return record


def delete_assistance(record: Assistance) -> None:
    audit.record("support_assistance.delete", record_type="support_assistance", record_id=record.id,
                 detail={"household_id": record.household_id})
    db.session.delete(record)
    db.session.flush()


def _values(data: dict) -> dict:
    """The record's columns from the fields given: the value in yuan becomes fen; a household may be
    named by its number (forms and imports) instead of its id."""
    values = {field: data[field] for field in ASSISTANCE_FIELDS if field in data and field != "value_fen"}
    if data.get("household_number"):
        values["household_id"] = household_id_of(data["household_number"])
    if data.get("value") is not None:
        values["value_fen"] = to_fen(data["value"])
    for field in ("provider", "description"):
        if field in values and values[field] is None:
            values[field] = ""
    return values


def household_id_of(number: str) -> int:
    """The id of the household with this number (an error on ``household_number`` when there is none)."""
    household_id = db.session.scalar(select(Household.id).where(Household.number == number))
    if household_id is None:
        raise ServiceError.on("household_number", str(_l("No household has this number.")))
    return household_id


def _public(field: str) -> str:
    return "value" if field == "value_fen" else field


def _check(values: dict, existing: Assistance | None) -> None:
    errors: dict[str, list[str]] = {}
    if db.session.get(Household, values["household_id"]) is None:
        errors["household_id"] = [str(_l("No such household."))]
    if values["kind"] not in ASSISTANCE_KINDS:
        errors["kind"] = [str(_l("Choose one of the listed values."))]
    if values["value_fen"] <= 0:
        errors["value"] = [str(_l("The value must be more than zero."))]
    if values["given_on"] > rules.today():
        errors["given_on"] = [str(_l("The date is in the future."))]
    if errors:
        raise ServiceError(errors)
    holder = find_assistance(values["household_id"], values["given_on"], values["kind"])
    if holder is not None and holder is not existing:
        raise ConflictError.on("kind", str(_l("This household already has assistance of this kind on that day.")))


# ---------------------------------------------------------------------------------------------------------
# Totals by year and kind


@dataclasses.dataclass
class AssistanceYear:
    year: int
    by_kind: dict[str, tuple[int, int]]  # kind → (records, fen)

    @property
    def records(self) -> int:
        return sum(count for count, _fen in self.by_kind.values())

    @property
    def value_fen(self) -> int:
        return sum(fen for _count, fen in self.by_kind.values())

    def as_dict(self) -> dict:
        return {"year": self.year, "records": self.records, "value": yuan(self.value_fen),
                "kinds": [{"kind": kind, "records": count, "value": yuan(fen)}
                          for kind, (count, fen) in self.by_kind.items()]}


def totals_by_year() -> list[AssistanceYear]:
    """Every year with assistance (latest first), with its records and value by kind (every kind listed)."""
    year = cast(extract("year", Assistance.given_on), Integer)
    rows = db.session.execute(select(year, Assistance.kind, func.count(Assistance.id), func.sum(Assistance.value_fen))
                              .group_by(year, Assistance.kind))
    years: dict[int, dict[str, tuple[int, int]]] = {}
    for row_year, kind, count, total in rows:
        years.setdefault(int(row_year), {})[kind] = (int(count), int(total or 0))
    return [AssistanceYear(y, {kind: years[y].get(kind, (0, 0)) for kind in ASSISTANCE_KINDS})
            for y in sorted(years, reverse=True)]
