"""The life of an import batch: upload, check, import; small files at once, large ones in the background."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from rq import Retry
from sqlalchemy import select

from renkou import jobs
from renkou.audit import services as audit
from renkou.db import town_engines
from renkou.errors import NotFoundError, ServiceError
from renkou.extensions import db
from renkou.imports import engine, spreadsheets, uploads
from renkou.imports.models import CHECKED, CHECKING, COMMITTED, COMMITTING, FAILED, ImportBatch
from renkou.jobs import enqueue_after_commit
from renkou.redisconn import get_redis
from renkou.tenancy.context import current_town

# Files with more rows than this are checked and imported by a worker, with a progress bar.
BACKGROUND_ROWS = 1000
PROGRESS_TTL = 24 * 3600
# Waits before RQ runs a failed or abandoned import job again: at once after a killed worker, then later.
RETRY_WAITS = [0, 30, 120]


def list_batches(limit: int = 50) -> list[ImportBatch]:
    return list(db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit)))


def get_batch(batch_id: int) -> ImportBatch:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFoundError(str(_l("No such import.")))
    return batch


def upload(kind: str, filename: str, content: bytes) -> ImportBatch:
    """Store the upload and check it: now when small, in the background when large."""
    spec = engine.get_spec(kind)
    if spec is None:
        raise ServiceError.on("kind", str(_l("Unknown kind of import.")))
    try:
        spreadsheets.check_upload(filename, content)
        rows = spreadsheets.measure(filename, content, _limits())  # before anything parses the file
        next(spreadsheets.read_rows(filename, content, spec.columns), None)  # the header row is checked here
    except spreadsheets.UnreadableFile as unreadable:
        raise ServiceError.on("file", str(unreadable)) from unreadable
    uploads.forget_abandoned()
    batch = ImportBatch(kind=kind, filename=filename[-200:], content=uploads.seal(content), total_rows=rows,
                        created_by=current_user.id if current_user and current_user.is_authenticated else None)
    db.session.add(batch)
    db.session.flush()
    audit.record("import.upload", record_type="import", record_id=batch.id, detail={"kind": kind, "rows": rows})
    _start(batch, commit=False)
    return batch


def template(spec: engine.ImportSpec) -> bytes:
    """The kind's template: the data sheet holds only the header row (a row in it would be imported as
    data), a second sheet 说明 says what each column takes, with an example."""
    headers = [column.header + ("*" if column.required else "") for column in spec.columns]
    notes = [[column.header, "是" if column.required else "否", column.example] for column in spec.columns]
    if spec.hint:
        notes.append([])
        notes.append([str(spec.hint)])
    return spreadsheets.write_xlsx(headers, [], str(spec.title),
                                   more_sheets=(("说明", ["列", "必填", "示例"], notes),))


def _limits() -> spreadsheets.Limits:
    settings = current_app.config["RENKOU_SETTINGS"]
    return spreadsheets.Limits(unpacked_bytes=settings.import_max_unpacked_mb * 1024 * 1024,
                               rows=settings.import_max_rows)


def commit(batch: ImportBatch) -> ImportBatch:
    """Import the valid rows of a checked batch, all in one transaction."""
    if batch.status != CHECKED:
        raise ServiceError(str(_l("Only a checked import can be committed.")))
    audit.record("import.commit", record_type="import", record_id=batch.id,
                 detail={"kind": batch.kind, "rows": batch.valid_rows})
    _start(batch, commit=True)
    return batch


def _start(batch: ImportBatch, commit: bool) -> None:
    batch.failure = ""
    if batch.total_rows <= BACKGROUND_ROWS:
        engine.run_batch(batch.id, commit)
        return
    batch.status = COMMITTING if commit else CHECKING
    db.session.flush()
    enqueue_step(current_town().code, batch.id, commit, batch.created_by, batch.kind)


def job_id(town_code: str, batch_id: int, commit: bool) -> str:
    return f"import-{town_code}-{batch_id}-{'commit' if commit else 'check'}"


def enqueue_step(town_code: str, batch_id: int, commit: bool, actor_id: int | None, kind: str) -> None:
    """Queue the batch's check or commit once the transaction commits. The job is all or nothing and
    finds a batch already past its step, so RQ retries it (a killed worker, a lost connection) and the
    sweep may queue it again; a copy already waiting or running is not queued twice."""
    enqueue_after_commit("default", "workers.imports.run_import", town_code, batch_id, commit, actor_id,
                         job_id=job_id(town_code, batch_id, commit), retry=Retry(max=3, interval=RETRY_WAITS),
                         description=f"import {kind} {batch_id} for town {town_code}")


def stalled(town_code: str) -> list:
    """The batches of a town checking or committing whose job is gone (its enqueue lost, its worker
    killed after its retries): (id, status, kind, created_by) rows. Read on a connection of its own, which
    does not take the town's write lock (SQLite), so the sweep never waits on an import in progress."""
    town_engine = town_engines().engine_for(town_code)
    with town_engine.connect().execution_options(sqlite_begin="DEFERRED") as connection:
        rows = connection.execute(select(ImportBatch.id, ImportBatch.status, ImportBatch.kind, ImportBatch.created_by)
                                  .where(ImportBatch.status.in_((CHECKING, COMMITTING)))
                                  .order_by(ImportBatch.id)).all()
    return [row for row in rows
            if not jobs.is_live(jobs.fetch_job(job_id(town_code, row.id, row.status == COMMITTING)))]


def is_stalled(batch: ImportBatch) -> bool:
    return batch.status in (CHECKING, COMMITTING) and not jobs.is_live(
        jobs.fetch_job(job_id(current_town().code, batch.id, batch.status == COMMITTING)))


def run_again(batch: ImportBatch) -> ImportBatch:
    """Check or import a batch again from its page: one whose job was lost, or whose check or import
    failed (nothing of it was written). A batch whose job still runs is left to it."""
    if batch.status in (CHECKING, COMMITTING) and not is_stalled(batch):
        raise ServiceError(str(_l("This import is running; wait for it to finish.")))
    if batch.status not in (CHECKING, COMMITTING, FAILED) or batch.content is None:
        raise ServiceError(str(_l("Only an import that stopped or failed can be run again.")))
    commit = batch.status == COMMITTING
    audit.record("import.retry", record_type="import", record_id=batch.id,
                 detail={"kind": batch.kind, "step": "commit" if commit else "check"})
    _start(batch, commit=commit)
    return batch


def give_up(batch_id: int, commit: bool, reason: str) -> None:
    """A job that failed for good: nothing of it was written, so the batch goes back to where it was
    before the step (checked, for an import), with the reason, and its page offers to try again."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.status != (COMMITTING if commit else CHECKING):
        return
    batch.status = CHECKED if commit else FAILED
    batch.failure = reason[:500]
    db.session.flush()


# ---------------------------------------------------------------------------------------------------------
# Progress, kept in Redis so that it is visible while the job's own transaction is still open. The check
# and the import count separately: an import starts from 0, not from the finished check.


def _progress_key(town_code: str, batch_id: int, commit: bool) -> str:
    prefix = current_app.config["RENKOU_SETTINGS"].redis_prefix
    return f"{prefix}:town:{town_code}:import:{batch_id}:{'commit' if commit else 'check'}:progress"


def report_progress(town_code: str, batch_id: int, commit: bool, done: int) -> None:
    get_redis().set(_progress_key(town_code, batch_id, commit), done, ex=PROGRESS_TTL)


def progress_of(batch: ImportBatch) -> dict:
    if batch.in_progress:
        done = get_redis().get(_progress_key(current_town().code, batch.id, batch.status == COMMITTING))
        done = int(done) if done is not None else 0
    else:
        done = batch.total_rows
    percent = round(100 * done / batch.total_rows) if batch.total_rows else 100
    return {"status": batch.status, "step": "commit" if batch.status in (COMMITTING, COMMITTED) else "check",
            "done": done, "total": batch.total_rows, "percent": min(percent, 100),
            "stalled": is_stalled(batch), "failure": batch.failure}
