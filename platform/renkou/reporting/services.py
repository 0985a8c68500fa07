"""Reading town reports: the months a town owes, a month's figures and their freshness, and the approved
figures other areas build on.

For the bureau submissions (renkou.exchange): ``approved_figures(town_id, period_id)`` and
``is_locked(town_id, month_id)``. Everything here reads shared tables only, so county pages and town
pages alike may call it. The changes (submit, approve, return, unlock) are in renkou.reporting.workflow.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from renkou.accounts.models import User
from renkou.errors import NotFoundError
from renkou.extensions import db
from renkou.indicators import catalog, periods
from renkou.indicators.dashboard import town_cells
from renkou.indicators.models import IndicatorValue, TownPeriod
from renkou.pagination import Page
from renkou.reporting.calendar import due_on
from renkou.reporting.locks import is_locked  # noqa: F401  (part of this module's service: see the docstring)
from renkou.reporting.models import APPROVED, DRAFT, SUBMITTED, TownReport, TownReportEvent
from renkou.tenancy.models import Town
from renkou.timezone import county_tz, local
from renkou.types import utcnow

Figures = dict[str, tuple[Decimal, Decimal]]


def today() -> date:
    return local(utcnow()).date()


def onboarded_on(town: Town) -> date:
    """The county's date the town joined: months before it owe no report."""
    return local(town.created_at).date()


def owed_months(town: Town, on: date | None = None) -> list[periods.Period]:
    """The months the town owes a report for by ``on`` (today): from the month it joined to last month,
    newest first."""
    on = on or today()
    month = periods.period_containing(periods.MONTH, on).previous()
    first = periods.period_containing(periods.MONTH, onboarded_on(town))
    found = []
    while month >= first:
        found.append(month)
        month = month.previous()
    return found


def month_owed(town: Town, month_id: str) -> periods.Period:
    """The month ``month_id`` names if the town owes a report for it; NotFoundError otherwise (a month
    still running, before the town joined, or not a month at all)."""
    try:
        month = periods.parse(month_id)
    except periods.PeriodError:
        month = None
    if month is None or month.kind != periods.MONTH or month not in owed_months(town):
        raise NotFoundError.on("period", str(_l("The town owes no report for %(month)s.", month=month_id)))
    return month


def report_of(town_id: int, month_id: str, for_update: bool = False) -> TownReport | None:
    statement = select(TownReport).where(TownReport.town_id == town_id, TownReport.period == month_id)
    if for_update:  # held to the commit, and read afresh (not from the session's identity map)
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(statement)


# ---------------------------------------------------------------------------------------------------------
# A month's figures


@dataclasses.dataclass(frozen=True)
class MonthFreshness:
    computed_at: datetime | None
    dirty_since: datetime | None

    @property
    def state(self) -> str:
        """"recomputing" after a change not yet recomputed, "not_computed" before the first computation,
        else "current"."""
        if self.dirty_since is not None:
            return "recomputing"
        return "current" if self.computed_at is not None else "not_computed"

    @property
    def is_current(self) -> bool:
        return self.state == "current"


def month_freshness(town_id: int, month_id: str) -> MonthFreshness:
    row = db.session.execute(select(TownPeriod.computed_at, TownPeriod.dirty_since).where(
        TownPeriod.town_id == town_id, TownPeriod.period == month_id)).one_or_none()
    return MonthFreshness(*row) if row is not None else MonthFreshness(None, None)


def current_figures(town_id: int, month_id: str) -> dict[str, dict]:
    """The month's stored figures as kept with a report: {indicator: {numerator, denominator, value}} with
    the numbers as strings (JSON keeps them exact)."""
    codes = [indicator.code for indicator in catalog.applying_to(periods.MONTH)]
    rows = db.session.scalars(select(IndicatorValue).where(
        IndicatorValue.town_id == town_id, IndicatorValue.period == month_id, IndicatorValue.indicator.in_(codes)))
    return {row.indicator: {"numerator": str(row.numerator), "denominator": str(row.denominator),
                            "value": None if row.value is None else str(row.value)} for row in rows}


def _pairs(snapshot: dict[str, dict]) -> Figures:
    return {code: (Decimal(item["numerator"]), Decimal(item["denominator"])) for code, item in snapshot.items()}


def approved_figures(town_id: int, period_id: str) -> Figures | None:
    """The town's approved figures for ``period_id``: {indicator: (numerator, denominator)}, or None when
    they are not (all) approved.

    A month: the figures stored with its approved report (None unless the report is approved; an unlocked
    month has none until it is approved again). A longer period (quarter, half-year, year, statistical
    year): the town's stored figures of that period, once every month of it the town owed a report for is
    approved — those months' registers can no longer change — else None.
    """
    period = periods.parse(period_id)
    if period.kind == periods.MONTH:
        report = report_of(town_id, period_id)
        if report is None or report.status != APPROVED or report.approved_figures is None:
            return None
        return _pairs(report.approved_figures)
    town = db.session.get(Town, town_id)
    joined = onboarded_on(town)
    months = [month.id for month in periods.periods_between(period.start, period.last_day, kinds=(periods.MONTH,))
              if month.end > joined]
    approved = set(db.session.scalars(select(TownReport.period).where(
        TownReport.town_id == town_id, TownReport.period.in_(months), TownReport.status == APPROVED)))
    if not months or approved != set(months):
        return None
    rows = db.session.execute(select(IndicatorValue.indicator, IndicatorValue.numerator, IndicatorValue.denominator)
                              .where(IndicatorValue.town_id == town_id, IndicatorValue.period == period_id)).all()
    return {code: (numerator, denominator) for code, numerator, denominator in rows} or None


# ---------------------------------------------------------------------------------------------------------
# The town's list of months


@dataclasses.dataclass
class MonthReport:
    """One owed month as the lists show it, whether or not a report row exists yet."""

    month: periods.Period
    report: TownReport | None
    today: date
    town: Town | None = None

    @property
    def period(self) -> str:
        return self.month.id

    @property
    def due_on(self) -> date:
        return self.report.due_on if self.report is not None else due_on(self.month)

    @property
    def status(self) -> str:
        return self.report.status if self.report is not None else DRAFT

    @property
    def first_submitted_at(self) -> datetime | None:
        return self.report.first_submitted_at if self.report is not None else None

    @property
    def on_time(self) -> bool | None:
        """Whether the first submission came by the due day (timeliness); None before any submission."""
        first = self.first_submitted_at
        return None if first is None else first.astimezone(county_tz()).date() <= self.due_on

    @property
    def overdue(self) -> bool:
        return self.first_submitted_at is None and self.today > self.due_on

    @property
    def locked(self) -> bool:
        return self.status == APPROVED


def town_months(town: Town, page: int = 1, per_page: int = 24, status: str | None = None) -> Page:
    """The months the town owes, newest first, each with its report (if any); ``status`` keeps one status
    ("draft" includes months not started)."""
    on = today()
    months = owed_months(town, on)
    reports = {report.period: report for report in db.session.scalars(
        select(TownReport).where(TownReport.town_id == town.id, TownReport.period.in_([m.id for m in months])))}
    rows = [MonthReport(month, reports.get(month.id), on) for month in months]
    if status:
        rows = [row for row in rows if row.status == status]
    page, per_page = max(1, page), min(max(1, per_page), 200)
    return Page(items=rows[(page - 1) * per_page:page * per_page], page=page, per_page=per_page, total=len(rows))


def month_report(town: Town, month: periods.Period) -> MonthReport:
    return MonthReport(month, report_of(town.id, month.id), today(), town)


# ---------------------------------------------------------------------------------------------------------
# One report in full


@dataclasses.dataclass
class FigureRow:
    indicator: catalog.Indicator
    numerator: Decimal
    denominator: Decimal
    value: Decimal | None
    target: Decimal | None = None
    status: str | None = None  # against the target, as the dashboards say it (comparisons.STATUSES)
    submitted_value: Decimal | None = None  # as last submitted, when the stored figure has moved since
    moved: bool = False

    @property
    def code(self) -> str:
        return self.indicator.code


@dataclasses.dataclass
class EventRow:
    action: str
    occurred_at: datetime
    by: str
    reason: str | None


@dataclasses.dataclass
class ReportDetail(MonthReport):
    figures: list[FigureRow] = dataclasses.field(default_factory=list)
    figures_state: str = "not_computed"
    events: list[EventRow] = dataclasses.field(default_factory=list)


def report_detail(town: Town, month: periods.Period) -> ReportDetail:
    """The month's report with its figures — those kept with the approval while it is approved, else the
    stored ones against the town's targets (the town's own rows only) — their freshness and its steps."""
    report = report_of(town.id, month.id)
    state = month_freshness(town.id, month.id).state
    if report is not None and report.status == APPROVED and report.approved_figures is not None:
        figures = [FigureRow(catalog.get(code), Decimal(item["numerator"]), Decimal(item["denominator"]),
                             _decimal(item["value"])) for code, item in _in_catalog_order(report.approved_figures)]
        state = "current"
    else:
        figures = _stored_rows(town, month, submitted_figures(report))
    return ReportDetail(month, report, today(), town, figures=figures, figures_state=state, events=events_of(report))


def _in_catalog_order(snapshot: dict[str, dict]):
    return [(indicator.code, snapshot[indicator.code]) for indicator in catalog.INDICATORS
            if indicator.code in snapshot]


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def _stored_rows(town: Town, month: periods.Period, submitted: dict[str, dict] | None) -> list[FigureRow]:
    rows = []
    for indicator, cell in town_cells(month, town):
        if cell.numerator is None:
            continue  # not computed yet
        row = FigureRow(indicator, cell.numerator, cell.denominator, cell.value, cell.target, cell.status)
        sent = (submitted or {}).get(indicator.code)
        if sent is not None and (Decimal(sent["numerator"]), Decimal(sent["denominator"])) != (
                cell.numerator, cell.denominator):
            row.submitted_value, row.moved = _decimal(sent["value"]), True
        rows.append(row)
    return rows


def events_of(report: TownReport | None) -> list[EventRow]:
    """The report's steps, newest first, with the name of who took each."""
    if report is None:
        return []
    rows = db.session.execute(
        select(TownReportEvent, User.display_name, User.username).outerjoin(User, User.id == TownReportEvent.actor_id)
        .where(TownReportEvent.report_id == report.id)
        .order_by(TownReportEvent.occurred_at.desc(), TownReportEvent.id.desc()))
    return [EventRow(event.action, event.occurred_at, display or username or "", event.reason)
            for event, display, username in rows]


def submitted_figures(report: TownReport | None) -> dict[str, dict] | None:
    """The figures as the town last submitted them (kept with the submission), to show what changed since."""
    if report is None or report.status != SUBMITTED:
        return None
    return db.session.scalar(select(TownReportEvent.figures).where(
        TownReportEvent.report_id == report.id, TownReportEvent.action == "submitted")
        .order_by(TownReportEvent.occurred_at.desc(), TownReportEvent.id.desc()).limit(1))
