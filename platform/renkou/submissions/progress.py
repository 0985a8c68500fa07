"""Why a revision is where it is: its state read together with its delivery job in RQ, for the county's
pages and the API, and the sweep that queues again a delivery whose job is gone.

A revision queued or sending always has a live job (waiting, scheduled for a retry, or running), except
when the job was lost: its worker was killed after its retries were spent, or the enqueue after the
commit never reached Redis. ``stalled`` finds those; the minutely ``delivery_sweep`` schedule queues them
again under the same idempotency key, so the bureau's answer decides the outcome.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from rq.job import Job, JobStatus
from sqlalchemy import select

from renkou import jobs
from renkou.extensions import db
from renkou.submissions import services
from renkou.submissions.models import (
    ACCEPTED,
    DELIVERED,
    DRAFT,
    FAILED,
    IN_FLIGHT,
    REJECTED,
    SENDING,
    Submission,
)
from renkou.timezone import local
from renkou.types import utcnow

# A revision queued a moment ago may not have its job yet (it is queued after the commit).
STALL_GRACE = timedelta(seconds=30)


@dataclasses.dataclass
class DeliveryProgress:
    job: str | None  # the job's RQ status (queued, scheduled, started, failed, finished…), None when gone
    next_try_at: datetime | None
    worker: str | None
    reason: str


def of(submission: Submission) -> DeliveryProgress:
    """The revision's delivery as people read it: its job, and why it is in its state."""
    job = None
    if submission.state != DRAFT:
        job = jobs.fetch_job(services.job_id(submission.id, submission.delivery_round))
    status = job.get_status(refresh=False) if job is not None else None
    next_try = _scheduled_for(job) if status == JobStatus.SCHEDULED else None
    worker = job.worker_name if status == JobStatus.STARTED else None
    return DeliveryProgress(job=str(status.value) if status else None, next_try_at=next_try, worker=worker,
                            reason=_reason(submission, job, next_try, worker))


def _scheduled_for(job: Job) -> datetime | None:
    score = job.connection.zscore(jobs.get_queue("submissions").scheduled_job_registry.key, job.id)
    return datetime.fromtimestamp(score, UTC) if score is not None else None


def _reason(submission: Submission, job: Job | None, next_try: datetime | None, worker: str | None) -> str:
    state, error = submission.state, submission.last_error or ""
    if state == DRAFT:
        return _("Built, not sent yet: check it, then send it.")
    if state == ACCEPTED:
        return _("The bureau stored this revision and accepted it.")
    if state == REJECTED:
        return _("The bureau stored this revision but refused its values (see the conflicts): correct it, or "
                 "send it again once the bureau has fixed its side.")
    if state == FAILED:
        return _("Delivery stopped: %(error)s. Send it again once the cause is fixed.", error=error)
    if state == DELIVERED:
        return _("The bureau answered; its import summary is being recorded.")
    if not jobs.is_live(job):
        return _("Its delivery job was lost (a worker stopped, or the queue could not be reached): within a "
                 "minute the sweep queues it again under the same idempotency key. You can also send it again now.")
    if worker:
        return _("Being sent by worker %(worker)s.", worker=worker)
    if next_try is not None:
        when = local(next_try).strftime("%Y-%m-%d %H:%M:%S")
        if error:
            return _("Waiting to try again at %(time)s after: %(error)s", time=when, error=error)
        return _("Waiting until %(time)s.", time=when)
    if state == SENDING:
        return _("Being sent.")
    return _("Waiting for a worker of the submissions queue.")


def stalled(now: datetime | None = None) -> list[tuple[int, int]]:
    """(id, round) of the revisions queued or sending whose job has ended (failed, stopped…) or is gone
    from Redis; a job not there yet is given STALL_GRACE, since it is queued after its commit."""
    cutoff = (now or utcnow()) - STALL_GRACE
    rows = db.session.execute(select(Submission.id, Submission.delivery_round, Submission.state_changed_at)
                              .where(Submission.state.in_(IN_FLIGHT)).order_by(Submission.id)).all()
    found = []
    for row in rows:
        job = jobs.fetch_job(services.job_id(row.id, row.delivery_round))
        if (job is None and row.state_changed_at < cutoff) or (job is not None and not jobs.is_live(job)):
            found.append((row.id, row.delivery_round))
    return found
