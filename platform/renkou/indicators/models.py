"""Shared tables of the indicators: values per town and period, freshness, review flags, town reports.

County pages read only these tables (DESIGN.md §3): the values are written by one job per town and
period, which reads that town's registers and nothing else.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from renkou.db import SHARED_SCHEMA
from renkou.extensions import db
from renkou.types import UTCDateTime, utcnow

AMOUNT = Numeric(18, 4)


class IndicatorValue(db.Model):
    """One indicator of one town for one period. Rewritten in place by every recomputation."""

    __tablename__ = "indicator_values"
    __table_args__ = (
        UniqueConstraint("town_id", "indicator", "period", name="uq_indicator_values_town_indicator_period"),
        Index("ix_indicator_values_period_indicator", "period", "indicator"),
        {"schema": SHARED_SCHEMA},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.towns.id", ondelete="CASCADE"))
    indicator: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(16))
    period_kind: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[date] = mapped_column(Date)
    numerator: Mapped[Decimal] = mapped_column(AMOUNT)
    denominator: Mapped[Decimal] = mapped_column(AMOUNT)
    value: Mapped[Decimal | None] = mapped_column(AMOUNT)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TownPeriod(db.Model):
    """Freshness of one town's figures for one period.

    A change in the town's registers sets ``dirty_since`` in the same transaction as the change; the
    recomputation clears it only if nothing newer arrived while it ran.
    """

    __tablename__ = "town_periods"
    __table_args__ = (
        UniqueConstraint("town_id", "period", name="uq_town_periods_town_period"),
        Index("ix_town_periods_dirty_since", "dirty_since"),
        {"schema": SHARED_SCHEMA},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.towns.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(16))
    dirty_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped by every change; a recomputation clears the mark only if the count is what it read.
    change_count: Mapped[int] = mapped_column(default=0)
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    compute_ms: Mapped[int | None] = mapped_column()


class ValidationFlag(db.Model):
    """An implausible value held for review (e.g. a sex ratio outside 80–130)."""

    __tablename__ = "validation_flags"
    __table_args__ = (
        UniqueConstraint("town_id", "indicator", "period", "rule", name="uq_validation_flags_key"),
        {"schema": SHARED_SCHEMA},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.towns.id", ondelete="CASCADE"))
    indicator: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | reviewed
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_note: Mapped[str | None] = mapped_column(String(500))
