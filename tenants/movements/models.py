"""Deaths and moves (人口变动) of people on the register.

A person's status on the register (resident, moved out, deceased) follows from their events that are
not cancelled, latest last; tenants.movements.services keeps Person.status in step with them. An event
entered by mistake is cancelled, never deleted, and stops counting.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from renkou.extensions import TownModel
from renkou.types import UTCDateTime, utcnow
from tenants.registry.models import Person

# 死亡, 迁出, 迁入. After each, the person is deceased, moved out, resident (tenants.movements.services).
MOVEMENT_KINDS = ("death", "move_out", "move_in")


class Movement(TownModel):
    """A death, a move out of the town (with the destination) or into it (with the origin)."""

    __tablename__ = "movements"
    indicator_stock = True  # a stock: population from the event date on

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    event_date: Mapped[date] = mapped_column(Date, index=True)
    place: Mapped[str | None] = mapped_column(String(200))  # destination (move out) or origin (move in)
    note: Mapped[str | None] = mapped_column(String(500))
    # The person was added to the register with this move into the town.
    created_person: Mapped[bool] = mapped_column(default=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    person: Mapped[Person] = relationship(lazy="joined")

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None
