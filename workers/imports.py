"""Spreadsheet imports too large to check or commit within a web request, and the sweep that finds the
ones whose job was lost.

A check or commit is all or nothing (one transaction) and finds a batch already past its step, so it is
safe to run again: RQ retries it (renkou.imports.services.enqueue_step), a worker killed under it hands
it to the next worker (renkou.rqworker), and the minutely ``import_sweep`` queues again any batch still
checking or committing whose job is gone. A job that fails for good puts the batch back where it was,
with the reason, and its page offers to run it again.
"""

from __future__ import annotations

import logging
import traceback
from datetime import datetime

from rq import get_current_job
from sqlalchemy import select

from renkou import jobs
from renkou.extensions import db
from renkou.imports import engine, services
from renkou.imports.models import CHECKING, COMMITTING, ImportBatch

log = logging.getLogger(__name__)


def run_import(town_code: str, batch_id: int, commit: bool, actor_id: int | None = None) -> dict:
    """Check or commit one batch of one town. Idempotent: a batch already past this step is left alone."""

    def work():
        batch = db.session.get(ImportBatch, batch_id)
        if batch is None or batch.status != (COMMITTING if commit else CHECKING):
            return {"skipped": True}
        result = engine.run_batch(batch_id, commit,
                                  lambda done: services.report_progress(town_code, batch_id, commit, done))
        return {"status": result.status, "rows": result.total_rows, "errors": result.error_rows}

    try:
        return jobs.run_for_town(town_code, work, actor_id=actor_id)
    except Exception:
        job = get_current_job()
        if job is None or not job.retries_left:  # RQ will not run it again
            reason = traceback.format_exc(limit=1).strip().splitlines()[-1]
            jobs.run_for_town(town_code, services.give_up, batch_id, commit, reason, actor_id=actor_id)
        raise


def sweep(_slot: datetime | None = None) -> int:
    """Queue again the checks and commits whose job is gone, in every active town; how many."""
    from renkou.tenancy.models import TOWN_ACTIVE, Town

    jobs.reap_abandoned("default")  # abandoned jobs with retries left run again through RQ first
    queued = 0
    for code in db.session.scalars(select(Town.code).where(Town.status == TOWN_ACTIVE).order_by(Town.code)):
        for row in services.stalled(code):
            log.warning("import %s of town %s is %s without a job; queued again", row.id, code, row.status)
            services.enqueue_step(code, row.id, row.status == COMMITTING, row.created_by, row.kind)
            queued += 1
    return queued
