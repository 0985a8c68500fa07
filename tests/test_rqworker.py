"""`renkou worker` recovers within a minute from processes killed under it: a worker killed and started
again at once gets the scheduler back (the dead one's lock does not hold it off for RQ's 10 minutes), a
scheduler child that died is started again, and jobs held by a dead worker go on without waiting for
their heartbeat to lapse. Real workers in forked processes, killed with SIGKILL."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from datetime import timedelta

import pytest
from rq.job import JobStatus
from rq.scheduler import SCHEDULER_KEY_TEMPLATE, RQScheduler

from renkou import jobs
from renkou.redisconn import get_redis
from renkou.rqworker import Worker
from tests.processes import kill_with_descendants

# A bound on waiting for something that takes a few seconds; RQ on its own needs 10 minutes.
PATIENCE_SECONDS = 50


def _serve(app) -> None:
    with app.app_context():
        queue = jobs.get_queue("default")
        Worker([queue], connection=queue.connection).work(with_scheduler=True)


def start_worker(app) -> multiprocessing.Process:
    jobs.bind_app(app)
    process = multiprocessing.get_context("fork").Process(target=_serve, args=(app,))
    process.start()
    return process


def eventually(condition, what: str) -> None:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {PATIENCE_SECONDS} s: {what}")
        time.sleep(0.1)


def lock_holder(app) -> str | None:
    with app.app_context():
        holder = get_redis().get(RQScheduler.get_locking_key(jobs.queue_name("default")))
        return holder.decode() if holder else None


def scheduler_pid(app) -> int | None:
    """The pid of the scheduler child holding the lock, once it has registered."""
    holder = lock_holder(app)
    with app.app_context():
        pid = get_redis().hget(SCHEDULER_KEY_TEMPLATE % holder, "pid") if holder else None
    return int(pid) if pid and int(pid) else None


def scheduled_job_runs(app) -> None:
    """A job due in a second is moved to its queue by a scheduler and run."""
    with app.app_context():
        job = jobs.get_queue("default").enqueue_in(timedelta(seconds=1), "os.getpid")
    eventually(lambda: job.get_status(refresh=True) == JobStatus.FINISHED, "the scheduled job ran")


@pytest.fixture
def workers():
    started: list[multiprocessing.Process] = []
    yield started
    for process in started:
        kill_with_descendants(process.pid)
        process.join()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_worker_killed_and_started_again_at_once_has_its_scheduler_back(app, workers):
    workers.append(start_worker(app))
    eventually(lambda: lock_holder(app) is not None, "the first worker's scheduler took its lock")
    dead_scheduler = lock_holder(app)
    kill_with_descendants(workers[0].pid)  # the worker, its scheduler child and any work horse
    workers[0].join()
    workers.append(start_worker(app))
    scheduled_job_runs(app)
    assert lock_holder(app) not in (None, dead_scheduler)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_scheduler_child_that_died_is_started_again(app, workers):
    workers.append(start_worker(app))
    eventually(lambda: scheduler_pid(app) is not None, "the worker's scheduler started")
    os.kill(scheduler_pid(app), signal.SIGKILL)
    scheduled_job_runs(app)
