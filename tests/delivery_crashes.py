"""Killing delivery workers the way a machine fails, at each step of a delivery, and recovering the way
production does: a worker started in the dead one's place and the minutely sweep. Shared by the CI test
(tests/test_delivery_recovery.py, one round) and the benchmark (tests/benchmarks/bench_delivery_crashes.py,
many rounds).

The steps, each against a stand-in bureau that can stall:
- ``before_post``: the job waits to claim the revision (its row is held) and dies before anything is sent;
- ``during_post``: the bureau holds the request before storing it; the worker dies while it waits;
- ``after_store``: the bureau stores the submission, then holds its answer back; the worker dies.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable

from renkou import jobs
from renkou.extensions import db
from renkou.rqworker import Worker
from tests.processes import kill_with_descendants

STEPS = ("before_post", "during_post", "after_store")
WAIT_SECONDS = 120  # the longest a step waits for its moment (a loaded machine is slow, never this slow)


def _work(app) -> None:
    with app.app_context():
        queue = jobs.get_queue("submissions")
        Worker([queue], connection=queue.connection).work(burst=True)


def start_worker(app) -> multiprocessing.Process:
    """`renkou worker submissions` in a forked process (it forks a work horse per job)."""
    jobs.bind_app(app)
    process = multiprocessing.get_context("fork").Process(target=_work, args=(app,))
    process.start()
    return process


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.05)


def restart(app) -> multiprocessing.Process:
    """What follows a crash: the worker started in the dead one's place takes over its jobs at once, and
    the minutely sweep (run here as the cron would) queues any revision whose job is gone."""
    from workers.exchange.bureau_schedules import sweep_deliveries

    with app.app_context():
        queue = jobs.get_queue("submissions")
        Worker([queue], connection=queue.connection).reclaim_dead_workers_jobs()
        db.session.remove()
        sweep_deliveries(None)
        db.session.commit()
    return start_worker(app)


def crash_at(app, bureau, submission_id: int, step: str, dsn: str, first: bool) -> None:
    """Set the trap for ``step``, start a worker (the first, or one in a dead one's place), let it run
    until the delivery reaches the step, then SIGKILL it and everything under it."""
    holder = None
    if step == "before_post":
        import psycopg

        holder = psycopg.connect(dsn)
        holder.execute("SELECT 1 FROM shared.submissions WHERE id = %s FOR UPDATE", (submission_id,))
    else:
        bureau.configure(stall_seconds=WAIT_SECONDS * 2, stall_after_store=step == "after_store")
    worker = start_worker(app) if first else restart(app)
    try:
        if step == "before_post":
            wait_for(lambda: _lock_waits(dsn) > 0, "the job waits for the revision's row")
        else:
            wait_for(lambda: bureau.stalling > 0, f"the bureau holds the request ({step})")
    finally:
        kill_with_descendants(worker.pid)
        worker.join()
        if holder is not None:
            holder.rollback()
            holder.close()
        bureau.configure(reset=True)  # a held request goes on: the bureau stores what it was sent
        wait_for(lambda: bureau.stalling == 0, "the bureau has finished the held request")


def deliver_through_crashes(app, bureau, submission_id: int, dsn: str) -> None:
    """Kill the delivery at every step in turn, then let the worker started last finish it."""
    for number, step in enumerate(STEPS):
        crash_at(app, bureau, submission_id, step, dsn, first=number == 0)
    worker = restart(app)
    worker.join(WAIT_SECONDS)
    if worker.is_alive():
        kill_with_descendants(worker.pid)
        worker.join()
        raise AssertionError("the last worker never finished")


def _lock_waits(dsn: str) -> int:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as watcher:
        return watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                               "AND datname = current_database()").fetchone()[0]
