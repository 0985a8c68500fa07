"""Schedules as data: what runs when, in the county's local time, and which dispatcher it calls.

The list is open: ``workers/schedules.py`` registers the defaults, and any later module registers its
own with ``register``. The county administrator can change a schedule's cron string or switch it off
(``schedule_settings``); the code's values are the defaults.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from croniter import CroniterError, croniter

from renkou.jobs import QUEUE_KINDS


@dataclasses.dataclass(frozen=True)
class Schedule:
    """``local_cron``: 5 fields (minute hour day month weekday) in the county's local time zone
    (``RENKOU_COUNTY_TIMEZONE``), so "30 2 * * *" means 02:30 in the county, whatever the server's clock.

    ``dispatcher``: dotted path of ``function(slot: datetime) -> int``, called once per due slot (an
    aware datetime in the county's time zone); it reads what is due and enqueues idempotent jobs,
    returning how many it enqueued. ``queue_kind``: the queue its jobs go to, shown on the jobs page.

    ``enabled_setting``: the name of a setting (renkou.config.Settings) that switches the schedule on by
    default when it is set (a pull from a bureau that does not push runs only where the bureau is
    configured to be pulled); None means on by default. The county's own switch always wins.

    ``title``: what the jobs page calls the schedule (a short lazy translated string); ``name`` is the
    key it is stored under, never shown.
    """

    name: str
    local_cron: str
    dispatcher: str
    queue_kind: str
    description: str
    enabled_setting: str | None = None
    title: object = ""

    def __post_init__(self):
        if not is_valid_cron(self.local_cron):
            raise ValueError(f"schedule {self.name}: {self.local_cron!r} is not a 5-field cron string")
        if self.queue_kind not in QUEUE_KINDS:
            raise ValueError(f"schedule {self.name}: unknown queue kind {self.queue_kind}")
        if "." not in self.dispatcher:
            raise ValueError(f"schedule {self.name}: the dispatcher must be a dotted path")


SCHEDULES: list[Schedule] = []


def register(schedule: Schedule) -> Schedule:
    """Add ``schedule``; registering the same one again (a module imported twice) changes nothing."""
    known = find(schedule.name)
    if known == schedule:
        return known
    if known is not None:
        raise ValueError(f"another schedule is already called {schedule.name}")
    SCHEDULES.append(schedule)
    return schedule


def find(name: str) -> Schedule | None:
    return next((schedule for schedule in SCHEDULES if schedule.name == name), None)


def is_valid_cron(expression: str) -> bool:
    """Exactly five fields (croniter also takes seconds and years, which a minute tick cannot honour),
    and a time that comes round at all ("0 0 31 2 *", 31 February, never does)."""
    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        return False
    try:
        croniter(expression, datetime(2000, 1, 1, tzinfo=UTC)).get_next(datetime)
    except CroniterError:
        return False
    return True
