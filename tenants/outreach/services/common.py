"""What the outreach services share: today, the period and village filters, village checks."""

from __future__ import annotations

import dataclasses
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select

from renkou.extensions import db
from renkou.timezone import local
from renkou.types import utcnow
from tenants.network.models import Village


def today() -> date:
    """Today in the county (Asia/Shanghai)."""
    return local(utcnow()).date()


@dataclasses.dataclass
class DatedFilter:
    """A village and a period, both ends inclusive; what every outreach list filters by."""

    village_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def filtered(statement: Select, model, date_column, filters: DatedFilter) -> Select:
    if filters.village_id:
        statement = statement.where(model.village_id == filters.village_id)
    if filters.date_from:
        statement = statement.where(date_column >= filters.date_from)
    if filters.date_to:
        statement = statement.where(date_column <= filters.date_to)
    return statement.order_by(date_column.desc(), model.id.desc())


def check_common(values: dict, date_field: str, errors: dict[str, list[str]]) -> None:
    """The village (when given) must exist; the date must not be in the future."""
    village_id = values.get("village_id")
    if village_id and db.session.get(Village, village_id) is None:
        errors["village_id"] = [str(_l("No such village."))]
    day = values.get(date_field)
    if day is None:
        errors[date_field] = [str(_l("This field is required."))]
    elif day > today():
        errors[date_field] = [str(_l("The date is in the future."))]


def filled(values: dict) -> list[str]:
    """The names of the fields given a value (for the audit trail: names, never values)."""
    return sorted(field for field, value in values.items() if value not in (None, "", []))
