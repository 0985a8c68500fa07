"""The county's view of town reports: a grid of towns × months, and completeness and timeliness by year.

Completeness counts the reports the county holds (submitted or approved; a returned or unlocked report
waits for the town) over the reports due; timeliness counts first submissions by the due day over the
reports due, as the report_timeliness indicator does. The county's rates are sums over the towns, never
averages of the towns' rates. Reads shared tables only.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from renkou.extensions import db
from renkou.indicators import periods
from renkou.reporting import labels
from renkou.reporting.calendar import due_on, months_due_within
from renkou.reporting.models import APPROVED, DRAFT, SUBMITTED, TownReport
from renkou.reporting.services import onboarded_on, today
from renkou.tenancy.models import TOWN_ACTIVE, Town
from renkou.timezone import county_tz

GRID_MONTHS = 6


@dataclasses.dataclass
class GridCell:
    month: periods.Period
    status: str  # a report status, or labels.NOT_OWED / WAITING / OVERDUE
    report: TownReport | None


@dataclasses.dataclass
class GridRow:
    town: Town
    cells: list[GridCell]


def last_month() -> periods.Period:
    return periods.period_containing(periods.MONTH, today()).previous()


def grid_months(last: periods.Period, count: int = GRID_MONTHS) -> list[periods.Period]:
    """``count`` months ending with ``last``, oldest first."""
    months = [last]
    while len(months) < count:
        months.insert(0, months[0].previous())
    return months


def grid(months: list[periods.Period]) -> list[GridRow]:
    """Every active town's report status for each month, towns by code."""
    towns = list(db.session.scalars(select(Town).where(Town.status == TOWN_ACTIVE).order_by(Town.code)))
    reports = {(report.town_id, report.period): report for report in db.session.scalars(
        select(TownReport).where(TownReport.period.in_([month.id for month in months])))}
    on = today()
    return [GridRow(town, [_cell(town, month, reports.get((town.id, month.id)), on) for month in months])
            for town in towns]


def _cell(town: Town, month: periods.Period, report: TownReport | None, on: date) -> GridCell:
    if month.end <= onboarded_on(town):
        return GridCell(month, labels.NOT_OWED, report)
    if report is not None and report.status != DRAFT:
        return GridCell(month, report.status, report)
    return GridCell(month, labels.OVERDUE if on > due_on(month) else labels.WAITING, report)


@dataclasses.dataclass
class Tally:
    due: int = 0
    received: int = 0  # submitted or approved now
    on_time: int = 0  # first submitted by the due day

    @property
    def completeness(self) -> Decimal | None:
        return _percent(self.received, self.due)

    @property
    def timeliness(self) -> Decimal | None:
        return _percent(self.on_time, self.due)

    def add(self, other: Tally) -> None:
        self.due, self.received, self.on_time = (self.due + other.due, self.received + other.received,
                                                 self.on_time + other.on_time)


def _percent(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01")) if whole else None


def year_tallies(year: int) -> tuple[list[tuple[Town, Tally]], Tally]:
    """Per active town, the reports that fell due in ``year`` (by today) and how they came; and the county."""
    on = today()
    towns = list(db.session.scalars(select(Town).where(Town.status == TOWN_ACTIVE).order_by(Town.code)))
    due = {town.id: months_due_within(date(year, 1, 1), date(year, 12, 31), on, onboarded_on(town))
           for town in towns}
    wanted = {month.id for months in due.values() for month in months}
    reports = {(report.town_id, report.period): report for report in db.session.scalars(
        select(TownReport).where(TownReport.period.in_(wanted)))} if wanted else {}
    rows, county = [], Tally()
    for town in towns:
        tally = Tally(due=len(due[town.id]))
        for month in due[town.id]:
            report = reports.get((town.id, month.id))
            if report is None:
                continue
            tally.received += report.status in (SUBMITTED, APPROVED)
            first = report.first_submitted_at
            tally.on_time += first is not None and first.astimezone(county_tz()).date() <= due_on(month)
        rows.append((town, tally))
        county.add(tally)
    return rows, county


def years_with_reports() -> list[int]:
    """The years a report could have fallen due in, newest first: from the earliest town's joining to now."""
    first = db.session.scalar(select(Town.created_at).order_by(Town.created_at).limit(1))
    this_year = today().year
    start = first.astimezone(county_tz()).year if first is not None else this_year
    return list(range(this_year, start - 1, -1))
