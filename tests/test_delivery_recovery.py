"""Deliveries survive killed workers: SIGKILL before the POST, during it and after the bureau stored the
submission, recovered only the way production recovers (a worker started in the dead one's place, the
minutely sweep). Counted: no duplicate at the bureau, no revision stuck, every attempt on record. The
benchmark tests/benchmarks/bench_delivery_crashes.py runs the same loop many times."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import update

from renkou.extensions import db
from renkou.submissions import progress, services
from renkou.submissions.models import Submission
from tests import test_submissions as base
from tests.delivery_crashes import deliver_through_crashes
from tests.test_submissions import COUNTY_ADMIN, send, stored

# The fixtures of the submission tests: the app pointed at a stand-in bureau, two towns, a built draft.
app, bureau, county, draft = base.app, base.bureau, base.county, base.draft


@pytest.mark.parametrize("backend", ["postgresql"])
def test_workers_killed_at_every_step_leave_one_accepted_submission_stored_once(app, draft, bureau, pg_url):
    send(app, draft)
    key = stored(app, draft).idempotency_key
    deliver_through_crashes(app, bureau, draft, pg_url.replace("postgresql+psycopg://", "postgresql://"))

    submission = stored(app, draft)
    assert submission.state == "accepted"  # the bureau's answer to the last attempt decided it
    assert bureau.times_stored(key) == 1 and len(bureau.accepted()) == 1  # no duplicate
    attempts = submission.attempts
    # The killed job before the POST sent nothing; the two killed during it are on record as interrupted.
    assert [attempt.error.split(":")[0] for attempt in attempts[:-1]] == ["interrupted", "interrupted"]
    assert attempts[-1].http_status == 200
    # Every request the bureau received is an attempt on record (same message id).
    assert {entry["message_id"] for entry in bureau.requests_for(key)} == {a.message_id for a in attempts}
    with app.app_context():
        assert progress.stalled() == []


def test_a_revision_whose_job_is_gone_is_swept_and_delivered_under_its_key(app, draft, bureau):
    """The RQ job ended failed (its retries spent on killed workers) with the revision left sending:
    the sweep queues it again, and the bureau's answer decides."""
    from rq.job import JobStatus

    from renkou import jobs
    from tests.test_submissions import run_worker
    from workers.exchange.bureau_schedules import sweep_deliveries

    send(app, draft)
    with app.app_context():
        job = jobs.fetch_job(services.job_id(draft, 1))
        job.set_status(JobStatus.FAILED)  # as RQ leaves a job abandoned with no retries left
        jobs.get_queue("submissions").remove(job)
        db.session.execute(update(Submission).where(Submission.id == draft)
                           .values(state="sending", claim="dead-worker"))
        db.session.commit()
        page_reason = progress.of(db.session.get(Submission, draft)).reason
        assert "巡检" in page_reason  # the sweep queues it again
        assert sweep_deliveries(None) == 1
        db.session.commit()
    run_worker(app)
    submission = stored(app, draft)
    assert submission.state == "accepted" and len(submission.attempts) == 1


def test_an_operator_can_resend_a_revision_stuck_sending(app, draft, bureau, client):
    from tests.conftest import login, post_form
    from tests.test_submissions import run_worker

    send(app, draft)
    with app.app_context():
        from renkou import jobs

        jobs.get_queue("submissions").empty()  # the job is lost
        db.session.execute(update(Submission).where(Submission.id == draft)
                           .values(state="sending", claim="dead-worker"))
        db.session.commit()
    login(client, COUNTY_ADMIN)
    page = client.get(f"/county/submissions/{draft}").get_data(as_text=True)
    assert 'id="delivery-reason"' in page and "/resend" in page
    response = post_form(client, f"/county/submissions/{draft}/resend", {},
                         token_from=f"/county/submissions/{draft}")
    assert response.status_code == 302
    run_worker(app)
    submission = stored(app, draft)
    assert submission.state == "accepted" and submission.delivery_round == 2
    assert bureau.times_stored(submission.idempotency_key) == 1


def test_retries_follow_the_settings_of_the_worker_not_of_the_process_that_queued(app, draft, bureau):
    """The web process says 3 retries; the worker runs with 1: two attempts, then failed."""
    from renkou import jobs
    from tests.test_submissions import run_worker

    bureau.configure(fail=10)
    send(app, draft)  # queued by "the web process" with (0, 0, 0)
    worker_settings = dataclasses.replace(app.config["RENKOU_SETTINGS"], bureau_retry_intervals=(0,))
    app.config["RENKOU_SETTINGS"] = worker_settings  # the worker's own configuration
    jobs.bind_app(app)
    run_worker(app)
    submission = stored(app, draft)
    assert submission.state == "failed" and len(submission.attempts) == 2
