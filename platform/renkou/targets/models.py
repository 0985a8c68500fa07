"""The shared table of targets: one value per indicator, period and scope."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from renkou.accounts.models import User
from renkou.db import SHARED_SCHEMA
from renkou.extensions import db
from renkou.tenancy.models import Town
from renkou.types import UTCDateTime, utcnow

COUNTY_SCOPE = "county"
SOURCE_COUNTY, SOURCE_BUREAU = "county", "bureau"
SOURCES = (SOURCE_COUNTY, SOURCE_BUREAU)


class Target(db.Model):
    """The target of one indicator for one period, for the whole county or for one town.

    ``scope`` is ``"county"`` or the town's code. It is never NULL, so UNIQUE(indicator, period, scope)
    holds on PostgreSQL and SQLite alike (a UNIQUE over a NULL ``town_id`` would let county targets
    repeat). History is the audit trail: every change is recorded with the old and new value.
    """

    __tablename__ = "targets"
    __table_args__ = (
        UniqueConstraint("indicator", "period", "scope", name="uq_targets_indicator_period_scope"),
        CheckConstraint("(town_id IS NULL) = (scope = 'county')", name="scope_matches_town"),
        CheckConstraint("source IN ('county', 'bureau')", name="source"),
        Index("ix_targets_period", "period"),
        {"schema": SHARED_SCHEMA},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(16))
    period_kind: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(16))
    town_id: Mapped[int | None] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.towns.id", ondelete="CASCADE"))
    value: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    source: Mapped[str] = mapped_column(String(16), default=SOURCE_COUNTY)
    note: Mapped[str] = mapped_column(String(500), default="")
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    town: Mapped[Town | None] = relationship(lazy="joined")
    set_by: Mapped[User | None] = relationship(lazy="joined")

    @property
    def is_county(self) -> bool:
        return self.town_id is None

    def __repr__(self) -> str:
        return f"<Target {self.indicator} {self.period} {self.scope}={self.value}>"
