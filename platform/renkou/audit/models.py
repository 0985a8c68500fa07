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
    """One entry of the audit trail. Database triggers refuse UPDATE and DELETE (see the migration)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_occurred_at", "occurred_at"),
        Index("ix_audit_events_town_code_occurred_at", "town_code", "occurred_at"),
        Index("ix_audit_events_record", "record_type", "record_id"),
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
