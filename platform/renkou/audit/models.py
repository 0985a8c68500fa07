from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from renkou.db import SHARED_SCHEMA
from renkou.extensions import db
from renkou.types import UTCDateTime, utcnow

OUTCOME_SUCCESS = "success"
OUTCOME_FAILURE = "failure"
OUTCOME_DENIED = "denied"


class AuditEvent(db.Model):
    """One entry of the audit trail. Database triggers refuse UPDATE and DELETE (see the migration), the
    application's database role may only SELECT and INSERT it, and each entry is chained to the one before
    it in its scope by an HMAC (renkou.audit.chain)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_occurred_at", "occurred_at"),
        Index("ix_audit_events_town_code_occurred_at", "town_code", "occurred_at"),
        Index("ix_audit_events_record", "record_type", "record_id"),
        Index("ux_audit_events_scope_seq", "scope", "seq", unique=True),
        {"schema": SHARED_SCHEMA},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column()
    actor_name: Mapped[str] = mapped_column(String(64), default="")
    town_code: Mapped[str | None] = mapped_column(String(9))
    action: Mapped[str] = mapped_column(String(64))
    record_type: Mapped[str | None] = mapped_column(String(64))
    record_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16), default=OUTCOME_SUCCESS)
    client_addr: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    # The chain: the town's code or "county", the entry's position in it, the HMAC of the entry before it
    # and its own. Entries written before the chain existed have no seq.
    scope: Mapped[str] = mapped_column(String(16), default="")
    seq: Mapped[int | None] = mapped_column()
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    row_hash: Mapped[str] = mapped_column(String(64), default="")
