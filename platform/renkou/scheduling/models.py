"""Shared tables of the schedules: the county's overrides of the code defaults, and the runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from renkou.db import SHARED_SCHEMA
from renkou.extensions import db
from renkou.types import UTCDateTime, utcnow


class ScheduleSetting(db.Model):
    """The county administrator's override of one schedule's cron string or on/off switch.

    No row means the code's default applies; a row for a schedule the code no longer has is ignored.
    """

    __tablename__ = "schedule_settings"
    __table_args__ = (UniqueConstraint("name", name="uq_schedule_settings_name"), {"schema": SHARED_SCHEMA})

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    local_cron: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(default=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ScheduleRun(db.Model):
    """One due slot of one schedule, claimed by the tick that inserted this row.

    The unique (name, slot) key is the lock: a second tick, or a second cron process, fails to insert
    the same row and leaves the slot alone.
    """

    __tablename__ = "schedule_runs"
    __table_args__ = (
        UniqueConstraint("name", "slot", name="uq_schedule_runs_name_slot"),
        Index("ix_schedule_runs_slot", "slot"),
        {"schema": SHARED_SCHEMA},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    slot: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    enqueued: Mapped[int | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
