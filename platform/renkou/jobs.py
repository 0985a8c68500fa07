"""Background jobs on RQ (DESIGN.md §4): queues by kind, enqueueing after commit, and the job runtime.

Jobs take ids — the town code first, then record ids — never ORM objects. Each job opens its own
session bound to its town. Delivery is at least once, so jobs are idempotent; a fixed ``job_id`` with
``unique=True`` stops a second copy being queued while the first is waiting.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus

from renkou.db import after_commit
from renkou.errors import ServiceUnavailable
from renkou.extensions import db
from renkou.redisconn import get_redis

log = logging.getLogger(__name__)

QUEUE_KINDS = ("aggregation", "submissions", "exchange", "default")
FAILED_JOB_TTL = timedelta(weeks=4)  # RQ keeps failures a year by default; weeks are enough to act
_bound_app = None
_bound_pid = None


def queue_name(kind: str) -> str:
    """Queue names carry the installation's Redis prefix, so installations can share one Redis."""
    if kind not in QUEUE_KINDS:
        raise ValueError(f"unknown queue kind {kind}")
    return f"{current_app.config['RENKOU_SETTINGS'].redis_prefix}-{kind}"


def get_queue(kind: str) -> Queue:
    return Queue(queue_name(kind), connection=get_redis(), default_timeout=3600)


def enqueue_after_commit(kind: str, function: str, *args, job_id: str, description: str = "",
                         delay_seconds: int = 0, keep_result: bool = True, retry: Retry | None = None) -> None:
    """Queue ``function`` (a dotted path) once the current transaction has committed.

    Before the commit a worker could start on rows it cannot see yet; after a rollback there is
    nothing to do. See enqueue_unique for what happens when the job id is already known. Redis is
    asked first: when it is down the request fails cleanly (503) and saves nothing, instead of
    committing work that no job will ever pick up.
    """
    require_queue(function)
    after_commit(db.session, lambda: enqueue_unique(kind, function, *args, job_id=job_id, description=description,
                                                    delay_seconds=delay_seconds, keep_result=keep_result,
                                                    retry=retry))


def require_queue(what: str) -> None:
    """Raise ServiceUnavailable (a clean 503; the request saves nothing) when Redis does not answer.

    Asked before committing work that only a job will carry on, so no row is left waiting for a job
    that was never queued.
    """
    try:
        get_redis().ping()
    except RedisError as error:
        log.error("Redis unavailable; %s not queued: %s", what, error)
        raise queue_unavailable() from error


def queue_unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(str(_l("The job queue is unavailable, so nothing was saved. Try again in a few "
                                     "minutes; if it persists, tell the system administrator.")))


def full_job_id(job_id: str) -> str:
    """Job ids carry the installation's prefix: RQ keeps every job under one key space in Redis."""
    return f"{current_app.config['RENKOU_SETTINGS'].redis_prefix}-{job_id}"


def enqueue_unique(kind: str, function: str, *args, job_id: str, description: str = "", delay_seconds: int = 0,
                   keep_result: bool = True, retry: Retry | None = None, timeout: int | None = None) -> bool:
    """Queue ``function`` under ``job_id`` unless a copy is waiting; True when this call queued it.

    A copy that is queued, scheduled or running is left alone: it will read the data when it runs
    (work that a running copy might miss is caught by the caller's own bookkeeping, e.g. the dirty
    marks of the indicators). A copy that has ended (finished, failed, stopped) no longer protects
    anything, so it is replaced. ``delay_seconds`` holds the job back (needs a worker with the
    scheduler); ``keep_result=False`` drops the job from Redis as soon as it succeeds; ``retry`` runs it
    again after a failure, including a worker killed under it (RQ fails such a job once its heartbeat
    lapses). ``timeout`` (seconds) replaces the queue's default: a worker that runs jobs in its own
    process (SimpleWorker) notices a killed job only once the job's timeout has passed.
    """
    queue = get_queue(kind)
    full_id = full_job_id(job_id)
    options = {"job_id": full_id, "description": description or job_id,
               "failure_ttl": int(FAILED_JOB_TTL.total_seconds())}
    if not keep_result:
        options["result_ttl"] = 0
    if retry is not None:
        options["retry"] = retry
    for _attempt in range(2):
        try:
            if delay_seconds > 0:
                job = queue.create_job(function, args=args, status=JobStatus.SCHEDULED, timeout=timeout, **options)
                queue.schedule_job(job, datetime.now(UTC) + timedelta(seconds=delay_seconds), unique=True)
            else:
                queue.enqueue(function, *args, unique=True, job_timeout=timeout, **options)
            return True
        except DuplicateJobError:
            if not _drop_if_ended(full_id):
                log.info("job %s is already waiting or running; not queued again", full_id)
                return False
    return False


LIVE_STATUSES = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED, JobStatus.STARTED)


def fetch_job(job_id: str) -> Job | None:
    """The job queued under ``job_id`` (without the prefix), or None when Redis no longer has it."""
    try:
        return Job.fetch(full_job_id(job_id), connection=get_redis())
    except NoSuchJobError:
        return None


def is_live(job: Job | None) -> bool:
    """Whether a job is waiting (queued, scheduled, deferred) or running: something will still happen."""
    return job is not None and job.get_status(refresh=False) in LIVE_STATUSES


def reap_abandoned(kind: str) -> None:
    """Hand the jobs whose worker stopped beating to RQ's own cleanup now (retried when they have retries
    left, failed otherwise), instead of at a worker's next maintenance, up to 10 minutes later."""
    get_queue(kind).started_job_registry.cleanup()


def _drop_if_ended(full_id: str) -> bool:
    try:
        job = Job.fetch(full_id, connection=get_redis())
    except NoSuchJobError:
        return True  # it ended and expired between the two calls
    if job.get_status(refresh=True) in (JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED,
                                        JobStatus.CANCELED):
        job.delete()
        return True
    return False


# ---------------------------------------------------------------------------------------------------------
# The runtime of a job inside a worker process


def bind_app(app) -> None:
    """Give the jobs of this process their application (`renkou worker` and the tests call this)."""
    global _bound_app, _bound_pid
    _bound_app, _bound_pid = app, os.getpid()


def preload() -> None:
    """Import the job modules and configure the ORM once in the worker, before it forks a work horse
    per job: otherwise every job pays for both again (measured: 360–460 ms of a 600–860 ms job)."""
    import importlib
    import pkgutil

    from sqlalchemy.orm import configure_mappers

    import workers

    for module in pkgutil.walk_packages(workers.__path__, prefix="workers."):
        importlib.import_module(module.name)
    configure_mappers()


def job_app():
    """The application of this worker process, with connection pools made safe after a fork."""
    global _bound_app, _bound_pid
    if _bound_app is None:
        from renkou.app import create_app

        bind_app(create_app())
    if _bound_pid != os.getpid():
        # A forked work horse must not use the pooled connections of its parent.
        with _bound_app.app_context():
            _bound_app.extensions["renkou.town_engines"].dispose(close=False)
        _bound_pid = os.getpid()
    return _bound_app


def run_for_town(town_code: str, function, *args, actor_id: int | None = None):
    """Run ``function(*args)`` serving ``town_code``: one session, committed once on success."""
    from renkou.accounts.models import User
    from renkou.tenancy.context import town_session
    from renkou.tenancy.models import Town

    app = job_app()
    with app.app_context():
        town = db.session.query(Town).filter_by(code=town_code).one()
        actor = db.session.get(User, actor_id) if actor_id else None
        actor_fields = (actor.id, actor.username) if actor else (None, "job")
        with town_session(town, role="town_staff", actor=actor_fields):
            return function(*args)
