"""The schedules of the exchange with the bureau, and their dispatchers (see workers/schedules.py).

- ``monthly_bureau_report``: on the 5th at 02:00 county time, last month's report is built from the
  approved figures and queued for delivery. On by default where the bureau is configured.
- ``delivery_sweep``: every minute, a revision left queued or sending whose delivery job is gone is queued
  again (same round, same idempotency key). On by default where the bureau is configured.
- ``bureau_pull``: every 15 minutes, the messages of a bureau that does not push are fetched. On by
  default only where the settings say the bureau is pulled (RENKOU_BUREAU_PULL).

All can be changed or switched off on /county/jobs. A double run is harmless: the tick claims each slot
once, a report whose revision has left the draft state is never built again, and a message fetched twice
is stored once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask_babel import lazy_gettext as _l

from renkou import jobs
from renkou.audit import services as audit
from renkou.audit.models import OUTCOME_FAILURE
from renkou.errors import ServiceError
from renkou.indicators.periods import MONTH, period_containing
from renkou.scheduling.registry import Schedule, register
from renkou.submissions import definitions, progress
from renkou.submissions import services as submissions
from renkou.submissions.assembly import NotReady
from renkou.submissions.models import DRAFT

log = logging.getLogger(__name__)
PULL_JOB = "workers.exchange.inbound_jobs.pull_messages"

SCHEDULES = (
    Schedule("monthly_bureau_report", "0 2 5 * *", "workers.exchange.bureau_schedules.monthly_report", "submissions",
             _l("Build last month's report to the higher bureau from the approved figures and send it; if some "
                "months are not approved yet, nothing is built and the audit trail says which."),
             enabled_setting="bureau_url", title=_l("Monthly report to the bureau")),
    Schedule("delivery_sweep", "* * * * *", "workers.exchange.bureau_schedules.sweep_deliveries", "submissions",
             _l("Send again, under the same idempotency key, the submissions left queued or sending whose "
                "delivery job was lost (a worker killed, a queue out of reach)."),
             enabled_setting="bureau_url", title=_l("Resend lost deliveries")),
    Schedule("bureau_pull", "*/15 * * * *", "workers.exchange.bureau_schedules.pull", "exchange",
             _l("Fetch the messages of a higher bureau that does not send them (targets, verification requests, "
                "notifications); each is stored once."),
             enabled_setting="bureau_pull", title=_l("Fetch bureau messages")),
)
for _schedule in SCHEDULES:
    register(_schedule)


def monthly_report(slot: datetime) -> int:
    """Build and queue the monthly report of the month before ``slot``'s; 1 when one was queued."""
    period = period_containing(MONTH, slot.date()).previous()
    latest = submissions.latest_revision(definitions.MONTHLY, period.id)
    if latest is not None and latest.state != DRAFT:
        return 0  # sent already: by this schedule's earlier run, or by a person
    try:
        submission = submissions.build(definitions.MONTHLY, period.id, None)
        submissions.send(submission, None)
    except NotReady as not_ready:
        _skipped(period.id, not_ready.errors, [{"town": item.town_code, "months": item.months}
                                               for item in not_ready.missing])
        return 0
    except ServiceError as refused:  # the bureau is not configured, or someone built it a moment ago
        _skipped(period.id, refused.errors, [])
        return 0
    return 1


def _skipped(period_id: str, errors: dict, missing: list[dict]) -> None:
    log.warning("monthly bureau report of %s not sent: %s", period_id, errors)
    audit.record("submission.scheduled_skip", actor_name="schedule", town_code=None, record_type="submission",
                 record_id=f"{definitions.MONTHLY}:{period_id}", outcome=OUTCOME_FAILURE,
                 detail={"period": period_id, "errors": errors, "missing": missing})


def sweep_deliveries(_slot: datetime) -> int:
    """Queue again the deliveries whose job is gone; how many. Jobs whose worker stopped beating are
    first handed to RQ's cleanup (which retries them), so only a job really gone is queued afresh."""
    jobs.reap_abandoned("submissions")
    found = progress.stalled()
    for submission_id, round_no in found:
        log.warning("submission %s round %s: its delivery job is gone; queued again", submission_id, round_no)
        audit.record("submission.requeue", actor_name="schedule", town_code=None, record_type="submission",
                     record_id=submission_id, detail={"round": round_no})
        submissions.enqueue_delivery(submission_id, round_no, after_commit=True)
    return len(found)


def pull(_slot: datetime) -> int:
    """Queue one fetch of the bureau's messages (a fetch still waiting is not queued twice)."""
    jobs.enqueue_after_commit("exchange", PULL_JOB, job_id="bureau-pull", description="fetch the bureau's messages")
    return 1
