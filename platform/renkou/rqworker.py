"""The RQ worker `renkou worker` runs: RQ's own, made to recover from killed processes within a minute.

RQ alone recovers slowly from a machine failure:

- A worker killed with SIGKILL leaves its scheduler lock in Redis (61 s), so a worker started in its place
  runs without a scheduler, and RQ tries to start one again only at its 10-minute maintenance: retries
  and delayed jobs wait that long. The same happens when only the scheduler child dies.
- A job whose work horse was killed stays in the started registry until its heartbeat lapses (90 s) *and*
  a worker's maintenance cleans the registry (every 10 minutes, and only between jobs).

This worker checks every few seconds, between jobs and while one runs: it restarts a dead scheduler
child, takes over a scheduler lock whose holder has stopped beating (or, on this host, whose process is
gone), and hands jobs held by a dead worker of this host to RQ's own registry cleanup at once, which
retries them (Retry) or fails them. It waits for at most DEQUEUE_TIMEOUT seconds for a job, so the checks
run even when the queues are quiet.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import UTC, datetime

from rq import SimpleWorker as RQSimpleWorker
from rq import Worker as RQWorker
from rq.scheduler import SCHEDULER_KEY_TEMPLATE, RQScheduler
from rq.scripts import release_lock
from rq.utils import utcparse

log = logging.getLogger(__name__)

DEQUEUE_TIMEOUT = 5  # seconds a worker waits for a job before it runs its checks again
SUPERVISE_EVERY = 5  # seconds between two rounds of checks
MAINTENANCE_INTERVAL = 60  # RQ's registry cleanup; its default is 10 minutes
# A scheduler refreshes its heartbeat every second; one silent for this long has stopped.
SCHEDULER_SILENT_SECONDS = 15


class Worker(RQWorker):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("maintenance_interval", MAINTENANCE_INTERVAL)
        super().__init__(*args, **kwargs)
        self._supervised_at = 0.0
        self._wants_scheduler = False

    @property
    def dequeue_timeout(self) -> int:
        return DEQUEUE_TIMEOUT

    def work(self, *args, **kwargs):
        self._wants_scheduler = bool(kwargs.get("with_scheduler"))
        self.reclaim_dead_workers_jobs()
        if self._wants_scheduler:
            self.free_stale_scheduler_locks()
        return super().work(*args, **kwargs)

    # RQ calls heartbeat() between jobs and while waiting, maintain_heartbeats() while a job runs.
    def heartbeat(self, timeout: int | None = None, pipeline=None):
        result = super().heartbeat(timeout, pipeline=pipeline)
        if pipeline is None:
            self._supervise()
        return result

    def maintain_heartbeats(self, job):
        super().maintain_heartbeats(job)
        self._supervise()

    def _supervise(self) -> None:
        if time.monotonic() - self._supervised_at < SUPERVISE_EVERY:
            return
        self._supervised_at = time.monotonic()
        try:
            self.reclaim_dead_workers_jobs()
            if self._wants_scheduler and self.scheduler is not None:
                self._keep_scheduler_running()
        except Exception:  # a check that fails must never stop the worker; the next round tries again
            log.exception("worker %s: supervising failed", self.name)

    # -----------------------------------------------------------------------------------------------------
    # The scheduler

    def _keep_scheduler_running(self) -> None:
        process = self.scheduler._process
        if process is not None and process.is_alive():
            return
        self.free_stale_scheduler_locks()
        # Our own dead child held the locks under this same scheduler name: acquiring refreshes them.
        if self.scheduler.acquire_locks(auto_start=True):
            log.info("worker %s: scheduler (re)started for %s", self.name, ", ".join(self.scheduler.acquired_locks))

    def free_stale_scheduler_locks(self) -> list[str]:
        """Release the scheduler locks of our queues held by a scheduler that has stopped: the names of the
        queues freed."""
        freed = []
        for queue in self.queues:
            key = RQScheduler.get_locking_key(queue.name)
            holder = self.connection.get(key)
            if holder is None:
                continue
            holder = holder.decode()
            if self.scheduler is not None and holder == self.scheduler.name:
                continue
            if self._scheduler_stopped(holder):
                release_lock(self.connection, key, holder)  # only if it still holds it
                log.warning("worker %s: released the scheduler lock of %s held by stopped scheduler %s",
                            self.name, queue.name, holder)
                freed.append(queue.name)
        return freed

    def _scheduler_stopped(self, name: str) -> bool:
        data = _decoded(self.connection.hgetall(SCHEDULER_KEY_TEMPLATE % name))
        if not data:
            return True  # it never registered, or its record expired with it
        if data.get("hostname") == self.hostname and not _alive(int(data.get("pid") or 0)):
            return True
        beat = data.get("last_heartbeat")
        if not beat:
            return True
        return (datetime.now(UTC) - utcparse(beat).replace(tzinfo=UTC)).total_seconds() > SCHEDULER_SILENT_SECONDS

    # -----------------------------------------------------------------------------------------------------
    # Jobs of dead workers

    def reclaim_dead_workers_jobs(self) -> int:
        """Jobs that a dead worker of this host was running go through RQ's cleanup of abandoned jobs now
        (retried when they have retries left, failed otherwise) instead of when their heartbeat lapses."""
        reclaimed = 0
        for queue in self.queues:
            registry = queue.started_job_registry
            expired = []
            for job_id, execution_id in registry.get_job_and_execution_ids(cleanup=False):
                worker_name = self.connection.hget(f"rq:execution:{job_id}:{execution_id}", "worker_name")
                if worker_name and self._worker_dead(worker_name.decode()):
                    expired.append(f"{job_id}:{execution_id}")
            if expired:
                self.connection.zadd(registry.key, dict.fromkeys(expired, 0), xx=True)
                registry.cleanup(timestamp=1, exception_handlers=self._exc_handlers)
                reclaimed += len(expired)
                log.warning("worker %s: %d job(s) of dead workers on %s handed to RQ's cleanup", self.name,
                            len(expired), queue.name)
        return reclaimed

    def _worker_dead(self, name: str) -> bool:
        if name == self.name:
            return False
        data = _decoded(self.connection.hgetall(self.redis_worker_namespace_prefix + name))
        if not data:
            return True  # its record expired: it stopped beating long ago
        if data.get("death"):
            return True
        pid = int(data.get("pid") or 0)
        # Another host's worker is judged by RQ's heartbeat expiry; on this host, by its process. In a
        # restarted container the dead worker may have had our very pid.
        return data.get("hostname") == self.hostname and (pid == os.getpid() or not _alive(pid))


def _decoded(raw: dict) -> dict[str, str]:
    return {key.decode(): value.decode() for key, value in raw.items()}


def _alive(pid: int) -> bool:
    """Whether process ``pid`` of this host runs (a zombie, killed but not yet reaped, does not)."""
    if pid <= 0:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


class SimpleWorker(Worker, RQSimpleWorker):
    """The same recovery, running each job in the worker's own process (RQ's SimpleWorker): for the
    aggregation queue, where forking a work horse and connecting anew cost more than a town's job."""
