"""The periods of one computation as rows the database can join to.

A recomputation covers many periods at once (a town's whole window, or the periods one change moved).
Rather than one scan of the registers per period, every formula joins its rows to these small tables
and groups by period, so the database reads each register once:

- ``months``: every month the periods cover, as (month index, first day, first day after, start and end
  as UTC instants of the county's local days), for events stamped with a time (births);
- ``period_months``: (period id, month index) for each month of each period, which rolls a month up
  into its quarter, half-year, year and statistical year in the same statement;
- ``month_of(column)``: a date's month index, to join events dated by day.

A stock measured on a day (population, women 15–49) is needed at month ends only: the day before a
period starts and its last day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cached_property

from sqlalchemy import Date, Integer, String, column, extract, literal, select, union_all, values

from renkou.extensions import db
from renkou.indicators.periods import MONTH, Period, period_containing
from renkou.timezone import county_tz
from renkou.types import UTCDateTime


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_of(column):
    """The month index of a date column, on PostgreSQL and SQLite alike."""
    return extract("year", column) * 12 + extract("month", column) - 1


def instant(day: date) -> datetime:
    """The start of a local day as a UTC instant (times are stored as UTC)."""
    return datetime.combine(day, time(0), tzinfo=county_tz()).astimezone(UTC)


def rows_table(name: str, columns: list[tuple[str, object]], rows: list[tuple]):
    """A small constant table: a VALUES list on PostgreSQL (one node to plan: a UNION ALL of 150 rows took
    PostgreSQL 145 ms to plan, 7 times the query's run), a UNION ALL of literal rows on SQLite, which has
    no column aliases for VALUES."""
    if db.session.connection().dialect.name == "postgresql":
        return values(*[column(name_, type_) for name_, type_ in columns], name=name).data(rows)
    selects = [select(*[literal(value, type_).label(column_) for (column_, type_), value in zip(columns, row,
                                                                                                 strict=True)])
               for row in rows]
    return (union_all(*selects) if len(selects) > 1 else selects[0]).cte(name)


@dataclass
class Grid:
    """The periods of one computation; ``memo`` keeps counts several formulas share (births, population)."""

    periods: tuple[Period, ...]
    memo: dict = field(default_factory=dict)

    def __post_init__(self):
        self.periods = tuple(sorted(set(self.periods)))
        if not self.periods:
            raise ValueError("a grid needs at least one period")

    @cached_property
    def month_list(self) -> list[Period]:
        found = set()
        for period in self.periods:
            month = period_containing(MONTH, period.start)
            while month.start < period.end:
                found.add(month)
                month = Period(month.end, MONTH)
        return sorted(found)

    @property
    def first_day(self) -> date:
        return self.month_list[0].start

    @property
    def end_day(self) -> date:
        """The first day after the last month."""
        return self.month_list[-1].end

    @cached_property
    def months(self):
        return rows_table("grid_months", [("month", Integer()), ("first_day", Date()), ("next_day", Date()),
                                          ("start_at", UTCDateTime()), ("end_at", UTCDateTime())],
                          [(month_index(m.start), m.start, m.end, instant(m.start), instant(m.end))
                           for m in self.month_list])

    @cached_property
    def period_months(self):
        rows = [(period.id, month_index(month.start)) for period in self.periods for month in self.month_list
                if period.start <= month.start < period.end]
        return rows_table("grid_period_months", [("period", String()), ("month", Integer())], rows)

    def dated_in_window(self, column):
        """The window's bounds on a date column (lets the database use the column's index)."""
        return (column >= self.first_day, column < self.end_day)
