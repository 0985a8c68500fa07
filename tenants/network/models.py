from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from renkou.crypto.fields import EncryptedString
from renkou.extensions import TownModel
from renkou.types import UTCDateTime, utcnow


class Village(TownModel):
    """A village or residents' committee of the town, by its 12-digit statistical area code."""

    __tablename__ = "villages"
    indicator_stock = True  # a stock: villages (agreement coverage)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    groups: Mapped[list[VillageGroup]] = relationship(back_populates="village", order_by="VillageGroup.code")


class VillageGroup(TownModel):
    """A village group (村民小组): a local 3-digit extension of the village's code."""

    __tablename__ = "village_groups"
    __table_args__ = (UniqueConstraint("village_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    village: Mapped[Village] = relationship(back_populates="groups")

    @property
    def full_code(self) -> str:
        return self.village.code + self.code


class VillageStaff(TownModel):
    """Someone who works for the town in a village (村计生专干, 网格员 …) and their duties."""

    __tablename__ = "village_staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    position: Mapped[str] = mapped_column(String(64))
    duties: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str | None] = mapped_column(EncryptedString("village_staff.phone"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    village: Mapped[Village] = relationship()
