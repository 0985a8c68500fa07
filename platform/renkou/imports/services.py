"""The life of an import batch: upload, check, import; small files at once, large ones in the background."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from renkou.audit import services as audit
from renkou.errors import NotFoundError, ServiceError
from renkou.extensions import db
from renkou.imports import engine, spreadsheets, uploads
from renkou.imports.models import ImportBatch
from renkou.jobs import enqueue_after_commit
from renkou.redisconn import get_redis
from renkou.tenancy.context import current_town

# Files with more rows than this are checked and imported by a worker, with a progress bar.
BACKGROUND_ROWS = 1000
PROGRESS_TTL = 24 * 3600


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
    if batch.status != "checked":
        raise ServiceError(str(_l("Only a checked import can be committed.")))
    audit.record("import.commit", record_type="import", record_id=batch.id,
                 detail={"kind": batch.kind, "rows": batch.valid_rows})
    _start(batch, commit=True)
    return batch


def _start(batch: ImportBatch, commit: bool) -> None:
    if batch.total_rows <= BACKGROUND_ROWS:
        engine.run_batch(batch.id, commit)
        return
    batch.status = "committing" if commit else "checking"
    db.session.flush()
    town = current_town()
    enqueue_after_commit("default", "workers.imports.run_import", town.code, batch.id, commit,
                         batch.created_by, job_id=f"import-{town.code}-{batch.id}-{'commit' if commit else 'check'}",
                         description=f"import {batch.kind} {batch.id} for town {town.code}")


# ---------------------------------------------------------------------------------------------------------
# Progress, kept in Redis so that it is visible while the job's own transaction is still open.


def _progress_key(town_code: str, batch_id: int) -> str:
    prefix = current_app.config["RENKOU_SETTINGS"].redis_prefix
    return f"{prefix}:town:{town_code}:import:{batch_id}:progress"


def report_progress(town_code: str, batch_id: int, done: int) -> None:
    get_redis().set(_progress_key(town_code, batch_id), done, ex=PROGRESS_TTL)


def progress_of(batch: ImportBatch) -> dict:
    done = get_redis().get(_progress_key(current_town().code, batch.id))
    done = int(done) if done is not None else 0
    if not batch.in_progress:
        done = batch.total_rows
    percent = round(100 * done / batch.total_rows) if batch.total_rows else 100
    return {"status": batch.status, "done": done, "total": batch.total_rows, "percent": min(percent, 100)}
