"""Periods as people pick them: a DHIS2 period id checked against the county's calendar, labels, choices."""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from renkou.errors import ServiceError
from renkou.indicators.periods import HALF_YEAR, KINDS, MONTH, QUARTER, STAT_YEAR, YEAR, Period, PeriodError, parse
from renkou.indicators.periods import period_containing as _period_containing
from renkou.timezone import local
from renkou.types import utcnow

KIND_LABELS = {
    YEAR: _l("Year"),
    STAT_YEAR: _l("Statistical year"),
    HALF_YEAR: _l("Half-year"),
    QUARTER: _l("Quarter"),
    MONTH: _l("Month"),
}
DEFAULT_KIND = YEAR


class BadPeriod(ServiceError):
    """A period id that names no period of this county: the request itself is wrong (400)."""

    status_code = 400


def stat_year_start_month() -> int:
    return current_app.config["RENKOU_SETTINGS"].stat_year_start_month


def resolve(period_id: str, field: str = "period") -> Period:
    """The period ``period_id`` names; BadPeriod (with a message on ``field``) when it names none here.

    A statistical year is named after the month it starts (``2025Oct``); one starting in another month
    than the county's statistical year is refused rather than silently read as a different year.
    """
    try:
        period = parse((period_id or "").strip())
    except PeriodError:
        raise BadPeriod.on(field, str(_l(
            "Not a period id. Use 2026 (year), 2026S2 (half-year), 2026Q4 (quarter), 202611 (month) "
            "or %(example)s (statistical year).", example=current(STAT_YEAR).id))) from None
    if period.kind == STAT_YEAR and period.start.month != stat_year_start_month():
        raise BadPeriod.on(field, str(_l("The county's statistical year starts in month %(month)s: use %(example)s.",
                                         month=stat_year_start_month(), example=current(STAT_YEAR).id)))
    return period


def today():
    return local(utcnow()).date()


def current(kind: str, on: date | None = None) -> Period:
    """The period of ``kind`` that today (or ``on``, in the county) falls in."""
    return _period_containing(kind if kind in KINDS else DEFAULT_KIND, on or today(), stat_year_start_month())


def last_complete(kind: str, on: date | None = None) -> Period:
    """The latest period of ``kind`` that has ended: what the figure pages show unless asked otherwise,
    since the current period's figures are partial."""
    return current(kind, on).previous()


def is_incomplete(period: Period, on: date | None = None) -> bool:
    """The period has not ended yet (it is the current one, or a future one)."""
    return period.end > (on or today())


def figure_choices(period: Period, on: date | None = None, before: int = 12) -> list[Period]:
    """Periods of the same kind for a page of figures, oldest first: ``before`` up to the current one
    (marked as incomplete on the page), never a future one, and ``period`` itself."""
    latest = current(period.kind, on)
    found = {period, latest}
    earlier = latest
    for _step in range(before):
        earlier = earlier.previous()
        found.add(earlier)
    return sorted(found)


def choices(period: Period, before: int = 8, after: int = 4) -> list[Period]:
    """Periods of the same kind around ``period`` (and around today), oldest first, for the targets
    picker: targets are set ahead, so it offers coming periods too (pages of figures use figure_choices)."""
    found = {period}
    for anchor in (period, current(period.kind)):
        earlier = later = anchor
        for _step in range(before):
            earlier = earlier.previous()
            found.add(earlier)
        for _step in range(after):
            later = Period(later.end, later.kind)
            found.add(later)
    return sorted(found)


def label(period: Period) -> str:
    """How a person reads the period: 2026年, 2026年第4季度, 2025年10月—2026年9月统计年度 …"""
    year = period.start.year
    if period.kind == YEAR:
        return _("Year %(year)s", year=year)
    if period.kind == HALF_YEAR:
        return _("First half of %(year)s", year=year) if period.start.month == 1 else \
            _("Second half of %(year)s", year=year)
    if period.kind == QUARTER:
        return _("Q%(quarter)s %(year)s", quarter=(period.start.month - 1) // 3 + 1, year=year)
    if period.kind == MONTH:
        return _("Month %(month)s of %(year)s", month=period.start.month, year=year)
    last = period.last_day
    return _("Statistical year %(start)s–%(end)s", start=f"{year}-{period.start.month:02d}",
             end=f"{last.year}-{last.month:02d}")
