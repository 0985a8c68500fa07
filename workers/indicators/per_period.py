"""Formulas of the indicators (DESIGN.md §7), one function per catalog code.

Each takes a period and returns (numerator, denominator) over the town bound to the session; the value
is the catalog's ``numerator / denominator × scale``. They reuse the areas' own services, so a figure on
a town's page and the same figure on the county dashboard come from one piece of code.

Events (births, visits, inspections, funding) count when dated inside the period, by the county's local
calendar. Stocks (women using a method, households covered) are taken as recorded now for the period's
end; the registers keep no history of marital status or duty assignments.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from flask import g
from sqlalchemy import and_, exists, func, select

from renkou.extensions import db
from renkou.indicators.periods import Period
from renkou.reporting.calendar import due_on, months_due_within
from renkou.reporting.models import TownReport
from renkou.tenancy.context import current_town
from renkou.tenancy.models import Town
from renkou.timezone import county_tz
from tenants.births.models import Birth, BirthNotice, BirthRegistration
from tenants.clinics.services import inspections as clinic_inspections
from tenants.contraception import services as contraception
from tenants.funding import services as funding
from tenants.governance.services import agreements, duties
from tenants.movements import services as movements
from tenants.outreach.services import coverage as outreach_coverage

Figures = tuple[Decimal, Decimal]
FORMULAS: dict[str, Callable[[Period], Figures]] = {}  # the old path, kept for the equality test


def formula(code: str):
    def register(function):
        FORMULAS[code] = function
        return function
    return register


def _pair(numerator, denominator) -> Figures:
    return Decimal(str(numerator)), Decimal(str(denominator))


def _instant(day: date) -> datetime:
    """The start of a local day as a UTC instant (births are stored as UTC times)."""
    return datetime.combine(day, time(0), tzinfo=county_tz()).astimezone(UTC)


def _births_in(period: Period):
    return and_(Birth.born_at >= _instant(period.start), Birth.born_at < _instant(period.end))


def _count(statement) -> int:
    return db.session.scalar(statement) or 0


def births(period: Period, sex: str | None = None) -> int:
    """Live births in the period (of one sex), counted once per job: four formulas need them."""
    memo = g.setdefault("births_memo", {})
    if (period, sex) not in memo:
        statement = select(func.count(Birth.id)).where(_births_in(period))
        memo[(period, sex)] = _count(statement.where(Birth.sex == sex) if sex else statement)
    return memo[(period, sex)]


@formula("srb")
def sex_ratio_at_birth(period: Period) -> Figures:
    return _pair(births(period, "M"), births(period, "F"))


def population(on: date) -> int:
    """The town's population at the end of ``on``, counted once per job (several formulas need it)."""
    memo = g.setdefault("population_memo", {})
    if on not in memo:
        memo[on] = movements.population(on)
    return memo[on]


def mean_population(period: Period) -> Decimal:
    """(population at the start + population at the end) / 2; the start is the end of the day before."""
    return Decimal(population(period.start - timedelta(days=1)) + population(period.last_day)) / 2


@formula("birth_rate")
def birth_rate(period: Period) -> Figures:
    return _pair(births(period), mean_population(period))


@formula("natural_increase")
def natural_increase(period: Period) -> Figures:
    deaths = movements.deaths(period.start, period.last_day)
    return _pair(births(period) - deaths, mean_population(period))


@formula("registration_rate")
def registration_rate(period: Period) -> Figures:
    """Births in the period whose birth registration is completed (status "registered"), over the births
    in the period. An application still submitted or accepted is not a registration yet. A registration
    belongs to a birth by its mother and the child's order (as in tenants.births.services.tasks)."""
    registered = exists().where(BirthRegistration.mother_id == Birth.mother_id,
                                BirthRegistration.child_order == Birth.birth_order,
                                BirthRegistration.status == "registered")
    done = _count(select(func.count(Birth.id)).where(_births_in(period), Birth.birth_order.is_not(None), registered))
    return _pair(done, births(period))


@formula("notice_timeliness")
def notice_timeliness(period: Period) -> Figures:
    """Births in the period, and of them those whose first notice arrived within 24 hours of the birth.

    Counted by the birth's date, not the notice's: a birth on 31 Dec noticed on 1 Jan belongs to December.
    A birth without a notice is late. A notice is on time when it came within the limit (BirthNotice.on_time);
    the first notice is on time exactly when any notice is, so a later, late notice changes nothing.
    """
    on_time = exists().where(BirthNotice.birth_id == Birth.id, BirthNotice.on_time.is_(True))
    return _pair(_count(select(func.count(Birth.id)).where(_births_in(period), on_time)), births(period))


@formula("contraceptive_prevalence")
def contraceptive_prevalence(period: Period) -> Figures:
    ratio = contraception.prevalence(period.last_day)
    return _pair(ratio.numerator, ratio.denominator)


@formula("informed_choice")
def informed_choice(period: Period) -> Figures:
    return _pair(*contraception.informed_choice(period.start, period.last_day))


@formula("material_coverage")
def material_coverage(period: Period) -> Figures:
    return _pair(*outreach_coverage.material_coverage(period.start, period.last_day))


@formula("agreement_coverage")
def agreement_coverage(period: Period) -> Figures:
    """Agreements are signed per calendar year: the year the period ends in."""
    ratio = agreements.agreement_coverage(period.last_day.year)
    return _pair(ratio.numerator, ratio.denominator)


@formula("household_coverage")
def household_coverage(period: Period) -> Figures:
    ratio = duties.household_coverage()
    return _pair(ratio.numerator, ratio.denominator)


@formula("clinic_inspection")
def clinic_inspection(period: Period) -> Figures:
    coverage = clinic_inspections.inspection_coverage(period.start, period.last_day)
    return _pair(coverage.inspected, coverage.units)


@formula("funding_per_capita")
def funding_per_capita(period: Period) -> Figures:
    """Funding dated in the period (yuan) over the population at its end, as in
    tenants.funding.services.funding_per_capita."""
    total = sum(funding.totals_by_category(period.start, period.last_day).values(), Decimal(0))
    return _pair(total, population(period.last_day))


@formula("report_timeliness")
def report_timeliness(period: Period) -> Figures:
    """Monthly reports that fell due in the period (by today), and those first submitted by their due day.

    A report never submitted counts as due and late. Months before the town was onboarded owe nothing.
    """
    town = db.session.get(Town, current_town().id)
    today = datetime.now(county_tz()).date()
    due = months_due_within(period.start, period.last_day, today, town.created_at.astimezone(county_tz()).date())
    if not due:
        return _pair(0, 0)
    submitted = dict(db.session.execute(
        select(TownReport.period, TownReport.first_submitted_at)
        .where(TownReport.town_id == town.id, TownReport.period.in_([month.id for month in due]))).all())
    on_time = sum(1 for month in due if submitted.get(month.id) is not None
                  and submitted[month.id].astimezone(county_tz()).date() <= due_on(month))
    return _pair(on_time, len(due))
