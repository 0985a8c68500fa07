"""Keeping the county's figures fresh: a change in a town's registers marks its periods dirty.

When a town session commits changes to the town's registers, the periods those changes can move are
marked dirty in ``shared.town_periods`` inside the same transaction (so a mark is never lost and never
made for work that was rolled back), and after the commit one recomputation job for the town is queued,
held back a few seconds so a burst of edits costs one run. The job computes every period of the town
marked dirty when it runs (so one waiting job serves every change) and clears a mark only if no newer
change arrived while it ran; the minutely sweep (workers.aggregation.dispatch.sweep_dirty) queues any
mark left behind.

Which periods move (all marked in one statement):
- an event (a birth, a visit, an inspection, a funding entry) moves the periods containing its dates;
- a change to a stock — a row whose model says ``indicator_stock = True``: people (population, women
  15–49), households, moves and deaths, villages, duties, the visits that give the methods in use,
  clinics, agreements — moves every period from its earliest date (before or after the change) to
  today; a stock row without a date (a household) moves the whole window, because its figures are taken
  as recorded now for every period;
- today's periods always, and, the first time the town changes anything in a window, every period of
  the window it has no figures for yet (a town is computed whole, so a zero is a figure and "no data"
  means a zero denominator). Onboarding marks the whole window too.
The window runs from the start of the previous calendar or statistical year to today
(periods.recompute_window); older dates are left to the nightly full recomputation.

A month whose town report the county has approved is locked (renkou.reporting): a commit that records a
date in it is refused whole with a ConflictError (409) before anything is written. A stock change dated
earlier passes and leaves the locked month alone: its approved figures stay final until it is unlocked.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app, g, has_app_context
from flask_babel import gettext as _
from sqlalchemy import Date, event, inspect, select
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
_STOCK = "stock"
_TO_QUEUE = "renkou.indicators.to_queue"
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
    """The dates a row records (a birth's time, a visit's day), as the county's local dates, both as they
    are now and as they were before this change (a corrected date moves the old day's periods too)."""
    found = set()
    state = inspect(instance)
    for prop in state.mapper.column_attrs:
        if not isinstance(prop.columns[0].type, Date | UTCDateTime) or prop.key in ("created_at", "updated_at"):
            continue
        # Loaded values only: a deleted row cannot be read again.
        values = [state.dict.get(prop.key), *state.attrs[prop.key].history.deleted]
        for value in values:
            if isinstance(value, datetime):
                found.add(_local_date(value))
            elif isinstance(value, date):
                found.add(value)
    return found


def _local_date(value: datetime) -> date:
    from renkou.timezone import county_tz

    return value.astimezone(county_tz()).date() if value.tzinfo else value.date()


def _stock_since(dates: set[date]) -> tuple[str, date]:
    """The marker a stock row leaves among the changed dates: it moves every period from this day on."""
    return (_STOCK, min(dates) if dates else date.min)


def periods_moved_by(days: set[date], today: date, stat_year_start_month: int,
                     stock_since: date | None = None) -> set[periods.Period]:
    """The periods of every kind containing today or one of ``days`` (days from the window), and with a
    stock change, every period from ``stock_since`` (at the earliest the window's start) to today."""
    earliest = periods.window_start(today, stat_year_start_month)
    wanted = {today} | {day for day in days if earliest <= day <= today}
    moved = {period for day in wanted for period in periods.periods_containing(day, stat_year_start_month)}
    if stock_since is not None:
        moved |= set(periods.periods_between(min(max(stock_since, earliest), today), today,
                                             stat_year_start_month))
    return moved


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
        recorded = recorded_dates(instance)
        dates |= recorded
        if getattr(instance, "indicator_stock", False):
            # A model may name days its figures move from beyond its date columns (an agreement's year).
            dates.add(_stock_since(recorded | set(getattr(instance, "indicator_dates", set)())))
    dates.add(None)  # marks that something changed, even a row with no dates


def _mark_dirty(session: Session) -> None:
    if bound_town(session) is None or not has_app_context() or g.get("town") is None:
        return
    session.flush()  # rows changed since the last flush count too
    savepoint = session.get_nested_transaction()
    if savepoint is not None:
        # A savepoint (an import's row) is only checked against locked months, for the dates it added;
        # the dates stay collected, and the outer commit marks the periods and queues them once.
        before = session.info.get(_SAVEPOINT_DATES, {}).get(id(savepoint), set())
        dates = session.info.get(_CHANGED_DATES, set()) - before
    else:
        dates = session.info.pop(_CHANGED_DATES, None)
    if not dates:
        return
    settings = current_app.config["RENKOU_SETTINGS"]
    today = _local_date(utcnow())
    days = {day for day in dates if isinstance(day, date)}
    stocks = [day for kind, day in (item for item in dates if isinstance(item, tuple)) if kind == _STOCK]
    moved = periods_moved_by(days, today, settings.stat_year_start_month, min(stocks) if stocks else None)
    town = g.town
    locked = _locked_months(session, town, moved, days)
    if savepoint is None:
        moved = {period for period in moved if period.id not in locked} | _never_computed(session, town.id, today)
        mark_and_queue(session, town.id, town.code, [period.id for period in sorted(moved)])


def _locked_months(session: Session, town, moved: set[periods.Period], days: set[date]) -> set[str]:
    """The approved (locked) months among ``moved``. A change that records a date in one of them would
    alter figures that are final: the whole commit is refused (409), so nothing of it is written. Today's
    month is never approved, so ordinary work passes; the county unlocks a month to let the town correct
    it. (The hook runs at a savepoint's commit too, so an import refuses just the rows dated in a locked
    month, row by row.) A locked month that a stock change moves only from an earlier date is left out
    of the marks: its job would skip it, and its approved figures stay as approved."""
    locked = locked_months(session.connection(), town.id, [p.id for p in moved if p.kind == periods.MONTH])
    dated_in = sorted({periods.period_containing(periods.MONTH, day).id for day in days} & set(locked))
    if not dated_in:
        return set(locked)
    if session.get_nested_transaction() is None:  # an import reports a refused row on its batch instead
        audit.record_now("town_report.locked_change_refused", outcome=OUTCOME_DENIED, record_type="town_report",
                         detail={"months": dated_in})
    raise ConflictError(_(
        "The county has approved the report of %(months)s, so records dated in that month can no longer "
        "change. Ask the county to unlock the month first.", months=", ".join(dated_in)))


def _never_computed(session: Session, town_id: int, today: date) -> set[periods.Period]:
    """The periods of the window the town has no figures for yet (no mark, never computed)."""
    window = periods.recompute_window(today, current_app.config["RENKOU_SETTINGS"].stat_year_start_month)
    known = set(session.connection().scalars(select(TownPeriod.period).where(
        TownPeriod.town_id == town_id, TownPeriod.period.in_([period.id for period in window]))))
    return {period for period in window if period.id not in known}


def mark_and_queue(session: Session, town_id: int, town_code: str, period_ids: list[str]) -> None:
    """Mark the town's periods dirty in the session's transaction (one statement) and queue their
    recomputation after the commit. Register changes come here through the hook; so do the few other
    things that move figures (onboarding, a report's first submission moves report timeliness, an unlock
    lets a month be recomputed)."""
    if not period_ids:
        return
    connection = session.connection()
    connection.execute(_upsert_marks(connection.dialect.name, town_id, period_ids))
    # One queueing after the commit for everything the transaction marked: an import marks at every row's
    # savepoint, and would otherwise queue the same window once per row.
    info = session.info
    waiting = info.get(_TO_QUEUE)
    if waiting is None:
        waiting = info[_TO_QUEUE] = {}
        delay = current_app.config["RENKOU_SETTINGS"].aggregation_delay_seconds
        after_commit(session, lambda: _queue_waiting(info.pop(_TO_QUEUE, {}), delay))
    waiting.setdefault(town_code, {}).update(dict.fromkeys(period_ids))


def _queue_waiting(waiting: dict[str, dict], delay_seconds: int) -> None:
    for town_code, period_ids in waiting.items():
        enqueue_recomputations(town_code, list(period_ids), delay_seconds)


def mark_window(session: Session, town_id: int, town_code: str, today: date | None = None) -> None:
    """Mark and queue every period of the recompute window (a town just onboarded)."""
    today = today or _local_date(utcnow())
    window = periods.recompute_window(today, current_app.config["RENKOU_SETTINGS"].stat_year_start_month)
    mark_and_queue(session, town_id, town_code, [period.id for period in window])


def _upsert_marks(dialect: str, town_id: int, period_ids: list[str]):
    """Insert the marks, or bump them: the first unprocessed change keeps its time, the count grows."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = TownPeriod.__table__
    now = utcnow()
    statement = insert(table).values([{"town_id": town_id, "period": period_id, "dirty_since": now,
                                       "change_count": 1} for period_id in dict.fromkeys(period_ids)])
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
        session.info.pop(_TO_QUEUE, None)  # its after-commit queueing went with the rollback


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
