"""The default schedules, and the tick that runs whatever is due.

`renkou cron` (RQ's cron scheduler) enqueues ``tick`` on the default queue every minute; the tick
reads the schedules as the county has set them, claims each due slot in ``schedule_runs`` and calls
that schedule's dispatcher, which enqueues the real (idempotent) work. RQ's cron knows nothing of
time zones beyond UTC and keeps no lock; this way the cron strings are in the county's local time,
live in the database where the county administrator can change them, and a slot runs once however
many ticks or cron processes there are.

Add a schedule from another module with ``renkou.scheduling.registry.register(Schedule(...))``.
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import traceback
import uuid
from collections.abc import Callable
from datetime import datetime

from flask_babel import lazy_gettext as _l

from renkou import jobs
from renkou.extensions import db
from renkou.scheduling import services
from renkou.scheduling.models import ScheduleRun
from renkou.scheduling.registry import Schedule, register
from renkou.timezone import county_tz
from renkou.types import utcnow

log = logging.getLogger(__name__)

DEFAULT_SCHEDULES = (
    Schedule("nightly_recompute", "30 2 * * *", "workers.aggregation.dispatch.full_recompute", "aggregation",
             _l("Recompute every town's indicators for the open periods, at night when nobody works."),
             title=_l("Nightly recompute")),
    Schedule("dirty_sweep", "* * * * *", "workers.aggregation.dispatch.sweep_dirty", "aggregation",
             _l("Recompute the figures of towns whose registers changed since their last computation."),
             title=_l("Recompute after changes")),
    Schedule("import_sweep", "* * * * *", "workers.imports.sweep", "default",
             _l("Check or import again the spreadsheet imports left checking or importing whose job was lost."),
             title=_l("Resume lost imports")),
)
for _schedule in DEFAULT_SCHEDULES:
    register(_schedule)

ERROR_CHARS = 4000


def tick(now: datetime | None = None) -> dict[str, int | str]:
    """Run the latest due slot of every enabled schedule that no tick has claimed yet.

    ``now`` is for tests; RQ calls it with none. Returns what each schedule did, for the job's result.
    """
    app = jobs.job_app()
    with app.app_context():
        try:
            return run_due(now or utcnow())
        finally:
            db.session.remove()


def run_due(now: datetime) -> dict[str, int | str]:
    outcome: dict[str, int | str] = {}
    for item in services.effective_schedules():
        if not item.enabled:
            continue
        # Only the latest due slot runs, never each missed one in turn: dispatchers read what is due
        # from the database *now*, so one run after an outage catches up on everything, while
        # replaying 300 missed dirty sweeps would do the same work 300 times.
        slot = services.latest_due_slot(item.local_cron, now)
        if now - slot > services.MAX_LATENESS:
            continue
        run = services.claim_slot(item.name, slot, now)
        if run is None:
            continue
        outcome[item.name] = _dispatch(item.schedule, run, slot)
    services.prune_runs(now)
    db.session.commit()
    return outcome


def _dispatch(schedule: Schedule, run, slot: datetime) -> int | str:
    """Call the dispatcher with the slot in county time. Its enqueues (enqueue_after_commit) happen when
    the run's finish commits; if it fails, its writes and enqueues are rolled back and the error kept."""
    try:
        enqueued = int(resolve(schedule.dispatcher)(slot.astimezone(county_tz())))
        services.finish_run(run, utcnow(), enqueued=enqueued)
        db.session.commit()
        return enqueued
    except Exception:
        error = traceback.format_exc()[-ERROR_CHARS:]
        log.exception("schedule %s, slot %s: the dispatcher failed", schedule.name, slot.isoformat())
        # A fresh session: the failed one may still hold the dispatcher's enqueues-after-commit (a
        # rollback with no transaction open does not clear them), which must never be sent.
        run_id = run.id
        db.session.rollback()
        db.session.remove()
        services.finish_run(db.session.get(ScheduleRun, run_id), utcnow(), error=error)
        db.session.commit()
        return "error"


def resolve(path: str) -> Callable[[datetime], int]:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


# ---------------------------------------------------------------------------------------------------------
# `renkou cron`: RQ's cron scheduler, which only ever enqueues the tick

TICK_TIMEOUT = 120  # seconds; far below services.STALE_CLAIM, so a claim that old is surely abandoned
TICK_TTL = 300  # a tick still waiting after 5 minutes is dropped: a later tick does the same work


def cron_scheduler(connection, queue_name: str, logging_level: str = "INFO"):
    """RQ's CronScheduler enqueuing ``tick`` on ``queue_name`` at the start of every minute.

    Run exactly one (RQ's cron has no lock); a second one only doubles the ticks, which the
    claims in schedule_runs make harmless. Its name starts with the queue's name, so the jobs page
    can tell this installation's cron processes from others sharing the Redis.
    """
    from rq.cron import CronScheduler

    name = f"{queue_name}-cron-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    scheduler = CronScheduler(connection=connection, name=name, logging_level=logging_level)
    scheduler.register(tick, queue_name, cron="* * * * *", job_timeout=TICK_TIMEOUT, ttl=TICK_TTL,
                       failure_ttl=int(jobs.FAILED_JOB_TTL.total_seconds()), result_ttl=3600,
                       name=f"{queue_name}-schedules-tick")
    return scheduler
