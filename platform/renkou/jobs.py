"""Background jobs on RQ (DESIGN.md §4): queues by kind, enqueueing after commit, and the job runtime.

Jobs take ids — the town code first, then record ids — never ORM objects. Each job opens its own
session bound to its town. Delivery is at least once, so jobs are idempotent; a fixed ``job_id`` with
``unique=True`` stops a second copy being queued while the first is waiting.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta

from flask import current_app
from rq import Queue
from rq.exceptions import DuplicateJobError

from renkou.db import after_commit
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


def enqueue_after_commit(kind: str, function: str, *args, job_id: str, description: str = "") -> None:
    """Queue ``function`` (a dotted path) once the current transaction has committed.

    Before the commit a worker could start on rows it cannot see yet; after a rollback there is
    nothing to do. A job with this id already known to RQ is left alone. Job ids carry the
    installation's prefix: RQ keeps every job under one key space in Redis.
    """
    queue = get_queue(kind)
    full_id = f"{current_app.config['RENKOU_SETTINGS'].redis_prefix}-{job_id}"

    def _enqueue():
        try:
            queue.enqueue(function, *args, job_id=full_id, unique=True, description=description or job_id,
                          failure_ttl=int(FAILED_JOB_TTL.total_seconds()))
        except DuplicateJobError:
            log.info("job %s is already queued or kept; not queued again", full_id)

    after_commit(db.session, _enqueue)


# ---------------------------------------------------------------------------------------------------------
# The runtime of a job inside a worker process


def bind_app(app) -> None:
    """Give the jobs of this process their application (`renkou worker` and the tests call this)."""
    global _bound_app, _bound_pid
    _bound_app, _bound_pid = app, os.getpid()


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
