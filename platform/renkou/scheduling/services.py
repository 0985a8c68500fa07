"""Schedules: their effective settings, their due slots, and the runs that claim them.

Services flush and never commit, except ``claim_slot`` and the tick's own commits in
workers/schedules.py: claiming *is* a commit, because the unique row is the lock other ticks see.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from croniter import croniter
from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from renkou.audit import services as audit
from renkou.errors import NotFoundError
from renkou.extensions import db
from renkou.scheduling import registry
from renkou.scheduling.models import ScheduleRun, ScheduleSetting
from renkou.timezone import county_tz
from renkou.types import utcnow

# A slot is run only within a day of falling due. Later than that (the cron process or every worker
# was down) the next slot is the one to run: a nightly recomputation from two days ago is worth
# nothing once tonight's runs, and a monthly report must not go out days late without a person
# deciding to send it.
MAX_LATENESS = timedelta(hours=24)
# A claimed slot with no finish this long after it started belongs to a tick that was killed (the
# tick job's timeout is far shorter, see renkou.cli `cron`): the slot may be claimed again.
STALE_CLAIM = timedelta(minutes=10)
# Runs are kept a month for the jobs page. Older rows can go: no slot older than MAX_LATENESS is ever
# claimed again, so deleting its row cannot make it run twice.
RUN_RETENTION = timedelta(days=30)


@dataclasses.dataclass
class EffectiveSchedule:
    """A registered schedule with the county's override applied."""

    schedule: registry.Schedule
    local_cron: str
    enabled: bool
    setting: ScheduleSetting | None

    @property
    def name(self) -> str:
        return self.schedule.name

    @property
    def title(self):
        """What people call it (the stored name when a schedule was registered without a title)."""
        return self.schedule.title or self.schedule.name

    @property
    def is_default(self) -> bool:
        return self.setting is None or (self.local_cron == self.schedule.local_cron
                                        and self.enabled == enabled_by_default(self.schedule))


def enabled_by_default(schedule: registry.Schedule) -> bool:
    """On, unless the schedule waits for a setting (``enabled_setting``) that is not set."""
    if schedule.enabled_setting is None:
        return True
    return bool(getattr(current_app.config["RENKOU_SETTINGS"], schedule.enabled_setting))


def effective_schedules() -> list[EffectiveSchedule]:
    """Every registered schedule, in registration order, as the county has set it."""
    settings = {setting.name: setting for setting in db.session.scalars(select(ScheduleSetting))}
    result = []
    for schedule in registry.SCHEDULES:
        setting = settings.get(schedule.name)
        if setting is not None and registry.is_valid_cron(setting.local_cron):
            result.append(EffectiveSchedule(schedule, setting.local_cron, setting.enabled, setting))
        else:
            result.append(EffectiveSchedule(schedule, schedule.local_cron, enabled_by_default(schedule), setting))
    return result


def get_schedule(name: str) -> EffectiveSchedule:
    found = next((item for item in effective_schedules() if item.name == name), None)
    if found is None:
        raise NotFoundError.on("name", f"no schedule called {name}")
    return found


def update_schedule(name: str, local_cron: str, enabled: bool, actor=None) -> EffectiveSchedule:
    """Store the county's cron string and on/off switch of schedule ``name`` (already validated by
    ScheduleSettingSchema), audited with the values before and after."""
    current = get_schedule(name)
    before = {"local_cron": current.local_cron, "enabled": current.enabled}
    setting = current.setting
    if setting is None:
        setting = ScheduleSetting(name=name)
        db.session.add(setting)
    setting.local_cron = local_cron
    setting.enabled = enabled
    setting.updated_by_id = actor.id if actor is not None else None
    setting.updated_at = utcnow()
    db.session.flush()
    after = {"local_cron": local_cron, "enabled": enabled}
    audit.record("schedule.update", actor=actor, town_code=None, record_type="schedule", record_id=name,
                 detail={"before": before, "after": after})
    return get_schedule(name)


# ---------------------------------------------------------------------------------------------------------
# Slots


def latest_due_slot(local_cron: str, now: datetime) -> datetime:
    """The latest slot of ``local_cron`` whose minute has begun by ``now``, in the county's time zone.

    croniter's get_prev is strictly before its start, so start from the next whole minute: at
    02:30:00.000 exactly, the 02:30 slot is due, not the one of the day before.
    """
    start = now.astimezone(county_tz()).replace(second=0, microsecond=0) + timedelta(minutes=1)
    return croniter(local_cron, start).get_prev(datetime)


def next_slot(local_cron: str, now: datetime) -> datetime:
    """The first slot after ``now``, in the county's time zone."""
    return croniter(local_cron, now.astimezone(county_tz())).get_next(datetime)


# ---------------------------------------------------------------------------------------------------------
# Runs


def claim_slot(name: str, slot: datetime, now: datetime) -> ScheduleRun | None:
    """The run of ``name`` for ``slot``, claimed for this tick and committed; None when another tick has it.

    Inserting the row is the claim: the unique (name, slot) key lets exactly one insert win, across
    ticks, worker processes and cron processes. A claim left unfinished past STALE_CLAIM (its tick was
    killed) is taken over by a compare-and-set on its start time, which again only one tick can win.
    """
    existing = db.session.scalar(select(ScheduleRun).where(ScheduleRun.name == name, ScheduleRun.slot == slot))
    if existing is None:
        run = ScheduleRun(name=name, slot=slot, started_at=now)
        db.session.add(run)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return None
        return run
    if existing.finished_at is not None or now - existing.started_at < STALE_CLAIM:
        db.session.rollback()
        return None
    taken = db.session.execute(
        update(ScheduleRun)
        .where(ScheduleRun.id == existing.id, ScheduleRun.started_at == existing.started_at,
               ScheduleRun.finished_at.is_(None))
        .values(started_at=now, error=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if taken != 1:
        return None
    db.session.refresh(existing)
    return existing


def finish_run(run: ScheduleRun, now: datetime, enqueued: int | None = None, error: str | None = None) -> None:
    run.finished_at = now
    run.enqueued = enqueued
    run.error = error
    db.session.flush()


def prune_runs(now: datetime) -> int:
    return db.session.execute(
        delete(ScheduleRun).where(ScheduleRun.slot < now - RUN_RETENTION).execution_options(synchronize_session=False)
    ).rowcount


def last_runs() -> dict[str, ScheduleRun]:
    """The latest run of each schedule, by slot."""
    latest = (select(ScheduleRun.name, func.max(ScheduleRun.slot).label("slot"))
              .group_by(ScheduleRun.name).subquery())
    rows = db.session.scalars(
        select(ScheduleRun).join(latest, (ScheduleRun.name == latest.c.name) & (ScheduleRun.slot == latest.c.slot))
    )
    return {run.name: run for run in rows}


@dataclasses.dataclass
class ScheduleState:
    """A schedule as the jobs page shows it."""

    name: str
    title: str
    description: str
    queue_kind: str
    local_cron: str
    default_cron: str
    enabled: bool
    last_run: ScheduleRun | None
    next_run: datetime | None
    time_zone: str


def schedule_states(now: datetime | None = None) -> list[ScheduleState]:
    now = now or utcnow()
    runs = last_runs()
    return [
        ScheduleState(
            name=item.name, title=str(item.title), description=str(item.schedule.description),
            queue_kind=item.schedule.queue_kind,
            local_cron=item.local_cron, default_cron=item.schedule.local_cron, enabled=item.enabled,
            last_run=runs.get(item.name), next_run=next_slot(item.local_cron, now) if item.enabled else None,
            time_zone=current_app.config["RENKOU_SETTINGS"].county_timezone,
        )
        for item in effective_schedules()
    ]
