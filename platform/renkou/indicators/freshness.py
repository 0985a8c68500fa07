"""Keeping the county's figures fresh: a change in a town's registers marks its periods dirty.

When a town session commits changes to the town's registers, the periods those changes can move are
marked dirty in ``shared.town_periods`` inside the same transaction (so a mark is never lost and never
made for work that was rolled back), and after the commit one recomputation job for the town is queued,
held back a few seconds so a burst of edits costs one run. The job computes every period of the town
marked dirty when it runs (so one waiting job serves every change) and clears a mark only if no newer
change arrived while it ran; the minutely sweep (workers.aggregation.dispatch.sweep_dirty) queues any
mark left behind.

Which periods move: those containing today, and those containing any date recorded on a changed row
(a birth last month moves last month) back to the start of the previous statistical or calendar year.
Older dates are left to the nightly full recomputation.

A month whose town report the county has approved is locked (renkou.reporting): a commit that would
move one of its periods is refused whole with a ConflictError (409) before anything is written.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app, g, has_app_context
from flask_babel import gettext as _
from sqlalchemy import Date, event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from renkou.audit import services as audit
from renkou.audit.models import OUTCOME_DENIED
from renkou.db import after_commit, bound_town
from renkou.errors import ConflictError
from renkou.extensions import town_metadata
from renkou.indicators import periods
from renkou.indicators.models import TownPeriod
from renkou.reporting.locks import locked_months
from renkou.types import UTCDateTime, utcnow

_CHANGED_DATES = "renkou.indicators.changed_dates"
_SAVEPOINT_DATES = "renkou.indicators.savepoint_dates"
RECOMPUTE_JOB = "workers.aggregation.compute.compute_town"
# A town's whole window takes about a second; the aggregation worker runs jobs in its own process, where a
# killed job counts as abandoned (and is retried) only once this timeout and a minute have passed.
RECOMPUTE_TIMEOUT = 300


def job_id(town_code: str, full: bool = False) -> str:
    """One recomputation of a town's changes may wait at a time, and one of its whole window."""
    return f"aggregate-{town_code}-full" if full else f"aggregate-{town_code}"


def affects_indicators(instance) -> bool:
    """Rows of a town's registers; bookkeeping rows (import batches, counters) say otherwise."""
    return inspect(instance).mapper.local_table.metadata is town_metadata and getattr(
        instance, "affects_indicators", True)


def recorded_dates(instance) -> set[date]:
    """The dates a row records (a birth's time, a visit's day), as the county's local dates."""
    found = set()
    state = inspect(instance)
    for column in state.mapper.columns:
        if not isinstance(column.type, Date | UTCDateTime) or column.key in ("created_at", "updated_at"):
            continue
        value = state.dict.get(column.key)  # loaded values only: a deleted row cannot be read again
        if isinstance(value, datetime):
            found.add(_local_date(value))
        elif isinstance(value, date):
            found.add(value)
    return found


def _local_date(value: datetime) -> date:
    from renkou.timezone import county_tz

    return value.astimezone(county_tz()).date() if value.tzinfo else value.date()


def periods_moved_by(days: set[date], today: date, stat_year_start_month: int) -> set[periods.Period]:
    """The periods of every kind containing today or one of ``days`` (days from the last two years)."""
    earliest = min(periods.period_containing(periods.STAT_YEAR, today, stat_year_start_month).previous().start,
                   date(today.year - 1, 1, 1))
    wanted = {today} | {day for day in days if earliest <= day <= today}
    return {period for day in wanted for period in periods.periods_containing(day, stat_year_start_month)}


def install(session_class=Session) -> None:
    """Listen to every session (once per process); the listeners act only for sessions bound to a town."""
    if event.contains(session_class, "before_commit", _mark_dirty):
        return
    event.listen(session_class, "after_flush", _collect_changed_dates)
    event.listen(session_class, "before_commit", _mark_dirty)
    event.listen(session_class, "after_soft_rollback", _forget)
    event.listen(session_class, "after_transaction_create", _remember_at_savepoint)
    event.listen(session_class, "after_rollback", _restore_at_savepoint_rollback)
    event.listen(session_class, "after_transaction_end", _drop_savepoint)


def _collect_changed_dates(session: Session, _flush_context) -> None:
    if bound_town(session) is None:
        return
    changed = [obj for obj in (*session.new, *session.dirty, *session.deleted) if affects_indicators(obj)]
    if not changed:
        return
    dates = session.info.setdefault(_CHANGED_DATES, set())
    for instance in changed:
        dates |= recorded_dates(instance)
    dates.add(None)  # marks that something changed, even a row with no dates


def _mark_dirty(session: Session) -> None:
    if bound_town(session) is None or not has_app_context() or g.get("town") is None:
        return
    session.flush()  # rows changed since the last flush count too
    dates = session.info.pop(_CHANGED_DATES, None)
    if not dates:
        return
    settings = current_app.config["RENKOU_SETTINGS"]
    today = _local_date(utcnow())
    moved = periods_moved_by({day for day in dates if day}, today, settings.stat_year_start_month)
    town = g.town
    _refuse_locked_months(session, town, moved)
    mark_and_queue(session, town.id, town.code, [period.id for period in sorted(moved)])


def _refuse_locked_months(session: Session, town, moved: set[periods.Period]) -> None:
    """A change that moves a month whose report the county approved would alter figures that are final:
    refuse the whole commit (409), so nothing of it is written. Today's month is never approved, so
    ordinary work passes; the county unlocks a month to let the town correct it. (The hook runs at a
    savepoint's commit too, so an import refuses just the rows dated in a locked month, row by row.)"""
    locked = locked_months(session.connection(), town.id, [p.id for p in moved if p.kind == periods.MONTH])
    if not locked:
        return
    if session.get_nested_transaction() is None:  # an import reports a refused row on its batch instead
        audit.record_now("town_report.locked_change_refused", outcome=OUTCOME_DENIED, record_type="town_report",
                         detail={"months": locked})
    raise ConflictError(_(
        "The county has approved the report of %(months)s, so records dated in that month can no longer "
        "change. Ask the county to unlock the month first.", months=", ".join(locked)))


def mark_and_queue(session: Session, town_id: int, town_code: str, period_ids: list[str]) -> None:
    """Mark the town's periods dirty in the session's transaction and queue their recomputation after the
    commit. Register changes come here through the hook; so do the few other things that move figures
    (a report's first submission moves report timeliness, an unlock lets a month be recomputed)."""
    connection = session.connection()
    for period_id in period_ids:
        connection.execute(_upsert_mark(connection.dialect.name, town_id, period_id))
    delay = current_app.config["RENKOU_SETTINGS"].aggregation_delay_seconds
    after_commit(session, lambda: enqueue_recomputations(town_code, list(period_ids), delay))


def _upsert_mark(dialect: str, town_id: int, period_id: str):
    """Insert the mark, or bump it: the first unprocessed change keeps its time, the count grows."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = TownPeriod.__table__
    statement = insert(table).values(town_id=town_id, period=period_id, dirty_since=utcnow(), change_count=1)
    return statement.on_conflict_do_update(
        index_elements=[table.c.town_id, table.c.period],
        set_={"dirty_since": _coalesce(table.c.dirty_since, statement.excluded.dirty_since),
              "change_count": table.c.change_count + 1})


def _coalesce(*values):
    from sqlalchemy import func

    return func.coalesce(*values)


def _remember_at_savepoint(session: Session, transaction) -> None:
    """The dates changed so far, kept at a savepoint: rows undone by rolling it back (a bad import row, a
    dry run) move no period, and so can neither mark one nor be refused for a locked month."""
    if transaction.nested and bound_town(session) is not None:
        saved = session.info.setdefault(_SAVEPOINT_DATES, {})
        saved[id(transaction)] = set(session.info.get(_CHANGED_DATES, ()))


def _restore_at_savepoint_rollback(session: Session) -> None:
    savepoint = session.get_nested_transaction()  # still the one rolled back while this runs
    saved = session.info.get(_SAVEPOINT_DATES, {}).get(id(savepoint)) if savepoint is not None else None
    if saved is not None:
        session.info[_CHANGED_DATES] = set(saved)


def _drop_savepoint(session: Session, transaction) -> None:
    if transaction.nested:
        session.info.get(_SAVEPOINT_DATES, {}).pop(id(transaction), None)


def _forget(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_CHANGED_DATES, None)
        session.info.pop(_SAVEPOINT_DATES, None)


def enqueue_recomputations(town_code: str, period_ids: list[str], delay_seconds: int, full: bool = False) -> int:
    """Queue one recomputation of the town's periods unless one is already waiting; how many were queued
    (0 or 1). A waiting job still computes these periods: it reads the town's dirty marks when it runs."""
    from rq import Retry

    from renkou.jobs import enqueue_unique

    return int(enqueue_unique("aggregation", RECOMPUTE_JOB, town_code, sorted(period_ids),
                              job_id=job_id(town_code, full), delay_seconds=delay_seconds,
                              keep_result=False, retry=Retry(max=3, interval=[0, 30, 120]),
                              timeout=RECOMPUTE_TIMEOUT))


def stale_after(delay_seconds: int) -> timedelta:
    """How old a mark is before the sweep treats its job as lost."""
    return timedelta(seconds=max(30, 3 * delay_seconds))
