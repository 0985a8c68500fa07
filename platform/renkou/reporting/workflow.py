"""Changing town reports: the town prepares and submits its month; the county approves, returns or unlocks.

Each step checks the report's state, is kept as a TownReportEvent and is audited. Figures are submitted
and approved only when they are current (no change waiting for its recomputation), so the county never
approves stale numbers. Services flush, never commit; the request commits.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from renkou.audit import services as audit
from renkou.errors import ConflictError, NotFoundError, ServiceError
from renkou.extensions import db
from renkou.indicators import freshness, periods
from renkou.reporting import labels
from renkou.reporting.calendar import due_on
from renkou.reporting.models import (
    APPROVED,
    DRAFT,
    RETURNED,
    SUBMITTABLE,
    SUBMITTED,
    UNLOCKED,
    TownReport,
    TownReportEvent,
)
from renkou.reporting.services import current_figures, month_freshness, month_owed, report_of
from renkou.tenancy.models import Town
from renkou.timezone import local
from renkou.types import utcnow

REASON_MAX, NOTE_MAX = 500, 1000
_AUDIT = {"prepared": "town_report.prepare", "submitted": "town_report.submit", "approved": "town_report.approve",
          "returned": "town_report.return", "unlocked": "town_report.unlock"}


def _report_for_change(town: Town, month: periods.Period) -> TownReport:
    """The month's report row, made if the town has none yet, held for update until the commit."""
    table = TownReport.__table__
    insert = postgresql.insert if db.session.connection().dialect.name == "postgresql" else sqlite.insert
    db.session.execute(insert(table).values(town_id=town.id, period=month.id, due_on=due_on(month), status=DRAFT,
                                            created_at=utcnow())
                       .on_conflict_do_nothing(index_elements=[table.c.town_id, table.c.period]))
    return report_of(town.id, month.id, for_update=True)


def _decided_report(town: Town, month_id: str) -> TownReport:
    """The report the county acts on, held for update (so a register change committing at the same time
    waits for the decision or is waited for; see renkou.reporting.locks)."""
    try:
        month = periods.parse(month_id)
    except periods.PeriodError:
        month = None
    report = report_of(town.id, month_id, for_update=True) if month and month.kind == periods.MONTH else None
    if report is None:
        raise NotFoundError.on("period", _("%(town)s has no report for %(month)s.", town=town.name, month=month_id))
    return report


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError.on("reason", _("Give the reason."))
    if len(reason) > REASON_MAX:
        raise ServiceError.on("reason", _("At most %(count)s characters.", count=REASON_MAX))
    return reason


def _require_current_figures(town: Town, month_id: str) -> None:
    state = month_freshness(town.id, month_id).state
    if state == "recomputing":
        raise ConflictError(_("The figures of %(month)s are being recomputed after recent changes to the "
                              "registers. Try again once they are up to date, so that the county never "
                              "reviews stale numbers.", month=month_id))
    if state == "not_computed":
        raise ConflictError(_("The figures of %(month)s have not been computed yet. Ask for them to be "
                              "computed and try again once they are ready.", month=month_id))


def _record(report: TownReport, town: Town, action: str, actor, *, reason: str | None = None,
            figures: dict | None = None, at: datetime | None = None) -> None:
    db.session.add(TownReportEvent(report_id=report.id, action=action, actor_id=actor.id, occurred_at=at or utcnow(),
                                   reason=reason, figures=figures))
    detail = {"period": report.period, "status": report.status}
    if reason:
        detail["reason"] = reason
    audit.record(_AUDIT[action], actor=actor, town_code=town.code, record_type="town_report", record_id=report.id,
                 detail=detail)
    db.session.flush()


# ---------------------------------------------------------------------------------------------------------
# The town


def save_note(town: Town, month_id: str, note: str | None, actor) -> TownReport:
    """Prepare the month's report: the town's note on its figures (staff and administrators)."""
    month = month_owed(town, month_id)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ServiceError.on("note", _("At most %(count)s characters.", count=NOTE_MAX))
    report = _report_for_change(town, month)
    if report.status not in SUBMITTABLE:
        raise ConflictError(_("The report of %(month)s is with the county; its note can no longer change.",
                              month=month.id))
    report.note = note or None
    db.session.flush()
    audit.record(_AUDIT["prepared"], actor=actor, town_code=town.code, record_type="town_report",
                 record_id=report.id, detail={"period": month.id, "fields": ["note"]})
    return report


def submit(town: Town, month_id: str, actor, now: datetime | None = None) -> TownReport:
    """Send the month's figures to the county (town administrators). Allowed again after a return or an
    unlock; the first submission's time is kept, because timeliness counts it."""
    month = month_owed(town, month_id)
    report = _report_for_change(town, month)
    if report.status not in SUBMITTABLE:
        raise ConflictError(_("The report of %(month)s has already been submitted.", month=month.id)
                            if report.status == SUBMITTED else
                            _("The report of %(month)s is approved; the county must unlock it first.", month=month.id))
    _require_current_figures(town, month.id)
    now = now or utcnow()
    first = report.first_submitted_at is None
    report.status, report.submitted_at, report.submitted_by_id, report.return_reason = SUBMITTED, now, actor.id, None
    if first:
        report.first_submitted_at = now
    _record(report, town, "submitted", actor, figures=current_figures(town.id, month.id), at=now)
    if first:
        # Report timeliness counts first submissions: the periods of the submission's day move.
        settings = current_app.config["RENKOU_SETTINGS"]
        moved = periods.periods_containing(local(now).date(), settings.stat_year_start_month)
        freshness.mark_and_queue(db.session, town.id, town.code, [period.id for period in moved])
    return report


def request_computation(town: Town, month_id: str) -> bool:
    """Queue the first computation of a month's figures (a town that joined after the nightly run); False
    when there is nothing to do (already computed or waiting, or the month is locked)."""
    month = month_owed(town, month_id)
    if month_freshness(town.id, month.id).state != "not_computed":
        return False
    freshness.mark_and_queue(db.session, town.id, town.code, [month.id])
    audit.record("town_report.compute", town_code=town.code, record_type="town_report", detail={"period": month.id})
    return True


# ---------------------------------------------------------------------------------------------------------
# The county


def approve(town: Town, month_id: str, actor) -> TownReport:
    """Accept the submitted report: its figures are kept with it and the month is locked."""
    report = _decided_report(town, month_id)
    if report.status != SUBMITTED:
        raise ConflictError(_("Only a submitted report can be approved; this one is %(status)s.",
                              status=status_label(report.status)))
    _require_current_figures(town, month_id)
    figures = current_figures(town.id, month_id)
    report.status, report.decided_at, report.decided_by_id = APPROVED, utcnow(), actor.id
    report.approved_figures, report.return_reason = figures, None
    _record(report, town, "approved", actor, figures=figures)
    return report


def return_report(town: Town, month_id: str, actor, reason: str | None) -> TownReport:
    """Send the submitted report back to the town with the reason; the town corrects and submits again."""
    reason = _reason(reason)
    report = _decided_report(town, month_id)
    if report.status != SUBMITTED:
        raise ConflictError(_("Only a submitted report can be returned; this one is %(status)s.",
                              status=status_label(report.status)))
    report.status, report.decided_at, report.decided_by_id, report.return_reason = RETURNED, utcnow(), actor.id, reason
    _record(report, town, "returned", actor, reason=reason)
    return report


def unlock(town: Town, month_id: str, actor, reason: str | None) -> TownReport:
    """Reopen an approved month: the town may change records dated in it again, its figures are
    recomputed, and it submits the month again. The figures that were approved stay in the history."""
    reason = _reason(reason)
    report = _decided_report(town, month_id)
    if report.status != APPROVED:
        raise ConflictError(_("Only an approved report can be unlocked; this one is %(status)s.",
                              status=status_label(report.status)))
    approved = report.approved_figures
    report.status, report.unlocked_at, report.unlock_reason, report.approved_figures = UNLOCKED, utcnow(), reason, None
    _record(report, town, "unlocked", actor, reason=reason, figures=approved)
    # The job skipped the month while it was locked; its figures are brought up to date before the town
    # submits it again (submission waits for that).
    freshness.mark_and_queue(db.session, town.id, town.code, [month_id])
    return report


def status_label(status: str) -> str:
    return str(labels.STATUS.get(status, status))
