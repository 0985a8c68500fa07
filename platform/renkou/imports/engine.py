"""Checking and applying a spreadsheet row by row, all valid rows in one transaction."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError

from renkou.db import after_commit, town_engines, town_schema
from renkou.errors import ServiceError
from renkou.extensions import db
from renkou.imports.models import ImportBatch
from renkou.imports.spreadsheets import Column, UnreadableFile, read_rows
from renkou.schemas import messages_of
from renkou.tenancy.context import current_town
from renkou.types import utcnow

PROGRESS_EVERY = 100
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

    ``apply(row, cache)`` creates or updates the record (it must find an existing one by its natural
    key, so a re-upload updates instead of duplicating) and returns "created" or "updated"; ``cache``
    is a dict that lives for one run, for look-ups many rows share. ``key`` gives a
    loaded row's natural key (field, value): two rows of one file with the same key are an error,
    not a silent overwrite.
    """

    kind: str
    title: object  # a lazy translated string
    columns: list[Column]
    schema: type[Schema]
    apply: Callable[[dict, dict], str]
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
    filename, content = batch.filename, batch.content
    outcome = Outcome()
    everything = db.session.begin_nested()
    try:
        for number, row in read_rows(filename, content, spec.columns):
            _apply_row(spec, number, row, outcome)
            # Flushed rows are weakly held by the session, so memory does not grow with the file.
            if outcome.total % PROGRESS_EVERY == 0:
                progress(outcome.total)
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


def _apply_row(spec: ImportSpec, number: int, row: dict, outcome: Outcome) -> None:
    outcome.total += 1
    savepoint = db.session.begin_nested()
    try:
        data = spec.schema().load({k: v for k, v in row.items() if v != ""})
        _check_key(spec, number, data, outcome)
        result = spec.apply(data, outcome.cache)
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
    batch.errors = outcome.errors[:2000]  # enough to fix a file; the count says how many there were
    batch.created_count, batch.updated_count = outcome.created, outcome.updated
    batch.finished_at = utcnow()
    if status == "committed":
        batch.content = None  # the register holds the data now; the upload need not linger
    db.session.flush()
    return batch
