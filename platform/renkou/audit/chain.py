"""The audit trail's hash chain: each entry carries an HMAC of its content and of the entry before it.

Entries are chained per scope (a town's code, or ``county`` for entries of no town), so towns do not wait
on one another. The key is held outside the database (derived from the master key, or
RENKOU_AUDIT_KEY), so whoever can write to the database still cannot forge, edit, remove or reorder an
entry without ``verify`` finding the first broken link.

Chaining must not fork under concurrent inserts: the head of a scope is read and the new entry written
under a lock held to the end of the transaction (PostgreSQL: a transaction-level advisory lock on the
scope; SQLite: BEGIN IMMEDIATE already serialises writers). A unique (scope, seq) index backs it up.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from renkou.audit.models import AuditEvent

COUNTY_SCOPE = "county"
_CONTENT = ("occurred_at", "actor_id", "actor_name", "town_code", "action", "record_type", "record_id", "outcome",
            "client_addr", "detail")


def chain_key(settings, master_key: bytes) -> bytes:
    """RENKOU_AUDIT_KEY when set, else a key derived from the master key (never stored in the database)."""
    if settings.audit_key:
        return settings.audit_key.encode()
    return hmac.new(master_key, b"renkou audit chain v1", hashlib.sha256).digest()


def current_key() -> bytes:
    return current_app.extensions["renkou.audit_key"]


def scope_of(town_code: str | None) -> str:
    return town_code or COUNTY_SCOPE


def _canonical_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def digest(key: bytes, scope: str, seq: int, prev_hash: str, values: dict) -> str:
    """The HMAC of one entry: its place in the chain, the hash before it and every field of its content."""
    content = {name: values.get(name) for name in _CONTENT}
    content["occurred_at"] = _canonical_time(content["occurred_at"])
    content["record_id"] = None if content["record_id"] is None else str(content["record_id"])
    message = json.dumps([scope, seq, prev_hash, content], ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                         default=str)
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def lock_scopes(connection: Connection, scopes) -> None:
    """Hold the chain heads of ``scopes`` until the transaction ends (PostgreSQL; SQLite's BEGIN IMMEDIATE
    already serialises writers). Sorted, so that two transactions never wait on each other in a circle."""
    if connection.dialect.name != "postgresql":
        return
    for scope in sorted(set(scopes)):
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"),
                           {"name": f"renkou.audit.{scope}"})


def link(connection: Connection, key: bytes, values: dict) -> dict:
    """``values`` of a new entry with its scope, seq, prev_hash and row_hash, the scope locked until the
    transaction of ``connection`` ends."""
    scope = scope_of(values.get("town_code"))
    lock_scopes(connection, [scope])
    table = AuditEvent.__table__
    head = connection.execute(
        select(table.c.seq, table.c.row_hash).where(table.c.scope == scope, table.c.seq.is_not(None))
        .order_by(table.c.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (head.seq + 1, head.row_hash) if head else (1, "")
    return {**values, "scope": scope, "seq": seq, "prev_hash": prev_hash,
            "row_hash": digest(key, scope, seq, prev_hash, values)}


# ---------------------------------------------------------------------------------------------------------
# Verification


@dataclasses.dataclass
class ScopeReport:
    scope: str
    entries: int = 0
    problem: str = ""  # empty: intact; English, for the command line
    entry_id: int | None = None  # the first entry whose link is broken
    kind: str = ""  # what broke it, for the page: unchained, missing, out_of_order, unlinked, altered

    @property
    def intact(self) -> bool:
        return not self.problem


def verify(connection: Connection, key: bytes, batch: int = 5000) -> list[ScopeReport]:
    """Every scope's chain checked link by link; each report names the first broken or missing link.

    Entries written before the chain existed (no seq) are accepted only before the first chained one;
    an unchained entry after it was inserted around the application.
    """
    table = AuditEvent.__table__
    reports: dict[str, ScopeReport] = {}
    expected: dict[str, tuple[int, str]] = {}
    first_chained = connection.execute(select(table.c.id).where(table.c.seq.is_not(None))
                                       .order_by(table.c.id).limit(1)).scalar()
    for row in _rows(connection, batch):
        scope = row.scope or scope_of(row.town_code)  # no scope: written before the chain existed
        report = reports.setdefault(scope, ScopeReport(scope))
        if report.problem:
            continue
        report.entries += 1
        if row.seq is None:
            if first_chained is not None and row.id > first_chained:
                report.problem, report.entry_id = "unchained entry (inserted around the application)", row.id
                report.kind = "unchained"
            continue
        seq, prev_hash = expected.get(scope, (1, ""))
        if row.seq != seq:
            report.kind = "missing" if row.seq > seq else "out_of_order"
            what = "missing entries" if row.seq > seq else "entry out of order or duplicated"
            report.problem, report.entry_id = f"{what}: expected link {seq}, found {row.seq}", row.id
        elif row.prev_hash != prev_hash:
            report.problem, report.entry_id = f"link {row.seq} does not follow link {seq - 1}", row.id
            report.kind = "unlinked"
        elif row.row_hash != digest(key, scope, row.seq, row.prev_hash, row._mapping):
            report.problem, report.entry_id = f"link {row.seq} was altered", row.id
            report.kind = "altered"
        else:
            expected[scope] = (row.seq + 1, row.row_hash)
    return sorted(reports.values(), key=lambda report: report.scope)


def _rows(connection: Connection, batch: int) -> Iterator:
    """Every entry in chain order within its scope (entries from before the chain first), streamed."""
    table = AuditEvent.__table__
    statement = select(table).order_by(table.c.scope, table.c.seq.nulls_first(), table.c.id)
    yield from connection.execute(statement, execution_options={"yield_per": batch})
