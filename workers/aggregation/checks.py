"""Plausibility checks on freshly computed figures: implausible values are flagged for review.

A flag does not change or hide a figure; the county reviews it (a sex ratio of 150 in a town with
40 births may be a data-entry slip or a real signal of sex selection to look into).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from renkou.extensions import db
from renkou.indicators import periods
from renkou.indicators.comparisons import srb_min_births
from renkou.indicators.models import IndicatorValue, ValidationFlag
from renkou.types import utcnow

SRB_PLAUSIBLE = (Decimal(80), Decimal(130))
BIRTH_SURGE_FACTOR = Decimal(3)  # a month with over 3× the town's usual births
BIRTH_SURGE_MIN = 10
USUAL_MONTHS = 12  # the usual is the mean of up to 12 earlier months
USUAL_MONTHS_MIN = 3
# A year's births per 1,000 people: China's county rates run about 5–15 ‰ and the highest national rates in
# the world stay under 50 ‰. Above this the register is missing people (or holds births twice).
BIRTH_RATE_PLAUSIBLE_MAX = Decimal(40)
WHOLE_YEARS = (periods.YEAR, periods.STAT_YEAR)


def review(town_id: int, todo: list[periods.Period], computed: dict[str, dict]) -> None:
    """Raise or withdraw the flags of this town for the periods just computed, from their new figures."""
    usual = _usual_births(town_id, todo, computed)
    found = {}
    for period in todo:
        figures = computed[period.id]
        if "srb" in figures:
            found.update({(period.id, *key): details for key, details in _srb(*figures["srb"]).items()})
        if period.kind == periods.MONTH and "birth_rate" in figures:
            surge = _birth_surge(usual.get(period.id, []), figures["birth_rate"][0])
            found.update({(period.id, *key): details for key, details in surge.items()})
        if period.kind in WHOLE_YEARS and "birth_rate" in figures:
            found.update({(period.id, *key): details for key, details in _birth_rate(*figures["birth_rate"]).items()})
    _save(town_id, [period.id for period in todo], found)


def _srb(male: Decimal, female: Decimal) -> dict:
    if male + female < srb_min_births() or not female:  # below it a ratio swings on one birth: no flag
        return {}
    ratio = (male * 100 / female).quantize(Decimal("0.01"))
    low, high = SRB_PLAUSIBLE
    if low <= ratio <= high:
        return {}
    return {("srb", "srb_implausible"): {"value": str(ratio), "low": str(low), "high": str(high)}}


def _birth_rate(births: Decimal, mean_population: Decimal) -> dict:
    """A year's birth rate beyond any real population's (only whole years: a month's is not a year's)."""
    if not mean_population:
        return {}
    rate = (births * 1000 / mean_population).quantize(Decimal("0.01"))
    if rate <= BIRTH_RATE_PLAUSIBLE_MAX:
        return {}
    return {("birth_rate", "birth_rate_implausible"): {"value": str(rate), "high": str(BIRTH_RATE_PLAUSIBLE_MAX)}}


def _usual_births(town_id: int, todo: list[periods.Period], computed: dict[str, dict]) -> dict[str, list]:
    """{month: births of up to 12 months before it}: from this run's figures where it has them, else from
    the stored values, read in one query."""
    earlier = {}
    for period in todo:
        if period.kind == periods.MONTH:
            months = [period.previous()]
            while len(months) < USUAL_MONTHS:
                months.append(months[-1].previous())
            earlier[period.id] = [month.id for month in months]
    wanted = {month for months in earlier.values() for month in months}
    births = dict(db.session.execute(select(IndicatorValue.period, IndicatorValue.numerator).where(
        IndicatorValue.town_id == town_id, IndicatorValue.indicator == "birth_rate",
        IndicatorValue.period.in_(sorted(wanted)))).all()) if wanted else {}
    births.update({period_id: figures["birth_rate"][0] for period_id, figures in computed.items()
                   if "birth_rate" in figures and period_id in wanted})
    return {period_id: [births[month] for month in months if month in births]
            for period_id, months in earlier.items()}


def _birth_surge(counts: list[Decimal], births: Decimal) -> dict:
    if len(counts) < USUAL_MONTHS_MIN or births < BIRTH_SURGE_MIN:
        return {}
    usual = sum(counts) / len(counts)
    if births <= usual * BIRTH_SURGE_FACTOR:
        return {}
    return {("birth_rate", "births_surge"): {"births": str(births), "usual": str(usual.quantize(Decimal("0.1")))}}


def _save(town_id: int, period_ids: list[str], found: dict) -> None:
    """Open flags that no longer hold are withdrawn; reviewed ones stay as the record of the review."""
    table = ValidationFlag.__table__
    stale = delete(ValidationFlag).where(ValidationFlag.town_id == town_id, ValidationFlag.period.in_(period_ids),
                                         ValidationFlag.status == "open")
    if found:
        stale = stale.where(tuple_(ValidationFlag.period, ValidationFlag.indicator, ValidationFlag.rule)
                            .not_in(list(found)))
    db.session.execute(stale)
    dialect = db.session.connection().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for (period_id, code, rule), details in found.items():  # flags are rare: a handful per run at most
        statement = insert(table).values(town_id=town_id, indicator=code, period=period_id, rule=rule,
                                         details=details, status="open", raised_at=utcnow())
        db.session.execute(statement.on_conflict_do_update(
            index_elements=[table.c.town_id, table.c.indicator, table.c.period, table.c.rule],
            set_={"details": details}))
