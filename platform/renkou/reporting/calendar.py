"""When a town's monthly report is due: on a fixed day of the following month (dated configuration)."""

from __future__ import annotations

from datetime import date

from renkou.indicators.periods import MONTH, Period, period_containing

# (valid from, day of the next month the report is due). The county's reporting calendar: a later
# entry replaces an earlier one for months after its date.
DUE_DAYS: tuple[tuple[date, int], ...] = ((date(2020, 1, 1), 5),)


def due_on(month: Period) -> date:
    """The day the report of ``month`` is due."""
    day = next(day for since, day in reversed(DUE_DAYS) if month.start >= since)
    following = month.end
    return date(following.year, following.month, day)


def months_due_within(start: date, end: date, today: date, since: date) -> list[Period]:
    """The months whose report falls due from ``start`` to ``end`` inclusive, not after ``today``, for a
    town onboarded on ``since`` (months before it owe nothing)."""
    months = []
    month = period_containing(MONTH, date(start.year, start.month, 1)).previous().previous()
    while month.start <= end:
        due = due_on(month)
        if start <= due <= min(end, today) and month.end > since:
            months.append(month)
        month = Period(month.end, MONTH)
    return months
