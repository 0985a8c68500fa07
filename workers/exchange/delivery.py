"""Delivering one revision to the bureau: an RQ job on the ``submissions`` queue.

The job takes ids (the submission and its delivery round), claims the revision in PostgreSQL (queued or
sending → sending, with a claim token), records an attempt, POSTs the payload signed (HMAC headers of
renkou.exchange.signing) with the revision's Idempotency-Key, and records the answer:

- 2xx, or 409 with an import summary: delivered, then accepted (SUCCESS/WARNING) or rejected (ERROR);
- another 4xx: failed, no retry (the same request would be refused again);
- a network error, a timeout or a 5xx: back to queued and the job raises, so RQ retries it after the
  configured waits; with no retries left: failed.

At least once: a worker killed mid-delivery leaves the revision ``sending``; the job's retry takes it over
and sends it again under the same Idempotency-Key, which the bureau answers from what it stored. When the
job itself is gone (its retries spent on killed workers, or its enqueue lost), the minutely sweep
(``sweep_deliveries``) queues it again. A job whose round has moved on, or whose revision is already
answered, does nothing. How often and after which waits a round is retried comes from the settings of the
worker that runs it (RENKOU_BUREAU_RETRY_INTERVALS), counted from the attempts on record.
"""

from __future__ import annotations

import http.client
import json
import logging
import urllib.error
import urllib.request
import uuid

from marshmallow import ValidationError
from rq import get_current_job
from sqlalchemy import func, select, update

from renkou import jobs
from renkou.exchange import signing
from renkou.extensions import db
from renkou.submissions import services, states
from renkou.submissions.models import (
    ACCEPTED,
    DELIVERED,
    FAILED,
    QUEUED,
    REJECTED,
    SENDING,
    DeliveryAttempt,
    Submission,
)
from renkou.submissions.schemas import ImportSummarySchema
from renkou.types import utcnow

log = logging.getLogger(__name__)
EXCERPT_CHARS = 2000
USER_AGENT = "renkou-submissions/1"


class BureauUnavailable(Exception):
    """The bureau could not be reached or answered 5xx; RQ retries the job."""


def deliver_submission(submission_id: int, round_no: int) -> dict:
    app = jobs.job_app()
    with app.app_context():
        try:
            return _deliver(submission_id, round_no)
        finally:
            db.session.remove()


def _deliver(submission_id: int, round_no: int) -> dict:
    claim = uuid.uuid4().hex
    if not states.move(submission_id, SENDING, from_states=(QUEUED, SENDING), round_no=round_no, claim=claim):
        submission = db.session.get(Submission, submission_id)
        db.session.rollback()
        return {"skipped": True, "state": submission.state if submission else None}
    submission = db.session.get(Submission, submission_id)
    _close_interrupted(submission_id)
    settings = services.settings()
    if not settings.bureau_url or not settings.bureau_secret:
        _fail(submission_id, {"holder": claim},
              "the bureau is not configured (RENKOU_BUREAU_URL, RENKOU_BUREAU_SECRET)")
        db.session.commit()
        return {"state": FAILED, "http_status": None}
    retries_left = _retry_policy(submission_id, round_no, settings.bureau_retry_intervals)
    attempt = DeliveryAttempt(submission_id=submission_id, attempt_no=_next_attempt_no(submission_id),
                              delivery_round=round_no, format=settings.bureau_format, message_id=uuid.uuid4().hex)
    db.session.add(attempt)
    db.session.commit()  # the attempt is on record before anything leaves

    body, content_type = services.rendered(submission, settings.bureau_format)
    headers = {**signing.sign(settings.bureau_secret, body, message_id=attempt.message_id),
               signing.IDEMPOTENCY_KEY: submission.idempotency_key, "Content-Type": content_type,
               "Accept": "application/json", "User-Agent": USER_AGENT}
    status, text, error = _post(settings.bureau_url, body, headers, settings.bureau_timeout_seconds)
    attempt = db.session.get(DeliveryAttempt, attempt.id)
    attempt.finished_at, attempt.http_status = utcnow(), status
    attempt.response_excerpt = text[:EXCERPT_CHARS] if text else None
    attempt.error = error[:1000] if error else None
    outcome = _record_answer(submission_id, claim, status, text, error, retries_left)
    db.session.commit()
    log.info("submission %s round %s attempt %s: HTTP %s %s -> %s", submission_id, round_no, attempt.attempt_no,
             status, error or "", outcome)
    if outcome == "retry":
        raise BureauUnavailable(error or f"the bureau answered {status}")
    return {"state": outcome, "http_status": status}


def _post(url: str, body: bytes, headers: dict, timeout: int) -> tuple[int | None, str, str | None]:
    """(HTTP status, response text, error) of one POST; status None when nothing came back."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace"), None
    except urllib.error.HTTPError as answer:
        return answer.code, answer.read().decode("utf-8", "replace"), None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as failure:
        reason = getattr(failure, "reason", failure)
        return None, "", f"{type(failure).__name__}: {reason}"


def _record_answer(submission_id: int, claim: str, status: int | None, text: str, error: str | None,
                   retries_left: int) -> str:
    """Move the revision by the answer; the state it ends in, or "retry"."""
    hold = {"holder": claim}
    if status is not None and (200 <= status < 300 or status == 409):
        summary = _summary(text)
        if summary is None:
            return _fail(submission_id, hold, f"the bureau answered {status} without an import summary")
        states.move(submission_id, DELIVERED, from_states=(SENDING,), **hold, delivered_at=utcnow(),
                    last_error=None, **_summary_columns(summary))
        accepted = summary["status"] in ("SUCCESS", "WARNING") and status != 409
        final = ACCEPTED if accepted else REJECTED
        states.move(submission_id, final, from_states=(DELIVERED,), **hold, claim=None)
        return final
    if status is not None and 400 <= status < 500:
        summary = _summary(text)
        extra = _summary_columns(summary) if summary else {}
        return _fail(submission_id, hold, f"the bureau refused the submission ({status})", **extra)
    if retries_left > 0:
        states.move(submission_id, QUEUED, from_states=(SENDING,), **hold, claim=None,
                    last_error=(error or f"the bureau answered {status}")[:1000])
        return "retry"
    return _fail(submission_id, hold, error or f"the bureau answered {status}")


def _fail(submission_id: int, hold: dict, message: str, **values) -> str:
    states.move(submission_id, FAILED, from_states=(SENDING,), **hold, claim=None, last_error=message[:1000],
                **values)
    return FAILED


def _summary(text: str) -> dict | None:
    """The import summary in a DHIS2 answer (bare, or wrapped in {"response": …}); None if there is none."""
    try:
        body = json.loads(text)
    except ValueError:
        return None
    if isinstance(body, dict) and isinstance(body.get("response"), dict):
        body = body["response"]
    try:
        return ImportSummarySchema().load(body) if isinstance(body, dict) else None
    except ValidationError:
        return None


def _summary_columns(summary: dict) -> dict:
    count = summary["importCount"]
    return {"summary_status": summary["status"], "imported": count["imported"], "updated": count["updated"],
            "ignored": count["ignored"], "deleted": count["deleted"], "conflicts": summary["conflicts"],
            "bureau_reference": summary["reference"]}


def _retry_policy(submission_id: int, round_no: int, intervals: tuple[int, ...]) -> int:
    """How many retries this round has left, from this worker's settings and the attempts on record (a
    killed attempt counts), written onto the RQ job: RQ retries it after the waits of these settings,
    whatever the process that queued it was configured with, and the job queued again by the sweep gets
    the same policy."""
    before = db.session.scalar(select(func.count()).select_from(DeliveryAttempt).where(
        DeliveryAttempt.submission_id == submission_id, DeliveryAttempt.delivery_round == round_no))
    left = max(0, len(intervals) - before)
    job = get_current_job()
    if job is not None:
        # RQ takes the wait of a retry at index len(intervals) - retries_left: attempt n waits intervals[n-1].
        job.retries_left, job.retry_intervals = left, list(intervals) or [0]
        job.connection.hset(job.key, mapping={"retries_left": left, "retry_intervals": json.dumps(job.retry_intervals)})
    return left


def _next_attempt_no(submission_id: int) -> int:
    return (db.session.scalar(select(func.max(DeliveryAttempt.attempt_no))
                              .where(DeliveryAttempt.submission_id == submission_id)) or 0) + 1


def _close_interrupted(submission_id: int) -> None:
    """Attempts a stopped worker left open are closed as interrupted (their answer never arrived here)."""
    db.session.execute(update(DeliveryAttempt).where(DeliveryAttempt.submission_id == submission_id,
                                                     DeliveryAttempt.finished_at.is_(None))
                       .values(finished_at=utcnow(), error="interrupted: the worker stopped before an answer"))
