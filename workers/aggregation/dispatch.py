"""Thin dispatchers run by the schedules: they read what is due from the database and queue idempotent
recomputations. Running one twice queues nothing twice (job ids are unique per town: one for its changes,
one for its whole window)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from renkou.extensions import db
from renkou.indicators import freshness
from renkou.indicators.models import TownPeriod
from renkou.indicators.periods import recompute_window
from renkou.tenancy.models import TOWN_ACTIVE, Town
from renkou.timezone import county_tz
from renkou.types import utcnow


def full_recompute(slot: datetime | None = None) -> int:
    """Queue one job per active town computing every period of the window; how many jobs were queued."""
    settings = current_app.config["RENKOU_SETTINGS"]
    today = (slot or utcnow()).astimezone(county_tz()).date()
    window = [period.id for period in recompute_window(today, settings.stat_year_start_month)]
    queued = 0
    for code in db.session.scalars(select(Town.code).where(Town.status == TOWN_ACTIVE).order_by(Town.code)):
        queued += freshness.enqueue_recomputations(code, window, delay_seconds=0, full=True)
    return queued


def sweep_dirty(slot: datetime | None = None) -> int:
    """Queue the recomputation of marks left dirty longer than their debounced job should take (a job
    lost with a crashed worker, or a change that arrived while its job was running)."""
    settings = current_app.config["RENKOU_SETTINGS"]
    cutoff = utcnow() - freshness.stale_after(settings.aggregation_delay_seconds)
    rows = db.session.execute(
        select(Town.code, TownPeriod.period).join(Town, Town.id == TownPeriod.town_id)
        .where(TownPeriod.dirty_since.is_not(None), TownPeriod.dirty_since < cutoff, Town.status == TOWN_ACTIVE)
        .order_by(Town.code, TownPeriod.period))
    by_town: dict[str, list[str]] = {}
    for code, period_id in rows:
        by_town.setdefault(code, []).append(period_id)
    return sum(freshness.enqueue_recomputations(code, period_ids, delay_seconds=0)
               for code, period_ids in by_town.items())
