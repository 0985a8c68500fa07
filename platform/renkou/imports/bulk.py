"""What a set-based import gives an area: the checked rows of one chunk and the run they belong to.

An area that imports many rows (people, households, births) declares ``ImportSpec.apply_rows``: it gets
a chunk of rows that passed the row schema and the file's duplicate check, looks up what exists with
one query per kind, refuses rows with ``row.refuse`` (the same reasons its forms give), and, when the
run commits, writes the rest in bulk and tells the run what it wrote. The engine marks the periods the
import moved once, at the end, and queues their recomputation after the commit.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, Sequence, Table, func, insert, select

from renkou.audit.models import OUTCOME_SUCCESS, AuditEvent
from renkou.audit.services import _actor_fields
from renkou.crypto.keys import Sealer
from renkou.extensions import db
from renkou.indicators import periods
from renkou.reporting.locks import locked_months
from renkou.types import UTCDateTime, utcnow

# A cell an export masked (110101********123X, *******8000, 张*): "unchanged" for a record the row finds.
MASKED = re.compile(r"\*{2,}|^\S\*+$")
MASKED_MESSAGE = _l("This value is masked as in an export; write it in full for a new record.")


@dataclasses.dataclass
class Row:
    """One data row of the file: its spreadsheet row number, its loaded values and what is wrong with it."""

    number: int
    data: dict
    masked: frozenset[str] = frozenset()  # fields whose cell held a masked value
    errors: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    def refuse(self, field: str, message) -> None:
        self.errors.setdefault(field, []).append(str(message))

    @property
    def ok(self) -> bool:
        return not self.errors

    def refuse_masked(self) -> None:
        """A masked cell on a row that finds no record: there is nothing it could mean "unchanged" of."""
        for field in sorted(self.masked):
            self.refuse(field, MASKED_MESSAGE)


@dataclasses.dataclass
class Run:
    """One check (``commit=False``) or import of a batch, shared by all its chunks."""

    commit: bool
    town_id: int
    town_code: str
    today: date
    earliest: date  # dates before this move no period the hook would mark (see freshness.periods_moved_by)
    locked: frozenset[str]  # ids of the months whose report the county approved
    created: int = 0
    updated: int = 0
    dates: set[date] = dataclasses.field(default_factory=set)
    changed: bool = False
    cache: dict = dataclasses.field(default_factory=dict)  # look-ups every chunk shares (villages, …)
    _sealers: dict[str, Sealer] = dataclasses.field(default_factory=dict)

    def sealer(self, purpose: str) -> Sealer:
        """One cipher per purpose for the whole run (see renkou.crypto.keys.Sealer)."""
        if purpose not in self._sealers:
            self._sealers[purpose] = Sealer(self.town_code, purpose)
        return self._sealers[purpose]

    def refuse_locked(self, row: Row, field: str, days: Iterable[date | None]) -> None:
        """Refuse a row dated in a month whose report the county approved (the forms refuse it too)."""
        if not self.locked:
            return
        for day in days:
            if isinstance(day, datetime):
                day = _local_date(day)
            if day is None or not self.earliest <= day <= self.today:
                continue
            month = periods.period_containing(periods.MONTH, day).id
            if month in self.locked:
                row.refuse(field, _("The county has approved the report of %(months)s, so records dated in "
                                    "that month can no longer change. Ask the county to unlock the month first.",
                                    months=month))
                return

    def wrote(self, table: Table, values: Iterable[dict]) -> None:
        """Note rows written to ``table``: the dates they record decide which periods move."""
        date_columns = [column.key for column in table.columns if isinstance(column.type, Date | UTCDateTime)
                        and column.key not in ("created_at", "updated_at")]
        for row in values:
            self.changed = True
            for key in date_columns:
                value = row.get(key)
                if isinstance(value, datetime):
                    self.dates.add(_local_date(value))
                elif isinstance(value, date):
                    self.dates.add(value)


def _local_date(value: datetime) -> date:
    from renkou.timezone import county_tz

    return value.astimezone(county_tz()).date() if value.tzinfo else value.date()


def start_run(commit: bool, town, stat_year_start_month: int) -> Run:
    """A run for the current town: the approved months among those an import can move, read once."""
    today = _local_date(utcnow())
    earliest = min(periods.period_containing(periods.STAT_YEAR, today, stat_year_start_month).previous().start,
                   date(today.year - 1, 1, 1))
    months = [period.id for period in periods.periods_between(earliest, today, stat_year_start_month,
                                                              kinds=(periods.MONTH,))]
    locked = frozenset(locked_months(db.session.connection(), town.id, months))
    return Run(commit=commit, town_id=town.id, town_code=town.code, today=today, earliest=earliest, locked=locked)


def insert_many(table: Table, rows: list[dict]) -> list[int]:
    """Insert ``rows`` (dicts with the same keys) into ``table``; their new ids, in order.

    On PostgreSQL the ids are drawn from the table's sequence with one statement and the rows go in by
    COPY, many times faster than INSERT for thousands of rows, in the same transaction."""
    if not rows:
        return []
    if db.session.connection().dialect.name == "postgresql":
        sequence = Sequence(f"{table.name}_id_seq", schema=table.schema)
        new_ids = list(db.session.scalars(select(sequence.next_value()).select_from(
            func.generate_series(1, len(rows)))))
        copy_rows(table, [{**row, "id": new_id} for row, new_id in zip(rows, new_ids, strict=True)])
        return new_ids
    # SQLite: one executemany. From its first row on, this transaction holds the database's write lock,
    # and a new rowid is the largest so far plus one, so the rows just written are the last ``len(rows)``.
    # (INSERT … RETURNING in the order of the rows would go one row at a time here.)
    db.session.execute(insert(table), rows)
    newest = db.session.scalars(select(table.c.id).order_by(table.c.id.desc()).limit(len(rows)))
    return list(reversed(list(newest)))


def copy_rows(table: Table, rows: list[dict]) -> None:
    """COPY ``rows`` into ``table`` on the session's own connection (PostgreSQL), else executemany."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        db.session.execute(insert(table), rows)
        return
    translate = connection.get_execution_options().get("schema_translate_map") or {}
    schema = translate.get(table.schema, table.schema)
    keys = list(rows[0])
    json_keys = {key for key in keys if isinstance(table.c[key].type, JSON)}
    target = (f'"{schema}".' if schema else "") + f'"{table.name}"'
    columns = ", ".join(f'"{key}"' for key in keys)
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(
            f"COPY {target} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(row[key], ensure_ascii=False) if key in json_keys else row[key]
                            for key in keys])


def audit_many(action: str, record_type: str, entries: Iterable[tuple[int, dict]]) -> None:
    """One audit entry per record (``(record id, detail)``), written with one statement."""
    base = {**_actor_fields(None), "occurred_at": utcnow(), "town_code": _town_code(), "action": action,
            "record_type": record_type, "outcome": OUTCOME_SUCCESS, "client_addr": _client_addr()}
    copy_rows(AuditEvent.__table__, [{**base, "record_id": str(record_id), "detail": detail}
                                     for record_id, detail in entries])


def _town_code() -> str | None:
    from flask import g

    town = g.get("town")
    return town.code if town is not None else None


def _client_addr() -> str:
    from flask import has_request_context, request

    return (request.remote_addr or "") if has_request_context() else ""


def chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
