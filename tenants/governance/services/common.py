"""What the governance services share: the indicator ratio, today in the county, changed field names."""

from __future__ import annotations

import dataclasses
from datetime import date

from renkou.timezone import local
from renkou.types import utcnow


@dataclasses.dataclass(frozen=True)
class Ratio:
    """An indicator as numerator and denominator (the county sums both; it never averages rates)."""

    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.numerator / self.denominator, 2) if self.denominator else None


def today() -> date:
    """Today in the county (Asia/Shanghai)."""
    return local(utcnow()).date()


def apply_changes(record, values: dict, fields: tuple[str, ...]) -> list[str]:
    """Set ``fields`` of ``record`` from ``values``; the names of those that changed (never their values)."""
    changed = []
    for field in fields:
        if field in values and getattr(record, field) != values[field]:
            setattr(record, field, values[field])
            changed.append(field)
    return changed
