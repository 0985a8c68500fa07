"""What the association's services share: today in the county, the ratio of an indicator, field changes,
and the count of association records in a village (asked before the network area deletes one)."""

from __future__ import annotations

import dataclasses
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from renkou.extensions import db
from renkou.timezone import local
from renkou.types import utcnow
from tenants.association.models import Member, MemberGroup, MemberHome
from tenants.network.models import Village


def today() -> date:
    """Today in the county (Asia/Shanghai)."""
    return local(utcnow()).date()


@dataclasses.dataclass(frozen=True)
class Ratio:
    """An indicator as numerator and denominator (the county sums both; it never averages rates)."""

    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.numerator / self.denominator, 2) if self.denominator else None


def apply_changes(record, values: dict, fields: tuple[str, ...]) -> list[str]:
    """Set ``fields`` of ``record`` from ``values``; the names of those that changed (never their values)."""
    changed = []
    for field in fields:
        if field in values and getattr(record, field) != values[field]:
            setattr(record, field, values[field])
            changed.append(field)
    return changed


def filled(values: dict) -> list[str]:
    """The names of the fields given a value (for the audit trail: names, never values)."""
    return sorted(field for field, value in values.items() if value not in (None, "", []))


def check_village(village_id: int | None, errors: dict[str, list[str]]) -> None:
    if village_id and db.session.get(Village, village_id) is None:
        errors["village_id"] = [str(_l("No such village."))]


def check_not_future(values: dict, field: str, errors: dict[str, list[str]]) -> None:
    if values.get(field) is not None and values[field] > today():
        errors[field] = [str(_l("The date is in the future."))]


def records_in_village(village_id: int) -> int:
    """How many homes, groups and members of the association a village has (the network area asks before
    it deletes the village)."""
    return sum(db.session.scalar(select(func.count(model.id)).where(model.village_id == village_id)) or 0
               for model in (MemberHome, MemberGroup, Member))
