"""Time limits of the births area, and the working-day calendar they are counted in.

Everything in capitals below is CONFIGURATION, not code: dated values that the county updates when the
State Council publishes the next year's holidays or the province changes a time limit. The functions
below them only read it.
"""

from __future__ import annotations

from datetime import date, timedelta

from renkou.timezone import local
from renkou.types import utcnow

# ---------------------------------------------------------------------------------------------------------
# Configuration: the official calendar (国务院办公厅关于部分节假日安排的通知), one entry per notice.
# HOLIDAYS are weekdays (and weekend days) the office is closed; MAKE_UP_WORKDAYS are the weekend days it
# works instead (调休上班). Add the next year when its notice is published (usually in November).


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


HOLIDAYS: dict[int, frozenset[date]] = {
    # 国办发明电〔2024〕12号, 12 November 2024
    2025: frozenset([
        date(2025, 1, 1),
        *_days(date(2025, 1, 28), date(2025, 2, 4)),
        *_days(date(2025, 4, 4), date(2025, 4, 6)),
        *_days(date(2025, 5, 1), date(2025, 5, 5)),
        *_days(date(2025, 5, 31), date(2025, 6, 2)),
        *_days(date(2025, 10, 1), date(2025, 10, 8)),
    ]),
    # 国务院办公厅关于2026年部分节假日安排的通知, 4 November 2025
    2026: frozenset([
        *_days(date(2026, 1, 1), date(2026, 1, 3)),
        *_days(date(2026, 2, 15), date(2026, 2, 23)),
        *_days(date(2026, 4, 4), date(2026, 4, 6)),
        *_days(date(2026, 5, 1), date(2026, 5, 5)),
        *_days(date(2026, 6, 19), date(2026, 6, 21)),
        *_days(date(2026, 9, 25), date(2026, 9, 27)),
        *_days(date(2026, 10, 1), date(2026, 10, 7)),
    ]),
}
MAKE_UP_WORKDAYS: dict[int, frozenset[date]] = {
    2025: frozenset([date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27), date(2025, 9, 28), date(2025, 10, 11)]),
    2026: frozenset([date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20),
                     date(2026, 10, 10)]),
}

# ---------------------------------------------------------------------------------------------------------
# Configuration: time limits, each in force from a date (the latest entry whose date has come applies to
# work that starts on or after it). A limit is (number, "working" or "calendar" days).

REGISTRATION_LIMITS: list[tuple[date, tuple[int, str]]] = [
    (date(2023, 1, 1), (7, "working")),  # 生育登记: handled within 7 working days of the application
]
FOLLOW_UP_LIMITS: list[tuple[date, dict[str, tuple[int, str]]]] = [
    (date(2025, 1, 1), {
        "registration": (7, "working"),      # help the family file the birth registration
        "subsidy_intake": (30, "calendar"),  # take the childcare-subsidy (育儿补贴) application
        "postnatal_visit": (7, "calendar"),  # postnatal home visit (产后访视)
    }),
]
# A birth notice is on time when received at most this long after the birth (出生信息 24 小时内报送).
NOTICE_ON_TIME_HOURS: list[tuple[date, int]] = [(date(2020, 1, 1), 24)]

# ---------------------------------------------------------------------------------------------------------
# Code: reading the configuration.


def today() -> date:
    """Today in the county (Asia/Shanghai): due dates and overdue are counted in local days."""
    return local(utcnow()).date()


def in_force(entries: list[tuple[date, object]], day: date):
    """The value of the latest entry dated on or before ``day`` (the earliest entry for older days)."""
    chosen = entries[0][1]
    for since, value in sorted(entries, key=lambda entry: entry[0]):
        if since <= day:
            chosen = value
    return chosen


def is_working_day(day: date) -> bool:
    if day in MAKE_UP_WORKDAYS.get(day.year, ()):
        return True
    return day.weekday() < 5 and day not in HOLIDAYS.get(day.year, ())


def add_working_days(start: date, count: int) -> date:
    """The ``count``-th working day after ``start`` (``start`` itself never counts, working day or not)."""
    day = start
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def add_limit(start: date, limit: tuple[int, str]) -> date:
    count, unit = limit
    return add_working_days(start, count) if unit == "working" else start + timedelta(days=count)


def registration_due(submitted_on: date) -> date:
    return add_limit(submitted_on, in_force(REGISTRATION_LIMITS, submitted_on))


def follow_up_due(kind: str, received_on: date) -> date:
    return add_limit(received_on, in_force(FOLLOW_UP_LIMITS, received_on)[kind])


def notice_on_time_limit(born_on: date) -> timedelta:
    return timedelta(hours=in_force(NOTICE_ON_TIME_HOURS, born_on))
