"""What the RQ queues of this installation hold, and retrying a failed job.

Only queues named by renkou.jobs.queue_name (the installation's prefix) are read, so installations
sharing one Redis never see, or retry, each other's jobs.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from rq import Queue, Worker
from rq.cron import CronScheduler
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.results import Result

from renkou import jobs
from renkou.errors import NotFoundError
from renkou.pagination import Page

ERROR_LINES = 12  # the end of a traceback says what went wrong
LIST_LIMIT = 20


@dataclasses.dataclass
class JobRow:
    id: str
    description: str
    func_name: str | None = None
    enqueued_at: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    scheduled_for: datetime | None = None
    worker_name: str | None = None
    error: str | None = None


@dataclasses.dataclass
class QueueState:
    kind: str
    name: str
    queued: int
    started: list[JobRow]
    started_total: int
    failed: Page
    scheduled: list[JobRow]
    scheduled_total: int

    @property
    def failed_total(self) -> int:
        return self.failed.total


@dataclasses.dataclass
class WorkerState:
    name: str
    hostname: str | None
    pid: int | None
    queues: list[str]
    state: str
    current_job_id: str | None
    last_heartbeat: datetime | None
    birth_date: datetime | None


def _aware(value: datetime | None) -> datetime | None:
    """RQ's timestamps are UTC; older ones come back naive."""
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def error_of(job: Job) -> str | None:
    """The last lines of the traceback of the job's latest failure."""
    result = job.latest_result()
    text = result.exc_string if result is not None and result.type == Result.Type.FAILED else job._exc_info
    if not text:
        return None
    return "\n".join(_without_rq_frames(text.rstrip().splitlines())[-ERROR_LINES:])


def _without_rq_frames(lines: list[str]) -> list[str]:
    """A traceback without RQ's own frames (each '  File' line and its indented code lines): what went
    wrong is in the job's code, and RQ's frames would fill the lines shown."""
    kept, skipping = [], False
    for line in lines:
        if line.startswith('  File "'):
            skipping = "/site-packages/rq/" in line.replace("\\", "/")
        elif not line.startswith("    "):
            skipping = False
        if not skipping:
            kept.append(line)
    return kept


def _row(job: Job, with_error: bool = False) -> JobRow:
    return JobRow(
        id=job.id,
        description=job.description or job.func_name or job.id,
        func_name=job.func_name if job.func_name else None,
        enqueued_at=_aware(job.enqueued_at),
        started_at=_aware(job.started_at),
        ended_at=_aware(job.ended_at),
        worker_name=job.worker_name,
        error=error_of(job) if with_error else None,
    )


def _fetch(queue: Queue, job_ids: list[str]) -> list[Job]:
    return [job for job in Job.fetch_many(job_ids, connection=queue.connection) if job is not None]


def queue_state(kind: str, limit: int = LIST_LIMIT, failed_page: int = 1) -> QueueState:
    """One queue: how many wait, the running, the newest failed (a page of them), the delayed."""
    queue = jobs.get_queue(kind)
    started_registry = queue.started_job_registry
    started_ids = started_registry.get_job_ids(0, limit - 1)
    failed_registry = queue.failed_job_registry
    failed_total = failed_registry.count
    failed_page = max(1, failed_page)
    start = (failed_page - 1) * limit
    failed_ids = failed_registry.get_job_ids(start, start + limit - 1, desc=True)
    scheduled_registry = queue.scheduled_job_registry
    scheduled = []
    for job in _fetch(queue, scheduled_registry.get_job_ids(0, limit - 1)):
        row = _row(job)
        row.scheduled_for = _aware(scheduled_registry.get_scheduled_time(job))
        scheduled.append(row)
    return QueueState(
        kind=kind,
        name=queue.name,
        queued=queue.count,
        started=[_row(job) for job in _fetch(queue, started_ids)],
        started_total=started_registry.count,
        failed=Page(items=[_row(job, with_error=True) for job in _fetch(queue, failed_ids)], page=failed_page,
                    per_page=limit, total=failed_total),
        scheduled=scheduled,
        scheduled_total=scheduled_registry.count,
    )


def queue_states(limit: int = LIST_LIMIT) -> list[QueueState]:
    return [queue_state(kind, limit) for kind in jobs.QUEUE_KINDS]


def workers() -> list[WorkerState]:
    """Workers alive on any of this installation's queues (a dead one drops out with its heartbeat)."""
    names = {jobs.queue_name(kind): kind for kind in jobs.QUEUE_KINDS}
    found = []
    for worker in Worker.all(connection=jobs.get_queue("default").connection):
        kinds = [names[name] for name in worker.queue_names() if name in names]
        if not kinds:
            continue
        state = worker.get_state()
        found.append(WorkerState(
            name=worker.name, hostname=worker.hostname, pid=worker.pid, queues=kinds,
            state=str(getattr(state, "value", state)),
            current_job_id=worker.get_current_job_id(), last_heartbeat=_aware(worker.last_heartbeat),
            birth_date=_aware(worker.birth_date),
        ))
    return sorted(found, key=lambda state: state.name)


def cron_schedulers() -> int:
    """`renkou cron` processes alive that enqueue into this installation's queues."""
    ours = {jobs.queue_name(kind) for kind in jobs.QUEUE_KINDS}
    count = 0
    for scheduler in CronScheduler.all(jobs.get_queue("default").connection):
        if any(cron_job.queue_name in ours for cron_job in scheduler.get_jobs()):
            count += 1
    return count


def retry_failed(kind: str, job_id: str) -> Job:
    """Put a failed job of queue ``kind`` back on its queue, to run again as it was first enqueued."""
    if kind not in jobs.QUEUE_KINDS:
        raise NotFoundError.on("kind", f"no queue {kind}")
    registry = jobs.get_queue(kind).failed_job_registry
    if job_id not in registry:
        raise NotFoundError.on("job_id", f"no failed job {job_id} in {kind}")
    try:
        return registry.requeue(job_id)
    except (InvalidJobOperation, NoSuchJobError) as error:  # retried meanwhile, or expired
        raise NotFoundError.on("job_id", f"no failed job {job_id} in {kind}") from error
