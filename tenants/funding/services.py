"""The town's funding ledger (经费投入) and what it comes to per head.

Entries are kept in fen (integer hundredths of a yuan); services take and give yuan as ``Decimal``.
They are the office's own books, not records about people: changes are audited (field names only),
reads are not. Services flush, never commit.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from renkou.audit import services as audit
from renkou.errors import ConflictError, NotFoundError, ServiceError
from renkou.extensions import db
from renkou.imports.exports import EXPORT_LIMIT, Sheet
from renkou.pagination import Page, paginate
from renkou.timezone import local
from renkou.types import utcnow
from tenants.funding import labels
from tenants.funding.models import FUNDING_CATEGORIES, FundingEntry, fen, yuan
from tenants.movements import services as movements

ENTRY_FIELDS = ("entry_date", "amount_fen", "category", "description", "voucher_number")


def today() -> date:
    """Today in the county (Asia/Shanghai)."""
    return local(utcnow()).date()


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


# ---------------------------------------------------------------------------------------------------------
# Entries


@dataclasses.dataclass
class FundingFilter:
    year: int | None = None
    category: str | None = None


def _filtered(statement: Select, filters: FundingFilter) -> Select:
    if filters.year:
        statement = statement.where(FundingEntry.entry_date.between(*year_bounds(filters.year)))
    if filters.category:
        statement = statement.where(FundingEntry.category == filters.category)
    return statement


def list_entries(filters: FundingFilter, page: int = 1, per_page: int = 50) -> Page:
    """One page of entries, latest first."""
    statement = _filtered(select(FundingEntry), filters).order_by(FundingEntry.entry_date.desc(),
                                                                  FundingEntry.id.desc())
    return paginate(db.session, statement, page, per_page)


def export_entries(filters: FundingFilter) -> Sheet:
    """The entries the filters keep, latest first, under the headers the funding import reads (so a corrected
    export can be uploaded again); the export is audited."""
    audit.record("funding.export", record_type="funding_entry",
                 detail={"filters": {k: str(v) for k, v in dataclasses.asdict(filters).items() if v}})
    statement = _filtered(select(FundingEntry), filters).order_by(FundingEntry.entry_date.desc(),
                                                                  FundingEntry.id.desc())
    rows = ([entry.voucher_number, entry.entry_date, f"{entry.amount:.2f}", labels.CATEGORY[entry.category],
             entry.description] for entry in db.session.scalars(statement.limit(EXPORT_LIMIT)))
    return Sheet(["凭证号", "日期", "金额（元）", "类别", "摘要"], rows, "经费投入")


def filtered_total(filters: FundingFilter) -> Decimal:
    """The sum of every entry the filters keep (all pages), in yuan."""
    return yuan(db.session.scalar(_filtered(select(func.sum(FundingEntry.amount_fen)), filters)) or 0)


def get_entry(entry_id: int) -> FundingEntry:
    entry = db.session.get(FundingEntry, entry_id)
    if entry is None:
        raise NotFoundError(str(_l("No such funding entry.")))
    return entry


def find_by_voucher(voucher_number: str) -> FundingEntry | None:
    return db.session.scalar(select(FundingEntry).where(FundingEntry.voucher_number == voucher_number))


def create_entry(data: dict) -> FundingEntry:
    """Record an entry: ``entry_date``, ``amount`` (yuan), ``category``, ``voucher_number``, ``description``."""
    values = _values(data)
    missing = [field for field in ("entry_date", "amount_fen", "category", "voucher_number")
               if values.get(field) in (None, "")]
    if missing:
        raise ServiceError({"amount" if field == "amount_fen" else field: [str(_l("This field is required."))]
                            for field in missing})
    _check(values, existing=None)
    entry = FundingEntry(**{"description": "", **values})
    db.session.add(entry)
    db.session.flush()
    audit.record("funding.create", record_type="funding_entry", record_id=entry.id,
                 detail={"fields": sorted(_public(k) for k, v in values.items() if v not in (None, ""))})
    return entry


def update_entry(entry: FundingEntry, changes: dict) -> FundingEntry:
    values = _values(changes)
    _check({field: values.get(field, getattr(entry, field)) for field in ENTRY_FIELDS}, existing=entry)
    changed = []
    for field, value in values.items():
        if getattr(entry, field) != value:
            setattr(entry, field, value)
            changed.append(_public(field))
    if changed:
        db.session.flush()
        audit.record("funding.update", record_type="funding_entry", record_id=entry.id,
                     detail={"fields": sorted(changed)})
    return entry


def delete_entry(entry: FundingEntry) -> None:
    audit.record("funding.delete", record_type="funding_entry", record_id=entry.id,
                 detail={"voucher_number": entry.voucher_number})
    db.session.delete(entry)
    db.session.flush()


def _values(data: dict) -> dict:
    """The entry's columns from the fields given (the amount in yuan becomes fen)."""
    values = {field: data[field] for field in ENTRY_FIELDS if field in data and field != "amount_fen"}
    if data.get("amount") is not None:
        values["amount_fen"] = fen(data["amount"])
    if "description" in values and values["description"] is None:
        values["description"] = ""
    return values


def _public(field: str) -> str:
    return "amount" if field == "amount_fen" else field


def _check(values: dict, existing: FundingEntry | None) -> None:
    errors: dict[str, list[str]] = {}
    if values.get("category") is not None and values["category"] not in FUNDING_CATEGORIES:
        errors["category"] = [str(_l("Choose one of the listed values."))]
    if values.get("amount_fen") is not None and values["amount_fen"] <= 0:
        errors["amount"] = [str(_l("The amount must be more than zero."))]
    if values.get("entry_date") is not None and values["entry_date"] > today():
        errors["entry_date"] = [str(_l("The date is in the future."))]
    if errors:
        raise ServiceError(errors)
    holder = find_by_voucher(values["voucher_number"]) if values.get("voucher_number") else None
    if holder is not None and (existing is None or holder.id != existing.id):
        raise ConflictError.on("voucher_number", str(_l("An entry with this voucher number already exists.")))


# ---------------------------------------------------------------------------------------------------------
# Totals and per head


@dataclasses.dataclass
class YearSummary:
    """A year's funding by category (every category, zeros included) against the population at its end."""

    year: int
    by_category: dict[str, Decimal]
    total: Decimal
    population: int
    population_on: date
    per_capita: Decimal | None  # None when nobody lives in the town

    @property
    def categories(self) -> list[dict]:
        return [{"category": code, "amount": amount} for code, amount in self.by_category.items()]


def totals_by_category(start: date, end: date) -> dict[str, Decimal]:
    """{category: yuan} of the entries dated from ``start`` to ``end`` inclusive, every category listed."""
    rows = db.session.execute(select(FundingEntry.category, func.sum(FundingEntry.amount_fen))
                              .where(FundingEntry.entry_date.between(start, end)).group_by(FundingEntry.category))
    sums = {category: int(total or 0) for category, total in rows}
    return {category: yuan(sums.get(category, 0)) for category in FUNDING_CATEGORIES}


def funding_per_capita(start: date, end: date) -> tuple[Decimal, int]:
    """The funding_per_capita indicator (人均经费投入) of a period as (numerator, denominator):

        funding per head = funding dated from ``start`` to ``end`` (yuan) / population on ``end``

    The population is tenants.movements.services.population(end): the people living in the town at the
    period's end. The county adds numerators and denominators of the towns, never their quotients.
    """
    if start > end:
        raise ServiceError.on("start", str(_l("The start is after the end.")))
    total = db.session.scalar(select(func.sum(FundingEntry.amount_fen))
                              .where(FundingEntry.entry_date.between(start, end))) or 0
    return yuan(total), movements.population(end)


def per_head(total: Decimal, population: int) -> Decimal | None:
    """``total / population`` in yuan, rounded to the fen; None when there is nobody to divide by."""
    if not population:
        return None
    return (total / population).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def year_summary(year: int) -> YearSummary:
    """The funding of calendar year ``year`` by category, and per head of the population on 31 December."""
    start, end = year_bounds(year)
    by_category = totals_by_category(start, end)
    total = sum(by_category.values(), Decimal("0.00"))
    population = movements.population(end)
    return YearSummary(year=year, by_category=by_category, total=total, population=population, population_on=end,
                       per_capita=per_head(total, population))


def funded_years() -> list[int]:
    """Every year from the first entry's to the last entry's (latest first); empty without entries."""
    first, last = db.session.execute(select(func.min(FundingEntry.entry_date),
                                            func.max(FundingEntry.entry_date))).one()
    if first is None:
        return []
    return list(range(last.year, first.year - 1, -1))


def years_overview() -> list[YearSummary]:
    """The summary of every year with entries, latest first."""
    return [year_summary(year) for year in funded_years()]
