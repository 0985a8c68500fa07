"""Writing and reading the audit trail.

``record`` adds an entry to the current transaction, so it is stored exactly when the change it
describes is. ``record_now`` is for failures and denials, whose request is rolled back: it writes on a
connection of its own once the current transaction has ended, whichever way it ends. (Waiting for
the end matters on SQLite, where the request's transaction holds the write lock of shared.db.)
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, time, timedelta

from flask import g, has_app_context, has_request_context, request
from flask_login import current_user
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from renkou.audit import chain
from renkou.audit.models import OUTCOME_SUCCESS, AuditEvent
from renkou.db import after_commit, after_rollback
from renkou.extensions import db
from renkou.pagination import Page, paginate
from renkou.redaction import redact_value
from renkou.types import utcnow

_CURRENT = object()


def _actor_fields(actor) -> dict:
    if actor is not None:
        return {"actor_id": actor.id, "actor_name": actor.username}
    if has_request_context() and current_user and current_user.is_authenticated:
        return {"actor_id": current_user.id, "actor_name": current_user.username}
    if has_app_context() and g.get("job_actor"):
        actor_id, actor_name = g.job_actor
        return {"actor_id": actor_id, "actor_name": actor_name}
    return {"actor_id": None, "actor_name": ""}


def _current_town_code() -> str | None:
    town = g.get("town") if has_app_context() else None
    return town.code if town is not None else None


def _values(action, *, actor, actor_id, actor_name, town_code, record_type, record_id, outcome, detail) -> dict:
    values = _actor_fields(actor)
    if actor_id is not None:
        values["actor_id"] = actor_id
    if actor_name is not None:
        values["actor_name"] = actor_name
    values.update(
        occurred_at=utcnow(),
        town_code=_current_town_code() if town_code is _CURRENT else town_code,
        action=action,
        record_type=record_type,
        record_id=None if record_id is None else str(record_id),
        outcome=outcome,
        client_addr=(request.remote_addr or "") if has_request_context() else "",
        # IDs and phones typed into a search or a form never land in the trail in clear.
        detail=redact_value(detail or {}),
    )
    return values


def record(action: str, *, actor=None, actor_id=None, actor_name=None, town_code=_CURRENT, record_type=None,
           record_id=None, outcome=OUTCOME_SUCCESS, detail=None) -> AuditEvent:
    event = AuditEvent(**_values(action, actor=actor, actor_id=actor_id, actor_name=actor_name, town_code=town_code,
                                 record_type=record_type, record_id=record_id, outcome=outcome, detail=detail))
    db.session.add(event)
    return event


def record_now(action: str, *, actor=None, actor_id=None, actor_name=None, town_code=_CURRENT, record_type=None,
               record_id=None, outcome=OUTCOME_SUCCESS, detail=None) -> None:
    values = _values(action, actor=actor, actor_id=actor_id, actor_name=actor_name, town_code=town_code,
                     record_type=record_type, record_id=record_id, outcome=outcome, detail=detail)
    key = chain.current_key()
    write_when_transaction_ends(
        lambda connection: AuditEvent.__table__.insert().values(**chain.link(connection, key, values)))


def write_when_transaction_ends(statement) -> None:
    """Execute ``statement`` in a transaction of its own after the session's current one ends.

    ``statement`` may be a callable taking the connection and returning the statement (an audit entry
    chained to the head its scope has then)."""

    def write():
        with db.engine.begin() as connection:
            connection.execute(statement(connection) if callable(statement) else statement)

    session = db.session()
    if session.in_transaction():
        after_commit(session, write)
        after_rollback(session, write)
    else:
        write()


@event.listens_for(Session, "before_flush")
def _chain_new_entries(session: Session, _flush_context, _instances) -> None:
    """Link every audit entry of this flush to its scope's chain, in the order they were added."""
    entries = sorted((obj for obj in session.new if isinstance(obj, AuditEvent) and obj.seq is None),
                     key=lambda obj: inspect(obj).insert_order)
    if not entries:
        return
    connection = session.connection(bind_arguments={"mapper": inspect(AuditEvent)})
    chain.lock_scopes(connection, [chain.scope_of(entry.town_code) for entry in entries])
    key = chain.current_key()
    heads: dict[str, tuple[int, str]] = {}
    for entry in entries:
        values = {column.key: getattr(entry, column.key) for column in AuditEvent.__table__.columns}
        scope = chain.scope_of(entry.town_code)
        if scope in heads:
            seq, prev_hash = heads[scope]
            linked = {"scope": scope, "seq": seq + 1, "prev_hash": prev_hash,
                      "row_hash": chain.digest(key, scope, seq + 1, prev_hash, values)}
        else:
            linked = chain.link(connection, key, values)
        for name in ("scope", "seq", "prev_hash", "row_hash"):
            setattr(entry, name, linked[name])
        heads[scope] = (entry.seq, entry.row_hash)


@dataclasses.dataclass
class AuditFilter:
    actor_name: str = ""
    town_code: str = ""
    action: str = ""
    outcome: str = ""
    record_type: str = ""
    record_id: str = ""
    date_from: date | None = None
    date_to: date | None = None


def search(filters: AuditFilter, page: int = 1, per_page: int = 50) -> Page:
    """Entries matching ``filters``, newest first."""
    return paginate(db.session, _statement(filters), page, per_page)


EXPORT_HEADERS = ["时间(UTC)", "用户", "乡镇", "操作", "记录类型", "记录", "结果", "IP地址", "详情", "链", "序号",
                  "前一哈希", "哈希"]


def export(filters: AuditFilter):
    """The entries matching ``filters`` for a spreadsheet, with their chain links; the export is audited."""
    from renkou.imports.exports import EXPORT_LIMIT, Sheet

    record("audit.export", town_code=None, detail={k: str(v) for k, v in dataclasses.asdict(filters).items() if v})
    events = db.session.scalars(_statement(filters).limit(EXPORT_LIMIT))
    rows = ([e.occurred_at.isoformat(), e.actor_name, e.town_code or "", e.action, e.record_type or "",
             e.record_id or "", e.outcome, e.client_addr, json.dumps(e.detail, ensure_ascii=False, sort_keys=True),
             e.scope, e.seq or "", e.prev_hash, e.row_hash] for e in events)
    return Sheet(EXPORT_HEADERS, rows, "审计日志")


def _statement(filters: AuditFilter):
    statement = select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    exact = {
        AuditEvent.actor_name: filters.actor_name,
        AuditEvent.town_code: filters.town_code,
        AuditEvent.outcome: filters.outcome,
        AuditEvent.record_type: filters.record_type,
        AuditEvent.record_id: filters.record_id,
    }
    for column, value in exact.items():
        if value:
            statement = statement.where(column == value)
    if filters.action:
        statement = statement.where(AuditEvent.action.startswith(filters.action, autoescape=True))
    if filters.date_from:
        statement = statement.where(AuditEvent.occurred_at >= _start_of(filters.date_from))
    if filters.date_to:
        statement = statement.where(AuditEvent.occurred_at < _start_of(filters.date_to + timedelta(days=1)))
    return statement


def _start_of(day: date) -> datetime:
    from renkou.timezone import county_tz

    return datetime.combine(day, time.min, tzinfo=county_tz())


def record_history(record_type: str, record_id, limit: int = 100) -> list[AuditEvent]:
    """What happened to one record of the current town, newest first: the record page's history.

    Plain reads are left out (every visit to the page is one); the audit administrator sees them.
    """
    statement = (
        select(AuditEvent)
        .where(AuditEvent.town_code == _current_town_code(), AuditEvent.record_type == record_type,
               AuditEvent.record_id == str(record_id), AuditEvent.action.not_like("%.read"))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(statement))


def chain_state() -> list[chain.ScopeReport]:
    """The hash chain of every scope, checked now (the audit page shows it)."""
    return chain.verify(db.session.connection(bind_arguments={"mapper": inspect(AuditEvent)}), chain.current_key())
