"""Outreach (宣传教育): activities, a catalogue of materials and their delivery to households, slogans,
and population-school (人口学校) sessions.

A record's village is optional where the work can be town-wide; deleting a village (only ever an empty
one) makes its records town-wide rather than failing. Deleting a household entered by mistake removes
it from the deliveries too.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from renkou.extensions import TownModel, town_metadata
from renkou.types import UTCDateTime, utcnow
from tenants.network.models import Village
from tenants.registry.models import Household

# 婚育新风进万家 performances, lectures (讲座), consultation days (咨询日), anything else.
ACTIVITY_KINDS = ("new_customs_performance", "lecture", "consultation_day", "other")
# 宣传单, 宣传册, 挂图/海报, 挂历/年历, 音像制品, 宣传品 printed on everyday things (扇子, 围裙, 手提袋), other.
MATERIAL_KINDS = ("leaflet", "booklet", "poster", "calendar", "audio_video", "daily_item", "other")


class OutreachActivity(TownModel):
    """An outreach activity in a village, or town-wide when no village is given."""

    __tablename__ = "outreach_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    activity_date: Mapped[date] = mapped_column(Date, index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id", ondelete="SET NULL"), index=True)
    participants: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    village: Mapped[Village | None] = relationship(lazy="joined")


class OutreachMaterial(TownModel):
    """A material in the town's catalogue (a leaflet, a booklet, a calendar…)."""

    __tablename__ = "outreach_materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


# Which households a delivery reached: one row per household, so a household counts once per delivery.
delivery_households = Table(
    "material_delivery_households",
    town_metadata,
    Column("delivery_id", ForeignKey("material_deliveries.id", ondelete="CASCADE"), primary_key=True),
    Column("household_id", ForeignKey("households.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class MaterialDelivery(TownModel):
    """A material handed out on a day to households of one village (宣传品入户)."""

    __tablename__ = "material_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("outreach_materials.id", ondelete="RESTRICT"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id", ondelete="SET NULL"), index=True)
    delivery_date: Mapped[date] = mapped_column(Date, index=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    material: Mapped[OutreachMaterial] = relationship(lazy="joined")
    village: Mapped[Village | None] = relationship(lazy="joined")
    households: Mapped[list[Household]] = relationship(secondary=delivery_households, order_by=Household.number)


class Slogan(TownModel):
    """A slogan (宣传标语) put up somewhere in the town: where, what it says, since when."""

    __tablename__ = "outreach_slogans"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id", ondelete="SET NULL"), index=True)
    place: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(String(500))
    slogan_date: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    village: Mapped[Village | None] = relationship(lazy="joined")


class SchoolSession(TownModel):
    """A population-school (人口学校) session: its topic, day, village (or the town school) and attendance."""

    __tablename__ = "school_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(200))
    session_date: Mapped[date] = mapped_column(Date, index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id", ondelete="SET NULL"), index=True)
    attendance: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    village: Mapped[Village | None] = relationship(lazy="joined")
