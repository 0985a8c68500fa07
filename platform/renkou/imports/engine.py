"""Checking and applying a spreadsheet, all valid rows in one transaction.

Areas with large registers import set-based (``ImportSpec.apply_rows``, see renkou.imports.bulk): the
rows are loaded with the row schema in plain Python, then handed to the area in chunks, which looks up
what exists with one query per kind and writes with one statement per kind; the periods the import
moves are marked once. The other areas apply a row at a time (``ImportSpec.apply``), each row in a
savepoint so that a refused row is undone alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from flask import current_app
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError

from renkou.db import after_commit, town_engines, town_schema
from renkou.errors import ServiceError
from renkou.extensions import db
from renkou.imports import uploads
from renkou.imports.bulk import MASKED, MASKED_MESSAGE, Row, Run, start_run
from renkou.imports.models import ImportBatch
from renkou.imports.spreadsheets import Column, UnreadableFile, read_rows
from renkou.schemas import messages_of
from renkou.tenancy.context import current_town
from renkou.types import utcnow

PROGRESS_EVERY = 100
# Rows handed to a set-based area at once: its look-ups and writes are one statement per chunk.
CHUNK_ROWS = 2000
# After this many new rows the planner's statistics are stale enough to pick poor plans until
# autovacuum gets round to the table; the import refreshes them itself.
ANALYZE_AFTER_ROWS = 1000


def refresh_statistics(tables: tuple[str, ...]) -> None:
    """ANALYZE the town's tables (PostgreSQL and SQLite alike) on a connection of its own."""
    town_code = current_town().code
    engines = town_engines()
    with engines.engine_for(town_code).begin() as connection:
        for table in tables:
            name = table if engines.is_sqlite else f'"{town_schema(town_code)}"."{table}"'
            connection.exec_driver_sql(f"ANALYZE {name}")


@dataclasses.dataclass(frozen=True)
class ImportSpec:
    """What an area imports: its columns, the schema of one row, and how a valid row is applied.

    ``apply_rows(rows, run)`` checks and, when ``run.commit``, writes a chunk of loaded rows set-based
    (see renkou.imports.bulk). Areas with small registers give ``apply(row, cache)`` instead, which
    creates or updates one record and returns "created" or "updated"; ``cache`` is a dict that lives
    for one run, for look-ups many rows share. Either must find an existing record by its natural key,
    so a re-upload updates instead of duplicating. ``key`` gives a
    loaded row's natural key (field, value): two rows of one file with the same key are an error,
    not a silent overwrite.
    """

    kind: str
    title: object  # a lazy translated string
    columns: list[Column]
    schema: type[Schema]
    apply: Callable[[dict, dict], str] | None = None
    apply_rows: Callable[[list[Row], Run], None] | None = None
    key: Callable[[dict], tuple[str, str] | None] = lambda row: None
    # Tables a large import fills: their planner statistics are refreshed after the commit.
    tables: tuple[str, ...] = ()
    # What the imports page says of this kind: how a row finds the record it updates (a lazy string).
    hint: object = ""

    def header_of(self, field: str) -> str:
        return next((column.header for column in self.columns if column.field == field), "")


_SPECS: dict[str, ImportSpec] = {}


def register(spec: ImportSpec) -> ImportSpec:
    _SPECS[spec.kind] = spec
    return spec


def get_spec(kind: str) -> ImportSpec | None:
    return _SPECS.get(kind)


def all_specs() -> list[ImportSpec]:
    return list(_SPECS.values())


@dataclasses.dataclass
class Outcome:
    total: int = 0
    created: int = 0
    updated: int = 0
    errors: list[dict] = dataclasses.field(default_factory=list)
    seen_keys: dict[str, int] = dataclasses.field(default_factory=dict)
    cache: dict = dataclasses.field(default_factory=dict)

    @property
    def error_rows(self) -> int:
        return len({error["row"] for error in self.errors})


def run_batch(batch_id: int, commit: bool, progress: Callable[[int], None] = lambda done: None) -> ImportBatch:
    """Check (``commit=False``) or import (``commit=True``) a batch in the current transaction.

    Every row runs in a savepoint, so a bad row is reported and undone without touching the others.
    A check rolls every row back; an import keeps the valid rows. Either way the batch row records
    the outcome, and the caller's single commit makes it all visible at once.
    """
    batch = db.session.get(ImportBatch, batch_id)
    spec = get_spec(batch.kind)
    filename, content = batch.filename, uploads.content_of(batch)
    outcome = Outcome()
    everything = db.session.begin_nested()
    try:
        if content is None:
            raise UnreadableFile(str(_l("The uploaded file is no longer kept: upload it again.")))
        rows = read_rows(filename, content, spec.columns)
        del content
        if spec.apply_rows is not None:
            _run_set_based(spec, rows, commit, outcome, progress)
        else:
            _run_row_by_row(spec, rows, outcome, progress)
    except UnreadableFile as unreadable:
        everything.rollback()
        return _finish(batch_id, "failed", Outcome(), failure=str(unreadable))
    if commit:
        everything.commit()
        if outcome.created >= ANALYZE_AFTER_ROWS:
            after_commit(db.session, lambda: refresh_statistics(spec.tables))
    else:
        everything.rollback()
    progress(outcome.total)
    return _finish(batch_id, "committed" if commit else "checked", outcome)


def _run_set_based(spec: ImportSpec, rows, commit: bool, outcome: Outcome, progress) -> None:
    """Load every row with the schema, hand the good ones to the area a chunk at a time, and mark the
    periods the import moved once (their recomputation is queued after the commit)."""
    from renkou.indicators.freshness import mark_and_queue, periods_moved_by
    from renkou.tenancy.context import current_town

    settings = current_app.config["RENKOU_SETTINGS"]
    run = start_run(commit, current_town(), settings.stat_year_start_month)
    schema = spec.schema()
    maskable = {column.field for column in spec.columns if column.maskable}
    chunk: list[Row] = []
    for number, cells in rows:
        outcome.total += 1
        row = _load_row(spec, schema, maskable, number, cells, outcome)
        if row is not None:
            chunk.append(row)
        if len(chunk) >= CHUNK_ROWS:
            _apply_chunk(spec, chunk, run, outcome)
            chunk = []
        if outcome.total % PROGRESS_EVERY == 0:
            progress(outcome.total)
    if chunk:
        _apply_chunk(spec, chunk, run, outcome)
    outcome.created, outcome.updated = run.created, run.updated
    if commit and run.changed:
        moved = periods_moved_by(run.dates, run.today, settings.stat_year_start_month)
        mark_and_queue(db.session, run.town_id, run.town_code, [period.id for period in sorted(moved)])


def _load_row(spec: ImportSpec, schema: Schema, maskable: set[str], number: int, cells: dict,
              outcome: Outcome) -> Row | None:
    masked = frozenset(field for field in maskable if cells.get(field) and MASKED.search(cells[field]))
    try:
        data = schema.load({k: v for k, v in cells.items() if v != "" and k not in masked})
        _check_key(spec, number, data, outcome)
    except ValidationError as invalid:
        _record_errors(spec, number, messages_of(invalid), outcome)
        return None
    except ServiceError as refused:
        _record_errors(spec, number, refused.errors, outcome)
        return None
    return Row(number, data, masked)


def _apply_chunk(spec: ImportSpec, chunk: list[Row], run: Run, outcome: Outcome) -> None:
    spec.apply_rows(chunk, run)
    for row in chunk:
        if row.errors:
            _record_errors(spec, row.number, row.errors, outcome)


def _run_row_by_row(spec: ImportSpec, rows, outcome: Outcome, progress) -> None:
    schema = spec.schema()
    maskable = {column.field for column in spec.columns if column.maskable}
    for number, row in rows:
        _apply_row(spec, schema, number, row, outcome, maskable)
        # Flushed rows are weakly held by the session, so memory does not grow with the file.
        if outcome.total % PROGRESS_EVERY == 0:
            progress(outcome.total)


def _apply_row(spec: ImportSpec, schema: Schema, number: int, row: dict, outcome: Outcome,
               maskable: set[str] = frozenset()) -> None:
    outcome.total += 1
    masked = sorted(field for field in maskable if row.get(field) and MASKED.search(row[field]))
    savepoint = db.session.begin_nested()
    try:
        data = schema.load({k: v for k, v in row.items() if v != "" and k not in masked})
        _check_key(spec, number, data, outcome)
        result = spec.apply(data, outcome.cache)
        if result == "created" and masked:  # a masked cell means "unchanged": a new record has nothing to keep
            raise ServiceError({field: [str(MASKED_MESSAGE)] for field in masked})
        savepoint.commit()
    except ValidationError as invalid:
        savepoint.rollback()
        _record_errors(spec, number, messages_of(invalid), outcome)
    except ServiceError as refused:
        savepoint.rollback()
        _record_errors(spec, number, refused.errors, outcome)
    else:
        if result == "created":
            outcome.created += 1
        else:
            outcome.updated += 1


def _check_key(spec: ImportSpec, number: int, data: dict, outcome: Outcome) -> None:
    key = spec.key(data)
    if key is None:
        return
    field, value = key
    first = outcome.seen_keys.setdefault(f"{field}:{value}", number)
    if first != number:
        raise ServiceError.on(field, str(_l("The same as row %(row)s of this file.", row=first)))


def _record_errors(spec: ImportSpec, number: int, errors: dict, outcome: Outcome) -> None:
    for field, messages in errors.items():
        for message in messages if isinstance(messages, list) else [messages]:
            outcome.errors.append({"row": number, "column": spec.header_of(field), "message": str(message)})


def _finish(batch_id: int, status: str, outcome: Outcome, failure: str = "") -> ImportBatch:
    batch = db.session.get(ImportBatch, batch_id)
    batch.status = status
    batch.failure = failure[:500]
    batch.total_rows = outcome.total
    batch.error_rows = outcome.error_rows
    outcome.errors.sort(key=lambda error: error["row"])  # set-based areas report after the row schema
    batch.errors = outcome.errors[:2000]  # enough to fix a file; the count says how many there were
    batch.created_count, batch.updated_count = outcome.created, outcome.updated
    batch.finished_at = utcnow()
    if status in ("committed", "failed"):
        batch.content = None  # the register holds the data now (or the file is unusable): it need not linger
    db.session.flush()
    return batch
