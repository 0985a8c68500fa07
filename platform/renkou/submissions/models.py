"""Submissions to the higher bureau, their delivery attempts and the bureau's import summary (shared schema).

One row per revision of a report for a period: UNIQUE(report, period, revision). A revision's payload is
written once, when it is built, and never changed after it has left the draft state; a correction is the
next revision. ``state`` moves only through renkou.submissions.states (a guarded state machine), so a
delivery job run twice never sends an accepted submission again.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from renkou.accounts.models import User
from renkou.db import SHARED_SCHEMA
from renkou.extensions import db
from renkou.types import UTCDateTime, utcnow

DRAFT, QUEUED, SENDING, DELIVERED, ACCEPTED, REJECTED, FAILED = (
    "draft", "queued", "sending", "delivered", "accepted", "rejected", "failed")
STATES = (DRAFT, QUEUED, SENDING, DELIVERED, ACCEPTED, REJECTED, FAILED)
# A revision in one of these states has been answered for good; it may be sent again (resend) or corrected.
SETTLED = (ACCEPTED, REJECTED, FAILED, DELIVERED)
IN_FLIGHT = (QUEUED, SENDING)


class Submission(db.Model):
    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("report", "period", "revision", name="uq_submissions_report_period_revision"),
        Index("ix_submissions_state", "state"),
        {"schema": SHARED_SCHEMA},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report: Mapped[str] = mapped_column(String(16))  # monthly | quarterly | half_yearly | annual
    period: Mapped[str] = mapped_column(String(16))  # DHIS2 period id: 202611, 2026Q4, 2026S2, 2025Oct
    period_start: Mapped[date] = mapped_column(Date)  # for sorting by period
    revision: Mapped[int] = mapped_column()
    definition_version: Mapped[str] = mapped_column(String(16))
    data_set: Mapped[str] = mapped_column(String(64))
    org_unit: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    state: Mapped[str] = mapped_column(String(16), default=DRAFT)
    payload: Mapped[dict] = mapped_column(JSON)  # the DHIS2 dataValueSet; ADX and XLSX are rendered from it
    # What each town contributed, {town code: {"name": …, "figures": {source: "12"}}}, for people to check.
    sources: Mapped[dict] = mapped_column(JSON, default=dict)
    towns_included: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(String(500), default="")  # why this revision corrects the last
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A resend starts a new delivery round; a job of an older round finds the round moved on and stops.
    delivery_round: Mapped[int] = mapped_column(default=0)
    # Set by the delivery job that holds the revision (state sending); its later writes require it.
    claim: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(1000))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The bureau's import summary, as it last answered.
    summary_status: Mapped[str | None] = mapped_column(String(16))  # SUCCESS | WARNING | ERROR
    imported: Mapped[int | None] = mapped_column()
    updated: Mapped[int | None] = mapped_column()
    ignored: Mapped[int | None] = mapped_column()
    deleted: Mapped[int | None] = mapped_column()
    conflicts: Mapped[list] = mapped_column(JSON, default=list)  # [{"object": …, "value": …}]
    bureau_reference: Mapped[str | None] = mapped_column(String(128))

    created_by: Mapped[User | None] = relationship(lazy="joined")
    attempts: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="submission", order_by="DeliveryAttempt.attempt_no", cascade="all, delete-orphan",
        passive_deletes=True)

    @property
    def has_summary(self) -> bool:
        return self.summary_status is not None

    def __repr__(self) -> str:
        return f"<Submission {self.report} {self.period} r{self.revision} {self.state}>"


class DeliveryAttempt(db.Model):
    """One POST to the bureau (or one that a stopped worker left unfinished)."""

    __tablename__ = "submission_attempts"
    __table_args__ = (
        UniqueConstraint("submission_id", "attempt_no", name="uq_submission_attempts_submission_id"),
        {"schema": SHARED_SCHEMA},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.submissions.id", ondelete="CASCADE"))
    attempt_no: Mapped[int] = mapped_column()
    delivery_round: Mapped[int] = mapped_column()
    format: Mapped[str] = mapped_column(String(8))  # json | adx
    message_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    http_status: Mapped[int | None] = mapped_column()
    response_excerpt: Mapped[str | None] = mapped_column(String(2000))
    error: Mapped[str | None] = mapped_column(String(1000))

    submission: Mapped[Submission] = relationship(back_populates="attempts")
