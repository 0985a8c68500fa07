"""Counselling visits (知情选择) and the "四前四后" follow-up service visits.

The method a person uses now is never stored: it is derived from the visits (services.current_methods),
so there is no second copy to drift. Nothing here is a quota, a check or a condition for any service.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from renkou.extensions import TownModel
from renkou.types import UTCDateTime, utcnow
from tenants.registry.models import Person

# The "四前四后" service visits: code → the official Chinese name.
FOLLOW_UP_KINDS: dict[str, str] = {
    "before_marriage": "婚前",
    "after_marriage": "婚后",
    "before_pregnancy": "孕前",
    "after_pregnancy": "孕后",
    "before_birth": "产前",
    "after_birth": "产后",
    "before_procedure": "术前",
    "after_procedure": "术后",
}


class CounsellingVisit(TownModel):
    """A counselling visit: the methods discussed, and what the person decided.

    ``method_chosen`` is the method the person chose themselves after counselling (then ``consent`` is
    true), or none; ``stopped`` records that the person stopped using a method. A visit with neither
    leaves the person's current method as it was.
    """

    __tablename__ = "counselling_visits"
    indicator_stock = True  # a stock: methods in use from the visit date on

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    visit_date: Mapped[date] = mapped_column(Date, index=True)
    counsellor: Mapped[str] = mapped_column(String(64))
    methods_discussed: Mapped[list[str]] = mapped_column(JSON, default=list)
    method_chosen: Mapped[str | None] = mapped_column(String(32), index=True)
    stopped: Mapped[bool] = mapped_column(default=False)
    # "The person chose it themselves after counselling": required whenever a method is chosen.
    consent: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    person: Mapped[Person] = relationship(lazy="joined")


class FollowUpVisit(TownModel):
    """A "四前四后" service visit (before/after marriage, pregnancy, childbirth, a procedure)."""

    __tablename__ = "follow_up_visits"
    indicator_stock = True  # a stock: methods in use from the visit date on

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    visit_date: Mapped[date] = mapped_column(Date, index=True)
    visitor: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(String(1000))
    outcome: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    person: Mapped[Person] = relationship(lazy="joined")
