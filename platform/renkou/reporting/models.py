"""A town's monthly report to the county, kept in the shared schema (the county reads it).

Life of a report (one row per town and month, made when the town first prepares or submits it):
draft → submitted → approved, or submitted → returned → submitted … An approved month is locked: its
figures are kept with the report and the town's registers refuse changes dated in it. The county may
unlock an approved month with a reason; the report is then ``unlocked`` (not ``returned``: it was once
approved, and its figures may already have gone to the higher bureau), and the town corrects and submits
again. Every step is kept in ``town_report_events``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from renkou.db import SHARED_SCHEMA
from renkou.extensions import db
from renkou.types import UTCDateTime, utcnow

DRAFT, SUBMITTED, APPROVED, RETURNED, UNLOCKED = "draft", "submitted", "approved", "returned", "unlocked"
STATUSES = (DRAFT, SUBMITTED, APPROVED, RETURNED, UNLOCKED)
# The town may submit from these; the county decides on SUBMITTED only.
SUBMITTABLE = (DRAFT, RETURNED, UNLOCKED)


class TownReport(db.Model):
    __tablename__ = "town_reports"
    __table_args__ = (UniqueConstraint("town_id", "period", name="uq_town_reports_town_period"),
                      {"schema": SHARED_SCHEMA})

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.towns.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(16))  # a month, e.g. 202611
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=DRAFT)
    first_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # timeliness counts the first
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.users.id"))
    return_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The town's explanation of its figures, prepared by its staff and sent with the report.
    note: Mapped[str | None] = mapped_column(String(1000))
    # While approved: {indicator: {"numerator": "3", "denominator": "2", "value": "150.00" | null}}.
    approved_figures: Mapped[dict | None] = mapped_column(JSON)
    unlocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the latest unlock (who: the events)
    unlock_reason: Mapped[str | None] = mapped_column(String(500))

    @property
    def is_locked(self) -> bool:
        return self.status == APPROVED


class TownReportEvent(db.Model):
    """One step of a report: submitted, approved, returned, unlocked (with the figures of that moment when
    it was a submission or an approval)."""

    __tablename__ = "town_report_events"
    __table_args__ = (Index("ix_town_report_events_report_id", "report_id"), {"schema": SHARED_SCHEMA})

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.town_reports.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(16))  # submitted | approved | returned | unlocked
    actor_id: Mapped[int | None] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.users.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str | None] = mapped_column(String(500))
    figures: Mapped[dict | None] = mapped_column(JSON)
