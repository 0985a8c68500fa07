"""Towns against their targets and against each other, for one period, from the shared tables only.

For each town and indicator: the value, the target (the town's own, else the county's), attainment,
gap, a status, a rank among towns and the change since the previous period. The county row is
Σ numerators / Σ denominators over the towns — never the average of the towns' rates, which would
weigh a town of 300 people like one of 30,000.

Rules:
- attainment = value / target × 100 when higher is better, target / value × 100 when lower is better;
  gap = value − target (so a negative gap is good when lower is better);
- status: "no_data" without a row or with a zero denominator; "monitored" for indicators that are
  watched, never targeted (birth and natural-increase rates); for NORMAL_RANGE indicators (the sex ratio
  at birth) "too_few" below the configured number of births (RENKOU_SRB_MIN_BIRTHS, 20: a ratio of 1 boy
  to 1 girl says nothing), else "met" inside normal_low..normal_high, else "outside_range" (the range
  is their target); "no_target" without a
  target; otherwise "met" at 100 % or more, "at_risk" from AT_RISK_THRESHOLD up to 100 %, else "missed";
- value, attainment, gap and status are decided on the exact numerator / denominator; only what is
  shown is rounded to cents;
- rank: 1 is best by direction, ties share a rank (1, 1, 3), towns without data (or too few births to
  judge) are not ranked,
  NORMAL_RANGE indicators rank by distance from the range (inside it = 0), monitored ones are not ranked.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app, has_app_context
from sqlalchemy import or_, select

from renkou.extensions import db
from renkou.indicators import catalog
from renkou.indicators.catalog import HIGHER_IS_BETTER, LOWER_IS_BETTER, MONITORED, NORMAL_RANGE, Indicator
from renkou.indicators.models import IndicatorValue
from renkou.indicators.periods import Period, parse
from renkou.targets.models import COUNTY_SCOPE, Target
from renkou.tenancy.models import TOWN_ACTIVE, Town

# From this attainment (%) up to 100 % a target not yet met is "at risk" rather than "missed".
AT_RISK_THRESHOLD = Decimal("95")

MET, AT_RISK, MISSED = "met", "at_risk", "missed"
OUTSIDE_RANGE, NO_TARGET, NO_DATA, MONITORED_STATUS = "outside_range", "no_target", "no_data", "monitored"
TOO_FEW = "too_few"
STATUSES = (MET, AT_RISK, MISSED, OUTSIDE_RANGE, NO_TARGET, NO_DATA, MONITORED_STATUS, TOO_FEW)
DEFAULT_SRB_MIN_BIRTHS = 20
TARGET_OF_TOWN, TARGET_OF_COUNTY = "town", "county"
CENTS = Decimal("0.01")


@dataclasses.dataclass(frozen=True)
class Figures:
    """An indicator's numerator, denominator and value (None when there is nothing to measure), and the
    unrounded value the rules decide on (the rounded one when only that is known)."""

    numerator: Decimal | None = None
    denominator: Decimal | None = None
    value: Decimal | None = None
    exact: Decimal | None = None

    @property
    def precise(self) -> Decimal | None:
        return self.exact if self.exact is not None else self.value

    @property
    def has_data(self) -> bool:
        return self.value is not None and bool(self.denominator)


NO_FIGURES = Figures()


@dataclasses.dataclass
class Cell:
    indicator: str
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    target: Decimal | None
    target_scope: str | None  # "town" (its own target), "county" (the county's, as a fallback) or None
    attainment: Decimal | None
    gap: Decimal | None
    status: str
    rank: int | None = None
    previous: Decimal | None = None
    change: Decimal | None = None


@dataclasses.dataclass
class Row:
    town: Town | None  # None: the county row
    cells: dict[str, Cell]

    @property
    def scope(self) -> str:
        return self.town.code if self.town is not None else COUNTY_SCOPE


@dataclasses.dataclass
class Comparison:
    period: Period
    previous_period: Period
    indicators: list[Indicator]
    towns: list[Row]
    county: Row
    ranked: dict[str, int]  # indicator → how many towns have a rank
    at_risk_threshold: Decimal = AT_RISK_THRESHOLD

    def status_counts(self, indicator: str) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for row in self.towns:
            counts[row.cells[indicator].status] += 1
        return counts


# ---------------------------------------------------------------------------------------------------------
# The rules, on plain values


def attainment(indicator: Indicator, value: Decimal, target: Decimal) -> Decimal | None:
    """How much of the target is reached, in %; None when it cannot be divided (a zero target or value).
    Pass the exact value: the result is rounded once, here."""
    if indicator.direction == HIGHER_IS_BETTER and target:
        return _cents(value * 100 / target)
    if indicator.direction == LOWER_IS_BETTER and value:
        return _cents(target * 100 / value)
    return None


def srb_min_births() -> int:
    """Births below which a sex ratio is not judged (RENKOU_SRB_MIN_BIRTHS)."""
    settings = current_app.config.get("RENKOU_SETTINGS") if has_app_context() else None
    return getattr(settings, "srb_min_births", DEFAULT_SRB_MIN_BIRTHS)


def too_few_to_judge(indicator: Indicator, figures: Figures) -> bool:
    """A range indicator (the sex ratio at birth: boys / girls) is judged only from enough births."""
    return (indicator.direction == NORMAL_RANGE and figures.has_data
            and figures.numerator + figures.denominator < srb_min_births())


def status_of(indicator: Indicator, figures: Figures, target: Decimal | None) -> str:
    if not figures.has_data:
        return NO_DATA
    value = figures.precise
    if indicator.direction == MONITORED:
        return MONITORED_STATUS
    if indicator.direction == NORMAL_RANGE:
        if too_few_to_judge(indicator, figures):
            return TOO_FEW
        return MET if indicator.in_normal_range(value) else OUTSIDE_RANGE
    if target is None:
        return NO_TARGET
    if value >= target if indicator.direction == HIGHER_IS_BETTER else value <= target:
        return MET
    # Decided on the exact ratio, not the rounded one shown, so 94.996 % is not called 95 %.
    exact = value * 100 / target if indicator.direction == HIGHER_IS_BETTER else target * 100 / value
    return AT_RISK if exact >= AT_RISK_THRESHOLD else MISSED


def evaluate(indicator: Indicator, figures: Figures, target: Decimal | None,
             target_scope: str | None = None) -> Cell:
    """One cell: the figures against the target (None when there is none)."""
    target = _cents(target) if target is not None else None
    has_target = target is not None and indicator.targetable
    measured = figures.has_data and has_target
    return Cell(
        indicator=indicator.code, numerator=figures.numerator, denominator=figures.denominator,
        value=figures.value if figures.has_data else None,
        target=target if has_target else None, target_scope=target_scope if has_target else None,
        attainment=attainment(indicator, figures.precise, target) if measured else None,
        gap=_cents(figures.precise - target) if measured else None,
        status=status_of(indicator, figures, target if has_target else None),
    )


def distance_from_range(indicator: Indicator, value: Decimal) -> Decimal:
    if value < indicator.normal_low:
        return indicator.normal_low - value
    if value > indicator.normal_high:
        return value - indicator.normal_high
    return Decimal(0)


def ranks(indicator: Indicator, values: dict) -> dict:
    """Competition ranks (1 = best; ties share a rank, the next rank skips) of the keys whose value is not
    None; the others, and every key of a monitored indicator, get None."""
    if indicator.direction == MONITORED:
        return dict.fromkeys(values)
    badness = {key: _badness(indicator, value) for key, value in values.items() if value is not None}
    ordered = sorted(badness.values())
    result = dict.fromkeys(values)
    for key, bad in badness.items():
        result[key] = 1 + sum(1 for other in ordered if other < bad)
    return result


def _badness(indicator: Indicator, value: Decimal) -> Decimal:
    """Smaller is better, whatever the direction."""
    if indicator.direction == HIGHER_IS_BETTER:
        return -value
    if indicator.direction == NORMAL_RANGE:
        return distance_from_range(indicator, value)
    return value


def county_figures(indicator: Indicator, town_figures: Iterable[Figures], months: int = 12) -> Figures:
    """The county's figures: Σ numerators / Σ denominators over the towns that have a row (``months``:
    the period's length, for annualised indicators)."""
    rows = [figures for figures in town_figures if figures.denominator is not None]
    if not rows:
        return NO_FIGURES
    numerator = sum((figures.numerator for figures in rows), Decimal(0))
    denominator = sum((figures.denominator for figures in rows), Decimal(0))
    return Figures(numerator, denominator, indicator.value(numerator, denominator, months),
                   indicator.exact(numerator, denominator, months))


def _cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENTS, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------------------
# Reading the shared tables


def compare(period: Period, indicators: Iterable[Indicator] | None = None) -> Comparison:
    """Every town (active, or with figures for the period) and the county against the period's targets.

    ``indicators`` defaults to the catalog's indicators measured by periods of this kind.
    """
    indicators = list(indicators) if indicators is not None else catalog.applying_to(period.kind)
    codes = [indicator.code for indicator in indicators]
    previous = period.previous()
    figures = _figures(indicators, [period.id, previous.id])
    targets = _targets(codes, period.id)
    towns = _towns_of(period.id)

    rows = [Row(town, {}) for town in towns]
    county = Row(None, {})
    ranked = {}
    for indicator in indicators:
        now = {town.id: figures.get((town.id, indicator.code, period.id), NO_FIGURES) for town in towns}
        before = {town.id: figures.get((town.id, indicator.code, previous.id), NO_FIGURES) for town in towns}
        county_target = targets.get((COUNTY_SCOPE, indicator.code))
        for row in rows:
            own = targets.get((row.town.code, indicator.code))
            target, scope = (own, TARGET_OF_TOWN) if own is not None else (county_target, TARGET_OF_COUNTY)
            cell = evaluate(indicator, now[row.town.id], target, scope if target is not None else None)
            _add_change(cell, before[row.town.id])
            row.cells[indicator.code] = cell
        town_ranks = ranks(indicator, {row.town.id: row.cells[indicator.code].value for row in rows
                                       if row.cells[indicator.code].status != TOO_FEW})
        for row in rows:
            row.cells[indicator.code].rank = town_ranks.get(row.town.id)
        ranked[indicator.code] = sum(1 for rank in town_ranks.values() if rank is not None)
        cell = evaluate(indicator, county_figures(indicator, now.values(), period.months), county_target,
                        TARGET_OF_COUNTY if county_target is not None else None)
        _add_change(cell, county_figures(indicator, before.values(), previous.months))
        county.cells[indicator.code] = cell
    return Comparison(period, previous, indicators, rows, county, ranked)


def _add_change(cell: Cell, previous: Figures) -> None:
    cell.previous = previous.value if previous.has_data else None
    if cell.value is not None and cell.previous is not None:
        cell.change = cell.value - cell.previous


def _figures(indicators: list[Indicator], period_ids: list[str]) -> dict[tuple[int, str, str], Figures]:
    by_code = {indicator.code: indicator for indicator in indicators}
    statement = select(IndicatorValue).where(IndicatorValue.indicator.in_(by_code),
                                             IndicatorValue.period.in_(period_ids))
    return {(row.town_id, row.indicator, row.period): figures_of(row, by_code[row.indicator])
            for row in db.session.scalars(statement)}


def figures_of(row: IndicatorValue, indicator: Indicator | None = None) -> Figures:
    """A stored row's figures: the value as stored (to cents) and the exact one from its counts."""
    indicator = indicator or catalog.get(row.indicator)
    return Figures(row.numerator, row.denominator, _cents(row.value) if row.value is not None else None,
                   indicator.exact(row.numerator, row.denominator, parse(row.period).months))


def _targets(codes: list[str], period_id: str) -> dict[tuple[str, str], Decimal]:
    statement = select(Target).where(Target.indicator.in_(codes), Target.period == period_id)
    return {(target.scope, target.indicator): target.value for target in db.session.scalars(statement)}


def _towns_of(period_id: str) -> list[Town]:
    """Active towns, and archived ones that have figures for the period (their past still counts)."""
    with_figures = select(IndicatorValue.town_id).where(IndicatorValue.period == period_id)
    statement = select(Town).where(or_(Town.status == TOWN_ACTIVE, Town.id.in_(with_figures))).order_by(Town.code)
    return list(db.session.scalars(statement))


@dataclasses.dataclass
class ValueRow:
    town: Town | None  # None: the county
    indicator: str
    period: str
    figures: Figures

    @property
    def scope(self) -> str:
        return self.town.code if self.town is not None else COUNTY_SCOPE


def values_of(period: Period, town: Town | None = None, indicators: Iterable[Indicator] | None = None
              ) -> list[ValueRow]:
    """The period's figures: of one ``town``, or of every town followed by the county's (Σ/Σ).
    A town without a row for an indicator is left out; the county row is there whenever a town has one."""
    indicators = list(indicators) if indicators is not None else catalog.applying_to(period.kind)
    figures = _figures(indicators, [period.id])
    towns = [town] if town is not None else _towns_of(period.id)
    rows = []
    for indicator in indicators:
        for each in towns:
            if (each.id, indicator.code, period.id) in figures:
                rows.append(ValueRow(each, indicator.code, period.id, figures[(each.id, indicator.code, period.id)]))
        if town is None:
            total = county_figures(indicator, [row.figures for row in rows if row.indicator == indicator.code],
                                   period.months)
            if total.denominator is not None:
                rows.append(ValueRow(None, indicator.code, period.id, total))
    return rows


# ---------------------------------------------------------------------------------------------------------
# Drill-down


@dataclasses.dataclass
class HistoryPoint:
    period: Period
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    target: Decimal | None


def history(indicator: Indicator | str, last: Period | str, count: int, town_id: int | None = None
            ) -> list[HistoryPoint]:
    """One town's (or, with ``town_id`` None, the county's) figures and targets for ``indicator`` over the
    ``count`` periods ending with ``last`` (all of ``last``'s kind), oldest first; for drill-down charts.
    ``last`` may be a kind ("month", "quarter", …): the period of that kind today falls in. The target of
    each period is the town's own, else the county's."""
    from renkou.targets.period_input import current

    indicator = catalog.get(indicator) if isinstance(indicator, str) else indicator
    last = current(last) if isinstance(last, str) else last
    periods = [last]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    periods.reverse()
    ids = [period.id for period in periods]
    statement = select(IndicatorValue).where(IndicatorValue.indicator == indicator.code,
                                             IndicatorValue.period.in_(ids))
    if town_id is not None:
        statement = statement.where(IndicatorValue.town_id == town_id)
    by_period: dict[str, list[Figures]] = {}
    for row in db.session.scalars(statement):
        by_period.setdefault(row.period, []).append(figures_of(row, indicator))
    scopes = [COUNTY_SCOPE]
    if town_id is not None:
        scopes.insert(0, db.session.get(Town, town_id).code)
    targets = {(target.period, target.scope): target.value for target in db.session.scalars(
        select(Target).where(Target.indicator == indicator.code, Target.period.in_(ids), Target.scope.in_(scopes)))}
    points = []
    for period in periods:
        rows = by_period.get(period.id, [])
        figures = ((rows[0] if rows else NO_FIGURES) if town_id is not None
                   else county_figures(indicator, rows, period.months))
        target = next((targets[(period.id, scope)] for scope in scopes if (period.id, scope) in targets), None)
        points.append(HistoryPoint(period, figures.numerator, figures.denominator,
                                   figures.value if figures.has_data else None,
                                   _cents(target) if target is not None and indicator.targetable else None))
    return points
