"""What the dashboards show beyond the comparison: freshness of the figures, review flags, trends.

Reads only shared tables (county pages never read a town's registers, DESIGN.md §3).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from renkou.audit import services as audit
from renkou.errors import NotFoundError, ServiceError
from renkou.extensions import db
from renkou.indicators import catalog, comparisons
from renkou.indicators.models import IndicatorValue, TownPeriod, ValidationFlag
from renkou.targets.models import COUNTY_SCOPE, Target
from renkou.tenancy.models import Town
from renkou.types import utcnow


@dataclasses.dataclass
class Freshness:
    pending: int  # town-periods changed and waiting for their recomputation
    computed_at: datetime | None  # the latest recomputation

    @property
    def is_current(self) -> bool:
        return self.pending == 0


def freshness(town_id: int | None = None) -> Freshness:
    pending = select(func.count(TownPeriod.id)).where(TownPeriod.dirty_since.is_not(None))
    latest = select(func.max(TownPeriod.computed_at))
    if town_id is not None:
        pending, latest = pending.where(TownPeriod.town_id == town_id), latest.where(TownPeriod.town_id == town_id)
    return Freshness(db.session.scalar(pending) or 0, db.session.scalar(latest))


def open_flags(period_ids: list[str] | None = None, town_id: int | None = None) -> list[tuple[ValidationFlag, Town]]:
    """Flags waiting for review, newest first."""
    statement = (select(ValidationFlag, Town).join(Town, Town.id == ValidationFlag.town_id)
                 .where(ValidationFlag.status == "open").order_by(ValidationFlag.raised_at.desc()))
    if period_ids:
        statement = statement.where(ValidationFlag.period.in_(period_ids))
    if town_id is not None:
        statement = statement.where(ValidationFlag.town_id == town_id)
    return [tuple(row) for row in db.session.execute(statement)]


def review_flag(flag_id: int, note: str, reviewer_id: int) -> ValidationFlag:
    """Record that a person looked at a flagged value and what they found. The figure itself stays."""
    flag = db.session.get(ValidationFlag, flag_id)
    if flag is None:
        raise NotFoundError(str(_l("No such flag.")))
    note = (note or "").strip()
    if not note:
        raise ServiceError.on("note", str(_l("Say what the review found.")))
    if len(note) > 500:
        raise ServiceError.on("note", str(_l("At most 500 characters.")))
    flag.status, flag.review_note, flag.reviewed_by_id, flag.reviewed_at = "reviewed", note, reviewer_id, utcnow()
    db.session.flush()
    audit.record("validation_flag.review", town_code=db.session.get(Town, flag.town_id).code,
                 record_type="validation_flag", record_id=flag.id,
                 detail={"town_id": flag.town_id, "indicator": flag.indicator, "period": flag.period,
                         "rule": flag.rule})
    return flag


def town_cells(period, town: Town) -> list[tuple[catalog.Indicator, comparisons.Cell]]:
    """One town's indicators for ``period`` against its targets (its own, else the county's), without
    reading any other town's figures: a town sees itself, not its neighbours."""
    indicators = catalog.applying_to(period.kind)
    codes = [indicator.code for indicator in indicators]
    values = {row.indicator: comparisons.figures_of(row) for row in db.session.scalars(
        select(IndicatorValue).where(IndicatorValue.town_id == town.id, IndicatorValue.period == period.id,
                                     IndicatorValue.indicator.in_(codes)))}
    targets = {(target.scope, target.indicator): target.value for target in db.session.scalars(
        select(Target).where(Target.period == period.id, Target.indicator.in_(codes),
                             Target.scope.in_([town.code, COUNTY_SCOPE])))}
    cells = []
    for indicator in indicators:
        own = targets.get((town.code, indicator.code))
        target, scope = (own, "town") if own is not None else (targets.get((COUNTY_SCOPE, indicator.code)), "county")
        cells.append((indicator, comparisons.evaluate(indicator, values.get(indicator.code, comparisons.NO_FIGURES),
                                                      target, scope if target is not None else None)))
    return cells
