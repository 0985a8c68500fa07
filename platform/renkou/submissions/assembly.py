"""Assembling a report for a period from the towns' approved figures.

Only approved figures go to the bureau: every month of the period must be approved (locked) for every
active town that existed then, or nothing is built and the refusal lists each town's missing months.
The county's figure of a data element is the sum of the towns' numerators (or denominators); rates are
never averaged. Figures come from the town reports through renkou.reporting.services, the one place
that knows what was approved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from renkou.errors import ServiceError
from renkou.extensions import db
from renkou.indicators.periods import MONTH, Period
from renkou.reporting import services as reporting
from renkou.submissions import formats
from renkou.submissions.definitions import COUNT_TOWNS, ReportDefinition
from renkou.tenancy.models import TOWN_ACTIVE, Town
from renkou.timezone import local


@dataclass
class MissingMonths:
    town_code: str
    town_name: str
    months: list[str]


class NotReady(ServiceError):
    """The report cannot be built yet; ``missing`` says which towns lack which approved months."""

    status_code = 422

    def __init__(self, message: str, missing: list[MissingMonths] | None = None):
        super().__init__({"period": [message]})
        self.missing = missing or []


@dataclass
class Assembled:
    totals: dict[str, Decimal]
    # {town code: {"name": …, "figures": {source: "12"}}}
    sources: dict[str, dict] = field(default_factory=dict)

    @property
    def towns_included(self) -> int:
        return len(self.sources)


def months_of(period: Period) -> list[Period]:
    months, month = [], Period(period.start, MONTH)
    while month.start < period.end:
        months.append(month)
        month = Period(month.end, MONTH)
    return months


def owed_months(town: Town, period: Period) -> list[Period]:
    """The months of ``period`` the town reports on: those ending after it was onboarded (the calendar
    of town reports asks nothing of a town for months before it was on the platform)."""
    onboarded = local(town.created_at).date()
    return [month for month in months_of(period) if month.end > onboarded]


def assemble(definition: ReportDefinition, period: Period, today: date) -> Assembled:
    """The definition's totals for ``period``; NotReady when the period is not over or not all approved."""
    if period.end > today:
        raise NotReady(str(_l("The period is not over yet: it ends on %(day)s.", day=period.last_day.isoformat())))
    towns = list(db.session.scalars(select(Town).where(Town.status == TOWN_ACTIVE).order_by(Town.code)))
    owing = [(town, owed_months(town, period)) for town in towns]
    owing = [(town, months) for town, months in owing if months]
    if not owing:
        raise NotReady(str(_l("No active town reports on this period.")))
    missing = [MissingMonths(town.code, town.name, [month.id for month in months
                                                   if not reporting.is_locked(town.id, month.id)])
               for town, months in owing]
    missing = [item for item in missing if item.months]
    if missing:
        raise NotReady(str(_l("Not every month of the period is approved: %(count)s towns have months "
                              "still to approve.", count=len(missing))), missing)
    return _sum(definition, period, [town for town, _months in owing])


def _sum(definition: ReportDefinition, period: Period, towns: list[Town]) -> Assembled:
    totals = {element.source: Decimal(0) for element in definition.elements}
    assembled = Assembled(totals)
    for town in towns:
        figures = reporting.approved_figures(town.id, period.id)
        if figures is None:
            raise NotReady(str(_l("The approved figures of %(town)s for this period are not available.",
                                  town=town.name)), [MissingMonths(town.code, town.name, [period.id])])
        contributed = {}
        for element in definition.elements:
            if element.source == COUNT_TOWNS:
                amount = Decimal(1)
            else:
                amount = _figure(figures, element.indicator, element.part, town)
            totals[element.source] += amount
            contributed[element.source] = formats.number(amount)
        assembled.sources[town.code] = {"name": town.name, "figures": contributed}
    return assembled


def _figure(figures: dict, indicator: str, part: str, town: Town) -> Decimal:
    """One side of an indicator from approved_figures' {indicator: (numerator, denominator)}."""
    try:
        return Decimal(str(figures[indicator][0 if part == "numerator" else 1]))
    except (KeyError, IndexError, TypeError, InvalidOperation):
        raise NotReady(str(_l("The approved figures of %(town)s lack %(indicator)s.", town=town.name,
                              indicator=indicator))) from None
