from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from renkou.crypto.fields import EncryptedString
from renkou.extensions import TownModel
from renkou.types import UTCDateTime, utcnow
from tenants.network.models import Village, VillageGroup

SEXES = ("M", "F")
MARITAL_STATUSES = ("unmarried", "married", "divorced", "widowed")
RELATIONS = ("head", "spouse", "child", "parent", "grandchild", "sibling", "other")
# Kept up to date by the deaths and moves register; a person is never deleted for leaving.
PERSON_STATUSES = ("resident", "moved_out", "deceased")


class Household(TownModel):
    """A household (户): where it is and who belongs to it."""

    __tablename__ = "households"
    indicator_stock = True  # a stock: households (material and household coverage)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The town's own household number, unique in the town: how imports find the household again.
    number: Mapped[str] = mapped_column(String(32), unique=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id", ondelete="RESTRICT"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("village_groups.id", ondelete="SET NULL"), index=True)
    address: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    village: Mapped[Village] = relationship(lazy="joined")
    group: Mapped[VillageGroup | None] = relationship(lazy="joined")
    members: Mapped[list[Person]] = relationship(back_populates="household", order_by="Person.id")

    @property
    def head(self) -> Person | None:
        return next((member for member in self.members if member.relation == "head"), None)


class Person(TownModel):
    """A person on the town's register. The resident ID is encrypted; its blind index finds it."""

    __tablename__ = "people"
    indicator_stock = True  # a stock: population and women 15–49

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date] = mapped_column(Date, index=True)
    resident_id: Mapped[str | None] = mapped_column(EncryptedString("people.resident_id"))
    resident_id_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    resident_id_legacy: Mapped[bool] = mapped_column(default=False)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id", ondelete="SET NULL"), index=True)
    relation: Mapped[str] = mapped_column(String(16), default="other")
    marital_status: Mapped[str] = mapped_column(String(16), default="unmarried")
    phone: Mapped[str | None] = mapped_column(EncryptedString("people.phone"))
    status: Mapped[str] = mapped_column(String(16), default="resident", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    household: Mapped[Household | None] = relationship(back_populates="members", lazy="joined")

    def age_on(self, day: date) -> int:
        return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))
