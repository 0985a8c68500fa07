"""The recomputation of one town's indicators (an RQ job on the ``aggregation`` queue).

One job per town computes every period it is given, together with every period of the town still marked
dirty, with the set-based formulas of workers.indicators.formulas: a few statements for all periods,
never one scan per period. Idempotent: values are upserted on (town, indicator, period), so a job killed
halfway (its transaction rolled back) and run again stores the same figures and no duplicates. A month
whose town report is approved (locked) is skipped. It reads only its own town's registers (DESIGN.md §3).
"""

from __future__ import annotations

import time
from decimal import Decimal

from sqlalchemy import case, select, update
from sqlalchemy.dialects import postgresql, sqlite

from renkou import jobs
from renkou.extensions import db
from renkou.indicators import catalog, periods
from renkou.indicators.models import IndicatorValue, TownPeriod
from renkou.reporting.locks import locked_months
from renkou.reporting.services import approved_figures
from renkou.tenancy.context import current_town
from renkou.types import utcnow
from workers.aggregation import checks
from workers.indicators import formulas


def compute_town(town_code: str, period_ids: list[str]) -> dict[str, dict[str, str]]:
    """Recompute ``period_ids`` and every dirty period of ``town_code``; {period: {code: value}}."""
    for period_id in period_ids:
        periods.parse(period_id)  # refuse a bad id before opening anything
    return jobs.run_for_town(town_code, _compute, list(period_ids))


def compute_town_period(town_code: str, period_id: str) -> dict[str, str]:
    """Recompute one period of one town, and only that one (the town's other dirty periods wait for its
    job); the period's values, by code."""
    periods.parse(period_id)
    return jobs.run_for_town(town_code, _compute, [period_id], False)[period_id]


def _compute(period_ids: list[str], with_dirty: bool = True) -> dict[str, dict[str, str]]:
    town = current_town()
    wanted = sorted(set(period_ids) | (_dirty_periods(town.id) if with_dirty else set()))
    locked = set(locked_months(db.session.connection(), town.id,
                               [p for p in wanted if periods.parse(p).kind == periods.MONTH]))
    result = {}
    for period_id in sorted(locked):
        # The county approved this month's report: its figures are final until it unlocks the month.
        # Nothing is written, so running again changes nothing either.
        pairs = approved_figures(town.id, period_id) or {}
        months = periods.parse(period_id).months
        result[period_id] = {code: str(catalog.get(code).value(*pair, months)) for code, pair in pairs.items()}
    todo = [periods.parse(p) for p in wanted if p not in locked]
    if not todo:
        return result
    seen = _changes_seen(town.id, [period.id for period in todo])
    started = time.perf_counter()
    computed = formulas.figures(todo)
    _store(town.id, todo, computed)
    checks.review(town.id, todo, computed)
    _mark_clean(town.id, seen, int((time.perf_counter() - started) * 1000))
    for period in todo:
        result[period.id] = {code: str(catalog.get(code).value(*pair, period.months))
                             for code, pair in computed[period.id].items()}
    return result


def _insert(dialect: str):
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _dialect() -> str:
    return db.session.connection().dialect.name


def _dirty_periods(town_id: int) -> set[str]:
    """The town's periods marked dirty: a change queued them while this job waited, or while an earlier
    one ran (the job ids are per town, so one waiting job serves every change)."""
    return set(db.session.scalars(select(TownPeriod.period).where(TownPeriod.town_id == town_id,
                                                                   TownPeriod.dirty_since.is_not(None))))


def _changes_seen(town_id: int, period_ids: list[str]) -> dict[str, int]:
    """The change count of each period's mark as this run starts (creating the rows there are none of)."""
    table = TownPeriod.__table__
    db.session.execute(_insert(_dialect())(table).values(
        [{"town_id": town_id, "period": period_id, "change_count": 0} for period_id in period_ids])
        .on_conflict_do_nothing(index_elements=[table.c.town_id, table.c.period]))
    return dict(db.session.execute(select(TownPeriod.period, TownPeriod.change_count).where(
        TownPeriod.town_id == town_id, TownPeriod.period.in_(period_ids))).all())


def _store(town_id: int, todo: list[periods.Period], computed: dict[str, dict[str, tuple[Decimal, Decimal]]]) -> None:
    """Upsert every value of every period in a few statements."""
    table = IndicatorValue.__table__
    now = utcnow()
    rows = [{"town_id": town_id, "indicator": code, "period": period.id, "period_kind": period.kind,
             "period_start": period.start, "numerator": numerator, "denominator": denominator,
             "value": catalog.get(code).value(numerator, denominator, period.months), "computed_at": now}
            for period in todo for code, (numerator, denominator) in computed[period.id].items()]
    statement = _insert(_dialect())(table)
    # Executed with the rows as parameters: one compiled statement, sent in batches of many rows
    # (SQLAlchemy's insertmanyvalues); a literal VALUES list of 500 rows took seconds to compile and plan.
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[table.c.town_id, table.c.indicator, table.c.period],
        set_={column: statement.excluded[column] for column in ("numerator", "denominator", "value", "computed_at")}),
        rows)


def _mark_clean(town_id: int, seen: dict[str, int], elapsed_ms: int) -> None:
    """Clear each dirty mark unless a change arrived while this ran (then it stays for the next job or the
    sweep). Two statements for all periods; each period's own count decides."""
    where = (TownPeriod.town_id == town_id, TownPeriod.period.in_(list(seen)))
    db.session.execute(update(TownPeriod).where(*where).values(computed_at=utcnow(), compute_ms=elapsed_ms))
    read_count = case(seen, value=TownPeriod.period)
    db.session.execute(update(TownPeriod).where(*where, TownPeriod.change_count == read_count)
                       .values(dirty_since=None))
