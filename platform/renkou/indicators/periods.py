"""Reporting periods, named with DHIS2's period ids so the bureau exchange can use them unchanged.

Kinds: month ``202611``, quarter ``2026Q4``, half-year ``2026S2``, year ``2026`` and the statistical year
(family-planning year, 1 Oct – 30 Sep by default), named after the month it starts: ``2025Oct`` runs from
1 Oct 2025 to 30 Sep 2026. Periods are half-open date ranges [start, end).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MONTH, QUARTER, HALF_YEAR, YEAR, STAT_YEAR = "month", "quarter", "half_year", "year", "stat_year"
KINDS = (MONTH, QUARTER, HALF_YEAR, YEAR, STAT_YEAR)
MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS_IN = {MONTH: 1, QUARTER: 3, HALF_YEAR: 6, YEAR: 12, STAT_YEAR: 12}
_ID_PATTERNS = (
    (re.compile(r"^(\d{4})(0[1-9]|1[0-2])$"), MONTH),
    (re.compile(r"^(\d{4})Q([1-4])$"), QUARTER),
    (re.compile(r"^(\d{4})S([12])$"), HALF_YEAR),
    (re.compile(r"^(\d{4})$"), YEAR),
    (re.compile(r"^(\d{4})(" + "|".join(MONTH_ABBREVIATIONS) + r")$"), STAT_YEAR),
)


class PeriodError(ValueError):
    """A period id that names no period."""


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, order=True)
class Period:
    start: date
    kind: str

    @property
    def months(self) -> int:
        return _MONTHS_IN[self.kind]

    @property
    def end(self) -> date:
        """The first day after the period."""
        return _add_months(self.start, self.months)

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.end.toordinal() - 1)

    @property
    def id(self) -> str:
        year, month = self.start.year, self.start.month
        if self.kind == MONTH:
            return f"{year}{month:02d}"
        if self.kind == QUARTER:
            return f"{year}Q{(month - 1) // 3 + 1}"
        if self.kind == HALF_YEAR:
            return f"{year}S{(month - 1) // 6 + 1}"
        if self.kind == YEAR:
            return str(year)
        return f"{year}{MONTH_ABBREVIATIONS[month - 1]}"

    @property
    def iso_duration(self) -> str:
        """ADX's period is ``start/duration``, e.g. ``2026-01-01/P1M``."""
        return f"{self.start.isoformat()}/P{self.months}M" if self.months < 12 else f"{self.start.isoformat()}/P1Y"

    def previous(self) -> Period:
        return Period(_add_months(self.start, -self.months), self.kind)

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def __str__(self) -> str:
        return self.id


def period_containing(kind: str, day: date, stat_year_start_month: int = 10) -> Period:
    if kind == MONTH:
        return Period(date(day.year, day.month, 1), MONTH)
    if kind in (QUARTER, HALF_YEAR):
        size = _MONTHS_IN[kind]
        return Period(date(day.year, (day.month - 1) // size * size + 1, 1), kind)
    if kind == YEAR:
        return Period(date(day.year, 1, 1), YEAR)
    if kind == STAT_YEAR:
        year = day.year if day.month >= stat_year_start_month else day.year - 1
        return Period(date(year, stat_year_start_month, 1), STAT_YEAR)
    raise PeriodError(f"unknown period kind {kind}")


def parse(period_id: str) -> Period:
    """The period a DHIS2 period id names; PeriodError when it names none."""
    for pattern, kind in _ID_PATTERNS:
        match = pattern.match(period_id or "")
        if not match:
            continue
        year, part = int(match.group(1)), match.group(2) if match.lastindex and match.lastindex > 1 else None
        if kind == MONTH:
            return Period(date(year, int(part), 1), MONTH)
        if kind == QUARTER:
            return Period(date(year, (int(part) - 1) * 3 + 1, 1), QUARTER)
        if kind == HALF_YEAR:
            return Period(date(year, (int(part) - 1) * 6 + 1, 1), HALF_YEAR)
        if kind == YEAR:
            return Period(date(year, 1, 1), YEAR)
        return Period(date(year, MONTH_ABBREVIATIONS.index(part) + 1, 1), STAT_YEAR)
    raise PeriodError(f"not a period id: {period_id!r}")


def periods_containing(day: date, stat_year_start_month: int = 10, kinds=KINDS) -> list[Period]:
    """Every period of the given kinds that ``day`` falls in."""
    return [period_containing(kind, day, stat_year_start_month) for kind in kinds]


def periods_between(first: date, last: date, stat_year_start_month: int = 10, kinds=KINDS) -> list[Period]:
    """Every period of the given kinds that overlaps [first, last], oldest first."""
    found: set[Period] = set()
    for kind in kinds:
        period = period_containing(kind, first, stat_year_start_month)
        while period.start <= last:
            found.add(period)
            period = Period(period.end, kind)
    return sorted(found)


def window_start(today: date, stat_year_start_month: int = 10) -> date:
    """The first day of the recompute window: the start of the previous calendar or statistical year,
    whichever is earlier. Older periods are settled (reports on them are built from approved figures)."""
    return min(date(today.year - 1, 1, 1),
               period_containing(STAT_YEAR, today, stat_year_start_month).previous().start)


def recompute_window(today: date, stat_year_start_month: int = 10) -> list[Period]:
    """Every period of every kind from the window's start to today, oldest first."""
    return periods_between(window_start(today, stat_year_start_month), today, stat_year_start_month)
