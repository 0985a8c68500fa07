"""Formulas of the indicators (DESIGN.md §7), one per catalog code, set-based over many periods.

Each formula takes a Grid (the periods of one computation, as rows SQL joins to) and returns
{period id: (numerator, denominator)} over the town bound to the session; the value is the catalog's
``numerator / denominator × scale``. A formula is a few SQLAlchemy Core statements that group the
town's rows by month and roll months up into every period of the grid in the same statement: the
registers are read once for all periods, never once per period. The worker computes a town's whole
window with them; a page that shows a live figure calls ``figures([period])`` and gets the same number.

Events (births, visits, inspections, funding) count when dated inside the period, by the county's local
calendar. Stocks (women using a method, households covered) are taken for the period's end; the
registers keep no history of marital status or duty assignments, so those are as recorded now.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, and_, case, distinct, exists, func, literal, or_, select, union_all

from renkou.extensions import db
from renkou.indicators import catalog
from renkou.indicators.periods import Period
from renkou.reporting.calendar import due_on, months_due_within
from renkou.reporting.models import TownReport
from renkou.tenancy.context import current_town
from renkou.tenancy.models import Town
from renkou.timezone import county_tz
from tenants.births.models import Birth, BirthNotice, BirthRegistration
from tenants.clinics.models import Inspection, MedicalUnit
from tenants.contraception import methods as method_config
from tenants.contraception.models import CounsellingVisit
from tenants.funding.models import FUNDING_CATEGORIES, FundingEntry, yuan
from tenants.governance.models import Agreement
from tenants.governance.services import duties
from tenants.movements.models import Movement
from tenants.network.models import Village
from tenants.outreach.models import MaterialDelivery, delivery_households
from tenants.registry.models import Household, Person
from tenants.registry.services import CHILDBEARING_AGES
from workers.indicators.grid import Grid, month_index, month_of, rows_table

Figures = tuple[Decimal, Decimal]
PerPeriod = dict[str, Figures]
FORMULAS: dict[str, Callable[[Grid], PerPeriod]] = {}
ZERO = (Decimal(0), Decimal(0))


def formula(code: str):
    def register(function):
        FORMULAS[code] = function
        return function
    return register


def figures(periods: Iterable[Period]) -> dict[str, dict[str, Figures]]:
    """{period id: {code: (numerator, denominator)}} of every indicator that applies to each period."""
    grid = Grid(tuple(periods))
    by_code = {code: FORMULAS[code](grid) for code in catalog.BY_CODE
               if any(code in _codes(period) for period in grid.periods)}
    return {period.id: {code: by_code[code].get(period.id, ZERO) for code in _codes(period)}
            for period in grid.periods}


def _codes(period: Period) -> list[str]:
    return [indicator.code for indicator in catalog.applying_to(period.kind)]


def _pair(numerator, denominator) -> Figures:
    return Decimal(str(numerator)), Decimal(str(denominator))


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _memo(grid: Grid, key: str, compute):
    if key not in grid.memo:
        grid.memo[key] = compute(grid)
    return grid.memo[key]


def _by_period(grid: Grid, statement) -> dict[str, tuple]:
    """Rows of (period, figures…) as {period: (figures…)}; periods with no rows are absent."""
    return {row[0]: tuple(row[1:]) for row in db.session.execute(statement)}


# ---------------------------------------------------------------------------------------------------------
# Births: one statement gives the five birth-based indicators


def _births(grid: Grid) -> dict[str, tuple]:
    """{period: (births, boys, girls, registered, noticed on time)} by the births' local dates.

    Registered: the mother has a completed registration (status "registered") for that child's order
    (the rule of tenants.births.services.tasks). On time: the birth's first notice arrived within 24 h
    of it; the first notice is on time exactly when any notice is (BirthNotice.on_time), so a later,
    late notice changes nothing and a birth without a notice is late.
    """
    months, period_months = grid.months, grid.period_months
    registered = exists().where(BirthRegistration.mother_id == Birth.mother_id,
                                BirthRegistration.child_order == Birth.birth_order,
                                BirthRegistration.status == "registered")
    on_time = exists().where(BirthNotice.birth_id == Birth.id, BirthNotice.on_time.is_(True))
    statement = (
        select(period_months.c.period, func.count(Birth.id), _count_if(Birth.sex == "M"), _count_if(Birth.sex == "F"),
               _count_if(and_(Birth.birth_order.is_not(None), registered)), _count_if(on_time))
        .select_from(Birth)
        .join(months, and_(Birth.born_at >= months.c.start_at, Birth.born_at < months.c.end_at))
        .join(period_months, period_months.c.month == months.c.month)
        .group_by(period_months.c.period))
    return _by_period(grid, statement)


def births(grid: Grid) -> dict[str, tuple]:
    return _memo(grid, "births", _births)


@formula("srb")
def sex_ratio_at_birth(grid: Grid) -> PerPeriod:
    return {period: _pair(boys, girls) for period, (_all, boys, girls, _r, _t) in births(grid).items()}


@formula("registration_rate")
def registration_rate(grid: Grid) -> PerPeriod:
    return {period: _pair(registered, total) for period, (total, _b, _g, registered, _t) in births(grid).items()}


@formula("notice_timeliness")
def notice_timeliness(grid: Grid) -> PerPeriod:
    return {period: _pair(on_time, total) for period, (total, _b, _g, _r, on_time) in births(grid).items()}


# ---------------------------------------------------------------------------------------------------------
# Population on a day, from the people and their movements in one statement


def _population_at_month_ends(grid: Grid) -> dict[int, int]:
    """{month index: people living in the town at the end of that month}, for the month before the grid
    up to its last month (the days a period's mean population and per-head figures need).

    A person counts on a day when born on or before it and, by their movements not cancelled, their
    latest event on or before it is a move in, or they have none by then and their first later event is
    not a move in (tenants.movements.services.population, the definition this reproduces). As changes:
    +1 on the birth date; −1 there too when the first event is a move in (born elsewhere); and at each
    event (not before the birth) the step from the state before it to the state after it. The population
    at a month's end is the sum of the changes up to that month.
    """
    order = (Movement.event_date, Movement.id)
    events = (select(Movement.event_date, Movement.kind, Person.birth_date,
                     func.lag(Movement.kind).over(partition_by=Movement.person_id, order_by=order).label("previous"))
              .join(Person, Person.id == Movement.person_id)
              .where(Movement.cancelled_at.is_(None), Person.birth_date.is_not(None))
              .subquery())

    def moved_in(kind):
        return case((kind == "move_in", 1), else_=0)

    before = case((events.c.previous.is_(None), 1 - moved_in(events.c.kind)), else_=moved_in(events.c.previous))
    effective = case((events.c.event_date < events.c.birth_date, events.c.birth_date), else_=events.c.event_date)
    changes = union_all(
        select(Person.birth_date.label("day"), literal(1).label("step")).where(Person.birth_date.is_not(None)),
        select(events.c.birth_date, literal(-1)).where(events.c.previous.is_(None), events.c.kind == "move_in"),
        select(effective, moved_in(events.c.kind) - before),
    ).subquery()
    first = month_index(grid.first_day) - 1
    month = month_of(changes.c.day)
    bucket = case((month < first, first), else_=month).label("bucket")
    steps = select(bucket, changes.c.step).where(changes.c.day < grid.end_day).subquery()
    by_month = dict(db.session.execute(select(steps.c.bucket, func.sum(steps.c.step)).group_by(steps.c.bucket)).all())
    running, population = 0, {}
    for month_id in range(first, month_index(grid.end_day)):
        running += int(by_month.get(month_id) or 0)
        population[month_id] = running
    return population


def population_at_month_end(grid: Grid, month_id: int) -> int:
    return _memo(grid, "population", _population_at_month_ends)[month_id]


def _mean_population(grid: Grid, period: Period) -> Decimal:
    """(population at the start + population at the end) / 2; the start is the end of the day before."""
    start, end = month_index(period.start) - 1, month_index(period.last_day)
    return Decimal(population_at_month_end(grid, start) + population_at_month_end(grid, end)) / 2


@formula("birth_rate")
def birth_rate(grid: Grid) -> PerPeriod:
    counts = births(grid)
    return {period.id: _pair(counts.get(period.id, (0,))[0], _mean_population(grid, period))
            for period in grid.periods}


def _deaths(grid: Grid) -> dict[str, tuple]:
    period_months = grid.period_months
    return _by_period(grid, select(period_months.c.period, func.count(Movement.id))
                      .join(period_months, period_months.c.month == month_of(Movement.event_date))
                      .where(Movement.kind == "death", Movement.cancelled_at.is_(None),
                             *grid.dated_in_window(Movement.event_date))
                      .group_by(period_months.c.period))


@formula("natural_increase")
def natural_increase(grid: Grid) -> PerPeriod:
    counts, deaths = births(grid), _deaths(grid)
    return {period.id: _pair(counts.get(period.id, (0,))[0] - deaths.get(period.id, (0,))[0],
                             _mean_population(grid, period))
            for period in grid.periods}


@formula("funding_per_capita")
def funding_per_capita(grid: Grid) -> PerPeriod:
    """Funding dated in the period (yuan) over the population at its end (as in
    tenants.funding.services.funding_per_capita)."""
    period_months = grid.period_months
    totals = _by_period(grid, select(period_months.c.period, func.sum(FundingEntry.amount_fen))
                        .join(period_months, period_months.c.month == month_of(FundingEntry.entry_date))
                        .where(FundingEntry.category.in_(FUNDING_CATEGORIES),
                               *grid.dated_in_window(FundingEntry.entry_date))
                        .group_by(period_months.c.period))
    return {period.id: _pair(yuan(totals.get(period.id, (0,))[0] or 0),
                             population_at_month_end(grid, month_index(period.last_day)))
            for period in grid.periods}


# ---------------------------------------------------------------------------------------------------------
# Contraception


@formula("contraceptive_prevalence")
def contraceptive_prevalence(grid: Grid) -> PerPeriod:
    """Married women 15–49 living in the town on the period's last day, and of them those whose current
    method on that day is ongoing (tenants.contraception.services.prevalence, for every last day at once).

    A woman's method holds from her deciding visit (a method chosen, or stopped) until her next one;
    of two visits on one day the later entered wins. Age is computed in the query from each day's bounds.
    """
    youngest, oldest = CHILDBEARING_AGES
    days = sorted({period.last_day for period in grid.periods})
    bounds = rows_table("prevalence_days", [("day", Date()), ("born_by", Date()), ("born_after", Date())],
                        [(day, _years_before(day, youngest), _years_before(day, oldest + 1)) for day in days])
    order = (CounsellingVisit.visit_date, CounsellingVisit.id)
    deciding = (select(CounsellingVisit.person_id, CounsellingVisit.method_chosen,
                       CounsellingVisit.visit_date.label("since"),
                       func.lead(CounsellingVisit.visit_date).over(partition_by=CounsellingVisit.person_id,
                                                                   order_by=order).label("until"))
                .where(or_(CounsellingVisit.method_chosen.is_not(None), CounsellingVisit.stopped.is_(True)))
                .subquery())
    ongoing = [code for code, method in method_config.METHODS.items() if method.ongoing]
    statement = (
        select(bounds.c.day, func.count(distinct(deciding.c.person_id)), func.count(Person.id))
        .select_from(bounds)
        .join(Person, and_(Person.birth_date <= bounds.c.born_by, Person.birth_date > bounds.c.born_after))
        .outerjoin(deciding, and_(deciding.c.person_id == Person.id, deciding.c.since <= bounds.c.day,
                                  or_(deciding.c.until.is_(None), deciding.c.until > bounds.c.day),
                                  deciding.c.method_chosen.in_(ongoing)))
        .where(Person.sex == "F", Person.marital_status == "married", Person.status == "resident")
        .group_by(bounds.c.day))
    by_day = {_as_date(day): (using, women) for day, using, women in db.session.execute(statement)}
    return {period.id: _pair(*by_day.get(period.last_day, (0, 0))) for period in grid.periods}


def _years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (28 February for 29 February), as the registry ages people."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _as_date(value):
    return value if not isinstance(value, str) else datetime.strptime(value, "%Y-%m-%d").date()


@formula("informed_choice")
def informed_choice(grid: Grid) -> PerPeriod:
    """New method users of each period (a deciding visit choosing a method other than the one used before,
    or none before), each counted once by their first new method in the period, and of them those whose
    visit recorded counselling and their own choice (tenants.contraception.services.informed_choice)."""
    period_months = grid.period_months
    order = (CounsellingVisit.visit_date, CounsellingVisit.id)
    history = (select(CounsellingVisit.id, CounsellingVisit.person_id, CounsellingVisit.visit_date,
                      CounsellingVisit.method_chosen, CounsellingVisit.consent, CounsellingVisit.methods_discussed,
                      func.lag(CounsellingVisit.method_chosen).over(partition_by=CounsellingVisit.person_id,
                                                                    order_by=order).label("previous_method"))
               .where(or_(CounsellingVisit.method_chosen.is_not(None), CounsellingVisit.stopped.is_(True)),
                      CounsellingVisit.visit_date < grid.end_day)
               .subquery())
    starts = (select(period_months.c.period, history.c.consent, history.c.methods_discussed,
                     func.row_number().over(partition_by=(period_months.c.period, history.c.person_id),
                                            order_by=(history.c.visit_date, history.c.id)).label("rank"))
              .join(period_months, period_months.c.month == month_of(history.c.visit_date))
              .where(history.c.visit_date >= grid.first_day, history.c.method_chosen.is_not(None),
                     or_(history.c.previous_method.is_(None), history.c.previous_method != history.c.method_chosen))
              .subquery())
    found: dict[str, list[int]] = {}
    # The few first starts of each period come back; "discussed" is a JSON list, judged as in the service.
    for period, consent, discussed in db.session.execute(
            select(starts.c.period, starts.c.consent, starts.c.methods_discussed).where(starts.c.rank == 1)):
        counts = found.setdefault(period, [0, 0])
        counts[0] += bool(consent and discussed)
        counts[1] += 1
    return {period: _pair(*counts) for period, counts in found.items()}


# ---------------------------------------------------------------------------------------------------------
# Coverage


@formula("material_coverage")
def material_coverage(grid: Grid) -> PerPeriod:
    """Households reached by any material delivered in the period (once each) over the households on the
    register now (tenants.outreach.services.coverage.material_coverage)."""
    period_months = grid.period_months
    households = db.session.scalar(select(func.count(Household.id))) or 0
    reached = _by_period(grid, select(period_months.c.period, func.count(distinct(delivery_households.c.household_id)))
                         .select_from(delivery_households)
                         .join(MaterialDelivery, MaterialDelivery.id == delivery_households.c.delivery_id)
                         .join(Household, Household.id == delivery_households.c.household_id)
                         .join(period_months, period_months.c.month == month_of(MaterialDelivery.delivery_date))
                         .where(*grid.dated_in_window(MaterialDelivery.delivery_date))
                         .group_by(period_months.c.period))
    return {period.id: _pair(reached.get(period.id, (0,))[0], households) for period in grid.periods}


@formula("agreement_coverage")
def agreement_coverage(grid: Grid) -> PerPeriod:
    """Villages with a signed agreement of the year the period ends in, over the villages
    (tenants.governance.services.agreements.agreement_coverage)."""
    years = sorted({period.last_day.year for period in grid.periods})
    villages = db.session.scalar(select(func.count(Village.id))) or 0
    signed = dict(db.session.execute(
        select(Agreement.year, func.count(distinct(Agreement.village_id)))
        .where(Agreement.year.in_(years), Agreement.village_id.is_not(None), Agreement.signed_on.is_not(None))
        .group_by(Agreement.year)).all())
    return {period.id: _pair(signed.get(period.last_day.year, 0), villages) for period in grid.periods}


@formula("household_coverage")
def household_coverage(grid: Grid) -> PerPeriod:
    """Households with an active 包户 duty: as recorded now (duties keep no history), the same for every
    period."""
    ratio = duties.household_coverage()
    return {period.id: _pair(ratio.numerator, ratio.denominator) for period in grid.periods}


@formula("clinic_inspection")
def clinic_inspection(grid: Grid) -> PerPeriod:
    """Active medical units inspected in the period (once each) over the active units
    (tenants.clinics.services.inspections.inspection_coverage)."""
    period_months = grid.period_months
    units = db.session.scalar(select(func.count(MedicalUnit.id)).where(MedicalUnit.active.is_(True))) or 0
    inspected = _by_period(grid, select(period_months.c.period, func.count(distinct(Inspection.unit_id)))
                           .join(MedicalUnit, Inspection.unit_id == MedicalUnit.id)
                           .join(period_months, period_months.c.month == month_of(Inspection.inspection_date))
                           .where(MedicalUnit.active.is_(True), *grid.dated_in_window(Inspection.inspection_date))
                           .group_by(period_months.c.period))
    return {period.id: _pair(inspected.get(period.id, (0,))[0], units) for period in grid.periods}


@formula("report_timeliness")
def report_timeliness(grid: Grid) -> PerPeriod:
    """Monthly reports that fell due in the period (by today), and those first submitted by their due day.

    A report never submitted counts as due and late. Months before the town was onboarded owe nothing.
    One query reads the town's reports for every period.
    """
    town = db.session.get(Town, current_town().id)
    today = datetime.now(county_tz()).date()
    onboarded = town.created_at.astimezone(county_tz()).date()
    due = {period.id: months_due_within(period.start, period.last_day, today, onboarded) for period in grid.periods}
    wanted = sorted({month.id for months in due.values() for month in months})
    submitted = dict(db.session.execute(
        select(TownReport.period, TownReport.first_submitted_at)
        .where(TownReport.town_id == town.id, TownReport.period.in_(wanted))).all()) if wanted else {}
    result = {}
    for period_id, months in due.items():
        on_time = sum(1 for month in months if submitted.get(month.id) is not None
                      and submitted[month.id].astimezone(county_tz()).date() <= due_on(month))
        result[period_id] = _pair(on_time, len(months))
    return result

